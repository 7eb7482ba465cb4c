/* tasks: fiber tasks - lazy spawn, states, ids/names, cancellation (R13-R17), join, results,
 * StrayCancellation, task-locals, fiber stacks. The step-driver cases are in suite_steps.c. */
#include "cu.h"

#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CU_HAS_ASAN 1
#endif
#endif
#ifndef CU_HAS_ASAN
#define CU_HAS_ASAN 0
#endif

/* ---- lazy spawn, FIFO ---------------------------------------------------------------------------
 */

static int s01_f(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    cu_log("start");
    FCHECK_EQ(corral_checkpoint(), 0);
    cu_log("after");
    *res = cu_bytes(corral_task_name(self));
    return 0;
}

static int s01_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_task_id(self), 1);
    FCHECK(corral_current() == self);
    corral_task *t[3];
    const char *names[3] = {"A", "B", "C"};
    for (int i = 0; i < 3; i++) {
        t[i] = cu_spawn(names[i], s01_f, NULL);
        FCHECK(t[i]);
        /* R7: nothing ran yet */
        FCHECK_EQ(corral_task_state(t[i]), CORRAL_TASK_CREATED);
        FCHECK_EQ(corral_task_id(t[i]), (uint64_t)i + 2);
        FCHECK_STR(corral_task_name(t[i]), names[i]);
    }
    FCHECK_STR(cu_trace(), "");
    cu_log("spawned");
    for (int i = 0; i < 3; i++) {
        corral_value v;
        FCHECK_EQ(corral_join(t[i], &v, -1), 0);
        FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
        FCHECK_EQ(v.len, 1);
        FCHECK(memcmp(v.as.p, names[i], 1) == 0);
    }
    cu_log("joined");
    return 0;
}

START_TEST(test_lazy_spawn_S01)
{
    ck_assert_int_eq(cu_run(s01_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log spawned\n"
                                      "0 A log start\n"
                                      "0 B log start\n"
                                      "0 C log start\n"
                                      "0 A log after\n"
                                      "0 A done A\n"
                                      "0 B log after\n"
                                      "0 B done B\n"
                                      "0 C log after\n"
                                      "0 C done C\n"
                                      "0 main log joined\n");
}
END_TEST

static int s47_loop(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    const char *p = arg;
    (void)self;
    for (int i = 0; i <= 2; i++) {
        cu_log("%s%d", p, i);
        FCHECK_EQ(corral_checkpoint(), 0);
    }
    return 0;
}

static int s47_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", s47_loop, "A");
    corral_task *b = cu_spawn("B", s47_loop, "B");
    FCHECK(a && b);
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    return 0;
}

START_TEST(test_fair_interleaving_S47)
{
    ck_assert_int_eq(cu_run(s47_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log A0\n"
                                      "0 B log B0\n"
                                      "0 A log A1\n"
                                      "0 B log B1\n"
                                      "0 A log A2\n"
                                      "0 B log B2\n"
                                      "0 A done\n"
                                      "0 B done\n");
}
END_TEST

/* ---- states, ids, names
 * -------------------------------------------------------------------------- */

static int state_child(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_task_state(self), CORRAL_TASK_RUNNING);
    FCHECK(corral_current() == self);
    FCHECK_EQ(corral_task_done(self), 0);
    return cu_sleep_ms(10);
}

static int states_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_task_state(self), CORRAL_TASK_RUNNING);
    corral_task *a = cu_spawn("A", state_child, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_CREATED);
    FCHECK(corral_task_rt(a) == cu.rt);
    FCHECK_EQ(corral_task_done(a), 0);
    corral_value v;
    FCHECK_EQ(corral_task_result(a, &v), CORRAL_EINVALIDSTATE);
    FCHECK(corral_task_error(a) == NULL);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_cancel_pending(a), 0);
    const volatile int32_t *flag = corral_task_cancel_flag(a);
    FCHECK(flag != NULL);
    FCHECK_EQ(*flag, 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    /* R26: aborted at once, queued with Cancelled */
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_READY);
    FCHECK_EQ(corral_task_cancel_pending(a), 1);
    FCHECK_EQ(*flag, 1);
    FCHECK(corral_task_cancel_flag(NULL) == NULL);
    FCHECK_EQ(corral_task_cancel(a), 0);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(corral_task_done(a), 1);
    FCHECK_EQ(corral_task_result(a, &v), CORRAL_ETASKCANCELLED);
    FCHECK(corral_task_error(a) == NULL);
    FCHECK_EQ(corral_task_cancel(a), 0); /* finished: 0 */
    return 0;
}

