/* context: async context managers of context.h - enter/exit under R66/R68 (suppression of
 * ordinary errors only, exits shielded with a grace), managers on an exit stack, and the
 * context group (R69), with bad input. */
#include "cu.h"

#include <stdio.h>
#include <string.h>

/* A scripted manager: log, optionally sleep, optionally fail / set a value / suppress. */
typedef struct mgr {
    const char *tag;
    int64_t enter_ms;
    const char *enter_fail; /* enter raises ValueError(enter_fail) */
    const char *value;      /* the entered value (BYTES) */
    int64_t exit_ms;
    const char *exit_fail; /* exit raises ValueError(exit_fail) */
    int suppress;          /* exit returns 1 */
} mgr;

static int mgr_enter(corral_task *self, void *ud, corral_value *value)
{
    const mgr *m = ud;
    cu_log("%s enter", m->tag);
    if (m->enter_ms) {
        int rc = cu_sleep_ms(m->enter_ms);
        if (rc < 0)
            return rc;
    }
    if (m->enter_fail)
        return corral_task_raise(self, "ValueError", m->enter_fail);
    if (m->value)
        *value =
            (corral_value){.type = CORRAL_VALUE_BYTES, .as.p = m->value, .len = strlen(m->value)};
    return 0;
}

static int mgr_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    const mgr *m = ud;
    cu_log("%s exit st=%d cur=%s", m->tag, status, current ? cu_fmt_error(current) : "-");
    if (m->exit_ms) {
        int rc = cu_sleep_ms(m->exit_ms);
        if (rc < 0) {
            cu_log("%s exit sleep rc=%d", m->tag, rc);
            return rc;
        }
    }
    if (m->exit_fail)
        return corral_task_raise(self, "ValueError", m->exit_fail);
    return m->suppress;
}

static const corral_acm scripted = {mgr_enter, mgr_exit};

/* ---- one manager: suppression (R68) ------------------------------------------------------ */

static int suppress_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    mgr m = {.tag = "m", .value = "v", .suppress = 1};
    corral_value v;
    FCHECK_EQ(corral_acm_enter(&scripted, &m, &v), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
    FCHECK(v.as.p != m.value); /* the caller's own copy */
    FCHECK_STR((const char *)v.as.p, "v");
    corral_value_clear(&v);
    int rc = corral_task_raise(self, "ValueError", "body");
    FCHECK_EQ(corral_acm_exit(&scripted, &m, rc), 0); /* an ordinary error is suppressed */
    m.suppress = 0;
    m.value = NULL;
    FCHECK_EQ(corral_acm_enter(&scripted, &m, &v), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    rc = corral_task_raise(self, "ValueError", "kept");
    FCHECK_EQ(corral_acm_exit(&scripted, &m, rc), CORRAL_EUSER); /* 0: not suppressed */
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:kept");
    m.suppress = 1;
    FCHECK_EQ(corral_acm_exit(&scripted, &m, 0), 0); /* nothing to suppress */
    return 0;
}

START_TEST(test_exit_suppresses_an_ordinary_error)
{
    ck_assert_int_eq(cu_run(suppress_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log m enter\n"
                                      "0 main log m exit st=-1014 cur=ValueError:body\n"
                                      "0 main log m enter\n"
                                      "0 main log m exit st=-1014 cur=ValueError:kept\n"
                                      "0 main log m exit st=0 cur=-\n");
}
END_TEST

static int cancel_body(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    mgr *m = arg;
    corral_value v;
    corral_scope *s;
    FCHECK_EQ(corral_move_on_after(&s, self, corral_ms(10)), 0);
    FCHECK_EQ(corral_acm_enter(&scripted, m, &v), 0);
    int rc = cu_sleep_ms(100);
    rc = corral_acm_exit(&scripted, m, rc);
    cu_log("exit rc=%d", rc);
    rc = corral_scope_exit(s, rc);
    cu_log("caught=%d", corral_scope_cancelled_caught(s));
    corral_scope_unref(s);
    return rc;
}

/* Cancelled is never suppressed, and the exit runs shielded: its sleep completes although
 * the deadline has passed (R66). */
START_TEST(test_exit_cannot_suppress_cancelled_and_runs_shielded)
{
    mgr m = {.tag = "m", .exit_ms = 3, .suppress = 1};
    ck_assert_int_eq(cu_run(cancel_body, &m), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log m enter\n"
                                      "10 main log m exit st=-1000 cur=-\n"
                                      "13 main log exit rc=-1000\n"
                                      "13 main log caught=1\n");
}
END_TEST

static int replace_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    mgr m = {.tag = "m", .exit_fail = "x", .suppress = 1};
    corral_value v;
    FCHECK_EQ(corral_acm_enter(&scripted, &m, &v), 0);
    int rc = corral_task_raise(self, "ValueError", "body");
    FCHECK_EQ(corral_acm_exit(&scripted, &m, rc), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:x <- ValueError:body");
    return 0;
}

START_TEST(test_exit_error_replaces_the_status_with_context)
{
    ck_assert_int_eq(cu_run(replace_main, NULL), 0);
}
END_TEST

/* The grace bound applies: the exit is cut at the group's cleanup timeout, CleanupTimeout is
 * reported and the body's outcome (Cancelled) is kept. */
static int grace_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_cleanup_timeout(g, corral_ms(2)), 0);
    corral_task *a = cu_spawn_in(g, "A", cancel_body, arg);
    FCHECK(a);
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    return 0;
}

