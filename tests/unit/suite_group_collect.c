/* groups suite, COLLECT cases: helper-internal groups whose members the body takes in
 * completion order with CORRAL_OP_GROUP_NEXT_DONE (fibers and step callbacks); untaken
 * failures reported when the body leaves (R59); misuse; abandoning a committed NEXT_DONE (R31). */
#include "cu.h"

#include <stdio.h>

static corral_group *enter_collect(corral_task *self)
{
    corral_group *g = NULL;
    if (corral_group_enter(&g, self, NULL, CORRAL_GROUP_COLLECT, CORRAL_GROUP_JOIN) != 0)
        cu_fail(__FILE__, __LINE__, "group_enter(COLLECT) failed");
    return cu_keep_group(g);
}

static int order_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *g = enter_collect(self);
    FCHECK(g);
    FCHECK(cu_spawn_member(g, "A", (cu_member_spec){.ms = 30, .value = 1}));
    FCHECK(cu_spawn_member(g, "B", (cu_member_spec){.ms = 10, .value = 2}));
    FCHECK(cu_spawn_member(g, "C", (cu_member_spec){.ms = 20, .fail = "c"}));
    FCHECK_EQ(corral_group_next_done(g, -1), 1);
    FCHECK_STR(corral_task_name(corral_group_member(g, 1)), "B");
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(corral_group_next_done(g, -1), 2);
    FCHECK_EQ(corral_task_state(corral_group_member(g, 2)), CORRAL_TASK_FAILED);
    FCHECK_EQ(corral_group_next_done(g, -1), 0);
    FCHECK_EQ(cu_now_ms(), 30);
    FCHECK_EQ(corral_group_next_done(g, -1), CORRAL_EINVALIDSTATE); /* each member once */
    FCHECK(corral_group_member(g, 3) == NULL);
    FCHECK(corral_group_member(g, -1) == NULL);
    FCHECK_EQ(corral_group_exit(g, 0), 0);
    FCHECK_EQ(corral_group_is_closed(g), 1);
    FCHECK_STR(corral_task_name(corral_group_member(g, 0)), "A"); /* valid while g lives */
    return 0;
}