START_TEST(test_states)
{
    ck_assert_ptr_null(corral_current());
    ck_assert_int_eq(cu_run(states_main, NULL), 0);
    ck_assert_ptr_null(corral_current());
    ck_assert_str_eq(cu_trace_main(), "0 A cancelled\n");
    ck_assert_int_eq(corral_task_state(cu.main), CORRAL_TASK_COMPLETED);
}
END_TEST

static int noop(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    return 0;
}

START_TEST(test_ids_names)
{
    char name[8] = "alpha";
    corral_task *t1 = NULL, *t2 = NULL, *t3 = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t1, cu.rt, NULL, name, noop, NULL, NULL), 0);
    cu_keep_task(t1);
    name[0] = 'X'; /* copied */
    ck_assert_str_eq(corral_task_name(t1), "alpha");
    ck_assert_int_eq(corral_spawn_fiber(&t2, cu.rt, NULL, NULL, noop, NULL, NULL), 0);
    cu_keep_task(t2);
    ck_assert_int_eq(corral_spawn_step(&t3, cu.rt, NULL, NULL, NULL, NULL, NULL),
                     CORRAL_EINVALIDARG); /* no step fn */
    ck_assert_ptr_null(t3);
    ck_assert_uint_eq(corral_task_id(t1), 1);
    ck_assert_uint_eq(corral_task_id(t2), 2);
    ck_assert_str_eq(corral_task_name(t2), "task2");
    ck_assert_ptr_eq(corral_task_ref(t2), t2);
    corral_task_unref(t2);
    ck_assert_int_eq(corral_rt_run(cu.rt, t1), 0);
    ck_assert(cu_trace_has("0 task2 done"));
}
END_TEST

/* ---- cancellation scenarios -------------------------------------------------------------------
 */

static int s04_a(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    cu_log("start");
    int rc = cu_sleep_ms(100);
    if (rc == CORRAL_ECANCELLED)
        cu_log("caught");
    return rc;
}

static int s04_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", s04_a, NULL);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    cu_log("requested");
    int rc = corral_join(a, NULL, -1);
    FCHECK_EQ(rc, CORRAL_ETASKCANCELLED);
    cu_log("join TaskCancelled");
    return 0;
}

START_TEST(test_cancel_parked_S04)
{
    ck_assert_int_eq(cu_run(s04_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log start\n"
                                      "10 main log requested\n"
                                      "10 A log caught\n"
                                      "10 A cancelled\n"
                                      "10 main log join TaskCancelled\n");
}
END_TEST

static int s05_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    if (cu_sleep_ms(100) == CORRAL_ECANCELLED)
        cu_log("swallowed");
    cu_log("continuing");
    int64_t t = corral_rt_now(cu.rt);
    int rc = cu_sleep_ms(1);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_rt_now(cu.rt), t);
    FCHECK_EQ(corral_checkpoint(), CORRAL_ECANCELLED); /* level-triggered */
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    if (rc == 0)
        cu_log("unreachable");
    return rc;
}

static int s05_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", s05_a, NULL);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ETASKCANCELLED);
    cu_log("join TaskCancelled");
    return 0;
}

START_TEST(test_swallowed_cancel_S05)
{
    ck_assert_int_eq(cu_run(s05_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log swallowed\n"
                                      "10 A log continuing\n"
                                      "10 A cancelled\n"
                                      "10 main log join TaskCancelled\n");
}
END_TEST

static int s06_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    cu_log("start");
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    int rc = corral_checkpoint();
    cu_log("cleanup");
    return rc;
}

static int s06_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", s06_a, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_CREATED);
    cu_log("requested");
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ETASKCANCELLED);
    cu_log("join TaskCancelled");
    return 0;
}