START_TEST(test_exit_grace_expiry_keeps_the_outcome)
{
    mgr m = {.tag = "m", .exit_ms = 50};
    ck_assert_int_eq(cu_run(grace_main, &m), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log m enter\n"
                                      "10 A log m exit st=-1000 cur=-\n"
                                      "12 A log m exit sleep rc=-1000\n"
                                      "12 A log exit rc=-1000\n"
                                      "12 A log caught=1\n"
                                      "12 A done\n"
                                      "12 root handler A CleanupTimeout\n");
}
END_TEST

static int failed_enter_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    mgr m = {.tag = "m", .enter_fail = "no"};
    corral_value v = {.type = CORRAL_VALUE_INT};
    FCHECK_EQ(corral_acm_enter(&scripted, &m, &v), CORRAL_EUSER);
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:no");
    return 0;
}

START_TEST(test_failed_enter_hands_nothing_out)
{
    ck_assert_int_eq(cu_run(failed_enter_main, NULL), 0);
}
END_TEST

/* ---- managers on an exit stack ------------------------------------------------------------ */

static int plain_note(void *ud, corral_error *current)
{
    cu_log("%s cur=%s", (const char *)ud, current ? cu_fmt_error(current) : "-");
    return 0;
}

static int stack_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    mgr bad = {.tag = "bad", .enter_fail = "e"};
    mgr sup = {.tag = "sup", .value = "s", .suppress = 1};
    mgr top = {.tag = "top"};
    corral_exitstack *st;
    corral_value v;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push(st, plain_note, "bottom"), 0);
    FCHECK_EQ(corral_exitstack_enter(st, &scripted, &sup, &v), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
    corral_value_clear(&v);
    FCHECK_EQ(corral_exitstack_enter(st, &scripted, &bad, &v), CORRAL_EUSER); /* not pushed */
    FCHECK_EQ(corral_exitstack_enter(st, &scripted, &top, &v), 0);
    FCHECK_EQ(corral_exitstack_size(st), 3);
    int rc = corral_task_raise(self, "ValueError", "body");
    FCHECK_EQ(corral_exitstack_close(st, rc), 0); /* suppressed by sup */
    FCHECK_EQ(corral_exitstack_enter(st, &scripted, &top, &v), CORRAL_EINVALIDSTATE);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_exit_stack_enters_managers_and_a_suppression_clears_the_error)
{
    ck_assert_int_eq(cu_run(stack_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log sup enter\n"
                                      "0 main log bad enter\n"
                                      "0 main log top enter\n"
                                      "0 main log top exit st=-1014 cur=ValueError:body\n"
                                      "0 main log sup exit st=-1014 cur=ValueError:body\n"
                                      "0 main log bottom cur=-\n");
}
END_TEST

/* A stack closed by another task while a manager's enter blocks: the manager is exited at
 * once (even a suppressing exit does not turn that into a success). */
static int closer(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    cu_log("closing");
    return corral_exitstack_close(arg, 0);
}

static int closed_while_entering_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    mgr slow = {.tag = "slow", .enter_ms = 5, .value = "s", .suppress = 1};
    corral_exitstack *st;
    corral_value v;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    corral_task *c = cu_spawn("C", closer, st);
    FCHECK(c);
    FCHECK_EQ(corral_exitstack_enter(st, &scripted, &slow, &v), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_stack_closed_while_a_manager_enters)
{
    ck_assert_int_eq(cu_run(closed_while_entering_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log slow enter\n"
                                      "0 C log closing\n"
                                      "0 C done\n"
                                      "5 main log slow exit st=-1004 cur=InvalidState\n");
}
END_TEST

/* ---- the context group (R69) -------------------------------------------------------------- */

static int return_errors_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    mgr m1 = {.tag = "m1", .enter_ms = 2, .value = "v1", .exit_ms = 1};
    mgr m2 = {.tag = "m2", .enter_ms = 1, .enter_fail = "e2"};
    mgr m3 = {.tag = "m3", .value = "v3", .exit_fail = "x3"};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m1), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m2), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m3), 0);
    FCHECK_EQ(corral_ctxgroup_size(g), 3);
    FCHECK_EQ(corral_ctxgroup_enter(g, CORRAL_CTXGROUP_RETURN_ERRORS), 0);
    FCHECK_EQ(cu_now_ms(), 2); /* m2's failure cancelled nothing */
    corral_value v;
    FCHECK_EQ(corral_ctxgroup_value(g, 0, &v), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
    FCHECK_EQ(corral_ctxgroup_value(g, 1, &v), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_enter_error(g, 1)), "ValueError:e2");
    FCHECK(corral_ctxgroup_enter_error(g, 0) == NULL);
    int rc = corral_task_raise(self, "ValueError", "body");
    rc = corral_ctxgroup_exit(g, rc);
    FCHECK_EQ(rc, CORRAL_EERRORGROUP);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)),
               "ErrorGroup:[ValueError:x3] <- ValueError:body");
    FCHECK(corral_ctxgroup_exit_state(g, 0) == NULL);
    FCHECK(corral_ctxgroup_exit_state(g, 1) == NULL); /* never entered, never exited */
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_exit_state(g, 2)), "ValueError:x3");
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), CORRAL_EINVALIDSTATE); /* twice */
    corral_ctxgroup_unref(g);
    return 0;
}

