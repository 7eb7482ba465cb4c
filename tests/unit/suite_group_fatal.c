/* groups suite, fatal-error cases (R58): a fatal error closes and cancels every group it
 * passes; a scoped group's exit raises it as itself; from a free group the run ends with it;
 * handlers never see it. */
#include "cu.h"

#include <stdio.h>

static int fatal_after(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    int rc = cu_sleep_ms((int64_t)(intptr_t)arg);
    return rc < 0 ? rc : cu_raise_fatal(self, "KeyboardInterrupt", "stop");
}

static int handler_calls;

static int counting_handler(corral_group *g, corral_task *member, corral_error *err,
                            corral_error **raised, void *ud)
{
    (void)g, (void)member, (void)err, (void)raised, (void)ud;
    handler_calls++;
    return 0;
}

static corral_task *fatal_member;

static int fail_fast_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *tg = NULL;
    FCHECK_EQ(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(tg);
    FCHECK_EQ(corral_group_set_handler(tg, counting_handler, NULL), 0);
    FCHECK((fatal_member = cu_spawn_in(tg, "A", fatal_after, (void *)5)));
    FCHECK(cu_spawn_member(tg, "B", (cu_member_spec){.ms = 5, .fail = "b"}));
    FCHECK(cu_spawn_member(tg, "C", (cu_member_spec){.ms = 100}));
    int body = cu_sleep_ms(50);
    FCHECK_EQ(body, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_group_exit(tg, body), CORRAL_EUSER);
    /* the member's own error object, not an ErrorGroup around it */
    FCHECK(corral_task_last_error(self) == corral_task_error(fatal_member));
    FCHECK_EQ(corral_error_is_fatal(corral_task_last_error(self)), 1);
    return 0;
}

START_TEST(test_fatal_member_scoped_group_exit_raises_it_unwrapped)
{
    handler_calls = 0;
    ck_assert_int_eq(cu_run(fail_fast_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A fail KeyboardInterrupt:stop\n"
                                      "5 B fail ValueError:b\n"
                                      "5 C cancelled\n");
    ck_assert_int_eq(handler_calls, 0);
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
}
END_TEST

static int supervise_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *sv = NULL;
    FCHECK_EQ(corral_group_enter(&sv, self, "SV", CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(sv);
    FCHECK_EQ(corral_group_set_handler(sv, counting_handler, NULL), 0);
    FCHECK(cu_spawn_in(sv, "A", fatal_after, (void *)5));
    FCHECK(cu_spawn_member(sv, "B", (cu_member_spec){.ms = 100}));
    int body = cu_sleep_ms(50); /* cancelled at 5: a fatal error acts as FAIL_FAST */
    FCHECK_EQ(body, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_group_exit(sv, body), CORRAL_EUSER);
    FCHECK_STR(corral_error_kind(corral_task_last_error(self)), "KeyboardInterrupt");
    FCHECK_EQ(cu_now_ms(), 5);
    return 0;
}

START_TEST(test_fatal_member_supervisor_closes_and_raises)
{
    handler_calls = 0;
    ck_assert_int_eq(cu_run(supervise_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A fail KeyboardInterrupt:stop\n"
                                      "5 SV CLOSING\n"
                                      "5 B cancelled\n"
                                      "5 SV CLOSED\n");
    ck_assert_int_eq(handler_calls, 0);
}
END_TEST

static int body_fatal_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *tg = NULL;
    FCHECK_EQ(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(tg);
    FCHECK(cu_spawn_member(tg, "C", (cu_member_spec){.ms = 100}));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    int body = cu_raise_fatal(self, "SystemExit", "bye");
    FCHECK_EQ(corral_group_exit(tg, body), CORRAL_EUSER);
    corral_error *e = corral_task_last_error(self);
    FCHECK_STR(cu_fmt_error(e), "SystemExit:bye"); /* not ErrorGroup:[SystemExit:bye] */
    FCHECK_EQ(corral_error_is_fatal(e), 1);
    return 0;
}

START_TEST(test_fatal_body_error_of_fail_fast_group_not_wrapped)
{
    ck_assert_int_eq(cu_run(body_fatal_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 C cancelled\n");
}
END_TEST

static int free_group_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_handler(g, counting_handler, NULL), 0);
    FCHECK(cu_spawn_in(g, "A", fatal_after, (void *)5));
    FCHECK(cu_spawn_member(g, "W", (cu_member_spec){.ms = 100}));
    int rc = cu_sleep_ms(100); /* the root cancels main */
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    cu_log("main cancelled");
    return rc;
}

START_TEST(test_fatal_in_free_group_ends_the_run_with_it)
{
    handler_calls = 0;
    ck_assert_int_eq(cu_run(free_group_main, NULL), CORRAL_EUSER);
    corral_error *e = corral_rt_run_error(cu.rt);
    ck_assert_str_eq(cu_fmt_error(e), "KeyboardInterrupt:stop");
    ck_assert_int_eq(corral_error_is_fatal(e), 1);
    /* G's members are woken by its close, then main by the root's cancellation */
    ck_assert_str_eq(cu_trace(), "5 A fail KeyboardInterrupt:stop\n"
                                 "5 G CLOSING\n"
                                 "5 W cancelled\n"
                                 "5 G CLOSED\n"
                                 "5 main log main cancelled\n"
                                 "5 main cancelled\n"
                                 "5 rt run KeyboardInterrupt:stop\n");
    ck_assert_int_eq(handler_calls, 0);
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
}
END_TEST

static int fatal_member_fn(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    int rc = cu_sleep_ms(2);
    return rc < 0 ? rc : cu_raise_fatal(self, "KeyboardInterrupt", "");
}

static int race_fatal_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 10, .value = 1),
                         {"F", fatal_member_fn, NULL},
                         CU_MEMBER("B", .ms = 1, .fail = "b")};
    FCHECK_EQ(corral_race(m, 3, 1, NULL, NULL, NULL), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "KeyboardInterrupt");
    corral_task *t[3] = {NULL, NULL, NULL};
    FCHECK_EQ(corral_gather_safe(m, 3, t), CORRAL_EUSER);
    FCHECK(t[0] == NULL && t[1] == NULL && t[2] == NULL); /* nothing stored on an error */
    return 0;
}

