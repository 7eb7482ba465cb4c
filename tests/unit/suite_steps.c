/* tasks suite, step-driver cases: corral_spawn_step, corral_task_await/corral_task_finish. */
#include "cu.h"

#include <stdlib.h>

typedef struct step_ctx {
    int calls;
    int statuses[8];
    corral_task *target; /* for JOIN */
    corral_future *f;
    int rc_extra;
} step_ctx;

static corral_op op_of(uint32_t kind, void *target, int64_t deadline)
{
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.target = target;
    op.deadline = deadline;
    return op;
}

static int ret_five(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    *res = cu_int(5);
    return 0;
}

/* call 0: sleep 10 ms; call 1: join a fiber that returns 5; call 2: finish with 6 */
static void basic_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    step_ctx *c = arg;
    int call = c->calls++;
    if (call < 8)
        c->statuses[call] = status;
    SCHECK(corral_current() == self);
    SCHECK_EQ(corral_task_state(self), CORRAL_TASK_RUNNING);
    SCHECK(value != NULL);
    corral_op op;
    switch (call) {
    case 0:
        SCHECK_EQ(status, 0);
        SCHECK_EQ(value->type, CORRAL_VALUE_NONE);
        op = op_of(CORRAL_OP_SLEEP, NULL, corral_ms(10));
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        break;
    case 1:
        SCHECK_EQ(status, 0);
        SCHECK_EQ(corral_rt_now(cu.rt), corral_ms(10));
        c->target = cu_spawn("F", ret_five, NULL);
        SCHECK(c->target);
        op = op_of(CORRAL_OP_JOIN, c->target, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        break;
    case 2: {
        SCHECK_EQ(status, 0);
        SCHECK_EQ(value->type, CORRAL_VALUE_INT);
        SCHECK_EQ(value->as.i, 5);
        corral_value v = cu_int(value->as.i + 1);
        SCHECK_EQ(corral_task_finish(self, 0, &v, NULL, NULL), 0);
        break;
    }
    default:
        cu_fail(__FILE__, __LINE__, "step called after finish (call %d)", call);
    }
}

static int step_join_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    step_ctx *c = arg;
    corral_task *s = cu_spawn_step("S", basic_step, c);
    FCHECK(s);
    FCHECK_EQ(corral_task_state(s), CORRAL_TASK_CREATED);
    FCHECK_EQ(c->calls, 0); /* lazy */
    corral_value v;
    FCHECK_EQ(corral_join(s, &v, -1), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_INT);
    FCHECK_EQ(v.as.i, 6);
    return 0;
}

START_TEST(test_step_basic)
{
    step_ctx c = {0};
    ck_assert_int_eq(cu_run(step_join_main, &c), 0);
    ck_assert_int_eq(c.calls, 3);
    ck_assert_str_eq(cu_trace_main(), "10 F done 5\n10 S done 6\n");
}
END_TEST

static void lazy_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)self;
    (void)status;
    (void)value;
    ((step_ctx *)arg)->calls++;
    /* neither awaits nor finishes: InvalidState */
}

static int step_wait_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_task *s = cu_spawn_step("S", lazy_step, arg);
    FCHECK(s);
    FCHECK_EQ(corral_join(s, NULL, -1), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_task_state(s), CORRAL_TASK_FAILED);
    FCHECK_EQ(corral_error_code(corral_task_error(s)), CORRAL_EINVALIDSTATE);
    return 0;
}

START_TEST(test_step_neither_await_nor_finish)
{
    step_ctx c = {0};
    ck_assert_int_eq(cu_run(step_wait_main, &c), 0);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(cu_trace_count_prefix("0 S fail InvalidState"), 1);
    ck_assert_int_eq(cu_trace_count_prefix("0 root handler S InvalidState"), 1);
}
END_TEST

static void cancel_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    step_ctx *c = arg;
    int call = c->calls++;
    corral_op op;
    if (call == 0) {
        op = op_of(CORRAL_OP_SLEEP, NULL, corral_ms(100));
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        /* already awaiting: a second await in the same step is refused */
        op = op_of(CORRAL_OP_CHECKPOINT, NULL, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_EINVALIDSTATE);
        return;
    }
    SCHECK_EQ(call, 1);
    SCHECK_EQ(status, CORRAL_ECANCELLED);
    SCHECK_EQ(corral_rt_now(cu.rt), corral_ms(5));
    SCHECK_EQ(corral_task_cancel_pending(self), 1);
    /* a checkpoint while cancel-pending: ECANCELLED at once, nothing performed, no step */
    op = op_of(CORRAL_OP_SLEEP, NULL, corral_ms(50));
    SCHECK_EQ(corral_task_await(self, &op), CORRAL_ECANCELLED);
    op = op_of(CORRAL_OP_CHECKPOINT, NULL, -1);
    SCHECK_EQ(corral_task_await(self, &op), CORRAL_ECANCELLED);
    SCHECK_EQ(corral_task_finish(self, CORRAL_ECANCELLED, NULL, NULL, NULL), 0);
}