START_TEST(test_ctxgroup_return_errors_exits_only_entered_managers)
{
    ck_assert_int_eq(cu_run(return_errors_main, NULL), 0);
    ck_assert(cu_trace_has("1 enter2 fail ValueError:e2"));
    ck_assert(cu_trace_has("2 enter1 done v1"));
    ck_assert(!cu_trace_has("m2 exit"));
    ck_assert(cu_trace_has("2 exit1 log m1 exit st=-1014 cur=ValueError:body"));
    ck_assert(cu_trace_has("2 exit3 fail ValueError:x3"));
    ck_assert(cu_trace_has("3 exit1 done"));
    ck_assert(!cu_trace_has("handler"));
}
END_TEST

static int cancelled_enter_body(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    mgr m1 = {.tag = "m1", .value = "v1", .exit_ms = 2};
    mgr m2 = {.tag = "m2", .enter_ms = 50};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m1), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m2), 0);
    int rc = corral_ctxgroup_enter(g, 0);
    cu_log("enter rc=%d", rc);
    rc = corral_ctxgroup_exit(g, rc); /* nothing left to exit: the status goes on */
    cu_log("exit rc=%d", rc);
    corral_ctxgroup_unref(g);
    return rc;
}

static int cancelled_enter_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *a = cu_spawn("A", cancelled_enter_body, NULL);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ETASKCANCELLED);
    return 0;
}