START_TEST(test_fatal_member_of_helper_raised_by_helper)
{
    ck_assert_int_eq(cu_run(race_fatal_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 B fail ValueError:b\n"
                                      "2 F fail KeyboardInterrupt\n"
                                      "2 A cancelled\n"
                                      "3 B fail ValueError:b\n"
                                      "4 F fail KeyboardInterrupt\n"
                                      "4 A cancelled\n");
}
END_TEST

START_TEST(test_fatal_flag_bad_input)
{
    corral_error *e = NULL, *c = NULL;
    ck_assert_int_eq(corral_error_set_fatal(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_error_is_fatal(NULL), 0);
    ck_assert_int_eq(corral_error_new(&c, CORRAL_ECANCELLED, NULL, NULL), 0);
    cu_keep_error(c);
    ck_assert_int_eq(corral_error_set_fatal(c, 1), CORRAL_EINVALIDARG); /* control flow */
    ck_assert_int_eq(corral_error_is_fatal(c), 0);
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, "KeyboardInterrupt", NULL), 0);
    cu_keep_error(e);
    ck_assert_int_eq(corral_error_is_fatal(e), 0);
    ck_assert_int_eq(corral_error_set_fatal(e, 7), 0);
    ck_assert_int_eq(corral_error_is_fatal(e), 1);
    ck_assert_int_eq(corral_error_set_fatal(e, 0), 0);
    ck_assert_int_eq(corral_error_is_fatal(e), 0);
}
END_TEST

void cu_add_group_fatal_cases(Suite *s)
{
    TCase *tc = tcase_create("fatal");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_fatal_member_scoped_group_exit_raises_it_unwrapped);
    tcase_add_test(tc, test_fatal_member_supervisor_closes_and_raises);
    tcase_add_test(tc, test_fatal_body_error_of_fail_fast_group_not_wrapped);
    tcase_add_test(tc, test_fatal_in_free_group_ends_the_run_with_it);
    tcase_add_test(tc, test_fatal_member_of_helper_raised_by_helper);
    tcase_add_test(tc, test_fatal_flag_bad_input);
    suite_add_tcase(s, tc);
}