START_TEST(test_cancel_before_start_S06)
{
    ck_assert_int_eq(cu_run(s06_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log requested\n"
                                      "0 A log start\n"
                                      "0 A log cleanup\n"
                                      "0 A cancelled\n"
                                      "0 main log join TaskCancelled\n");
}
END_TEST

static int s38_a(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    if (cu_sleep_ms(100) == CORRAL_ECANCELLED) {
        cu_log("returning 42");
        *res = cu_int(42);
        return 0;
    }
    return 0;
}

static int s38_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", s38_a, NULL);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    corral_value v;
    FCHECK_EQ(corral_join(a, &v, -1), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_INT);
    cu_log("join=%" PRId64, v.as.i);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_COMPLETED);
    return 0;
}

START_TEST(test_return_after_cancel_S38)
{
    ck_assert_int_eq(cu_run(s38_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log returning 42\n"
                                      "10 A done 42\n"
                                      "10 main log join=42\n");
}
END_TEST

static int stray(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    return CORRAL_ECANCELLED; /* nobody cancelled this task */
}

static int stray_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", stray, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ESTRAYCANCELLATION);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_FAILED);
    FCHECK_EQ(corral_error_code(corral_task_error(a)), CORRAL_ESTRAYCANCELLATION);
    FCHECK_STR(corral_error_kind(corral_task_error(a)), "StrayCancellation");
    FCHECK(corral_task_last_error(self) == corral_task_error(a));
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    return 0;
}

START_TEST(test_stray_cancellation)
{
    ck_assert_int_eq(cu_run(stray_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A fail StrayCancellation\n"
                                      "0 root handler A StrayCancellation\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 1);
}
END_TEST

static int late_error(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(100), CORRAL_ECANCELLED);
    return corral_task_raise(self, "ValueError", "late");
}

static int error_beats_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", late_error, NULL);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(3), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_EUSER);
    FCHECK_STR(corral_error_kind(corral_task_last_error(self)), "ValueError");
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_FAILED);
    return 0;
}

START_TEST(test_error_beats_pending_cancel)
{
    ck_assert_int_eq(cu_run(error_beats_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "3 A fail ValueError:late\n"
                                      "3 root handler A ValueError:late\n");
}
END_TEST

static int fail_code(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    return CORRAL_ETIMEOUT; /* no error object: one is made from the code */
}

static int set_error_body(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    corral_error **out = arg;
    corral_error *e = NULL;
    FCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "KeyError", "k"), 0);
    *out = e;
    int rc = corral_task_set_error(self, e);
    corral_error_unref(e); /* the task took its own reference */
    return rc;
}

static int failures_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_error **made = arg;
    corral_task *a = cu_spawn("A", fail_code, NULL);
    corral_task *b = cu_spawn("B", set_error_body, made);
    FCHECK(a && b);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_error_code(corral_task_error(a)), CORRAL_ETIMEOUT);
    FCHECK_STR(corral_error_kind(corral_task_error(a)), "Timeout");
    corral_value v;
    FCHECK_EQ(corral_task_result(a, &v), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_join(b, NULL, -1), CORRAL_EUSER);
    FCHECK(corral_task_error(b) == *made);         /* the same object */
    FCHECK(corral_task_last_error(self) == *made); /* join re-raises the same error */
    FCHECK_STR(corral_error_message(corral_task_error(b)), "k");
    return 0;
}

