/* bad_input: NULL handles everywhere, every call on a closed runtime and its objects
 * (CORRAL_ECLOSED, never a crash), double closes, negative durations. */
#include "cu.h"

#include <signal.h>
#include <stdlib.h>

static int body_calls;
static int body(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    body_calls++;
    return 0;
}
static void step_body(corral_task *self, int status, const corral_value *v, void *arg)
{
    (void)status;
    (void)v;
    (void)arg;
    body_calls++;
    corral_task_finish(self, 0, NULL, NULL, NULL);
}
static int freed;
static void free_counted(void *p)
{
    freed++;
    free(p);
}
static void noop_cb(corral_future *f, void *ud)
{
    (void)f;
    (void)ud;
}
static void noop_post(void *ud)
{
    (void)ud;
}
static void noop_trace(const char *l, size_t n, void *ud)
{
    (void)l;
    (void)n;
    (void)ud;
}
static int noop_handler(corral_group *g, corral_task *m, corral_error *e, corral_error **r,
                        void *ud)
{
    (void)g;
    (void)m;
    (void)e;
    (void)r;
    (void)ud;
    return 0;
}

#define ASSERT_CLOSED(call) ck_assert_int_eq((call), CORRAL_ECLOSED)
#define ASSERT_CLOSED_OR_OK(call)                                                                  \
    do {                                                                                           \
        int64_t rc_ = (call);                                                                      \
        ck_assert_msg(rc_ == 0 || rc_ == CORRAL_ECLOSED, "%s = %jd", #call, (intmax_t)rc_);        \
    } while (0)

START_TEST(test_closed_runtime)
{
    body_calls = freed = 0;
    corral_rt *rt = cu.rt;
    corral_task *fib = NULL, *stp = NULL, *hst = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&fib, rt, NULL, "F", body, malloc(4), free_counted), 0);
    ck_assert_int_eq(corral_spawn_step(&stp, rt, NULL, "S", step_body, malloc(4), free_counted), 0);
    ck_assert_int_eq(corral_spawn_host(&hst, rt, NULL, "H", 1, 7), 0);
    corral_future *f = NULL, *fdone = NULL;
    ck_assert_int_eq(corral_future_new(&f, rt), 0);
    ck_assert_int_eq(corral_future_new(&fdone, rt), 0);
    corral_value one = cu_int(1);
    ck_assert_int_eq(corral_future_set_result(fdone, &one), 0);
    int64_t cbid = corral_future_add_callback(f, noop_cb, NULL);
    ck_assert_int_gt(cbid, 0);
    corral_queue *q = NULL;
    ck_assert_int_eq(corral_queue_new(&q, rt, 4), 0);
    ck_assert_int_eq(corral_queue_put_nowait(q, &one), 0);
    corral_group *g = NULL;
    ck_assert_int_eq(corral_group_new(&g, rt, NULL, "G"), 0);

    ck_assert_int_eq(corral_rt_close(rt), 0);
    ck_assert_int_eq(corral_rt_close(rt), 0); /* idempotent */
    ck_assert_int_eq(body_calls, 0);          /* discarded tasks never run */

    /* the runtime */
    ASSERT_CLOSED(corral_rt_now(rt));
    ASSERT_CLOSED(corral_rt_run(rt, fib));
    ASSERT_CLOSED(corral_rt_set_fiber_stack_size(rt, 65536));
    ASSERT_CLOSED(corral_rt_inject_signal(rt, SIGINT));
    ASSERT_CLOSED(corral_rt_post_threadsafe(rt, noop_post, NULL));
    ASSERT_CLOSED(corral_rt_set_trace_fn(rt, noop_trace, NULL));
    ASSERT_CLOSED(corral_rt_set_trace_fd(rt, 2));
    ASSERT_CLOSED(corral_rt_set_log_fn(rt, noop_trace, NULL));
    ASSERT_CLOSED(corral_log(rt, "x", "y"));
    ASSERT_CLOSED(corral_trace_emit(rt, "x", "y"));
    corral_record rec[2];
    size_t n = 0;
    ASSERT_CLOSED(corral_host_poll(rt, hst, rec, 2, sizeof rec[0], &n));

    /* creating anything */
    corral_task *t = NULL;
    void *arg = malloc(4);
    ASSERT_CLOSED(corral_spawn_fiber(&t, rt, NULL, "x", body, arg, free_counted));
    ASSERT_CLOSED(corral_spawn_step(&t, rt, NULL, "x", step_body, arg, free_counted));
    ASSERT_CLOSED(corral_spawn_host(&t, rt, NULL, "x", 1, 8));
    ck_assert_ptr_null(t);
    ck_assert_int_eq(freed, 0); /* on failure arg is not freed */
    free(arg);
    corral_future *f2 = NULL;
    ASSERT_CLOSED(corral_future_new(&f2, rt));
    ck_assert_ptr_null(f2);
    corral_queue *q2 = NULL;
    ASSERT_CLOSED(corral_queue_new(&q2, rt, 0));
    ck_assert_ptr_null(q2);
    corral_group *g2 = NULL;
    ASSERT_CLOSED(corral_group_new(&g2, rt, NULL, "X"));
    ASSERT_CLOSED(corral_group_new(&g2, rt, g, "X"));
    ck_assert_ptr_null(g2);

    /* tasks */
    ASSERT_CLOSED(corral_task_cancel(fib));
    ASSERT_CLOSED(corral_task_cancel(hst));
    ASSERT_CLOSED(corral_task_set_local(fib, &freed, 1));
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = CORRAL_OP_CHECKPOINT;
    op.deadline = -1;
    ck_assert_int_lt(corral_task_await(stp, &op), 0);
    ck_assert_int_lt(corral_task_await(hst, &op), 0);
    ck_assert_int_lt(corral_task_finish(hst, 0, NULL, NULL, NULL), 0);
    corral_scope *sc = NULL;
    ASSERT_CLOSED(corral_scope_enter(&sc, fib, CORRAL_SCOPE_MOVE_ON, -1, 0));
    ASSERT_CLOSED(corral_move_on_after(&sc, fib, corral_ms(1)));
    ASSERT_CLOSED(corral_shield(&sc, hst));
    ck_assert_ptr_null(sc);
    /* queries still answer without crashing */
    ck_assert_str_eq(corral_task_name(fib), "F");
    ck_assert_uint_eq(corral_task_id(fib), 1);
    ck_assert_ptr_eq(corral_task_rt(fib), rt);
    (void)corral_task_state(fib);
    (void)corral_task_done(fib);
    corral_value v;
    (void)corral_task_result(fib, &v);

    /* futures */
    ASSERT_CLOSED(corral_future_set_result(f, &one));
    corral_error *e = NULL;
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, "E", "e"), 0);
    ASSERT_CLOSED(corral_future_set_error(f, e));
    corral_error_unref(e);
    ASSERT_CLOSED(corral_future_cancel(f));
    ASSERT_CLOSED(corral_future_add_callback(f, noop_cb, NULL));
    ASSERT_CLOSED(corral_future_add_host_callback(f, 1, 2));
    ASSERT_CLOSED(corral_future_remove_callback(f, cbid));
    ASSERT_CLOSED_OR_OK(corral_future_close(f));
    (void)corral_future_state(f);
    (void)corral_future_result(fdone, &v);

    /* queues */
    ASSERT_CLOSED(corral_queue_put_nowait(q, &one));
    ASSERT_CLOSED(corral_queue_get_nowait(q, &v));
    ASSERT_CLOSED_OR_OK(corral_queue_close(q));
    (void)corral_queue_size(q);
    (void)corral_queue_is_closed(q);

    /* groups */
    ASSERT_CLOSED(corral_group_close(g, 1));
    ASSERT_CLOSED(corral_group_set_handler(g, noop_handler, NULL));
    (void)corral_group_is_open(g);
    (void)corral_group_size(g);

    /* release everything: memory goes with the last reference */
    corral_group_unref(g);
    corral_queue_unref(q);
    corral_future_unref(f);
    corral_future_unref(fdone);
    corral_task_unref(hst);
    corral_task_unref(stp);
    corral_task_unref(fib);
    ck_assert_int_eq(freed, 2);
    ck_assert_int_eq(body_calls, 0);
}
END_TEST

