/* futures: R19-R22 - one-shot states, listener order, deferred callbacks, remove_callback,
 * InvalidState on double set, FutureCancelled, per-call deadlines, close, value ownership. */
#include "cu.h"

#include <stdlib.h>

/* ---- states
 * -------------------------------------------------------------------------------------- */

START_TEST(test_future_result)
{
    corral_future *f = cu_future();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(corral_future_state(f), CORRAL_FUTURE_PENDING);
    corral_value v;
    ck_assert_int_eq(corral_future_result(f, &v), CORRAL_EINVALIDSTATE);
    ck_assert_ptr_null(corral_future_error(f));
    corral_value three = cu_int(3);
    ck_assert_int_eq(corral_future_set_result(f, &three), 0);
    ck_assert_int_eq(corral_future_state(f), CORRAL_FUTURE_RESULT);
    ck_assert_int_eq(corral_future_result(f, &v), 0);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_INT);
    ck_assert_int_eq(v.as.i, 3);
    /* exactly one transition (R19) */
    corral_value four = cu_int(4);
    ck_assert_int_eq(corral_future_set_result(f, &four), CORRAL_EINVALIDSTATE);
    corral_error *e;
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, "ValueError", "v"), 0);
    ck_assert_int_eq(corral_future_set_error(f, e), CORRAL_EINVALIDSTATE);
    corral_error_unref(e);
    ck_assert_int_eq(corral_future_cancel(f), 0);
    ck_assert_int_eq(corral_future_state(f), CORRAL_FUTURE_RESULT);
    ck_assert_int_eq(corral_future_result(f, &v), 0);
    ck_assert_int_eq(v.as.i, 3);
    ck_assert_ptr_null(corral_future_error(f));
    ck_assert_ptr_eq(corral_future_ref(f), f);
    corral_future_unref(f);
}
END_TEST

START_TEST(test_future_none_result)
{
    corral_future *f = cu_future();
    ck_assert_int_eq(corral_future_set_result(f, NULL), 0);
    corral_value v = cu_int(9);
    ck_assert_int_eq(corral_future_result(f, &v), 0);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);
}
END_TEST

START_TEST(test_future_error)
{
    corral_future *f = cu_future();
    corral_error *e;
    ck_assert_int_eq(corral_error_new(&e, CORRAL_EUSER, "ValueError", "v"), 0);
    ck_assert_int_eq(corral_future_set_error(f, e), 0);
    corral_error_unref(e); /* the future took its own reference */
    ck_assert_int_eq(corral_future_state(f), CORRAL_FUTURE_ERROR);
    ck_assert_ptr_eq(corral_future_error(f), e);
    ck_assert_str_eq(corral_error_kind(corral_future_error(f)), "ValueError");
    corral_value v;
    ck_assert_int_eq(corral_future_result(f, &v), CORRAL_EUSER);
    ck_assert_int_eq(corral_future_set_result(f, NULL), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_future_cancel(f), 0);
    ck_assert_int_eq(corral_future_set_error(f, NULL), CORRAL_EINVALIDARG);
    /* a Cancelled error is refused (differential test round 6: it was stored, and
     * call_on_done then saw a cancellation where there was none) */
    corral_future *g = cu_future();
    corral_error *c = NULL;
    ck_assert_int_eq(corral_error_new(&c, CORRAL_ECANCELLED, NULL, ""), 0);
    ck_assert_int_eq(corral_future_set_error(g, c), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_future_state(g), CORRAL_FUTURE_PENDING);
    corral_error_unref(c);
}
END_TEST

START_TEST(test_future_cancel)
{
    corral_future *f = cu_future();
    ck_assert_int_eq(corral_future_cancel(f), 1);
    ck_assert_int_eq(corral_future_state(f), CORRAL_FUTURE_CANCELLED);
    ck_assert_int_eq(corral_future_cancel(f), 0);
    corral_value v;
    ck_assert_int_eq(corral_future_result(f, &v), CORRAL_EFUTURECANCELLED);
    ck_assert_ptr_null(corral_future_error(f));
    ck_assert_int_eq(corral_future_set_result(f, NULL), CORRAL_EINVALIDSTATE);
}
END_TEST

/* ---- listener order (S23) ---------------------------------------------------------------------
 */

static void log_cb(corral_future *f, void *ud)
{
    (void)f;
    cu_log_as(ud, "%s", (const char *)ud);
}

static int s23_t(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    int rc = corral_future_await(arg, &v, -1);
    FCHECK_EQ(rc, 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_INT);
    cu_log("T got %" PRId64, v.as.i);
    return 0;
}