static int step_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    step_ctx *c = arg;
    corral_task *s = cu_spawn_step("S", cancel_step, c);
    FCHECK(s);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    /* not in its step: await and finish from outside are refused */
    corral_op op = op_of(CORRAL_OP_CHECKPOINT, NULL, -1);
    FCHECK_EQ(corral_task_await(s, &op), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_task_finish(s, 0, NULL, NULL, NULL), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_task_state(s), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_cancel(s), 1);
    FCHECK_EQ(corral_join(s, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(cu_now_ms(), 5);
    return 0;
}

START_TEST(test_step_cancel_pending_await)
{
    step_ctx c = {0};
    ck_assert_int_eq(cu_run(step_cancel_main, &c), 0);
    ck_assert_int_eq(c.calls, 2);
    ck_assert_str_eq(cu_trace_main(), "5 S cancelled\n");
}
END_TEST

static int fail_x(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    return corral_task_raise(self, "ValueError", "x");
}

static void error_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    step_ctx *c = arg;
    int call = c->calls++;
    if (call == 0) {
        /* invalid ops: refused, nothing performed; the step may still await */
        corral_op op = op_of(99, NULL, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_EINVALIDARG);
        SCHECK_EQ(corral_task_await(self, NULL), CORRAL_EINVALIDARG);
        op = op_of(CORRAL_OP_JOIN, NULL, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_EINVALIDARG);
        /* fiber-only calls from a step callback */
        op = op_of(CORRAL_OP_CHECKPOINT, NULL, -1);
        SCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDSTATE);
        SCHECK_EQ(corral_checkpoint(), CORRAL_EINVALIDSTATE);
        c->target = cu_spawn("F", fail_x, NULL);
        SCHECK(c->target);
        op = op_of(CORRAL_OP_JOIN, c->target, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    SCHECK_EQ(status, CORRAL_EUSER);
    corral_error *e = corral_task_last_error(self);
    SCHECK(e != NULL);
    SCHECK(e == corral_task_error(c->target));
    SCHECK_STR(corral_error_kind(e), "ValueError");
    SCHECK_EQ(corral_task_finish(self, CORRAL_EUSER, NULL, NULL, e), 0);
}

static int step_error_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    step_ctx *c = arg;
    corral_task *s = cu_spawn_step("S", error_step, c);
    FCHECK(s);
    FCHECK_EQ(corral_join(s, NULL, -1), CORRAL_EUSER);
    FCHECK(corral_task_error(s) == corral_task_error(c->target));
    return 0;
}

START_TEST(test_step_error_outcome)
{
    step_ctx c = {0};
    ck_assert_int_eq(cu_run(step_error_main, &c), 0);
    ck_assert_int_eq(c.calls, 2);
    ck_assert_str_eq(cu_trace_main(), "0 F fail ValueError:x\n"
                                      "0 root handler F ValueError:x\n"
                                      "0 S fail ValueError:x\n"
                                      "0 root handler S ValueError:x\n");
}
END_TEST

typedef struct finish_ctx {
    int mode;
} finish_ctx;

static void finish_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)status;
    (void)value;
    finish_ctx *c = arg;
    corral_value v = cu_int(5);
    switch (c->mode) {
    case 0:
        SCHECK_EQ(corral_task_finish(self, 0, &v, "five", NULL), 0);
        break;
    case 1:
        SCHECK_EQ(corral_task_finish(self, 0, &v, NULL, NULL), 0);
        break;
    case 2:
        SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
        break;
    case 3: /* Cancelled while not cancel-pending: StrayCancellation (R14) */
        SCHECK_EQ(corral_task_finish(self, CORRAL_ECANCELLED, NULL, NULL, NULL), 0);
        break;
    case 4: /* error code without an error object */
        SCHECK_EQ(corral_task_finish(self, CORRAL_EQUEUEFULL, NULL, NULL, NULL), 0);
        break;
    case 5:
        SCHECK_EQ(corral_task_finish(self, 7, NULL, NULL, NULL), CORRAL_EINVALIDARG);
        SCHECK_EQ(corral_task_finish(NULL, 0, NULL, NULL, NULL), CORRAL_EINVALIDARG);
        SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
        /* finished: a second finish is refused */
        SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), CORRAL_EINVALIDSTATE);
        break;
    }
}

static int finish_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    static finish_ctx ctx[6] = {{0}, {1}, {2}, {3}, {4}, {5}};
    static const char *names[6] = {"S0", "S1", "S2", "S3", "S4", "S5"};
    corral_task *s[6];
    for (int i = 0; i < 6; i++) {
        s[i] = cu_spawn_step(names[i], finish_step, &ctx[i]);
        FCHECK(s[i]);
    }
    for (int i = 0; i < 6; i++)
        corral_join(s[i], NULL, -1);
    FCHECK_EQ(corral_task_state(s[3]), CORRAL_TASK_FAILED);
    FCHECK_EQ(corral_error_code(corral_task_error(s[3])), CORRAL_ESTRAYCANCELLATION);
    FCHECK_EQ(corral_error_code(corral_task_error(s[4])), CORRAL_EQUEUEFULL);
    FCHECK_EQ(corral_task_state(s[5]), CORRAL_TASK_COMPLETED);
    return 0;
}

