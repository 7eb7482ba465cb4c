/* helpers: the C fiber helpers of helpers.h - race, gather_safe, call_on_cancel, call_on_done,
 * cancel_and_join, first - and their bad input (R59, R66, R70-R73). */
#include "cu.h"

#include <stdio.h>

/* ---- race (R70) ---------------------------------------------------------------------------- */

static int race_winner_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 10, .value = 1), CU_MEMBER("B", .ms = 5, .value = 2),
                         CU_MEMBER("C", .ms = 20, .cleanup_ms = 3)};
    corral_value v;
    size_t win = 99;
    corral_error *errs = NULL;
    FCHECK_EQ(corral_race(m, 3, 0, &v, &win, &errs), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_INT);
    FCHECK_EQ(v.as.i, 2);
    FCHECK_EQ(win, 1);
    FCHECK(errs == NULL);
    FCHECK_EQ(cu_now_ms(), 8); /* the losers were awaited, C's cleanup included */
    return 0;
}

START_TEST(test_race_first_to_complete_wins_losers_awaited)
{
    ck_assert_int_eq(cu_run(race_winner_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 B done 2\n"
                                      "5 A cancelled\n"
                                      "8 C log cleanup\n"
                                      "8 C cancelled\n");
}
END_TEST

static int race_first_error_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 5, .fail = "a"), CU_MEMBER("B", .ms = 10, .value = 1),
                         CU_MEMBER("C", .ms = 5, .fail = "c")};
    corral_value v = cu_int(7);
    corral_error *errs = NULL;
    FCHECK_EQ(corral_race(m, 3, 0, &v, NULL, &errs), CORRAL_EUSER);
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK(errs == NULL);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:a");
    FCHECK_EQ(cu_now_ms(), 5);
    return 0;
}

/* The first failure is the caller's error; C failed in the same tick without being taken:
 * a loser's failure, so it goes to the handler chain (R70), and B is cancelled. */
START_TEST(test_race_first_error_raised_other_failure_reported)
{
    ck_assert_int_eq(cu_run(race_first_error_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A fail ValueError:a\n"
                                      "5 C fail ValueError:c\n"
                                      "5 B cancelled\n"
                                      "5 root handler C ValueError:c\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 1);
}
END_TEST

static int race_continue_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    int keep_errors = arg != NULL;
    corral_member m[] = {CU_MEMBER("A", .ms = 2, .fail = "a"), CU_MEMBER("B", .ms = 4, .fail = "b"),
                         CU_MEMBER("C", .ms = 6, .value = 3), CU_MEMBER("D", .ms = 10, .value = 4)};
    corral_value v;
    size_t win = 99;
    corral_error *errs = NULL;
    FCHECK_EQ(corral_race(m, 4, 1, &v, &win, keep_errors ? &errs : NULL), 0);
    FCHECK_EQ(v.as.i, 3);
    FCHECK_EQ(win, 2);
    if (keep_errors) {
        cu_keep_error(errs);
        FCHECK_EQ(corral_error_code(errs), CORRAL_EERRORGROUP);
        FCHECK_STR(cu_fmt_error(errs), "ErrorGroup:[ValueError:a, ValueError:b]");
    }
    return 0;
}

START_TEST(test_race_continue_on_error_collects_errors)
{
    ck_assert_int_eq(cu_run(race_continue_main, "keep"), 0);
    ck_assert_str_eq(cu_trace_main(), "2 A fail ValueError:a\n"
                                      "4 B fail ValueError:b\n"
                                      "6 C done 3\n"
                                      "6 D cancelled\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0); /* errors are values (R59) */
}
END_TEST

START_TEST(test_race_continue_on_error_dropped_errors_not_reported)
{
    ck_assert_int_eq(cu_run(race_continue_main, NULL), 0);
    ck_assert_int_eq(cu_trace_count_prefix("6 root handler"), 0);
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
}
END_TEST

static int race_all_fail_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 5, .fail = "a"), CU_MEMBER("B", .ms = 2, .fail = "b"),
                         CU_MEMBER("C", .ms = 8, .fail = "c")};
    corral_error *errs = NULL;
    FCHECK_EQ(corral_race(m, 3, 1, NULL, NULL, &errs), CORRAL_EERRORGROUP);
    FCHECK(errs == NULL);
    corral_error *eg = corral_task_last_error(self);
    FCHECK_EQ(corral_error_group_size(eg), 3);
    FCHECK_STR(cu_fmt_error(eg), "ErrorGroup:[ValueError:b, ValueError:a, ValueError:c]");
    return 0;
}