START_TEST(test_ctxgroup_cancelled_while_entering_exits_what_entered)
{
    ck_assert_int_eq(cu_run(cancelled_enter_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 enter1 log m1 enter\n"
                                      "0 enter1 done v1\n"
                                      "0 enter2 log m2 enter\n"
                                      "5 enter2 cancelled\n"
                                      "5 exit1 log m1 exit st=-1000 cur=-\n"
                                      "7 exit1 done\n"
                                      "7 A log enter rc=-1000\n"
                                      "7 A log exit rc=-1000\n"
                                      "7 A cancelled\n");
}
END_TEST

/* An exit cut short by the cleanup grace is recorded as TaskCancelled and not raised; the
 * others still finish their exits; CleanupTimeout goes to the handler chain (R66). */
static int grace_group_body(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    mgr quick = {.tag = "quick", .exit_ms = 1}, slow = {.tag = "slow", .exit_ms = 50};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &quick), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &slow), 0);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), 0);
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), 0);
    FCHECK_EQ(cu_now_ms(), 3);
    FCHECK(corral_ctxgroup_exit_state(g, 0) == NULL);
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_exit_state(g, 1)), "TaskCancelled");
    corral_ctxgroup_unref(g);
    return 0;
}

static int grace_group_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *grp = cu_group(NULL, "G");
    FCHECK(grp);
    FCHECK_EQ(corral_group_set_cleanup_timeout(grp, corral_ms(3)), 0);
    corral_task *t = cu_spawn_in(grp, "T", grace_group_body, NULL);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    return 0;
}

START_TEST(test_ctxgroup_exit_cut_by_the_grace_is_recorded_not_raised)
{
    ck_assert_int_eq(cu_run(grace_group_main, NULL), 0);
    ck_assert(cu_trace_has("3 exit2 log slow exit sleep rc=-1000"));
    ck_assert(cu_trace_has("3 exit2 cancelled"));
    ck_assert(cu_trace_has("3 T done"));
    ck_assert(cu_trace_has("3 root handler T CleanupTimeout"));
}
END_TEST

/* A cleanup scope entered inside another one (here: by an exit stack callback, and by a
 * context group's exit task spawned from a stack callback) cannot outlive the outer grace:
 * its deadline is capped, and only the outer scope reports CleanupTimeout (R66). */
static int inner_cleanup_sleep(corral_task *self, const char *tag)
{
    corral_scope *s;
    int rc = corral_cleanup_enter(&s, self); /* the group chain's grace: unlimited */
    if (rc < 0)
        return rc;
    rc = cu_sleep_ms(50);
    cu_log("%s inner sleep rc=%d", tag, rc);
    rc = corral_scope_exit(s, rc);
    corral_scope_unref(s);
    return rc;
}

static int nested_cb(corral_task *self, void *ud, corral_error *current)
{
    (void)current;
    return inner_cleanup_sleep(self, ud);
}

static int nested_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)status, (void)current;
    return inner_cleanup_sleep(self, ((mgr *)ud)->tag);
}

static const corral_acm nested_cm = {mgr_enter, nested_exit};

static int group_in_cb(corral_task *self, void *ud, corral_error *current)
{
    (void)self, (void)current;
    corral_ctxgroup *g;
    int rc = corral_ctxgroup_new(&g, cu.rt);
    if (rc < 0)
        return rc;
    if ((rc = corral_ctxgroup_add(g, &nested_cm, ud)) == 0 &&
        (rc = corral_ctxgroup_enter(g, 0)) == 0)
        rc = corral_ctxgroup_exit(g, 0);
    corral_ctxgroup_unref(g);
    return rc;
}

static int nested_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    mgr m = {.tag = "m"};
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_set_cleanup_timeout(st, corral_ms(3)), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, group_in_cb, &m), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, nested_cb, "cb"), 0);
    FCHECK_EQ(corral_exitstack_close(st, 0), 0);
    FCHECK_EQ(cu_now_ms(), 3); /* not 50, nor 100 */
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_nested_cleanup_cannot_outlive_the_outer_grace)
{
    ck_assert_int_eq(cu_run(nested_main, NULL), 0);
    /* one report, from the outer scope (queued at its expiry, before the inner one wakes
     * main); the cleanups that expired at the inherited deadline report nothing */
    ck_assert_str_eq(cu_trace(), "3 root handler main CleanupTimeout\n"
                                 "3 main log cb inner sleep rc=-1000\n"
                                 "3 enter1 log m enter\n"
                                 "3 enter1 done\n"
                                 "3 exit1 log m inner sleep rc=-1000\n"
                                 "3 exit1 done\n"
                                 "3 main done\n"
                                 "3 rt run\n");
}
END_TEST