START_TEST(test_step_finish_forms)
{
    ck_assert_int_eq(cu_run(finish_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 S0 done five\n"
                                      "0 S1 done 5\n"
                                      "0 S2 done\n"
                                      "0 S3 fail StrayCancellation\n"
                                      "0 S4 fail QueueFull\n"
                                      "0 S5 done\n"
                                      "0 root handler S3 StrayCancellation\n"
                                      "0 root handler S4 QueueFull\n");
}
END_TEST

static int step_arg_freed;
static void step_arg_free(void *p)
{
    step_arg_freed++;
    free(p);
}

static void finish_now(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)status;
    (void)value;
    (void)arg;
    corral_value v = cu_int((int64_t)corral_task_id(self));
    SCHECK_EQ(corral_task_finish(self, 0, &v, NULL, NULL), 0);
}

static void checkpoint_then_finish(corral_task *self, int status, const corral_value *value,
                                   void *arg)
{
    (void)value;
    int *state = arg;
    if (*state == 0) {
        *state = 1;
        corral_op op = op_of(CORRAL_OP_CHECKPOINT, NULL, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    SCHECK_EQ(status, 0);
    SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
}

#define MANY_STEPS 10000

static int many_steps_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    int *state = calloc(MANY_STEPS, sizeof *state);
    corral_task **t = calloc(MANY_STEPS, sizeof *t);
    FCHECK(state && t);
    int bad = 0;
    for (int i = 0; i < MANY_STEPS; i++)
        if (corral_spawn_step(&t[i], cu.rt, NULL, NULL, checkpoint_then_finish, &state[i], NULL) !=
            0)
            bad++;
    for (int i = 0; i < MANY_STEPS; i++) {
        if (t[i] && corral_join(t[i], NULL, -1) != 0)
            bad++;
        corral_task_unref(t[i]);
    }
    for (int i = 0; i < MANY_STEPS; i++)
        if (state[i] != 1)
            bad++;
    free(state);
    free(t);
    FCHECK_EQ(bad, 0);
    return 0;
}

START_TEST(test_many_steps)
{
    ck_assert_int_eq(cu_run(many_steps_main, NULL), 0);
}
END_TEST

START_TEST(test_step_arg_free)
{
    step_arg_freed = 0;
    corral_task *t = NULL;
    ck_assert_int_eq(
        corral_spawn_step(&t, cu.rt, NULL, "main", finish_now, malloc(4), step_arg_free), 0);
    ck_assert_int_eq(corral_rt_run(cu.rt, t), 0);
    cu_assert_no_failure();
    ck_assert_str_eq(cu_trace(), "0 main done 1\n0 rt run 1\n");
    ck_assert_int_eq(step_arg_freed, 0);
    corral_task_unref(t);
    corral_rt_close(cu.rt);
    ck_assert_int_eq(step_arg_freed, 1);
}
END_TEST

static const char lkey;

static void locals_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)status;
    (void)value;
    (void)arg;
    uintptr_t v = 0;
    SCHECK_EQ(corral_task_get_local(self, &lkey, &v), 1);
    SCHECK_EQ(v, 77);
    SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
}

static void spawner_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    int *state = arg;
    if (*state == 0) {
        *state = 1;
        SCHECK_EQ(corral_task_set_local(self, &lkey, 77), 0);
        corral_task *child = cu_spawn_step("child", locals_step, NULL);
        SCHECK(child);
        corral_op op = op_of(CORRAL_OP_JOIN, child, -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    SCHECK_EQ(status, 0);
    SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
}

START_TEST(test_step_locals)
{
    int state = 0;
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_step(&t, cu.rt, NULL, "main", spawner_step, &state, NULL), 0);
    cu.main = t;
    ck_assert_int_eq(corral_rt_run(cu.rt, t), 0);
    cu_assert_no_failure();
    ck_assert_str_eq(cu_trace_main(), "0 child done\n");
}
END_TEST

void cu_add_step_cases(Suite *s)
{
    TCase *tc = tcase_create("steps");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_step_basic);
    tcase_add_test(tc, test_step_neither_await_nor_finish);
    tcase_add_test(tc, test_step_cancel_pending_await);
    tcase_add_test(tc, test_step_error_outcome);
    tcase_add_test(tc, test_step_finish_forms);
    tcase_add_test(tc, test_many_steps);
    tcase_add_test(tc, test_step_arg_free);
    tcase_add_test(tc, test_step_locals);
    suite_add_tcase(s, tc);
}