START_TEST(test_race_all_failing_raises_error_group)
{
    ck_assert_int_eq(cu_run(race_all_fail_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "2 B fail ValueError:b\n"
                                      "5 A fail ValueError:a\n"
                                      "8 C fail ValueError:c\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
}
END_TEST

static int race_late_losers_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 5, .value = 1),
                         CU_MEMBER("B", .ms = 20, .fail_on_cancel = "late"),
                         CU_MEMBER("C", .ms = 20, .value_on_cancel = 9)};
    corral_value v;
    FCHECK_EQ(corral_race(m, 3, 0, &v, NULL, NULL), 0);
    FCHECK_EQ(v.as.i, 1);
    return 0;
}

/* A loser that fails while being cancelled reaches the handler chain; one that completes
 * after the winner is discarded (R70). */
START_TEST(test_race_losers_failing_after_winner_reach_handler)
{
    ck_assert_int_eq(cu_run(race_late_losers_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A done 1\n"
                                      "5 B fail ValueError:late\n"
                                      "5 C done 9\n"
                                      "5 root handler B ValueError:late\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 1);
}
END_TEST

static int race_names_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER(NULL, .ms = 3, .value = 1),
                         CU_MEMBER(NULL, .ms = 1, .value = 2)};
    FCHECK_EQ(corral_race(m, 2, 0, NULL, NULL, NULL), 0); /* the value is dropped */
    return 0;
}

START_TEST(test_race_default_member_names)
{
    ck_assert_int_eq(cu_run(race_names_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 race.1 done 2\n1 race.0 cancelled\n");
}
END_TEST

static int racer(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 10, .value = 1),
                         CU_MEMBER("B", .ms = 20, .value = 2)};
    return corral_race(m, 2, 0, res, NULL, NULL);
}

static int race_caller_cancelled_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *w = cu_spawn("W", racer, NULL);
    FCHECK(w);
    FCHECK_EQ(cu_sleep_ms(3), 0);
    FCHECK_EQ(corral_task_cancel(w), 1);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_ETASKCANCELLED);
    return 0;
}

START_TEST(test_race_caller_cancelled_cancels_members)
{
    ck_assert_int_eq(cu_run(race_caller_cancelled_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "3 A cancelled\n3 B cancelled\n3 W cancelled\n");
}
END_TEST

static int race_bad_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 1), {"B", NULL, NULL}};
    corral_value v = cu_int(3);
    corral_error *errs = (corral_error *)&v; /* garbage: must be reset */
    FCHECK_EQ(corral_race(m, 0, 0, &v, NULL, &errs), CORRAL_EINVALIDARG); /* race([]) */
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK(errs == NULL);
    FCHECK_EQ(corral_race(NULL, 2, 0, &v, NULL, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_race(m, 2, 0, &v, NULL, NULL), CORRAL_EINVALIDARG); /* B has no fn */
    FCHECK_EQ(cu_now_ms(), 0);
    return 0;
}

START_TEST(test_race_bad_input)
{
    ck_assert_int_eq(cu_run(race_bad_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), ""); /* nothing was spawned */
    corral_member m[] = {CU_MEMBER("A", .ms = 1)};
    ck_assert_int_eq(corral_race(m, 1, 0, NULL, NULL, NULL), CORRAL_EINVALIDSTATE); /* no fiber */
}
END_TEST

/* ---- gather_safe (R59, R71) ------------------------------------------------------------------ */