static int s23_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    FCHECK_INT(corral_future_add_callback(f, log_cb, "cb1"), >, 0);
    corral_task *t = cu_spawn("T", s23_t, f);
    FCHECK(t);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_INT(corral_future_add_callback(f, log_cb, "cb2"), >, 0);
    corral_value one = cu_int(1), two = cu_int(2);
    FCHECK_EQ(corral_future_set_result(f, &one), 0);
    cu_log("after set");
    if (corral_future_set_result(f, &two) == CORRAL_EINVALIDSTATE)
        cu_log("invalid");
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_INT(corral_future_add_callback(f, log_cb, "cb3"), >, 0);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    cu_log("end");
    return 0;
}

START_TEST(test_listener_order_S23)
{
    ck_assert_int_eq(cu_run(s23_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 main log after set\n"
                                      "1 main log invalid\n"
                                      "1 cb1 log cb1\n"
                                      "1 T log T got 1\n"
                                      "1 T done\n"
                                      "1 cb2 log cb2\n"
                                      "1 cb3 log cb3\n"
                                      "1 main log end\n");
}
END_TEST

/* ---- deferral and remove_callback ---------------------------------------------------------------
 */

typedef struct cb_rec {
    int calls;
    corral_future *seen_f;
    void *seen_ud;
} cb_rec;

static void rec_cb(corral_future *f, void *ud)
{
    cb_rec *r = ud;
    r->calls++;
    r->seen_f = f;
    r->seen_ud = ud;
    if (corral_future_state(f) == CORRAL_FUTURE_PENDING)
        cu_fail(__FILE__, __LINE__, "done callback ran on a pending future");
}

static int deferral_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    cb_rec a = {0}, b = {0}, c = {0}, d = {0};
    corral_future *f = cu_future();
    FCHECK(f);
    int64_t ia = corral_future_add_callback(f, rec_cb, &a);
    int64_t ib = corral_future_add_callback(f, rec_cb, &b);
    int64_t ic = corral_future_add_callback(f, rec_cb, &c);
    FCHECK_INT(ia, >, 0);
    FCHECK_INT(ib, >, 0);
    FCHECK_INT(ic, >, 0);
    FCHECK(ia != ib && ib != ic && ia != ic);
    FCHECK_EQ(corral_future_remove_callback(f, ib), 1);
    FCHECK_EQ(corral_future_remove_callback(f, ib), 0);
    FCHECK_EQ(corral_future_remove_callback(f, 999999), 0);
    FCHECK_EQ(corral_future_remove_callback(f, 0), 0);
    FCHECK_EQ(corral_future_set_result(f, NULL), 0);
    /* R8: nothing ran inside set_result */
    FCHECK_EQ(a.calls + b.calls + c.calls, 0);
    /* c is already queued: too late to remove */
    FCHECK_EQ(corral_future_remove_callback(f, ic), 0);
    /* added after completion: queued at the tail, not run inline */
    int64_t id = corral_future_add_callback(f, rec_cb, &d);
    FCHECK_INT(id, >, 0);
    FCHECK_EQ(d.calls, 0);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(a.calls, 1);
    FCHECK_EQ(b.calls, 0);
    FCHECK_EQ(c.calls, 1);
    FCHECK_EQ(d.calls, 1);
    FCHECK(a.seen_f == f && a.seen_ud == &a);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(a.calls + c.calls + d.calls, 3); /* each ran once */
    return 0;
}

START_TEST(test_callbacks_deferred_and_removed)
{
    ck_assert_int_eq(cu_run(deferral_main, NULL), 0);
}
END_TEST

/* ---- FutureCancelled (S24) ----------------------------------------------------------------------
 */

static int s24_t(corral_task *self, void *arg, corral_value *res)
{
    if (corral_future_await(arg, NULL, -1) == CORRAL_EFUTURECANCELLED)
        cu_log("future cancelled");
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    cu_log("alive");
    *res = cu_bytes("ok");
    return 0;
}

static int s24_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    corral_task *t = cu_spawn("T", s24_t, f);
    FCHECK(t);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_future_cancel(f), 1);
    corral_value v;
    FCHECK_EQ(corral_join(t, &v, -1), 0);
    FCHECK_EQ(v.type, CORRAL_VALUE_BYTES);
    cu_log("join %.*s", (int)v.len, (const char *)v.as.p);
    return 0;
}

START_TEST(test_cancelled_future_S24)
{
    ck_assert_int_eq(cu_run(s24_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 T log future cancelled\n"
                                      "2 T log alive\n"
                                      "2 T done ok\n"
                                      "2 main log join ok\n");
}
END_TEST

/* ---- waiting never cancels what is awaited (R21)
 * -------------------------------------------------- */

static int waiter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    corral_value v;
    int rc = corral_future_await(arg, &v, -1);
    if (rc == 0) {
        cu_log("got %" PRId64, v.as.i);
        *res = v;
    }
    return rc;
}