START_TEST(test_failed_results)
{
    corral_error *made = NULL;
    ck_assert_int_eq(cu_run(failures_main, &made), 0);
    /* A and B run in the same tick; each handler entry is queued behind B */
    ck_assert_str_eq(cu_trace_main(), "0 A fail Timeout\n"
                                      "0 B fail KeyError:k\n"
                                      "0 root handler A Timeout\n"
                                      "0 root handler B KeyError:k\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 2);
    /* R57 "<kind>: <msg>"; with an empty message either "Timeout" or "Timeout: " reads fine */
    const char *log = cu_log_text();
    ck_assert_msg(strcmp(log, "unhandled error in task A: Timeout\n"
                              "unhandled error in task B: KeyError: k\n") == 0 ||
                      strcmp(log, "unhandled error in task A: Timeout: \n"
                                  "unhandled error in task B: KeyError: k\n") == 0,
                  "log:\n%s", log);
}
END_TEST

/* ---- join
 * ----------------------------------------------------------------------------------------- */

static int sleeper_t(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    FCHECK_EQ(cu_sleep_ms(10), 0);
    *res = cu_bytes("t");
    return 0;
}

static int joiner(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    return corral_join(arg, NULL, -1);
}

static int join_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_join(self, NULL, -1), CORRAL_EINVALIDSTATE); /* R17 */
    corral_task *t = cu_spawn("T", sleeper_t, NULL);
    FCHECK(t);
    corral_task *w = cu_spawn("W", joiner, t);
    FCHECK(w);
    /* per-call deadlines: past = do not block */
    int64_t t0 = corral_rt_now(cu.rt);
    FCHECK_EQ(corral_join(t, NULL, 0), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_rt_now(cu.rt), t0);
    FCHECK_EQ(corral_join(t, NULL, cu_at_ms(3)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 3);
    FCHECK_EQ(corral_task_state(t), CORRAL_TASK_PARKED);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    /* cancelling the joiner never affects the target (R16, R21) */
    FCHECK_EQ(corral_task_cancel(w), 1);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_task_state(t), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_cancel_pending(t), 0);
    corral_value v;
    FCHECK_EQ(corral_join(t, &v, -1), 0);
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
    FCHECK_EQ(v.len, 1);
    FCHECK(memcmp(v.as.p, "t", 1) == 0);
    /* joining a finished task: past deadline still succeeds */
    FCHECK_EQ(corral_join(t, NULL, 0), 0);
    FCHECK_EQ(corral_join(NULL, NULL, -1), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_join)
{
    ck_assert_int_eq(cu_run(join_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 W cancelled\n10 T done t\n");
}
END_TEST

static int ret_one(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    *res = cu_int(1);
    return 0;
}

static int log_b(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    cu_log("b");
    return 0;
}

static int join_sched_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", ret_one, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_done(a), 1);
    FCHECK(cu_spawn("B", log_b, NULL));
    corral_value v;
    FCHECK_EQ(corral_join(a, &v, -1), 0); /* a schedule point: B runs first */
    FCHECK_EQ(v.as.i, 1);
    cu_log("joined");
    return 0;
}

START_TEST(test_join_terminal_is_schedule_point)
{
    ck_assert_int_eq(cu_run(join_sched_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A done 1\n"
                                      "0 B log b\n"
                                      "0 B done\n"
                                      "0 main log joined\n");
}
END_TEST

/* ---- results and ownership --------------------------------------------------------------------
 */

static char bytes_buf[16];

static int bytes_result(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    memcpy(bytes_buf, "hello", 6);
    *res = cu_bytes(bytes_buf); /* the core copies BYTES when it takes the value */
    return 0;
}

static int ptr_dtor_calls;
static void ptr_dtor(void *p)
{
    ptr_dtor_calls++;
    free(p);
}

static int ptr_result(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    res->type = CORRAL_VALUE_PTR;
    res->as.p = malloc(32);
    res->dtor = ptr_dtor;
    return 0;
}

typedef struct results_ctx {
    corral_task *p;
} results_ctx;

static int results_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    results_ctx *c = arg;
    corral_task *b = cu_spawn("B", bytes_result, NULL);
    FCHECK(b);
    FCHECK_EQ(corral_spawn_fiber(&c->p, cu.rt, NULL, "P", ptr_result, NULL, NULL), 0);
    corral_value v;
    FCHECK_EQ(corral_join(b, &v, -1), 0);
    memset(bytes_buf, 'x', 5); /* the task holds its own copy */
    FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
    FCHECK_EQ(v.len, 5);
    FCHECK(memcmp(v.as.p, "hello", 5) == 0);
    corral_value v2;
    FCHECK_EQ(corral_task_result(b, &v2), 0);
    FCHECK(v2.as.p == v.as.p); /* borrowed from the task */
    FCHECK_EQ(corral_join(c->p, &v, -1), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_PTR);
    FCHECK_EQ(ptr_dtor_calls, 0);
    return 0;
}

START_TEST(test_results_ownership)
{
    ptr_dtor_calls = 0;
    results_ctx c = {0};
    ck_assert_int_eq(cu_run(results_main, &c), 0);
    ck_assert(cu_trace_has("0 B done hello"));
    ck_assert_int_eq(ptr_dtor_calls, 0);
    corral_task_unref(c.p);
    corral_rt_close(cu.rt);
    corral_rt_unref(cu.rt);
    cu.rt = NULL;
    corral_task_unref(cu.main);
    cu.main = NULL;
    /* the pool still holds B; release it too, then the PTR result must be gone */
    ck_assert_int_eq(ptr_dtor_calls, 1);
}
END_TEST

static int arg_free_calls;
static void arg_free_fn(void *p)
{
    arg_free_calls++;
    free(p);
}

START_TEST(test_arg_free)
{
    arg_free_calls = 0;
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, NULL, "main", noop, malloc(10), arg_free_fn), 0);
    ck_assert_int_eq(corral_rt_run(cu.rt, t), 0);
    ck_assert_int_eq(arg_free_calls, 0); /* we still reference the task */
    corral_task_unref(t);
    corral_rt_close(cu.rt);
    ck_assert_int_eq(arg_free_calls, 1);
}
END_TEST