/* One exit fails, another is cut short by the grace: only the failure is raised; the cut one
 * is a TaskCancelled state (and the ErrorGroup's array is sized for what it holds). */
static int failed_and_cut_body(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    mgr bad = {.tag = "bad", .exit_fail = "x"}, slow = {.tag = "slow", .exit_ms = 50};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &bad), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &slow), 0);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), 0);
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), CORRAL_EERRORGROUP);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ErrorGroup:[ValueError:x]");
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_exit_state(g, 0)), "ValueError:x");
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_exit_state(g, 1)), "TaskCancelled");
    corral_ctxgroup_unref(g);
    return 0;
}

static int failed_and_cut_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *grp = cu_group(NULL, "G");
    FCHECK(grp);
    FCHECK_EQ(corral_group_set_cleanup_timeout(grp, corral_ms(3)), 0);
    corral_task *t = cu_spawn_in(grp, "T", failed_and_cut_body, NULL);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    return 0;
}

START_TEST(test_ctxgroup_failed_exit_and_cut_exit)
{
    ck_assert_int_eq(cu_run(failed_and_cut_main, NULL), 0);
    ck_assert(cu_trace_has("3 exit2 cancelled"));
}
END_TEST

/* A pending enter that already stored its (borrowed) value when strict mode cancels it: the
 * value is not the core's to free. */
static int store_then_sleep(corral_task *self, void *ud, corral_value *value)
{
    (void)self, (void)ud;
    *value = (corral_value){.type = CORRAL_VALUE_BYTES, .as.p = "conn", .len = 4};
    return cu_sleep_ms(5);
}

static int strict_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    static const corral_acm storing = {store_then_sleep, mgr_exit};
    mgr m1 = {.tag = "m1"}, m2 = {.tag = "m2", .enter_ms = 1, .enter_fail = "e2"};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &storing, &m1), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m2), 0);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), CORRAL_EERRORGROUP);
    corral_value v;
    FCHECK_EQ(corral_ctxgroup_value(g, 0, &v), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_NONE);
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_enter_error(g, 0)), "TaskCancelled");
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_enter_error(g, 1)), "ValueError:e2");
    FCHECK_EQ(corral_ctxgroup_exit(g, CORRAL_EERRORGROUP), CORRAL_EERRORGROUP);
    corral_ctxgroup_unref(g);
    return 0;
}

START_TEST(test_ctxgroup_cancelled_enter_with_a_stored_value)
{
    ck_assert_int_eq(cu_run(strict_cancel_main, NULL), 0);
    ck_assert(cu_trace_has("1 enter1 cancelled"));
}
END_TEST

/* An enter that ends cancelled on its own is not a failure: strict mode runs the body, the
 * manager is not exited, and its enter error reads TaskCancelled (R69). */
static int self_cancel_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)ud, (void)value;
    corral_task_cancel(self);
    return corral_checkpoint();
}

static int self_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    static const corral_acm quitter = {self_cancel_enter, mgr_exit};
    mgr q = {.tag = "q"}, b = {.tag = "b", .value = "b"};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &quitter, &q), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &b), 0);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), 0);
    FCHECK_STR(cu_fmt_error(corral_ctxgroup_enter_error(g, 0)), "TaskCancelled");
    FCHECK(corral_ctxgroup_enter_error(g, 1) == NULL);
    cu_log("body");
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), 0);
    corral_ctxgroup_unref(g);
    return 0;
}