static int gather_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER(NULL, .ms = 5, .value = 1),
                         CU_MEMBER(NULL, .ms = 3, .fail = "y"),
                         CU_MEMBER(NULL, .ms = 1, .value = 3)};
    corral_task *t[3];
    FCHECK_EQ(corral_gather_safe(m, 3, t), 0);
    for (int i = 0; i < 3; i++)
        cu_keep_task(t[i]);
    corral_value v;
    FCHECK_EQ(corral_task_result(t[0], &v), 0);
    FCHECK_EQ(v.as.i, 1);
    FCHECK_EQ(corral_task_result(t[1], &v), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_error(t[1])), "ValueError:y");
    FCHECK_EQ(corral_task_result(t[2], &v), 0);
    FCHECK_EQ(v.as.i, 3);
    FCHECK_STR(corral_task_name(t[0]), "gather_safe.0");
    FCHECK_EQ(cu_now_ms(), 5);
    return 0;
}

START_TEST(test_gather_safe_input_order_errors_as_values)
{
    ck_assert_int_eq(cu_run(gather_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 gather_safe.2 done 3\n"
                                      "3 gather_safe.1 fail ValueError:y\n"
                                      "5 gather_safe.0 done 1\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
}
END_TEST

static corral_task *gathered[3];

static int gatherer(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("gx", .ms = 5, .value = 1),
                         CU_MEMBER("gy", .ms = 3, .fail = "y"),
                         CU_MEMBER("gz", .ms = 1, .value = 3)};
    int rc = corral_gather_safe(m, 3, gathered);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    for (int i = 0; i < 3; i++)
        cu_keep_task(gathered[i]);
    FCHECK_EQ(corral_task_state(gathered[0]), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(corral_task_state(gathered[1]), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(corral_task_state(gathered[2]), CORRAL_TASK_COMPLETED);
    return rc;
}

static int gather_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *w = cu_spawn("W", gatherer, NULL);
    FCHECK(w);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    FCHECK_EQ(corral_task_cancel(w), 1);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_ETASKCANCELLED);
    return 0;
}

START_TEST(test_gather_safe_caller_cancelled)
{
    ck_assert_int_eq(cu_run(gather_cancel_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 gz done 3\n"
                                      "2 gx cancelled\n"
                                      "2 gy cancelled\n"
                                      "2 W cancelled\n");
}
END_TEST

static int gather_bad_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_member m[] = {CU_MEMBER("A", .ms = 1), {"B", NULL, NULL}};
    corral_task *t[2] = {NULL, NULL};
    FCHECK_EQ(corral_gather_safe(NULL, 1, t), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_gather_safe(m, 1, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_gather_safe(m, 2, t), CORRAL_EINVALIDARG); /* B has no fn */
    FCHECK(t[0] == NULL && t[1] == NULL);
    FCHECK_EQ(corral_gather_safe(NULL, 0, NULL), 0); /* gather_safe([]) == [] */
    return 0;
}

START_TEST(test_gather_safe_bad_input)
{
    ck_assert_int_eq(cu_run(gather_bad_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "");
    corral_member m[] = {CU_MEMBER("A", .ms = 1)};
    corral_task *t[1];
    ck_assert_int_eq(corral_gather_safe(m, 1, t), CORRAL_EINVALIDSTATE); /* not in a fiber */
}
END_TEST

/* ---- call_on_cancel (R73, R66) -------------------------------------------------------------- */

static int returns_42_after_5(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg;
    int rc = cu_sleep_ms(5); /* inside the cleanup shield: the cancel does not reach it */
    if (rc < 0)
        return rc;
    *res = cu_int(42);
    return 0;
}

static int raises_after_5(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    int rc = cu_sleep_ms(5);
    return rc < 0 ? rc : corral_task_raise(self, "KeyError", "fn");
}

static int sleeps_20(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    int rc = cu_sleep_ms(20);
    if (rc == 0)
        cu_log("unreachable");
    return rc;
}

static int on_cancel(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    return corral_call_on_cancel((corral_fiber_fn)arg, NULL, res);
}

static int on_cancel_value_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *t = cu_spawn("T", on_cancel, (void *)returns_42_after_5);
    corral_task *f = cu_spawn("F", on_cancel, (void *)raises_after_5);
    FCHECK(t && f);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_task_cancel(t), 1);
    FCHECK_EQ(corral_task_cancel(f), 1);
    corral_value v;
    FCHECK_EQ(corral_join(t, &v, -1), 0);
    FCHECK_EQ(v.as.i, 42);
    FCHECK_EQ(corral_task_state(t), CORRAL_TASK_COMPLETED); /* R14 */
    FCHECK_EQ(corral_join(f, NULL, -1), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_error(f)), "KeyError:fn");
    FCHECK_EQ(cu_now_ms(), 15);
    return 0;
}