static int r21_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    corral_task *f1 = cu_spawn("F1", waiter, f);
    corral_task *f2 = cu_spawn("F2", waiter, f);
    FCHECK(f1 && f2);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_task_cancel(f1), 1);
    FCHECK_EQ(corral_join(f1, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_future_state(f), CORRAL_FUTURE_PENDING);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    corral_value three = cu_int(3);
    FCHECK_EQ(corral_future_set_result(f, &three), 0);
    FCHECK_EQ(corral_join(f2, NULL, -1), 0);
    return 0;
}

START_TEST(test_waiter_cancel_keeps_future)
{
    ck_assert_int_eq(cu_run(r21_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 F1 cancelled\n"
                                      "7 F2 log got 3\n"
                                      "7 F2 done 3\n");
}
END_TEST

/* ---- per-call deadlines
 * ---------------------------------------------------------------------------- */

static int deadline_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    FCHECK_EQ(corral_future_await(f, NULL, 0), CORRAL_ETIMEOUT); /* past: do not block */
    FCHECK_EQ(cu_now_ms(), 0);
    FCHECK_EQ(corral_future_await(f, NULL, cu_at_ms(10)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(corral_future_state(f), CORRAL_FUTURE_PENDING);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    corral_value seven = cu_int(7);
    FCHECK_EQ(corral_future_set_result(f, &seven), 0);
    corral_value v;
    FCHECK_EQ(corral_future_await(f, &v, 0), 0); /* can complete: past deadline is fine */
    FCHECK_EQ(v.as.i, 7);
    FCHECK_EQ(corral_future_await(f, NULL, -1), 0); /* out may be NULL */
    FCHECK_EQ(corral_future_await(NULL, &v, -1), CORRAL_EINVALIDARG);
    /* an awaited error comes back as its code with the same object */
    corral_future *g = cu_future();
    corral_error *e;
    FCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "KeyError", "k"), 0);
    FCHECK_EQ(corral_future_set_error(g, e), 0);
    corral_error_unref(e);
    FCHECK_EQ(corral_future_await(g, NULL, -1), CORRAL_EUSER);
    FCHECK(corral_task_last_error(self) == e);
    FCHECK_EQ(cu_now_ms(), 10);
    return 0;
}

START_TEST(test_future_await_deadlines)
{
    ck_assert_int_eq(cu_run(deadline_main, NULL), 0);
}
END_TEST

/* ---- close
 * --------------------------------------------------------------------------------------- */

static int close_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    corral_task *w = cu_spawn("W", waiter, f);
    FCHECK(w);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_future_close(f), 0);
    FCHECK_EQ(corral_future_state(f), CORRAL_FUTURE_CANCELLED);
    FCHECK_EQ(corral_join(w, NULL, -1), CORRAL_EFUTURECANCELLED);
    FCHECK_EQ(corral_future_close(f), 0); /* idempotent */
    FCHECK_EQ(corral_future_set_result(f, NULL), CORRAL_ECLOSED);
    FCHECK_EQ(corral_future_cancel(f), CORRAL_ECLOSED);
    FCHECK_EQ(corral_future_add_callback(f, log_cb, "x"), CORRAL_ECLOSED);
    FCHECK_EQ(corral_future_add_host_callback(f, 1, 2), CORRAL_ECLOSED);
    FCHECK_EQ(corral_future_await(f, NULL, -1), CORRAL_ECLOSED);
    corral_value v;
    FCHECK_EQ(corral_future_result(f, &v), CORRAL_EFUTURECANCELLED); /* queries answer */

    /* closing a completed future keeps its result */
    corral_future *g = cu_future();
    corral_value five = cu_int(5);
    FCHECK_EQ(corral_future_set_result(g, &five), 0);
    FCHECK_EQ(corral_future_close(g), 0);
    FCHECK_EQ(corral_future_state(g), CORRAL_FUTURE_RESULT);
    FCHECK_EQ(corral_future_result(g, &v), 0);
    FCHECK_EQ(v.as.i, 5);
    return 0;
}