/* ---- task-locals ------------------------------------------------------------------------------
 */

static const char key1, key2, key3;

static int locals_grandchild(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    uintptr_t v = 0;
    FCHECK_EQ(corral_task_get_local(self, &key1, &v), 1);
    FCHECK_EQ(v, 5);
    FCHECK_EQ(corral_task_get_local(self, &key2, &v), 1);
    FCHECK_EQ(v, 60);
    return 0;
}

static int locals_child(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    uintptr_t v = 0;
    FCHECK_EQ(corral_task_get_local(self, &key1, &v), 1);
    FCHECK_EQ(v, 5); /* snapshot at spawn */
    FCHECK_EQ(corral_task_get_local(self, &key2, &v), 1);
    FCHECK_EQ(v, 6);
    v = 1234;
    FCHECK_EQ(corral_task_get_local(self, &key3, &v), 0);
    FCHECK_EQ(v, 1234);
    FCHECK_EQ(corral_task_set_local(self, &key2, 60), 0);
    corral_task *g = cu_spawn("G", locals_grandchild, NULL);
    FCHECK(g);
    return corral_join(g, NULL, -1);
}

static int locals_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    uintptr_t v = 0;
    FCHECK_EQ(corral_task_get_local(self, &key1, &v), 0);
    FCHECK_EQ(corral_task_set_local(self, &key1, 1), 0);
    FCHECK_EQ(corral_task_set_local(self, &key1, 5), 0); /* overwrite */
    FCHECK_EQ(corral_task_set_local(self, &key2, 6), 0);
    corral_task *c = cu_spawn("C", locals_child, NULL);
    FCHECK(c);
    FCHECK_EQ(corral_task_set_local(self, &key1, 50), 0); /* after spawn: child unaffected */
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    FCHECK_EQ(corral_task_get_local(self, &key2, &v), 1);
    FCHECK_EQ(v, 6); /* the child's write stays in the child */
    FCHECK_EQ(corral_task_get_local(self, &key1, &v), 1);
    FCHECK_EQ(v, 50);
    FCHECK_EQ(corral_task_set_local(NULL, &key1, 1), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_task_locals)
{
    /* a task spawned from outside any task starts without locals */
    corral_task *outside = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&outside, cu.rt, NULL, "O", noop, NULL, NULL), 0);
    cu_keep_task(outside);
    uintptr_t v = 0;
    ck_assert_int_eq(corral_task_get_local(outside, &key1, &v), 0);
    ck_assert_int_eq(cu_run(locals_main, NULL), 0);
    ck_assert(cu_trace_has("0 G done"));
    ck_assert(cu_trace_has("0 C done"));
}
END_TEST

/* ---- fiber stacks --------------------------------------------------------------------------- */

static int deep_stack(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    volatile char big[600 * 1024];
    for (size_t i = 0; i < sizeof big; i += 512)
        big[i] = (char)(i / 512 % 100 + 1);
    FCHECK_EQ(corral_checkpoint(), 0);
    long sum = 0;
    for (size_t i = 0; i < sizeof big; i += 512)
        sum += big[i];
    *res = cu_int(sum != 0);
    return 0;
}

START_TEST(test_fiber_stack_size)
{
    ck_assert_int_eq(corral_rt_set_fiber_stack_size(NULL, 1 << 20), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_set_fiber_stack_size(cu.rt, 1 << 20), 0);
    ck_assert_int_eq(cu_run(deep_stack, NULL), 0);
    ck_assert_str_eq(cu_trace(), "0 main done 1\n0 rt run 1\n");
}
END_TEST

#define MANY 2000

static int many_body(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        FCHECK_EQ(corral_checkpoint(), 0);
    *res = cu_int((int64_t)corral_task_id(self));
    return 0;
}

