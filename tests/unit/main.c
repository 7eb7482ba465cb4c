/*
 * corral_unit - the Check runner for every core suite.
 *
 * ctest runs it once per suite with CK_RUN_SUITE=<suite>; `corral_unit --list` prints the
 * suite names (used by valgrind.sh). All CK_* environment variables apply (CK_FORK,
 * CK_RUN_CASE, CK_EXCLUDE_TAGS, CK_TIMEOUT_MULTIPLIER, CK_VERBOSITY, ...).
 */
#include "cu.h"

#include <stdio.h>
#include <stdlib.h>

static const struct {
    const char *name; /* must equal the name passed to suite_create */
    Suite *(*make)(void);
} suites[] = {
    {"errors_values", cu_suite_errors_values},
    {"runtime", cu_suite_runtime},
    {"tasks", cu_suite_tasks},
    {"futures", cu_suite_futures},
    {"scopes", cu_suite_scopes},
    {"groups", cu_suite_groups},
    {"queues", cu_suite_queues},
    {"sync", cu_suite_sync},
    {"host", cu_suite_host},
    {"bad_input", cu_suite_bad_input},
    {"helpers", cu_suite_helpers},
    {"exitstack", cu_suite_exitstack},
    {"context", cu_suite_context},
};

int main(int argc, char **argv)
{
    size_t ns = sizeof suites / sizeof suites[0];
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < ns; i++)
            puts(suites[i].name);
        return EXIT_SUCCESS;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--list]  (select with CK_RUN_SUITE / CK_RUN_CASE)\n", argv[0]);
        return 2;
    }
    SRunner *sr = srunner_create(suites[0].make());
    for (size_t i = 1; i < ns; i++)
        srunner_add_suite(sr, suites[i].make());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