START_TEST(test_ctxgroup_self_cancelled_enter_is_no_failure)
{
    ck_assert_int_eq(cu_run(self_cancel_main, NULL), 0);
    ck_assert(cu_trace_has("0 enter1 cancelled"));
    ck_assert(cu_trace_has("0 main log body"));
    ck_assert(cu_trace_has("0 exit2 log b exit st=0 cur=-"));
    ck_assert(!cu_trace_has("exit1"));
}
END_TEST

/* An exit from another fiber while the enter is in progress is refused and changes nothing;
 * the real exit afterwards exits the manager. */
static int early_exit(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    cu_log("early exit rc=%d", corral_ctxgroup_exit(arg, 0));
    return 0;
}

static int entering_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    mgr m = {.tag = "m", .enter_ms = 5};
    corral_ctxgroup *g;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m), 0);
    corral_task *b = cu_spawn("B", early_exit, g);
    FCHECK(b);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), 0);
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    corral_ctxgroup_unref(g);
    return 0;
}

START_TEST(test_ctxgroup_exit_while_entering_is_refused)
{
    ck_assert_int_eq(cu_run(entering_main, NULL), 0);
    ck_assert(cu_trace_has("0 B log early exit rc=-1004"));
    ck_assert(cu_trace_has("5 exit1 log m exit st=0 cur=-"));
}
END_TEST

/* The manager's operations are copied: the caller's corral_acm may change or go away. */
static int other_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)self, (void)ud, (void)status, (void)current;
    cu_log("the replaced exit ran");
    return 0;
}

static int copied_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    mgr m = {.tag = "m"};
    corral_acm local = scripted;
    corral_value v;
    corral_ctxgroup *g;
    corral_exitstack *st;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, &local, &m), 0);
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_enter(st, &local, &m, &v), 0);
    local.exit = other_exit;
    FCHECK_EQ(corral_exitstack_close(st, 0), 0);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), 0);
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), 0);
    corral_exitstack_unref(st);
    corral_ctxgroup_unref(g);
    return 0;
}

START_TEST(test_managers_are_copied)
{
    ck_assert_int_eq(cu_run(copied_main, NULL), 0);
    ck_assert(!cu_trace_has("0 main log the replaced exit ran"));
    ck_assert(cu_trace_has("0 main log m exit st=0 cur=-"));
    ck_assert(cu_trace_has("0 exit1 log m exit st=0 cur=-"));
}
END_TEST

/* The cap is taken at entry. When the outer deadline moves later, the capped inner scope
 * expires alone, so it reports CleanupTimeout itself; so does an inner scope whose own
 * deadline is set earlier than the outer's. */
static int moved_later_main(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    corral_scope *outer, *inner;
    int64_t inner_deadline = *(int64_t *)arg;
    FCHECK_EQ(corral_scope_enter(&outer, self, CORRAL_SCOPE_CLEANUP, cu_at_ms(3), 1), 0);
    FCHECK_EQ(corral_cleanup_enter(&inner, self), 0);
    FCHECK_EQ(corral_scope_deadline(inner), cu_at_ms(3)); /* capped */
    if (inner_deadline >= 0)
        FCHECK_EQ(corral_scope_set_deadline(inner, cu_at_ms(inner_deadline)), 0);
    else
        FCHECK_EQ(corral_scope_set_deadline(outer, cu_at_ms(50)), 0);
    int rc = cu_sleep_ms(10);
    cu_log("inner sleep rc=%d", rc);
    FCHECK_EQ(corral_scope_exit(inner, rc), 0);
    corral_scope_unref(inner);
    FCHECK_EQ(corral_scope_exit(outer, 0), 0);
    corral_scope_unref(outer);
    return 0;
}

START_TEST(test_capped_cleanup_expiring_alone_reports)
{
    int64_t move_outer = -1, inner_at_2 = 2;
    /* (the report is queued after the wake-up of main, which then runs to its end) */
    ck_assert_int_eq(cu_run(moved_later_main, &move_outer), 0);
    ck_assert_str_eq(cu_trace(), "3 main log inner sleep rc=-1000\n"
                                 "3 main done\n"
                                 "3 root handler main CleanupTimeout\n"
                                 "3 rt run\n");
    cu_teardown();
    cu_setup();
    ck_assert_int_eq(cu_run(moved_later_main, &inner_at_2), 0);
    ck_assert_str_eq(cu_trace(), "2 main log inner sleep rc=-1000\n"
                                 "2 main done\n"
                                 "2 root handler main CleanupTimeout\n"
                                 "2 rt run\n");
}
END_TEST