static int many_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task **t = calloc(MANY, sizeof *t);
    FCHECK(t);
    int64_t want = 0;
    for (int i = 0; i < MANY; i++) {
        int rc = corral_spawn_fiber(&t[i], cu.rt, NULL, NULL, many_body, NULL, NULL);
        if (rc != 0) {
            for (int k = 0; k < i; k++)
                corral_task_unref(t[k]);
            free(t);
            FCHECK_EQ(rc, 0);
        }
        want += i + 2;
    }
    int64_t sum = 0;
    int bad = 0;
    for (int i = 0; i < MANY; i++) {
        corral_value v;
        if (corral_join(t[i], &v, -1) != 0 || v.type != CORRAL_VALUE_INT)
            bad++;
        else
            sum += v.as.i;
        corral_task_unref(t[i]);
    }
    free(t);
    FCHECK_EQ(bad, 0);
    FCHECK_EQ(sum, want);
    return 0;
}

START_TEST(test_spawn_many_fibers)
{
    ck_assert_int_eq(corral_rt_set_fiber_stack_size(cu.rt, 16 * 1024), 0);
    ck_assert_int_eq(cu_run(many_main, NULL), 0);
}
END_TEST

START_TEST(test_fiber_map_limit_enomem)
{
    /* design.md: ~32k guarded fibers fit in vm.max_map_count; past that spawn -> ENOMEM */
    enum { CAP = 200000 };
    ck_assert_int_eq(corral_rt_set_fiber_stack_size(cu.rt, 16 * 1024), 0);
    corral_task **t = calloc(CAP, sizeof *t);
    ck_assert_ptr_nonnull(t);
    int n = 0, rc = 0;
    while (n < CAP) {
        rc = corral_spawn_fiber(&t[n], cu.rt, NULL, NULL, noop, NULL, NULL);
        if (rc != 0)
            break;
        n++;
    }
    for (int i = 0; i < n; i++)
        corral_task_unref(t[i]);
    free(t);
    ck_assert_int_eq(rc, CORRAL_ENOMEM);
    ck_assert_int_ge(n, 1000);
    /* the runtime is still usable: close releases every stack */
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
}
END_TEST

/* ---- awaiting outside a task, bad ops ---------------------------------------------------------
 */

START_TEST(test_await_outside_task)
{
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = CORRAL_OP_CHECKPOINT;
    op.deadline = -1;
    ck_assert_int_eq(corral_await(&op, NULL), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_checkpoint(), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_sleep(0), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_sleep_for(corral_ms(1)), CORRAL_EINVALIDSTATE);
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, NULL, "A", noop, NULL, NULL), 0);
    cu_keep_task(t);
    ck_assert_int_eq(corral_join(t, NULL, -1), CORRAL_EINVALIDSTATE);
    corral_future *f = cu_future();
    ck_assert_int_eq(corral_future_await(f, NULL, -1), CORRAL_EINVALIDSTATE);
    corral_queue *q = cu_queue(0);
    corral_value v = cu_int(1);
    ck_assert_int_eq(corral_queue_get(q, &v, -1), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_queue_put(q, &v, -1), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_queue_size(q), 0);
    corral_group *g = cu_group(NULL, "G");
    ck_assert_int_eq(corral_group_wait_closed(g, -1), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_group_wait_closing(g, -1), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_group_async_close(g, 1, -1), CORRAL_EINVALIDSTATE);
    /* the task is a fiber: corral_task_await is for step and host tasks in their step */
    ck_assert_int_lt(corral_task_await(t, &op), 0);
    ck_assert_int_lt(corral_task_finish(t, 0, NULL, NULL, NULL), 0);
    cu_assert_no_failure();
}
END_TEST