START_TEST(test_collect_members_in_completion_order_taken_errors_not_reported)
{
    ck_assert_int_eq(cu_run(order_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 B done 2\n20 C fail ValueError:c\n30 A done 1\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
    ck_assert_ptr_null(corral_group_member(NULL, 0));
}
END_TEST

static int untaken_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *g = enter_collect(self);
    FCHECK(g);
    FCHECK(cu_spawn_member(g, "A", (cu_member_spec){.ms = 5, .fail = "a"}));
    FCHECK(cu_spawn_member(g, "B", (cu_member_spec){.ms = 7, .fail = "b"}));
    FCHECK(cu_spawn_member(g, "C", (cu_member_spec){.ms = 3, .fail = "c"}));
    FCHECK(cu_spawn_member(g, "D", (cu_member_spec){.ms = 15, .fail = "d"}));
    FCHECK_EQ(corral_group_next_done(g, -1), 2); /* C: taken, never reported */
    FCHECK_EQ(cu_sleep_ms(7), 0);
    FCHECK_EQ(corral_group_exit(g, 0), 0); /* JOIN: waits for D */
    FCHECK_EQ(cu_now_ms(), 15);
    return 0;
}

/* A and B ended untaken: reported when the body leaves, in the order they failed; D fails
 * after that: reported at completion. */
START_TEST(test_collect_untaken_failures_reported_at_exit_then_at_completion)
{
    ck_assert_int_eq(cu_run(untaken_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "3 C fail ValueError:c\n"
                                      "5 A fail ValueError:a\n"
                                      "7 B fail ValueError:b\n"
                                      "10 root handler A ValueError:a\n"
                                      "10 root handler B ValueError:b\n"
                                      "15 D fail ValueError:d\n"
                                      "15 root handler D ValueError:d\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 3);
}
END_TEST

static int raising_cb(corral_group *g, corral_task *member, corral_error *err,
                      corral_error **raised, void *ud)
{
    (void)member, (void)err, (void)ud;
    cu_log_as("G.cb", "cb in %s", corral_group_name(g));
    if (corral_error_new(raised, CORRAL_EUSER, "RuntimeError", "cb") != 0)
        cu_fail(__FILE__, __LINE__, "error_new");
    return CORRAL_EUSER;
}

static int collecting_member(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *g = enter_collect(self);
    FCHECK(g);
    FCHECK(cu_spawn_member(g, "X", (cu_member_spec){.ms = 1, .fail = "x"}));
    FCHECK_EQ(cu_sleep_ms(2), 0);
    return corral_group_exit(g, 0); /* X untaken: its failure goes to G's chain */
}

static int raising_handler_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_handler(g, raising_cb, NULL), 0);
    corral_task *t = cu_spawn_in(g, "T", collecting_member, NULL);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    return 0;
}

START_TEST(test_collect_untaken_failure_handler_raises_goes_on_to_parent)
{
    ck_assert_int_eq(cu_run(raising_handler_main, NULL), 0);
    /* the report is queued when T leaves the group, before T's own resumption */
    ck_assert_str_eq(cu_trace_main(), "1 X fail ValueError:x\n"
                                      "2 G handler X ValueError:x\n"
                                      "2 G.cb log cb in G\n"
                                      "2 root handler X RuntimeError:cb <- ValueError:x\n"
                                      "2 T done\n");
}
END_TEST

static corral_group *misuse_group;

static int other_task_next_done(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    FCHECK_EQ(corral_group_next_done(arg, -1), CORRAL_EINVALIDSTATE); /* not its group */
    return 0;
}

static int misuse_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    FCHECK_EQ(corral_group_next_done(NULL, -1), CORRAL_EINVALIDARG);
    corral_group *free_group = cu_group(NULL, "F");
    FCHECK(free_group);
    FCHECK_EQ(corral_group_next_done(free_group, -1), CORRAL_EINVALIDSTATE);
    corral_group *tg = NULL;
    FCHECK_EQ(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(tg);
    FCHECK_EQ(corral_group_next_done(tg, -1), CORRAL_EINVALIDSTATE); /* not COLLECT */
    FCHECK_EQ(corral_group_exit(tg, 0), 0);

    corral_group *g = misuse_group = enter_collect(self);
    FCHECK(g);
    FCHECK_EQ(corral_group_next_done(g, -1), CORRAL_EINVALIDSTATE); /* no member at all */
    FCHECK(cu_spawn_member(g, "A", (cu_member_spec){.ms = 10, .value = 1}));
    FCHECK_EQ(corral_group_next_done(g, 0), CORRAL_ETIMEOUT); /* past deadline: no wait */
    FCHECK_EQ(corral_group_next_done(g, cu_at_ms(4)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 4);
    FCHECK_EQ(corral_group_next_done(g, -5), CORRAL_EINVALIDARG);
    corral_task *w = cu_spawn("W", other_task_next_done, g);
    FCHECK(w);
    FCHECK_EQ(corral_join(w, NULL, -1), 0);
    FCHECK_EQ(corral_group_next_done(g, -1), 0);
    FCHECK_EQ(corral_group_exit(g, 0), 0);
    FCHECK_EQ(corral_group_next_done(g, -1), CORRAL_EINVALIDSTATE); /* left */
    return 0;
}

START_TEST(test_collect_next_done_misuse_is_invalid_state)
{
    ck_assert_int_eq(cu_run(misuse_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "4 W done\n10 A done 1\n");
    ck_assert_int_eq(corral_group_next_done(misuse_group, -1), CORRAL_EINVALIDSTATE); /* no fiber */
}
END_TEST

static int cancelled_body(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_group *g = enter_collect(self);
    FCHECK(g);
    FCHECK(cu_spawn_member(g, "A", (cu_member_spec){.ms = 100, .fail_on_cancel = "x"}));
    FCHECK(cu_spawn_member(g, "B", (cu_member_spec){.ms = 100}));
    int body = corral_group_next_done(g, -1);
    FCHECK_EQ(body, CORRAL_ECANCELLED);
    return corral_group_exit(g, body);
}

static int cancelled_body_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *w = cu_spawn("W", cancelled_body, NULL);
    FCHECK(w);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_task_cancel(w), 1);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_ETASKCANCELLED);
    return 0;
}

/* The body is cancelled while waiting: the exit cancels and awaits the members; A's failure
 * while being cancelled happens after the body left: reported at completion. */