/* A free subgroup of a scoped group entered inside a cleanup scope outlives both: its
 * members' cleanup scopes hang from the group tree once the host left, never from the
 * host's dead scopes (no cap, no use-after-free). */
static int late_member(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    FCHECK_EQ(cu_sleep_ms(5), 0);
    corral_scope *s;
    FCHECK_EQ(corral_cleanup_enter(&s, self), 0);
    FCHECK_EQ(corral_scope_deadline(s), -1);
    int rc = cu_sleep_ms(10);
    cu_log("late cleanup sleep rc=%d", rc);
    FCHECK_EQ(corral_scope_exit(s, rc), 0);
    corral_scope_unref(s);
    return 0;
}

static int outlived_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_scope *c;
    corral_group *g, *f;
    FCHECK_EQ(corral_scope_enter(&c, self, CORRAL_SCOPE_CLEANUP, cu_at_ms(3), 1), 0);
    FCHECK_EQ(corral_group_enter(&g, self, "G", CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN), 0);
    FCHECK_EQ(corral_group_new(&f, cu.rt, g, "F"), 0);
    corral_task *h = cu_spawn_in(f, "H", late_member, NULL);
    FCHECK(h);
    FCHECK_EQ(corral_group_exit(g, 0), 0);
    corral_group_unref(g);
    FCHECK_EQ(corral_scope_exit(c, 0), 0);
    corral_scope_unref(c); /* freed: H must not reach it */
    FCHECK_EQ(corral_join(h, NULL, -1), 0);
    corral_group_unref(f);
    return 0;
}

START_TEST(test_cleanup_in_a_group_that_outlived_its_host_scope)
{
    ck_assert_int_eq(cu_run(outlived_main, NULL), 0);
    ck_assert(cu_trace_has("15 H log late cleanup sleep rc=0"));
    ck_assert(!cu_trace_has("CleanupTimeout"));
}
END_TEST

/* A manager exited because its stack closed while it entered gets the stack's grace. */
static int slow_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)self, (void)ud, (void)value;
    return cu_sleep_ms(5);
}

static int slow_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)self, (void)ud, (void)status, (void)current;
    int rc = cu_sleep_ms(10);
    cu_log("slow exit sleep rc=%d", rc);
    return rc;
}

static int stack_enterer(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    static const corral_acm slow = {slow_enter, slow_exit};
    corral_value v;
    cu_log("enter rc=%d", corral_exitstack_enter(arg, &slow, NULL, &v));
    return 0;
}

static int stack_grace_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_set_cleanup_timeout(st, corral_ms(2)), 0);
    corral_task *e = cu_spawn("E", stack_enterer, st);
    FCHECK(e);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_exitstack_close(st, 0), 0);
    FCHECK_EQ(corral_join(e, NULL, -1), 0);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_manager_exited_after_a_close_gets_the_stack_grace)
{
    ck_assert_int_eq(cu_run(stack_grace_main, NULL), 0);
    ck_assert(cu_trace_has("7 E log slow exit sleep rc=-1000"));
    ck_assert(cu_trace_has("7 E log enter rc=-1004"));
    ck_assert(cu_trace_has("7 root handler E CleanupTimeout"));
}
END_TEST