static int bad_ops_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    int64_t t0 = corral_rt_now(cu.rt);
    FCHECK_EQ(corral_sleep_for(-1), CORRAL_EINVALIDARG);
    const char *m = corral_last_error_message();
    FCHECK(m != NULL && m[0] != '\0');
    FCHECK_EQ(corral_sleep_for(INT64_MIN), CORRAL_EINVALIDARG);
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = 99;
    op.deadline = -1;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_await(NULL, NULL), CORRAL_EINVALIDARG);
    op.kind = CORRAL_OP_JOIN;
    op.target = NULL;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    op.kind = CORRAL_OP_FUTURE;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    op.kind = CORRAL_OP_QUEUE_GET;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    /* a fiber uses corral_await, never corral_task_await on itself */
    op.kind = CORRAL_OP_CHECKPOINT;
    int rc = corral_task_await(self, &op);
    FCHECK_INT(rc, <, 0);
    FCHECK_EQ(corral_rt_now(cu.rt), t0);
    /* corral_await with a valid op works and is a checkpoint */
    FCHECK_EQ(corral_await(&op, NULL), 0);
    op.kind = CORRAL_OP_SLEEP;
    op.deadline = corral_ms(4);
    FCHECK_EQ(corral_await(&op, NULL), 0);
    FCHECK_EQ(corral_rt_now(cu.rt), corral_ms(4));
    return 0;
}

START_TEST(test_bad_ops_in_fiber)
{
    ck_assert_int_eq(cu_run(bad_ops_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "");
}
END_TEST

/* An error recorded with corral_task_set_error is replaced by a newer error outcome: a fiber
 * that records E1, then gets a group's ErrorGroup from its exit and returns that code, fails
 * with the group - also when E1 has the same code (differential test: it used to end with
 * the stale E1). */
static int failing_member(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    return corral_task_raise(self, "ValueError", "member");
}

static int stale_body(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    corral_error *inner = NULL, *stale = NULL;
    FCHECK_EQ(corral_error_new(&inner, CORRAL_EUSER, "KeyError", "old"), 0);
    FCHECK_EQ(corral_error_new_group(&stale, &inner, 1), 0);
    corral_error_unref(inner);
    corral_group *g;
    FCHECK_EQ(corral_group_enter(&g, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    FCHECK(cu_spawn_in(g, "m", failing_member, NULL));
    corral_task_set_error(self, stale); /* recorded, then superseded */
    corral_error_unref(stale);
    int rc = corral_group_exit(g, 0);
    corral_group_unref(g);
    return rc;
}

static int stale_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *a = cu_spawn("A", stale_body, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_EERRORGROUP);
    return 0;
}

START_TEST(test_newer_error_outcome_replaces_a_recorded_error)
{
    ck_assert_int_eq(cu_run(stale_main, NULL), 0);
    ck_assert(cu_trace_has("0 A fail ErrorGroup:[ValueError:member]"));
}
END_TEST

Suite *cu_suite_tasks(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("fibers");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_lazy_spawn_S01);
    tcase_add_test(tc, test_newer_error_outcome_replaces_a_recorded_error);
    tcase_add_test(tc, test_fair_interleaving_S47);
    tcase_add_test(tc, test_states);
    tcase_add_test(tc, test_ids_names);
    tcase_add_test(tc, test_cancel_parked_S04);
    tcase_add_test(tc, test_swallowed_cancel_S05);
    tcase_add_test(tc, test_cancel_before_start_S06);
    tcase_add_test(tc, test_return_after_cancel_S38);
    tcase_add_test(tc, test_stray_cancellation);
    tcase_add_test(tc, test_error_beats_pending_cancel);
    tcase_add_test(tc, test_failed_results);
    tcase_add_test(tc, test_join);
    tcase_add_test(tc, test_join_terminal_is_schedule_point);
    tcase_add_test(tc, test_results_ownership);
    tcase_add_test(tc, test_arg_free);
    tcase_add_test(tc, test_task_locals);
    tcase_add_test(tc, test_await_outside_task);
    tcase_add_test(tc, test_bad_ops_in_fiber);
    suite_add_tcase(s, tc);

    tc = tcase_create("stacks");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fiber_stack_size);
    tcase_add_test(tc, test_spawn_many_fibers);
    suite_add_tcase(s, tc);

    /* Exhausting vm.max_map_count also starves the sanitizers' and valgrind's own mappings:
     * skipped under ASan at compile time, and tagged "slow" (valgrind.sh excludes it). */
#if !defined(__SANITIZE_ADDRESS__) && !CU_HAS_ASAN
    tc = tcase_create("map_limit");
    tcase_set_tags(tc, "slow");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fiber_map_limit_enomem);
    suite_add_tcase(s, tc);
#else
    (void)test_fiber_map_limit_enomem;
#endif

    cu_add_step_cases(s);
    return s;
}