START_TEST(test_call_on_cancel_value_after_cancel_completes)
{
    ck_assert_int_eq(cu_run(on_cancel_value_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "15 T done 42\n"
                                      "15 F fail KeyError:fn\n"
                                      "15 root handler F KeyError:fn\n");
}
END_TEST

typedef struct seen {
    int calls;
    char what[8][96];
} seen;

/* A C exception callback that records "<member> <err>" and logs it. */
static int record_handler(corral_group *g, corral_task *member, corral_error *err,
                          corral_error **raised, void *ud)
{
    (void)g, (void)raised;
    seen *s = ud;
    if (s->calls < 8)
        snprintf(s->what[s->calls], sizeof s->what[0], "%s %s",
                 member ? corral_task_name(member) : "-", cu_fmt_error(err));
    s->calls++;
    return 0;
}

static int grace_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_handler(g, record_handler, arg), 0);
    FCHECK_EQ(corral_group_set_cleanup_timeout(g, corral_ms(5)), 0);
    corral_task *t = cu_spawn_in(g, "T", on_cancel, (void *)sleeps_20);
    FCHECK(t);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_task_cancel(t), 1);
    FCHECK_EQ(corral_join(t, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(cu_now_ms(), 15);
    FCHECK_EQ(cu_sleep_ms(0), 0); /* let the queued report run */
    return 0;
}

/* The grace runs out: the task goes on with its original outcome (Cancelled) and the
 * CleanupTimeout goes to the handler chain, queued after the task's wake-up (R66). */
START_TEST(test_call_on_cancel_grace_expiry_reports_cleanup_timeout)
{
    seen s = {0};
    ck_assert_int_eq(cu_run(grace_main, &s), 0);
    ck_assert_str_eq(cu_trace_main(), "15 T cancelled\n15 G handler T CleanupTimeout\n");
    ck_assert_int_eq(s.calls, 1);
    ck_assert_str_eq(s.what[0], "T CleanupTimeout");
}
END_TEST

static int never_called_fn(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    cu_fail(__FILE__, __LINE__, "fn must not be called");
    return 0;
}

static int on_cancel_bad_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg;
    FCHECK_EQ(corral_call_on_cancel(NULL, NULL, res), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_call_on_cancel(never_called_fn, NULL, NULL), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_call_on_cancel_bad_input)
{
    ck_assert_int_eq(cu_run(on_cancel_bad_main, NULL), 0);
    corral_value v;
    ck_assert_int_eq(corral_call_on_cancel(never_called_fn, NULL, &v), CORRAL_EINVALIDSTATE);
}
END_TEST

/* ---- cleanup timeouts: inheritance and the current group chain (R66) ----------------------- */

static int timeouts_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    corral_group *s = cu_group(g, "S");   /* inherits G's grace */
    corral_group *s2 = cu_group(g, "S2"); /* has its own */
    FCHECK(g && s && s2);
    FCHECK_EQ(corral_group_cleanup_timeout(corral_rt_root_group(cu.rt)), -1); /* unlimited */
    FCHECK_EQ(corral_group_cleanup_timeout(s), -1);
    FCHECK_EQ(corral_group_set_cleanup_timeout(g, corral_ms(5)), 0);
    FCHECK_EQ(corral_group_set_cleanup_timeout(s2, corral_ms(2)), 0);
    FCHECK_EQ(corral_group_cleanup_timeout(s), corral_ms(5));
    FCHECK_EQ(corral_group_cleanup_timeout(s2), corral_ms(2));
    FCHECK_EQ(corral_group_set_cleanup_timeout(s2, -2), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_cleanup_timeout(s2), corral_ms(2));
    FCHECK(cu_spawn_in(s, "T1", on_cancel, (void *)sleeps_20));
    FCHECK(cu_spawn_in(s2, "T2", on_cancel, (void *)sleeps_20));
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_group_set_cleanup_timeout(s2, -1), 0); /* back to inheriting */
    FCHECK_EQ(corral_group_cleanup_timeout(s2), corral_ms(5));
    FCHECK_EQ(corral_group_set_cleanup_timeout(s2, corral_ms(2)), 0);
    FCHECK_EQ(corral_group_async_close(g, 1, -1), 0);
    FCHECK_EQ(cu_now_ms(), 15);
    return 0;
}

