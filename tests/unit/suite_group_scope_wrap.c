/* groups suite: a group's cancel scope (trio's nursery.cancel_scope), the current group
 * (aiotools' current_taskgroup), Group.wrap of futures and tasks, and the bad input of scoped
 * groups (R42, R44, R49). */
#include "cu.h"

#include <stdio.h>

static int logs_cancel(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    int rc = cu_sleep_ms(100);
    if (rc == CORRAL_ECANCELLED)
        cu_log("cancelled");
    return rc;
}

static int starts_then_checkpoints(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    cu_log("start");
    return corral_checkpoint();
}

/* ---- corral_group_scope --------------------------------------------------------------------- */

static int free_scope_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK(cu_spawn_in(g, "A", logs_cancel, NULL));
    FCHECK(cu_spawn_in(g, "B", logs_cancel, NULL));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    corral_scope *s = corral_group_scope(g);
    FCHECK(s);
    FCHECK_EQ(corral_scope_cancel(s), 1);
    FCHECK_EQ(corral_scope_cancel(s), 0);
    FCHECK_EQ(corral_scope_cancel_called(s), 1);
    FCHECK_EQ(corral_group_is_open(g), 1); /* cancelled, not closed: spawning still works */
    FCHECK(cu_spawn_in(g, "C", starts_then_checkpoints, NULL));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_group_size(g), 0);
    FCHECK_EQ(corral_group_is_open(g), 1);
    FCHECK_EQ(corral_group_async_close(g, 0, -1), 0);
    return 0;
}

START_TEST(test_group_scope_cancels_free_group_members_without_closing)
{
    ck_assert_int_eq(cu_run(free_scope_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 A log cancelled\n"
                                      "1 A cancelled\n"
                                      "1 B log cancelled\n"
                                      "1 B cancelled\n"
                                      "1 C log start\n"
                                      "1 C cancelled\n"
                                      "2 G CLOSING\n"
                                      "2 G CLOSED\n");
}
END_TEST

static corral_group *nursery;

static int cancels_nursery(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_scope_cancel(corral_group_scope(nursery)), 1);
    FCHECK_EQ(corral_group_is_open(nursery), 1);
    return 0;
}

static int nursery_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    FCHECK_EQ(corral_group_enter(&nursery, self, "N", CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN),
              0);
    cu_keep_group(nursery);
    FCHECK(cu_spawn_in(nursery, "A", logs_cancel, NULL));
    FCHECK(cu_spawn_in(nursery, "B", cancels_nursery, NULL));
    int body = cu_sleep_ms(50);
    FCHECK_EQ(body, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_group_exit(nursery, body), 0); /* the nursery's scope owned it */
    corral_scope *s = corral_group_scope(nursery);
    FCHECK_EQ(corral_scope_cancelled_caught(s), 1);
    FCHECK_EQ(corral_scope_cause(s), CORRAL_CAUSE_EXPLICIT);
    FCHECK_EQ(corral_scope_exit(s, 0), CORRAL_EINVALIDARG); /* cannot be exited */
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    FCHECK_EQ(cu_now_ms(), 5);
    return 0;
}

