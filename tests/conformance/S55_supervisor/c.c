/* S55 - Supervisor (aiotools): failures go to the handler chain, a body error cancels
 * (R52, R55, R49). Supervisor = a scoped SUPERVISE group with a JOIN exit. */
#include "scenario.h"

#include <string.h>

/* A: await sleep(5); raise ValueError("a") */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(5));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "a");
}

/* B: await sleep(10); log("B finished") */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(10));
    if (rc < 0)
        return rc;
    slog(self, "B finished");
    return 0;
}

/* C: try: await sleep(100) except Cancelled: log("C cancelled"); raise */
FIBER(task_c)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "C cancelled");
    return rc;
}

FIBER(main_fiber)
{
    corral_group *sv;
    /* Part 1: async with Supervisor() as sv: spawn A, B; await sleep(1); log("body done") */
    CHECK(corral_group_enter(&sv, self, NULL, CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN));
    scn_spawn(sv, "A", task_a, NULL);
    scn_spawn(sv, "B", task_b, NULL);
    int body = corral_sleep_for(corral_ms(1));
    if (body == 0)
        slog(self, "body done");
    CHECK(corral_group_exit(sv, body));
    corral_group_unref(sv);
    slog(self, "exit 1");

    /* Part 2: try: async with Supervisor() as sv: spawn C; await sleep(1); raise ValueError("body")
     *         except ValueError: log("body error propagated") */
    CHECK(corral_group_enter(&sv, self, NULL, CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN));
    scn_spawn(sv, "C", task_c, NULL);
    body = corral_sleep_for(corral_ms(1));
    if (body == 0)
        body = corral_task_raise(self, "ValueError", "body");
    int rc = corral_group_exit(sv, body);
    corral_group_unref(sv);
    if (rc == CORRAL_EUSER &&
        !strcmp(corral_error_kind(corral_task_last_error(self)), "ValueError"))
        slog(self, "body error propagated");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