START_TEST(test_future_close)
{
    ck_assert_int_eq(cu_run(close_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 W fail FutureCancelled\n"
                                      "0 root handler W FutureCancelled\n");
}
END_TEST

/* ---- values
 * ---------------------------------------------------------------------------------------- */

static int fptr_dtor_calls;
static void fptr_dtor(void *p)
{
    fptr_dtor_calls++;
    free(p);
}

START_TEST(test_future_value_ownership)
{
    corral_future *f = NULL;
    ck_assert_int_eq(corral_future_new(&f, cu.rt), 0);
    char buf[8] = "abcdef";
    corral_value b = cu_bytes(buf);
    ck_assert_int_eq(corral_future_set_result(f, &b), 0);
    memset(buf, 'z', 6); /* the core copied the bytes */
    corral_value v;
    ck_assert_int_eq(corral_future_result(f, &v), 0);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_BYTES);
    ck_assert_uint_eq(v.len, 6);
    ck_assert(memcmp(v.as.p, "abcdef", 6) == 0);
    corral_future_unref(f); /* frees the copy (valgrind) */

    fptr_dtor_calls = 0;
    ck_assert_int_eq(corral_future_new(&f, cu.rt), 0);
    corral_value p = cu_none();
    p.type = CORRAL_VALUE_PTR;
    p.as.p = malloc(16);
    p.dtor = fptr_dtor;
    ck_assert_int_eq(corral_future_set_result(f, &p), 0);
    corral_future_ref(f);
    corral_future_unref(f);
    ck_assert_int_eq(fptr_dtor_calls, 0);
    corral_future_unref(f);
    ck_assert_int_eq(fptr_dtor_calls, 1);

    /* a value not taken (the future was done) stays the caller's */
    ck_assert_int_eq(corral_future_new(&f, cu.rt), 0);
    ck_assert_int_eq(corral_future_cancel(f), 1);
    p.as.p = malloc(16);
    ck_assert_int_eq(corral_future_set_result(f, &p), CORRAL_EINVALIDSTATE);
    corral_future_unref(f);
    ck_assert_int_eq(fptr_dtor_calls, 1);
    corral_value_clear(&p);
    ck_assert_int_eq(fptr_dtor_calls, 2);
}
END_TEST

/* ---- a step task awaiting a future
 * --------------------------------------------------------------- */

typedef struct fut_step_ctx {
    int state;
    corral_future *f;
} fut_step_ctx;

static void fut_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    fut_step_ctx *c = arg;
    if (c->state == 0) {
        c->state = 1;
        corral_op op;
        memset(&op, 0, sizeof op);
        op.kind = CORRAL_OP_FUTURE;
        op.target = c->f;
        op.deadline = -1;
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    SCHECK_EQ(status, 0);
    SCHECK_EQ(value->type, CORRAL_VALUE_INT);
    corral_value v = cu_int(value->as.i * 2);
    SCHECK_EQ(corral_task_finish(self, 0, &v, NULL, NULL), 0);
}

static int fut_step_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    fut_step_ctx *c = arg;
    c->f = cu_future();
    FCHECK(c->f);
    corral_task *s = cu_spawn_step("S", fut_step, c);
    FCHECK(s);
    FCHECK_EQ(cu_sleep_ms(3), 0);
    corral_value v = cu_int(21);
    FCHECK_EQ(corral_future_set_result(c->f, &v), 0);
    FCHECK_EQ(corral_join(s, &v, -1), 0);
    FCHECK_EQ(v.as.i, 42);
    return 0;
}

START_TEST(test_step_awaits_future)
{
    fut_step_ctx c = {0};
    ck_assert_int_eq(cu_run(fut_step_main, &c), 0);
    ck_assert_str_eq(cu_trace_main(), "3 S done 42\n");
}
END_TEST

/* ---- entries queued by main's last step still run (R8, R20, R51) ------------------------- */

static int last_step_cb_calls;
static void last_step_cb(corral_future *f, void *ud)
{
    (void)f;
    (void)ud;
    last_step_cb_calls++;
    cu_log_as("cb", "ran");
}

static int last_step_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    FCHECK_INT(corral_future_add_callback(f, last_step_cb, NULL), >, 0);
    FCHECK_EQ(corral_future_set_result(f, NULL), 0);
    return 0; /* main ends with the callback queued */
}

START_TEST(test_callback_queued_by_last_step_runs)
{
    last_step_cb_calls = 0;
    ck_assert_int_eq(cu_run(last_step_main, NULL), 0);
    ck_assert_msg(last_step_cb_calls == 1, "callback ran %d times; trace:\n%s", last_step_cb_calls,
                  cu_trace());
    ck_assert(cu_trace_has("0 cb log ran"));
}
END_TEST

Suite *cu_suite_futures(void)
{
    Suite *s = suite_create("futures");
    TCase *tc = tcase_create("states");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_future_result);
    tcase_add_test(tc, test_future_none_result);
    tcase_add_test(tc, test_future_error);
    tcase_add_test(tc, test_future_cancel);
    tcase_add_test(tc, test_future_value_ownership);
    suite_add_tcase(s, tc);

    tc = tcase_create("listeners");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_listener_order_S23);
    tcase_add_test(tc, test_callbacks_deferred_and_removed);
    tcase_add_test(tc, test_cancelled_future_S24);
    tcase_add_test(tc, test_waiter_cancel_keeps_future);
    tcase_add_test(tc, test_future_await_deadlines);
    tcase_add_test(tc, test_future_close);
    tcase_add_test(tc, test_step_awaits_future);
    tcase_add_test(tc, test_callback_queued_by_last_step_runs);
    suite_add_tcase(s, tc);
    return s;
}