START_TEST(test_null_handles)
{
    corral_value v = cu_int(1);
    corral_op op;
    memset(&op, 0, sizeof op);
    op.deadline = -1;
    corral_record rec[1];
    size_t n = 0;
    uintptr_t w = 0;

    /* runtime */
    ck_assert_int_lt(corral_rt_now(NULL), 0);
    ck_assert_ptr_null(corral_rt_root_group(NULL));
    ck_assert_int_lt(corral_rt_unhandled_count(NULL), 0);
    ck_assert_int_eq(corral_rt_close(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_set_fiber_stack_size(NULL, 65536), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_run(NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_run_status(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_inject_signal(NULL, SIGINT), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_post_threadsafe(NULL, noop_post, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_hold_threadsafe(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_set_trace_fd(NULL, 2), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_set_trace_fn(NULL, noop_trace, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_set_log_fn(NULL, noop_trace, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_log(NULL, "a", "b"), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_trace_emit(NULL, "a", "b"), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_trace_emit(cu.rt, "a", NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(NULL, NULL, rec, 1, sizeof rec[0], &n), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_rt_ref(NULL));
    corral_rt_unref(NULL);

    /* spawning */
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(NULL, cu.rt, NULL, "x", body, NULL, NULL),
                     CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_spawn_fiber(&t, NULL, NULL, "x", body, NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, NULL, "x", NULL, NULL, NULL),
                     CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_spawn_step(&t, NULL, NULL, "x", step_body, NULL, NULL),
                     CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_spawn_step(NULL, cu.rt, NULL, "x", step_body, NULL, NULL),
                     CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_spawn_host(NULL, cu.rt, NULL, "x", 1, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_spawn_host(&t, NULL, NULL, "x", 1, 1), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(t);

    /* tasks */
    ck_assert_ptr_null(corral_task_ref(NULL));
    corral_task_unref(NULL);
    ck_assert_uint_eq(corral_task_id(NULL), 0);
    ck_assert_str_eq(corral_task_name(NULL), "");
    ck_assert_int_eq(corral_task_state(NULL), -1);
    ck_assert_int_lt(corral_task_done(NULL), 0);
    ck_assert_int_le(corral_task_cancel_pending(NULL), 0);
    ck_assert_ptr_null(corral_task_rt(NULL));
    ck_assert_int_eq(corral_task_cancel(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_task_result(NULL, &v), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_task_error(NULL));
    ck_assert_ptr_null(corral_task_last_error(NULL));
    ck_assert_int_eq(corral_task_set_error(NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_task_raise(NULL, "K", "m"), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_task_await(NULL, &op), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_task_finish(NULL, 0, NULL, NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_task_set_local(NULL, &w, 1), CORRAL_EINVALIDARG);
    ck_assert_int_le(corral_task_get_local(NULL, &w, &w), 0);

    /* futures */
    corral_future *f = NULL;
    ck_assert_int_eq(corral_future_new(NULL, cu.rt), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_new(&f, NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(f);
    ck_assert_ptr_null(corral_future_ref(NULL));
    corral_future_unref(NULL);
    ck_assert_int_eq(corral_future_close(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_set_result(NULL, &v), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_set_error(NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_cancel(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_future_state(NULL), 0);
    ck_assert_int_eq(corral_future_result(NULL, &v), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_future_error(NULL));
    ck_assert_int_eq(corral_future_add_callback(NULL, noop_cb, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_add_host_callback(NULL, 1, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_remove_callback(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_future_await(NULL, &v, -1), 0);
    f = cu_future();
    ck_assert_int_eq(corral_future_add_callback(f, NULL, NULL), CORRAL_EINVALIDARG);

    /* the fiber shorthands with NULL targets (outside a task: refused either way) */
    ck_assert_int_lt(corral_join(NULL, NULL, -1), 0);
    ck_assert_int_lt(corral_queue_get(NULL, &v, -1), 0);
    ck_assert_int_lt(corral_queue_put(NULL, &v, -1), 0);
    ck_assert_int_lt(corral_group_wait_closed(NULL, -1), 0);
    ck_assert_int_lt(corral_group_wait_closing(NULL, -1), 0);
    ck_assert_int_lt(corral_group_async_close(NULL, 1, -1), 0);
    ck_assert_int_lt(corral_await(NULL, NULL), 0);
    ck_assert_int_lt(corral_uncancellable(NULL, NULL, NULL, 1), 0);
}
END_TEST

START_TEST(test_double_close)
{
    corral_future *f = cu_future();
    corral_queue *q = cu_queue(0);
    corral_group *g = cu_group(NULL, "G");
    ck_assert_int_eq(corral_future_close(f), 0);
    ck_assert_int_eq(corral_future_close(f), 0);
    ck_assert_int_eq(corral_queue_close(q), 0);
    ck_assert_int_eq(corral_queue_close(q), 0);
    ck_assert_int_eq(corral_group_close(g, 0), 0);
    ck_assert_int_eq(corral_group_close(g, 0), 0);
    ck_assert_int_eq(corral_group_close(g, 1), 0);
    ck_assert_str_eq(cu_trace(), "0 G CLOSING\n0 G CLOSED\n");
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
}
END_TEST

static int negative_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *s = NULL;
    FCHECK_EQ(corral_sleep_for(-1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_sleep_for(corral_ms(-3)), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_move_on_after(&s, self, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_fail_after(&s, NULL, -1000000), CORRAL_EINVALIDARG);
    FCHECK(s == NULL);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    /* nothing was performed: no checkpoint happened, time did not move */
    FCHECK_EQ(corral_rt_now(cu.rt), 0);
    /* a queue with maxsize <= 0 is unbounded, not an error */
    corral_queue *q = NULL;
    FCHECK_EQ(corral_queue_new(&q, cu.rt, -5), 0);
    cu_keep_queue(q);
    for (int i = 0; i < 10; i++) {
        corral_value v = cu_int(i);
        FCHECK_EQ(corral_queue_put_nowait(q, &v), 0);
    }
    /* a finished task: cancel returns 0 */
    corral_task *t = cu_spawn("A", body, NULL);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    FCHECK_EQ(corral_task_cancel(t), 0);
    return 0;
}

START_TEST(test_negative_durations)
{
    body_calls = 0;
    ck_assert_int_eq(cu_run(negative_main, NULL), 0);
    ck_assert_int_eq(body_calls, 1);
}
END_TEST

Suite *cu_suite_bad_input(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("bad_input");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_closed_runtime);
    tcase_add_test(tc, test_null_handles);
    tcase_add_test(tc, test_double_close);
    tcase_add_test(tc, test_negative_durations);
    suite_add_tcase(s, tc);
    return s;
}