START_TEST(test_collect_body_cancelled_cancels_members)
{
    ck_assert_int_eq(cu_run(cancelled_body_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A fail ValueError:x\n"
                                      "5 B cancelled\n"
                                      "5 root handler A ValueError:x\n"
                                      "5 W cancelled\n");
}
END_TEST

/* ---- step callbacks: race written with NEXT_DONE ----------------------------------------- */

typedef struct race_step {
    int calls;
    corral_group *g;
    int64_t winner_value;
} race_step;

static corral_op op_of(uint32_t kind, void *target, int64_t value)
{
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.target = target;
    op.deadline = -1;
    if (kind == CORRAL_OP_GROUP_EXIT)
        op.value = cu_int(value);
    return op;
}

static void race_step_fn(corral_task *self, int status, const corral_value *value, void *arg)
{
    race_step *c = arg;
    corral_op op;
    switch (c->calls++) {
    case 0: {
        SCHECK_EQ(corral_group_enter(&c->g, self, NULL, CORRAL_GROUP_COLLECT, CORRAL_GROUP_JOIN),
                  0);
        cu_keep_group(c->g);
        op = op_of(CORRAL_OP_GROUP_NEXT_DONE, c->g, 0);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_EINVALIDSTATE); /* nothing to wait for */
        SCHECK(cu_spawn_member(c->g, "A", (cu_member_spec){.ms = 10, .value = 1}));
        SCHECK(cu_spawn_member(c->g, "B", (cu_member_spec){.ms = 5, .value = 2}));
        SCHECK(cu_spawn_member(c->g, "C", (cu_member_spec){.ms = 20, .cleanup_ms = 3}));
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    case 1: { /* the first member to end: the winner when it completed */
        SCHECK_EQ(status, 0);
        SCHECK_EQ(value->type, CORRAL_VALUE_INT);
        corral_value v;
        SCHECK_EQ(corral_task_result(corral_group_member(c->g, value->as.i), &v), 0);
        c->winner_value = v.as.i;
        SCHECK_EQ(corral_group_close(c->g, 1), 0); /* the losers */
        op = op_of(CORRAL_OP_GROUP_EXIT, c->g, 0);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    case 2: {
        SCHECK_EQ(status, 0);
        corral_value v = cu_int(c->winner_value);
        SCHECK_EQ(corral_task_finish(self, 0, &v, NULL, NULL), 0);
        return;
    }
    default:
        cu_fail(__FILE__, __LINE__, "step called after finish");
    }
}

static int step_race_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    corral_task *s = cu_spawn_step("S", race_step_fn, arg);
    FCHECK(s);
    corral_value v;
    FCHECK_EQ(corral_join(s, &v, -1), 0);
    FCHECK_EQ(v.as.i, 2);
    return 0;
}

START_TEST(test_collect_step_task_races_with_next_done)
{
    race_step c = {0};
    ck_assert_int_eq(cu_run(step_race_main, &c), 0);
    ck_assert_int_eq(c.calls, 3);
    ck_assert_str_eq(cu_trace_main(), "5 B done 2\n"
                                      "5 A cancelled\n"
                                      "8 C log cleanup\n"
                                      "8 C cancelled\n"
                                      "8 S done 2\n");
}
END_TEST

/* ---- R31: a committed NEXT_DONE that the body abandons is handed out again ---------------- */

typedef struct abandon_ctx {
    int calls;
    corral_group *g;
    corral_task *s;
    int64_t got[2];
} abandon_ctx;

static void taker_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    abandon_ctx *c = arg;
    corral_op op = op_of(CORRAL_OP_GROUP_NEXT_DONE, NULL, 0);
    switch (c->calls++) {
    case 0:
        SCHECK_EQ(corral_group_enter(&c->g, self, NULL, CORRAL_GROUP_COLLECT, CORRAL_GROUP_JOIN),
                  0);
        cu_keep_group(c->g);
        SCHECK(cu_spawn_member(c->g, "M", (cu_member_spec){.ms = 5, .value = 9}));
        op.target = c->g;
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    case 1: /* after the abandon and the await made on its behalf */
        SCHECK_EQ(status, 0);
        c->got[0] = value->as.i;
        op.target = c->g;
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_EINVALIDSTATE); /* handed out once */
        op = op_of(CORRAL_OP_GROUP_EXIT, c->g, 0);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    default:
        SCHECK_EQ(status, 0);
        SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
        return;
    }
}

/* Runs at t=5 in the tick after M ended, before S resumes: S's outcome is committed. */
static int abandoner(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    abandon_ctx *c = arg;
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(c->s), CORRAL_TASK_READY);
    FCHECK_EQ(corral_task_abandon(c->s), 1); /* committed, then dropped by its host */
    corral_op op = op_of(CORRAL_OP_GROUP_NEXT_DONE, c->g, 0);
    FCHECK_EQ(corral_task_await(c->s, &op), CORRAL_PENDING); /* M is still there to take */
    return 0;
}

static int abandon_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    abandon_ctx *c = arg;
    c->s = cu_spawn_step("S", taker_step, c);
    FCHECK(c->s);
    FCHECK(cu_spawn("X", abandoner, c));
    FCHECK_EQ(corral_join(c->s, NULL, -1), 0);
    return 0;
}

START_TEST(test_collect_abandoned_next_done_hands_member_out_again)
{
    abandon_ctx c = {0};
    ck_assert_int_eq(cu_run(abandon_main, &c), 0);
    ck_assert_int_eq(c.calls, 3);
    ck_assert_int_eq(c.got[0], 0);
    ck_assert_str_eq(cu_trace_main(), "5 M done 9\n5 X done\n5 S done\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
}
END_TEST

void cu_add_group_collect_cases(Suite *s)
{
    TCase *tc = tcase_create("collect");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_collect_members_in_completion_order_taken_errors_not_reported);
    tcase_add_test(tc, test_collect_untaken_failures_reported_at_exit_then_at_completion);
    tcase_add_test(tc, test_collect_untaken_failure_handler_raises_goes_on_to_parent);
    tcase_add_test(tc, test_collect_next_done_misuse_is_invalid_state);
    tcase_add_test(tc, test_collect_body_cancelled_cancels_members);
    tcase_add_test(tc, test_collect_step_task_races_with_next_done);
    tcase_add_test(tc, test_collect_abandoned_next_done_hands_member_out_again);
    suite_add_tcase(s, tc);
}