START_TEST(test_group_scope_cancel_of_scoped_group_absorbed_by_exit)
{
    ck_assert_int_eq(cu_run(nursery_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 B done\n"
                                      "5 A log cancelled\n"
                                      "5 A cancelled\n"
                                      "5 N CLOSING\n"
                                      "5 N CLOSED\n");
}
END_TEST

static int deadline_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *n = NULL;
    FCHECK_EQ(corral_group_enter(&n, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(n);
    FCHECK(cu_spawn_in(n, "A", logs_cancel, NULL));
    FCHECK_EQ(corral_scope_set_deadline(corral_group_scope(n), cu_at_ms(7)), 0);
    FCHECK_EQ(corral_group_exit(n, cu_sleep_ms(50)), 0);
    FCHECK_EQ(corral_scope_cause(corral_group_scope(n)), CORRAL_CAUSE_DEADLINE);
    FCHECK_EQ(cu_now_ms(), 7);
    /* a deadline left on a group that is released before it passes must not fire */
    corral_group *g = NULL;
    FCHECK_EQ(corral_group_new(&g, cu.rt, NULL, NULL), 0);
    FCHECK_EQ(corral_scope_set_deadline(corral_group_scope(g), cu_at_ms(3)), 0);
    FCHECK_EQ(corral_group_close(g, 0), 0);
    corral_group_unref(g);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    return 0;
}

START_TEST(test_group_scope_deadline_cancels_group)
{
    ck_assert_int_eq(cu_run(deadline_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "7 A log cancelled\n7 A cancelled\n");
    corral_scope *s = corral_group_scope(NULL);
    ck_assert_ptr_null(s);
}
END_TEST

/* ---- corral_task_current_group -------------------------------------------------------------- */

static int reports_current(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    FCHECK(corral_task_current_group(NULL) == arg); /* its own group */
    FCHECK(corral_task_current_group(self) == arg);
    corral_group *inner = NULL;
    FCHECK_EQ(corral_group_enter(&inner, self, NULL, CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(inner);
    FCHECK(corral_task_current_group(NULL) == inner);
    FCHECK_EQ(corral_group_exit(inner, 0), 0);
    FCHECK(corral_task_current_group(NULL) == arg);
    return 0;
}

static int current_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    FCHECK(corral_task_current_group(NULL) == NULL); /* a member of the root group */
    corral_group *outer = NULL, *inner = NULL;
    FCHECK_EQ(corral_group_enter(&outer, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(outer);
    FCHECK(corral_task_current_group(self) == outer);
    corral_scope *s = NULL; /* a plain scope in between changes nothing */
    FCHECK_EQ(corral_move_on_after(&s, self, corral_ms(100)), 0);
    cu_keep_scope(s);
    FCHECK_EQ(corral_group_enter(&inner, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(inner);
    FCHECK(corral_task_current_group(NULL) == inner);
    FCHECK(cu_spawn_in(inner, "M", reports_current, inner));
    FCHECK_EQ(corral_group_exit(inner, 0), 0);
    FCHECK(corral_task_current_group(NULL) == outer);
    FCHECK_EQ(corral_scope_exit(s, 0), 0);
    FCHECK_EQ(corral_group_exit(outer, 0), 0);
    FCHECK(corral_task_current_group(NULL) == NULL);
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    corral_task *t = cu_spawn_in(g, "F", reports_current, g);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    return 0;
}

START_TEST(test_current_group_is_innermost_entered_else_own)
{
    ck_assert_int_eq(cu_run(current_main, NULL), 0);
    ck_assert(cu_trace_has("0 M done"));
    ck_assert(cu_trace_has("0 F done"));
    ck_assert_ptr_null(corral_task_current_group(NULL));    /* no task runs now */
    ck_assert_ptr_null(corral_task_current_group(cu.main)); /* root member */
}
END_TEST

/* ---- corral_group_wrap ----------------------------------------------------------------------- */

typedef struct seen {
    int calls;
    char what[4][96];
} seen;

static int record_handler(corral_group *g, corral_task *member, corral_error *err,
                          corral_error **raised, void *ud)
{
    (void)g, (void)raised;
    seen *s = ud;
    if (s->calls < 4)
        snprintf(s->what[s->calls], sizeof s->what[0], "%s %s", corral_task_name(member),
                 cu_fmt_error(err));
    s->calls++;
    return 0;
}

static corral_task *wrap(corral_group *g, const char *name, uint32_t kind, void *target)
{
    corral_task *t = NULL;
    int rc = corral_group_wrap(&t, g, name, kind, target);
    if (rc != 0)
        cu_fail(__FILE__, __LINE__, "group_wrap %s: %d", name, rc);
    return cu_keep_task(t);
}

static int wrap_futures_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_handler(g, record_handler, arg), 0);
    corral_future *f1 = cu_future(), *f2 = cu_future(), *f3 = NULL;
    FCHECK_EQ(corral_future_new(&f3, cu.rt), 0); /* released early: the wrapper copied */
    corral_task *w1 = wrap(g, "W1", CORRAL_OP_FUTURE, f1);
    corral_task *w2 = wrap(g, "W2", CORRAL_OP_FUTURE, f2);
    corral_task *w3 = wrap(g, "W3", CORRAL_OP_FUTURE, f3);
    FCHECK(w1 && w2 && w3);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    corral_value seven = cu_int(7), word = cu_bytes("hello");
    FCHECK_EQ(corral_future_set_result(f1, &seven), 0);
    corral_error *e = NULL;
    FCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "ValueError", "e"), 0);
    cu_keep_error(e);
    FCHECK_EQ(corral_future_set_error(f2, e), 0);
    FCHECK_EQ(corral_future_set_result(f3, &word), 0);
    corral_value v;
    FCHECK_EQ(corral_join(w1, &v, -1), 0);
    FCHECK_EQ(v.as.i, 7);
    FCHECK_EQ(corral_join(w2, NULL, -1), CORRAL_EUSER);
    FCHECK(corral_task_error(w2) == e); /* the same error object */
    FCHECK_EQ(corral_join(w3, NULL, -1), 0);
    corral_future_unref(f3);
    FCHECK_EQ(corral_task_result(w3, &v), 0);
    FCHECK_EQ((int)v.len, 5);
    FCHECK_EQ(memcmp(v.as.p, "hello", 5), 0);
    return 0;
}

START_TEST(test_wrap_future_ends_with_its_outcome)
{
    seen s = {0};
    ck_assert_int_eq(cu_run(wrap_futures_main, &s), 0);
    ck_assert_str_eq(cu_trace_main(), "1 W1 done 7\n"
                                      "1 W2 fail ValueError:e\n"
                                      "1 W3 done hello\n"
                                      "1 G handler W2 ValueError:e\n");
    ck_assert_int_eq(s.calls, 1);
    ck_assert_str_eq(s.what[0], "W2 ValueError:e");
}
END_TEST

static int wrap_close_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    corral_future *f = cu_future();
    corral_task *x = cu_spawn_member(NULL, "X", (cu_member_spec){.ms = 3, .value = 5});
    corral_task *y = cu_spawn_member(NULL, "Y", (cu_member_spec){.ms = 100, .cleanup_ms = 2});
    FCHECK(g && f && x && y);
    corral_task *wx = wrap(g, "WX", CORRAL_OP_JOIN, x);
    FCHECK(wrap(g, "WY", CORRAL_OP_JOIN, y));
    FCHECK(wrap(g, "WF", CORRAL_OP_FUTURE, f));
    corral_value v;
    FCHECK_EQ(corral_join(wx, &v, -1), 0);
    FCHECK_EQ(v.as.i, 5);
    FCHECK_EQ(cu_sleep_ms(7), 0);
    FCHECK_EQ(corral_group_async_close(g, 1, -1), 0);
    FCHECK_EQ(corral_future_state(f), CORRAL_FUTURE_CANCELLED);
    FCHECK_EQ(corral_task_state(y), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(cu_now_ms(), 12);
    return 0;
}

/* Closing the group cancels a wrapped future; a wrapped task is cancelled and awaited
 * (shielded) before its wrapper ends, so the group closes after it. */
START_TEST(test_wrap_close_cancels_future_and_awaits_task)
{
    ck_assert_int_eq(cu_run(wrap_close_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "3 X done 5\n"
                                      "3 WX done 5\n"
                                      "10 G CLOSING\n"
                                      "10 WF cancelled\n"
                                      "12 Y log cleanup\n"
                                      "12 Y cancelled\n"
                                      "12 WY cancelled\n"
                                      "12 G CLOSED\n");
}
END_TEST

static int wrap_host_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, NULL);
    corral_future *f = cu_future();
    FCHECK(g && f);
    corral_task *w = wrap(g, "W", CORRAL_OP_FUTURE, f);
    FCHECK(w);
    corral_value h = cu_host(9, 77);
    FCHECK_EQ(corral_future_set_result(f, &h), 0);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_EINVALIDARG); /* hosts wrap in their language */
    corral_value v;
    FCHECK_EQ(corral_future_result(f, &v), 0); /* the future keeps its value */
    FCHECK_EQ(v.as.token, 77);
    return 0;
}

START_TEST(test_wrap_refuses_host_value)
{
    ck_assert_int_eq(cu_run(wrap_host_main, NULL), 0);
    ck_assert(cu_trace_has("0 W fail InvalidArgument:wrap: a host value cannot be shared by a C "
                           "wrapper"));
}
END_TEST

static int wrap_bad_main(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    corral_future *f = cu_future();
    FCHECK(g && f);
    corral_task *t = NULL;
    FCHECK_EQ(corral_group_wrap(NULL, g, "W", CORRAL_OP_FUTURE, f), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_wrap(&t, NULL, "W", CORRAL_OP_FUTURE, f), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_wrap(&t, g, "W", CORRAL_OP_FUTURE, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_wrap(&t, g, "W", CORRAL_OP_SLEEP, f), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_wrap(&t, g, "W", CORRAL_OP_FUTURE, arg),
              CORRAL_EINVALIDARG); /* foreign */
    FCHECK_EQ(corral_group_close(g, 0), 0);
    FCHECK_EQ(corral_group_wrap(&t, g, "W", CORRAL_OP_JOIN, self), CORRAL_EGROUPCLOSED);
    FCHECK(t == NULL);
    FCHECK_EQ(corral_future_state(f), CORRAL_FUTURE_PENDING);
    return 0;
}

START_TEST(test_wrap_bad_input)
{
    corral_rt *other = NULL;
    ck_assert_int_eq(corral_rt_new(&other, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(other);
    corral_future *foreign = NULL;
    ck_assert_int_eq(corral_future_new(&foreign, other), 0);
    cu_keep_future(foreign);
    ck_assert_int_eq(cu_run(wrap_bad_main, foreign), 0);
    ck_assert_str_eq(cu_trace_main(), "0 G CLOSING\n0 G CLOSED\n");
}
END_TEST

/* ---- scoped groups: use after exit ------------------------------------------------------------
 */

static int never_runs(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    cu_fail(__FILE__, __LINE__, "spawned into a closed group");
    return 0;
}

static int after_exit_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *tg = NULL, *sub = NULL, *free_group = cu_group(NULL, "F");
    corral_task *t = NULL;
    FCHECK(free_group);
    FCHECK_EQ(corral_group_enter(&tg, self, "T", CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(tg);
    FCHECK_EQ(corral_group_exit(tg, 0), 0);
    FCHECK_EQ(corral_group_exit(tg, 0), CORRAL_EINVALIDSTATE);         /* left twice */
    FCHECK_EQ(corral_group_exit(free_group, 0), CORRAL_EINVALIDSTATE); /* never entered */
    FCHECK_EQ(corral_spawn_fiber(&t, cu.rt, tg, "x", never_runs, NULL, NULL), CORRAL_EGROUPCLOSED);
    FCHECK_EQ(corral_spawn_step(&t, cu.rt, tg, "x", NULL, NULL, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_new(&sub, cu.rt, tg, "S"), CORRAL_EGROUPCLOSED);
    FCHECK(t == NULL && sub == NULL);
    FCHECK_EQ(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_COLLECT, 3), CORRAL_EINVALIDARG);
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = CORRAL_OP_GROUP_EXIT;
    op.target = free_group;
    op.deadline = -1;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDSTATE);
    op.kind = CORRAL_OP_WATCH_PUT + 1; /* unknown op */
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_scoped_group_used_after_exit)
{
    ck_assert_int_eq(cu_run(after_exit_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 T CLOSING\n0 T CLOSED\n");
}
END_TEST

void cu_add_group_scope_wrap_cases(Suite *s)
{
    TCase *tc = tcase_create("scope_and_current");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_group_scope_cancels_free_group_members_without_closing);
    tcase_add_test(tc, test_group_scope_cancel_of_scoped_group_absorbed_by_exit);
    tcase_add_test(tc, test_group_scope_deadline_cancels_group);
    tcase_add_test(tc, test_current_group_is_innermost_entered_else_own);
    tcase_add_test(tc, test_scoped_group_used_after_exit);
    suite_add_tcase(s, tc);

    tc = tcase_create("wrap");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_wrap_future_ends_with_its_outcome);
    tcase_add_test(tc, test_wrap_close_cancels_future_and_awaits_task);
    tcase_add_test(tc, test_wrap_refuses_host_value);
    tcase_add_test(tc, test_wrap_bad_input);
    suite_add_tcase(s, tc);
}