START_TEST(test_cleanup_timeout_inherited_from_parent_group)
{
    ck_assert_int_eq(cu_run(timeouts_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 G CLOSING\n"
                                      "10 S CLOSING\n"
                                      "10 S2 CLOSING\n"
                                      "12 T2 cancelled\n"
                                      "12 S2 CLOSED\n"
                                      "12 root handler T2 CleanupTimeout\n"
                                      "15 T1 cancelled\n"
                                      "15 S CLOSED\n"
                                      "15 G CLOSED\n"
                                      "15 root handler T1 CleanupTimeout\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 2);
}
END_TEST

static int entered_grace(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_scope *c = NULL;
    FCHECK_EQ(corral_cleanup_enter(&c, self), 0); /* the task's group: G, 5 ms */
    FCHECK_EQ(corral_scope_deadline(c), corral_ms(5));
    FCHECK_EQ(corral_scope_exit(c, 0), 0);
    corral_scope_unref(c);
    corral_group *tg = NULL;
    FCHECK_EQ(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(tg);
    FCHECK_EQ(corral_group_cleanup_timeout(tg), corral_ms(5)); /* inherited from G */
    FCHECK_EQ(corral_group_set_cleanup_timeout(tg, corral_ms(3)), 0);
    FCHECK_EQ(corral_cleanup_enter(&c, NULL), 0); /* the innermost entered group: 3 ms */
    FCHECK_EQ(corral_scope_deadline(c), corral_ms(3));
    FCHECK_EQ(corral_scope_exit(c, 0), 0);
    corral_scope_unref(c);
    FCHECK_EQ(corral_group_exit(tg, 0), 0);
    FCHECK_EQ(corral_cleanup_enter(NULL, self), CORRAL_EINVALIDARG);
    return 0;
}

static int entered_grace_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_cleanup_timeout(g, corral_ms(5)), 0);
    corral_task *t = cu_spawn_in(g, "T", entered_grace, NULL);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    corral_scope *c = NULL; /* main is in the root group: no grace */
    FCHECK_EQ(corral_cleanup_enter(&c, self), 0);
    FCHECK_EQ(corral_scope_deadline(c), -1);
    FCHECK_EQ(corral_scope_exit(c, 0), 0);
    corral_scope_unref(c);
    return 0;
}

START_TEST(test_cleanup_enter_uses_current_group_chain)
{
    ck_assert_int_eq(cu_run(entered_grace_main, NULL), 0);
    corral_scope *c = NULL;
    ck_assert_int_eq(corral_cleanup_enter(&c, NULL), CORRAL_EINVALIDARG); /* no task */
    ck_assert_int_eq(corral_group_set_cleanup_timeout(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_group_cleanup_timeout(NULL), 0);
}
END_TEST

/* ---- call_on_done (R73, R21) --------------------------------------------------------------- */

static int report_fn(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    cu_log("report %s", (const char *)arg);
    *res = cu_bytes((const char *)arg);
    return 0;
}

typedef struct on_done_arg {
    corral_future *f;
    const char *tag;
} on_done_arg;

static int on_done(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    on_done_arg *a = arg;
    return corral_call_on_done(a->f, report_fn, (void *)a->tag, res);
}

static int on_done_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    on_done_arg a[4] = {{cu_future(), "result"},
                        {cu_future(), "error"},
                        {cu_future(), "cancelled"},
                        {cu_future(), "waiting"}};
    corral_task *t[4];
    for (int i = 0; i < 4; i++)
        FCHECK((t[i] = cu_spawn(a[i].tag, on_done, &a[i])));
    FCHECK_EQ(cu_sleep_ms(2), 0);
    corral_value one = cu_int(1);
    FCHECK_EQ(corral_future_set_result(a[0].f, &one), 0);
    /* an error with a code of the API's own (InvalidState) is f's outcome all the same */
    corral_error *e = NULL;
    FCHECK_EQ(corral_error_new(&e, CORRAL_EINVALIDSTATE, NULL, "ignored"), 0);
    cu_keep_error(e);
    FCHECK_EQ(corral_future_set_error(a[1].f, e), 0);
    FCHECK_EQ(corral_future_cancel(a[2].f), 1);
    for (int i = 0; i < 3; i++) {
        corral_value v;
        FCHECK_EQ(corral_join(t[i], &v, -1), 0);
        FCHECK_EQ((int)v.len, (int)strlen(a[i].tag));
    }
    FCHECK_EQ(corral_task_cancel(t[3]), 1);
    FCHECK_EQ(corral_join(t[3], NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_future_state(a[3].f), CORRAL_FUTURE_PENDING); /* R21 */
    return 0;
}

START_TEST(test_call_on_done_ignores_outcome_not_called_when_cancelled)
{
    ck_assert_int_eq(cu_run(on_done_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "2 result log report result\n"
                                      "2 result done result\n"
                                      "2 error log report error\n"
                                      "2 error done error\n"
                                      "2 cancelled log report cancelled\n"
                                      "2 cancelled done cancelled\n"
                                      "2 waiting cancelled\n");
}
END_TEST

static int on_done_bad_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    corral_future *f = cu_future();
    FCHECK(f);
    FCHECK_EQ(corral_call_on_done(NULL, never_called_fn, NULL, res), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_call_on_done(f, NULL, NULL, res), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_call_on_done(f, never_called_fn, NULL, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_call_on_done(arg, never_called_fn, NULL, res), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_future_close(f), 0);
    FCHECK_EQ(corral_call_on_done(f, never_called_fn, NULL, res), CORRAL_ECLOSED);
    FCHECK_EQ(cu_now_ms(), 0);
    return 0;
}

START_TEST(test_call_on_done_bad_input)
{
    corral_rt *other = NULL;
    ck_assert_int_eq(corral_rt_new(&other, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(other);
    corral_future *foreign = NULL;
    ck_assert_int_eq(corral_future_new(&foreign, other), 0);
    cu_keep_future(foreign);
    ck_assert_int_eq(cu_run(on_done_bad_main, foreign), 0);
    corral_value v;
    ck_assert_int_eq(corral_call_on_done(foreign, never_called_fn, NULL, &v), CORRAL_EINVALIDSTATE);
}
END_TEST

/* ---- cancel_and_join (R15) ------------------------------------------------------------------ */

static int joins_cancelled(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    return corral_join(arg, NULL, -1); /* fails with TaskCancelled */
}

static int cancel_join_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_task *a = cu_spawn_member(NULL, "A", (cu_member_spec){.ms = 100, .cleanup_ms = 3});
    corral_task *b = cu_spawn_member(NULL, "B", (cu_member_spec){.ms = 100, .value_on_cancel = 7});
    corral_task *c = cu_spawn_member(NULL, "C", (cu_member_spec){.ms = 1, .fail = "c"});
    corral_task *d = cu_spawn_member(NULL, "D", (cu_member_spec){.ms = 1, .value = 4});
    FCHECK(a && b && c && d);
    corral_task *j = cu_spawn("J", joins_cancelled, a);
    FCHECK(j);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    corral_value v = cu_int(1);
    FCHECK_EQ(corral_cancel_and_join(a, &v), 0); /* CANCELLED: nothing */
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK_EQ(cu_now_ms(), 13);
    FCHECK_EQ(corral_cancel_and_join(b, &v), 0);
    FCHECK_EQ(v.as.i, 7);
    FCHECK_EQ(corral_cancel_and_join(c, &v), CORRAL_EUSER); /* FAILED: its error, as join */
    FCHECK(corral_task_last_error(self) == corral_task_error(c));
    FCHECK_EQ(corral_cancel_and_join(d, &v), 0); /* already done: its value */
    FCHECK_EQ(v.as.i, 4);
    /* J failed with TaskCancelled: that is its error, not a cancellation */
    FCHECK_EQ(corral_cancel_and_join(j, &v), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_task_state(j), CORRAL_TASK_FAILED);
    FCHECK_EQ(corral_cancel_and_join(self, &v), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_task_cancel_pending(self), 0); /* refused without cancelling itself */
    FCHECK_EQ(corral_cancel_and_join(NULL, &v), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_cancel_and_join_outcomes)
{
    ck_assert_int_eq(cu_run(cancel_join_main, NULL), 0);
    ck_assert(cu_trace_has("13 A log cleanup"));
    ck_assert(cu_trace_has("13 A cancelled"));
    ck_assert(cu_trace_has("13 J fail TaskCancelled"));
    ck_assert(cu_trace_has("13 B done 7"));
    corral_value v;
    ck_assert_int_eq(corral_cancel_and_join(cu.main, &v), CORRAL_EINVALIDSTATE); /* no fiber */
}
END_TEST

static corral_task *cj_target;

static int cancel_joiner(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    int rc = corral_cancel_and_join(cj_target, NULL);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    return rc;
}

static int cancel_join_cancelled_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    cj_target = cu_spawn_member(NULL, "A", (cu_member_spec){.ms = 100, .cleanup_ms = 10});
    corral_task *w = cu_spawn("W", cancel_joiner, NULL);
    FCHECK(cj_target && w);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    FCHECK_EQ(corral_task_cancel(w), 1);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_task_done(cj_target), 0); /* still unwinding, and stays cancelled */
    FCHECK_EQ(corral_join(cj_target, NULL, -1), CORRAL_ETASKCANCELLED);
    return 0;
}

START_TEST(test_cancel_and_join_caller_cancelled_while_waiting)
{
    ck_assert_int_eq(cu_run(cancel_join_cancelled_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "2 W cancelled\n10 A log cleanup\n10 A cancelled\n");
}
END_TEST

/* ---- first ----------------------------------------------------------------------------------- */

static int above(const corral_value *v, void *limit)
{
    cu_log("check %" PRId64, v->as.i);
    if (v->as.i < 0)
        return CORRAL_EINVALIDARG; /* the predicate fails */
    return v->as.i > *(int *)limit;
}

static corral_queue *items(const int64_t *v, size_t n, int close)
{
    corral_queue *q = cu_queue(0);
    for (size_t i = 0; q && i < n; i++) {
        corral_value x = cu_int(v[i]);
        if (corral_queue_put_nowait(q, &x) != 0)
            cu_fail(__FILE__, __LINE__, "put_nowait");
    }
    if (q && close)
        corral_queue_close(q);
    return q;
}

static int first_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    int two = 2, ten = 10;
    corral_value v;
    const int64_t five[] = {1, 2, 3, 4, 5}, bad[] = {1, -1, 5};
    FCHECK_EQ(corral_first(items(five, 5, 1), above, &two, &v, -1), 1);
    FCHECK_EQ(v.as.i, 3);
    FCHECK_EQ(corral_first(items(five, 2, 1), above, &ten, &v, -1), 0); /* exhausted */
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK_EQ(corral_first(items(NULL, 0, 1), NULL, NULL, &v, -1), 0); /* empty */
    FCHECK_EQ(corral_first(items(five, 1, 0), NULL, NULL, &v, -1), 1); /* no predicate */
    FCHECK_EQ(v.as.i, 1);
    corral_queue *q = items(bad, 3, 1);
    FCHECK_EQ(corral_first(q, above, &two, &v, -1), CORRAL_EINVALIDARG); /* predicate error */
    FCHECK_EQ(corral_queue_size(q), 1);                                  /* 5 was not taken */
    FCHECK_EQ(corral_first(items(NULL, 0, 0), NULL, NULL, &v, cu_at_ms(4)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 4);
    FCHECK_EQ(corral_first(NULL, NULL, NULL, &v, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_first(q, NULL, NULL, NULL, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_size(q), 1);
    return 0;
}

START_TEST(test_first_match_exhausted_predicate_error)
{
    ck_assert_int_eq(cu_run(first_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log check 1\n"
                                      "0 main log check 2\n"
                                      "0 main log check 3\n"
                                      "0 main log check 1\n"
                                      "0 main log check 2\n"
                                      "0 main log check 1\n"
                                      "0 main log check -1\n");
}
END_TEST

static int first_bytes_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_queue *q = cu_queue(0);
    FCHECK(q);
    const char *words[] = {"apple", "kiwi", "banana"};
    for (int i = 0; i < 3; i++) {
        corral_value w = cu_bytes(words[i]);
        FCHECK_EQ(corral_queue_put_nowait(q, &w), 0); /* copied by the queue */
    }
    corral_value v;
    FCHECK_EQ(corral_first(q, NULL, NULL, &v, -1), 1);
    FCHECK_EQ((int)v.len, 5);
    corral_value_clear(&v); /* ours now; the items left are the queue's */
    corral_task_cancel(self);
    FCHECK_EQ(corral_first(q, NULL, NULL, &v, -1), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_queue_size(q), 2); /* nothing consumed by a cancelled first */
    return 0;
}

START_TEST(test_first_owned_items_and_cancellation)
{
    ck_assert_int_eq(cu_run(first_bytes_main, NULL), 0);
    corral_value v;
    ck_assert_int_eq(corral_first(NULL, NULL, NULL, &v, -1), CORRAL_EINVALIDARG);
    corral_queue *q = cu_queue(0);
    ck_assert_int_eq(corral_first(q, NULL, NULL, &v, -1), CORRAL_EINVALIDSTATE); /* no fiber */
}
END_TEST

Suite *cu_suite_helpers(void)
{
    Suite *s = suite_create("helpers");
    TCase *tc = tcase_create("race");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_race_first_to_complete_wins_losers_awaited);
    tcase_add_test(tc, test_race_first_error_raised_other_failure_reported);
    tcase_add_test(tc, test_race_continue_on_error_collects_errors);
    tcase_add_test(tc, test_race_continue_on_error_dropped_errors_not_reported);
    tcase_add_test(tc, test_race_all_failing_raises_error_group);
    tcase_add_test(tc, test_race_losers_failing_after_winner_reach_handler);
    tcase_add_test(tc, test_race_default_member_names);
    tcase_add_test(tc, test_race_caller_cancelled_cancels_members);
    tcase_add_test(tc, test_race_bad_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("gather_safe");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_gather_safe_input_order_errors_as_values);
    tcase_add_test(tc, test_gather_safe_caller_cancelled);
    tcase_add_test(tc, test_gather_safe_bad_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("cleanup");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_call_on_cancel_value_after_cancel_completes);
    tcase_add_test(tc, test_call_on_cancel_grace_expiry_reports_cleanup_timeout);
    tcase_add_test(tc, test_call_on_cancel_bad_input);
    tcase_add_test(tc, test_cleanup_timeout_inherited_from_parent_group);
    tcase_add_test(tc, test_cleanup_enter_uses_current_group_chain);
    suite_add_tcase(s, tc);

    tc = tcase_create("waiting");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_call_on_done_ignores_outcome_not_called_when_cancelled);
    tcase_add_test(tc, test_call_on_done_bad_input);
    tcase_add_test(tc, test_cancel_and_join_outcomes);
    tcase_add_test(tc, test_cancel_and_join_caller_cancelled_while_waiting);
    tcase_add_test(tc, test_first_match_exhausted_predicate_error);
    tcase_add_test(tc, test_first_owned_items_and_cancellation);
    suite_add_tcase(s, tc);
    return s;
}