static int bad_group_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    static const corral_acm no_exit = {mgr_enter, NULL};
    mgr m = {.tag = "m"};
    corral_ctxgroup *g;
    corral_value v;
    FCHECK_EQ(corral_ctxgroup_new(&g, cu.rt), 0);
    FCHECK_EQ(corral_ctxgroup_add(g, NULL, &m), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_ctxgroup_add(g, &no_exit, &m), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_ctxgroup_set_task_names(g, NULL, "x"), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), CORRAL_EINVALIDSTATE); /* not entered */
    FCHECK_EQ(corral_ctxgroup_value(g, 0, &v), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_ctxgroup_enter(g, 4), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m), 0);
    FCHECK_EQ(corral_ctxgroup_value(g, 0, &v), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), 0);
    FCHECK_EQ(corral_ctxgroup_enter(g, 0), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_ctxgroup_add(g, &scripted, &m), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_ctxgroup_set_task_names(g, "a", "b"), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_ctxgroup_value(g, 1, &v), CORRAL_EINVALIDARG);
    FCHECK(corral_ctxgroup_enter_error(g, 7) == NULL);
    FCHECK(corral_ctxgroup_exit_state(g, 7) == NULL);
    FCHECK_EQ(corral_ctxgroup_exit(g, 1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_ctxgroup_exit(g, 0), 0);
    corral_ctxgroup_unref(g);
    /* one manager: incomplete or NULL managers, NULL value, a positive status */
    FCHECK_EQ(corral_acm_enter(NULL, &m, &v), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_acm_enter(&no_exit, &m, &v), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_acm_enter(&scripted, &m, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_acm_exit(&no_exit, &m, 0), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_acm_exit(&scripted, &m, 3), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_bad_input)
{
    mgr m = {.tag = "m"};
    corral_value v;
    corral_ctxgroup *g = NULL;
    ck_assert_int_eq(corral_ctxgroup_new(NULL, cu.rt), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_ctxgroup_new(&g, NULL), 0);
    ck_assert_int_eq(corral_ctxgroup_size(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_ctxgroup_add(NULL, &scripted, &m), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_ctxgroup_ref(NULL));
    corral_ctxgroup_unref(NULL);
    /* fiber-only calls from outside a fiber */
    ck_assert_int_eq(corral_acm_enter(&scripted, &m, &v), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_acm_exit(&scripted, &m, 0), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_ctxgroup_new(&g, cu.rt), 0);
    ck_assert_int_eq(corral_ctxgroup_enter(g, 0), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_ctxgroup_exit(g, 0), CORRAL_EINVALIDSTATE);
    corral_ctxgroup_unref(g);
    ck_assert_int_eq(cu_run(bad_group_main, NULL), 0);
    ck_assert(cu_trace_has("0 enter1 done"));
    ck_assert(cu_trace_has("0 exit1 done"));
}
END_TEST

Suite *cu_suite_context(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("acm");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_exit_suppresses_an_ordinary_error);
    tcase_add_test(tc, test_exit_cannot_suppress_cancelled_and_runs_shielded);
    tcase_add_test(tc, test_exit_error_replaces_the_status_with_context);
    tcase_add_test(tc, test_exit_grace_expiry_keeps_the_outcome);
    tcase_add_test(tc, test_failed_enter_hands_nothing_out);
    tcase_add_test(tc, test_exit_stack_enters_managers_and_a_suppression_clears_the_error);
    tcase_add_test(tc, test_stack_closed_while_a_manager_enters);
    suite_add_tcase(s, tc);
    tc = tcase_create("ctxgroup");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_ctxgroup_return_errors_exits_only_entered_managers);
    tcase_add_test(tc, test_ctxgroup_cancelled_while_entering_exits_what_entered);
    tcase_add_test(tc, test_ctxgroup_exit_cut_by_the_grace_is_recorded_not_raised);
    tcase_add_test(tc, test_nested_cleanup_cannot_outlive_the_outer_grace);
    tcase_add_test(tc, test_ctxgroup_failed_exit_and_cut_exit);
    tcase_add_test(tc, test_ctxgroup_cancelled_enter_with_a_stored_value);
    tcase_add_test(tc, test_ctxgroup_self_cancelled_enter_is_no_failure);
    tcase_add_test(tc, test_ctxgroup_exit_while_entering_is_refused);
    tcase_add_test(tc, test_managers_are_copied);
    tcase_add_test(tc, test_capped_cleanup_expiring_alone_reports);
    tcase_add_test(tc, test_cleanup_in_a_group_that_outlived_its_host_scope);
    tcase_add_test(tc, test_manager_exited_after_a_close_gets_the_stack_grace);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
