/* queues: put/get nowait, hand-off without barging, close, per-call deadlines, cancelled
 * waiters (R60-R64, S02, S07, S08, S25-S27, S44), value ownership. */
#include "cu.h"

#include <stdio.h>
#include <stdlib.h>

static int qdtor_calls;
static void qdtor(void *p)
{
    qdtor_calls++;
    free(p);
}

static corral_value ptr_value(void)
{
    corral_value v = cu_none();
    v.type = CORRAL_VALUE_PTR;
    v.as.p = malloc(24);
    v.dtor = qdtor;
    return v;
}

/* Log a received value the way the corpus prints it. */
static const char *vstr(const corral_value *v)
{
    static char buf[64];
    if (v->type == CORRAL_VALUE_INT)
        snprintf(buf, sizeof buf, "%" PRId64, v->as.i);
    else if (v->type == CORRAL_VALUE_BYTES)
        snprintf(buf, sizeof buf, "%.*s", (int)v->len, (const char *)v->as.p);
    else
        snprintf(buf, sizeof buf, "<type %u>", v->type);
    return buf;
}

/* ---- nowait operations --------------------------------------------------------------------- */

START_TEST(test_queue_nowait_fifo)
{
    corral_queue *q = cu_queue(0);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_le(corral_queue_maxsize(q), 0);
    ck_assert_int_eq(corral_queue_is_closed(q), 0);
    for (int i = 1; i <= 100; i++) {
        corral_value v = cu_int(i);
        ck_assert_int_eq(corral_queue_put_nowait(q, &v), 0);
    }
    ck_assert_int_eq(corral_queue_size(q), 100);
    for (int i = 1; i <= 100; i++) {
        corral_value v = cu_none();
        ck_assert_int_eq(corral_queue_get_nowait(q, &v), 0);
        ck_assert_uint_eq(v.type, CORRAL_VALUE_INT);
        ck_assert_int_eq(v.as.i, i);
    }
    corral_value v = cu_int(5);
    ck_assert_int_eq(corral_queue_get_nowait(q, &v), CORRAL_EQUEUEEMPTY);
    ck_assert_int_eq(corral_queue_size(q), 0);
    ck_assert_ptr_eq(corral_queue_ref(q), q);
    corral_queue_unref(q);
    ck_assert_str_eq(cu_trace(), "");
}
END_TEST

START_TEST(test_queue_full_and_closed)
{
    qdtor_calls = 0;
    corral_queue *q = cu_queue(2);
    ck_assert_int_eq(corral_queue_maxsize(q), 2);
    corral_value a = cu_int(1), b = cu_int(2);
    ck_assert_int_eq(corral_queue_put_nowait(q, &a), 0);
    ck_assert_int_eq(corral_queue_put_nowait(q, &b), 0);
    corral_value p = ptr_value();
    ck_assert_int_eq(corral_queue_put_nowait(q, &p), CORRAL_EQUEUEFULL);
    ck_assert_int_eq(qdtor_calls, 0); /* on failure the item stays the caller's */
    ck_assert_int_eq(corral_queue_size(q), 2);

    ck_assert_int_eq(corral_queue_close(q), 0);
    ck_assert_int_eq(corral_queue_close(q), 0); /* idempotent */
    ck_assert_int_eq(corral_queue_is_closed(q), 1);
    ck_assert_int_eq(corral_queue_put_nowait(q, &p), CORRAL_EQUEUECLOSED);
    ck_assert_int_eq(qdtor_calls, 0);
    corral_value_clear(&p);
    ck_assert_int_eq(qdtor_calls, 1);
    /* buffered items stay gettable, then QueueEmpty (hat semantics) */
    corral_value v;
    ck_assert_int_eq(corral_queue_get_nowait(q, &v), 0);
    ck_assert_int_eq(v.as.i, 1);
    ck_assert_int_eq(corral_queue_get_nowait(q, &v), 0);
    ck_assert_int_eq(v.as.i, 2);
    ck_assert_int_eq(corral_queue_get_nowait(q, &v), CORRAL_EQUEUEEMPTY);
}
END_TEST

START_TEST(test_queue_value_ownership)
{
    qdtor_calls = 0;
    corral_queue *q = NULL;
    ck_assert_int_eq(corral_queue_new(&q, cu.rt, 0), 0);
    char buf[16] = "payload";
    corral_value b = cu_bytes(buf);
    ck_assert_int_eq(corral_queue_put_nowait(q, &b), 0);
    memset(buf, 'x', 7); /* the core copied the bytes */
    corral_value out = cu_none();
    ck_assert_int_eq(corral_queue_get_nowait(q, &out), 0);
    ck_assert_uint_eq(out.type, CORRAL_VALUE_BYTES);
    ck_assert_uint_eq(out.len, 7);
    ck_assert(memcmp(out.as.p, "payload", 7) == 0);
    ck_assert(out.as.p != (const void *)buf);
    corral_value_clear(&out); /* the getter owns it */
    ck_assert_uint_eq(out.type, CORRAL_VALUE_NONE);

    /* a PTR handed through the queue: dtor runs only when the getter clears it */
    corral_value p = ptr_value();
    const void *raw = p.as.p;
    ck_assert_int_eq(corral_queue_put_nowait(q, &p), 0);
    ck_assert_int_eq(corral_queue_get_nowait(q, &out), 0);
    ck_assert_ptr_eq(out.as.p, raw);
    ck_assert_int_eq(qdtor_calls, 0);
    corral_value_clear(&out);
    ck_assert_int_eq(qdtor_calls, 1);

    /* items still buffered when the queue goes are dropped: dtors run, copies freed */
    corral_value p2 = ptr_value(), p3 = ptr_value();
    corral_value b2 = cu_bytes("leftover");
    ck_assert_int_eq(corral_queue_put_nowait(q, &p2), 0);
    ck_assert_int_eq(corral_queue_put_nowait(q, &b2), 0);
    ck_assert_int_eq(corral_queue_put_nowait(q, &p3), 0);
    corral_queue_unref(q);
    ck_assert_int_eq(qdtor_calls, 3);
}
END_TEST

/* ---- S02 immediate completion still yields --------------------------------------------------- */

static int s02_getter(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    const char *n = corral_task_name(self);
    char lo = (char)(n[0] - 'A' + 'a');
    cu_log("%c0", lo);
    corral_value v;
    FCHECK_EQ(corral_queue_get(arg, &v, -1), 0);
    cu_log("%c1 %s", lo, vstr(&v));
    corral_value_clear(&v);
    return 0;
}

static int s02_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_queue *q = cu_queue(0);
    FCHECK(q);
    corral_value one = cu_int(1), two = cu_int(2);
    FCHECK_EQ(corral_queue_put_nowait(q, &one), 0);
    FCHECK_EQ(corral_queue_put_nowait(q, &two), 0);
    corral_task *a = cu_spawn("A", s02_getter, q);
    corral_task *b = cu_spawn("B", s02_getter, q);
    FCHECK(a && b);
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    return 0;
}

START_TEST(test_immediate_get_yields_S02)
{
    ck_assert_int_eq(cu_run(s02_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log a0\n"
                                      "0 B log b0\n"
                                      "0 A log a1 1\n"
                                      "0 A done\n"
                                      "0 B log b1 2\n"
                                      "0 B done\n");
}
END_TEST

/* ---- S07 / S08 completion vs cancellation ------------------------------------------------------
 */

static int s07_a(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    int rc = corral_queue_get(arg, &v, -1);
    if (rc != 0)
        return rc;
    cu_log("got %s", vstr(&v));
    rc = corral_checkpoint();
    if (rc == 0)
        cu_log("unreachable");
    return rc;
}

typedef struct s07_ctx {
    int cancel_first;
} s07_ctx;

static int s07_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    s07_ctx *c = arg;
    corral_queue *q = cu_queue(0);
    FCHECK(q);
    corral_task *a = cu_spawn("A", s07_a, q);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    corral_value seven = cu_int(7);
    if (c->cancel_first) {
        FCHECK_EQ(corral_task_cancel(a), 1);
        FCHECK_EQ(corral_queue_put_nowait(q, &seven), 0);
    } else {
        FCHECK_EQ(corral_queue_put_nowait(q, &seven), 0);
        FCHECK_EQ(corral_task_cancel(a), 1);
    }
    cu_log("qsize %" PRId64, corral_queue_size(q));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        cu_log("join TaskCancelled");
    if (c->cancel_first) {
        corral_value v;
        FCHECK_EQ(corral_queue_get_nowait(q, &v), 0);
        cu_log("drained %s", vstr(&v));
    }
    return 0;
}

START_TEST(test_completion_wins_S07)
{
    s07_ctx c = {0};
    ck_assert_int_eq(cu_run(s07_main, &c), 0);
    ck_assert_str_eq(cu_trace_main(), "1 main log qsize 0\n"
                                      "1 A log got 7\n"
                                      "1 A cancelled\n"
                                      "1 main log join TaskCancelled\n");
}
END_TEST

START_TEST(test_cancel_before_handoff_S08)
{
    s07_ctx c = {1};
    ck_assert_int_eq(cu_run(s07_main, &c), 0);
    ck_assert_str_eq(cu_trace_main(), "1 main log qsize 1\n"
                                      "1 A cancelled\n"
                                      "1 main log join TaskCancelled\n"
                                      "1 main log drained 7\n");
}
END_TEST

/* ---- S25 close with parked putters and getters ------------------------------------------------
 */

typedef struct s25_ctx {
    corral_queue *q, *q2;
} s25_ctx;

static int s25_putter(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    s25_ctx *c = arg;
    const char *item = strcmp(corral_task_name(self), "P1") == 0 ? "y" : "z";
    corral_value v = cu_bytes(item);
    int rc = corral_queue_put(c->q, &v, -1);
    if (rc == CORRAL_EQUEUECLOSED)
        cu_log("put %s QueueClosed", item);
    FCHECK_EQ(rc, CORRAL_EQUEUECLOSED);
    return 0;
}

static int s25_getter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    s25_ctx *c = arg;
    corral_value v;
    int rc = corral_queue_get(c->q2, &v, -1);
    if (rc == CORRAL_EQUEUECLOSED)
        cu_log("get QueueClosed");
    FCHECK_EQ(rc, CORRAL_EQUEUECLOSED);
    return 0;
}

static int s25_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    s25_ctx c;
    c.q = cu_queue(1);
    c.q2 = cu_queue(0);
    FCHECK(c.q && c.q2);
    corral_value x = cu_bytes("x");
    FCHECK_EQ(corral_queue_put_nowait(c.q, &x), 0);
    FCHECK(cu_spawn("P1", s25_putter, &c));
    FCHECK(cu_spawn("P2", s25_putter, &c));
    FCHECK(cu_spawn("G1", s25_getter, &c));
    FCHECK(cu_spawn("G2", s25_getter, &c));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_queue_close(c.q), 0);
    corral_value v;
    FCHECK_EQ(corral_queue_get(c.q, &v, -1), 0);
    cu_log("get %s", vstr(&v));
    corral_value_clear(&v);
    if (corral_queue_get(c.q, &v, -1) == CORRAL_EQUEUECLOSED)
        cu_log("get QueueClosed");
    corral_value w = cu_bytes("w");
    if (corral_queue_put_nowait(c.q, &w) == CORRAL_EQUEUECLOSED)
        cu_log("put_nowait QueueClosed");
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_queue_close(c.q2), 0);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    corral_queue *q3 = cu_queue(1);
    FCHECK(q3);
    if (corral_queue_get_nowait(q3, &v) == CORRAL_EQUEUEEMPTY)
        cu_log("QueueEmpty");
    corral_value one = cu_int(1), two = cu_int(2);
    FCHECK_EQ(corral_queue_put_nowait(q3, &one), 0);
    if (corral_queue_put_nowait(q3, &two) == CORRAL_EQUEUEFULL)
        cu_log("QueueFull");
    return 0;
}

START_TEST(test_close_parked_S25)
{
    ck_assert_int_eq(cu_run(s25_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 P1 log put y QueueClosed\n"
                                      "1 P1 done\n"
                                      "1 P2 log put z QueueClosed\n"
                                      "1 P2 done\n"
                                      "1 main log get x\n"
                                      "1 main log get QueueClosed\n"
                                      "1 main log put_nowait QueueClosed\n"
                                      "2 G1 log get QueueClosed\n"
                                      "2 G1 done\n"
                                      "2 G2 log get QueueClosed\n"
                                      "2 G2 done\n"
                                      "3 main log QueueEmpty\n"
                                      "3 main log QueueFull\n");
}
END_TEST

/* ---- S26 direct hand-off, no barging --------------------------------------------------------- */

static int s26_p(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value b = cu_bytes("b");
    FCHECK_EQ(corral_queue_put(arg, &b, -1), 0);
    cu_log("put b done");
    return 0;
}

static int s26_g(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    FCHECK_EQ(corral_queue_get(arg, &v, -1), 0);
    cu_log("got %s", vstr(&v));
    corral_value_clear(&v);
    return 0;
}

static int s26_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_queue *q = cu_queue(1), *q2 = cu_queue(0);
    FCHECK(q && q2);
    corral_value a = cu_bytes("a");
    FCHECK_EQ(corral_queue_put_nowait(q, &a), 0);
    corral_task *p = cu_spawn("P", s26_p, q);
    corral_task *g1 = cu_spawn("G1", s26_g, q2);
    corral_task *g2 = cu_spawn("G2", s26_g, q2);
    FCHECK(p && g1 && g2);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    corral_value v;
    FCHECK_EQ(corral_queue_get_nowait(q, &v), 0);
    cu_log("got %s", vstr(&v));
    corral_value_clear(&v);
    /* the parked putter's item moved into the buffer at once: no barging */
    FCHECK_EQ(corral_queue_size(q), 1);
    corral_value c = cu_bytes("c");
    if (corral_queue_put_nowait(q, &c) == CORRAL_EQUEUEFULL)
        cu_log("c QueueFull");
    corral_value one = cu_int(1), two = cu_int(2);
    FCHECK_EQ(corral_queue_put_nowait(q2, &one), 0);
    FCHECK_EQ(corral_queue_size(q2), 0); /* handed to G1 directly */
    FCHECK_EQ(corral_queue_put_nowait(q2, &two), 0);
    FCHECK_EQ(corral_join(p, NULL, -1), 0);
    FCHECK_EQ(corral_join(g1, NULL, -1), 0);
    FCHECK_EQ(corral_join(g2, NULL, -1), 0);
    FCHECK_EQ(corral_queue_get_nowait(q, &v), 0);
    FCHECK_EQ(v.len, 1);
    FCHECK(memcmp(v.as.p, "b", 1) == 0);
    corral_value_clear(&v);
    return 0;
}

START_TEST(test_handoff_no_barging_S26)
{
    ck_assert_int_eq(cu_run(s26_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 main log got a\n"
                                      "1 main log c QueueFull\n"
                                      "1 P log put b done\n"
                                      "1 P done\n"
                                      "1 G1 log got 1\n"
                                      "1 G1 done\n"
                                      "1 G2 log got 2\n"
                                      "1 G2 done\n");
}
END_TEST

/* ---- S27 cancelled getters lose neither items nor wake-ups ------------------------------------
 */

static int s27_g1(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    int rc = corral_queue_get(arg, &v, -1);
    if (rc != 0)
        return rc;
    cu_log("G1 got %s", vstr(&v));
    return corral_checkpoint();
}

static int s27_g2(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    int rc = corral_queue_get(arg, &v, -1);
    if (rc != 0)
        return rc;
    cu_log("G2 got %s", vstr(&v));
    return 0;
}

static int s27_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int run = *(int *)arg;
    corral_queue *q = cu_queue(0);
    FCHECK(q);
    corral_task *g1 = cu_spawn("G1", s27_g1, q);
    corral_task *g2 = cu_spawn("G2", s27_g2, q);
    FCHECK(g1 && g2);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    corral_value five = cu_int(5);
    if (run == 1) {
        FCHECK_EQ(corral_task_cancel(g1), 1);
        FCHECK_EQ(corral_queue_put_nowait(q, &five), 0);
        FCHECK_EQ(corral_join(g1, NULL, -1), CORRAL_ETASKCANCELLED);
        FCHECK_EQ(corral_join(g2, NULL, -1), 0);
    } else {
        FCHECK_EQ(corral_queue_put_nowait(q, &five), 0);
        FCHECK_EQ(corral_task_cancel(g1), 1);
        FCHECK_EQ(cu_sleep_ms(1), 0);
        cu_log("qsize=%" PRId64 " G2 done=%s", corral_queue_size(q),
               corral_task_done(g2) == 1 ? "true" : "false");
    }
    return 0;
}

START_TEST(test_cancelled_getter_run1_S27)
{
    int run = 1;
    ck_assert_int_eq(cu_run(s27_main, &run), 0);
    ck_assert_str_eq(cu_trace_main(), "1 G1 cancelled\n"
                                      "1 G2 log G2 got 5\n"
                                      "1 G2 done\n");
}
END_TEST

START_TEST(test_cancelled_getter_run2_S27)
{
    int run = 2;
    ck_assert_int_eq(cu_run(s27_main, &run), 0);
    ck_assert_str_eq(cu_trace_main(), "1 G1 log G1 got 5\n"
                                      "1 G1 cancelled\n"
                                      "2 main log qsize=0 G2 done=false\n");
}
END_TEST

/* ---- S44 per-call deadline vs cancellation ------------------------------------------------------
 */

typedef struct s44_ctx {
    corral_queue *q;
    int64_t deadline;
} s44_ctx;

static int s44_x(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    s44_ctx *c = arg;
    corral_value v;
    return corral_queue_get(c->q, &v, c->deadline);
}

static int s44_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    static s44_ctx c;
    c.q = cu_queue(0);
    FCHECK(c.q);
    corral_value v;
    int rc = corral_queue_get(c.q, &v, cu_at_ms(10));
    if (rc == CORRAL_ETIMEOUT)
        cu_log("get Timeout");
    FCHECK_EQ(rc, CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_errno(rc), ETIMEDOUT);
    c.deadline = cu_at_ms(10);
    corral_task *x = cu_spawn("X", s44_x, &c);
    FCHECK(x);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_task_cancel(x), 1);
    if (corral_join(x, NULL, -1) == CORRAL_ETASKCANCELLED)
        cu_log("join TaskCancelled");
    return 0;
}

START_TEST(test_deadline_vs_cancel_S44)
{
    ck_assert_int_eq(cu_run(s44_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 main log get Timeout\n"
                                      "15 X cancelled\n"
                                      "15 main log join TaskCancelled\n");
}
END_TEST

/* ---- more per-call deadlines and cancelled putters ----------------------------------------------
 */

static int parked_putter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v = cu_int(9);
    return corral_queue_put(arg, &v, -1);
}

static int deadlines_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_queue *q = cu_queue(1);
    FCHECK(q);
    corral_value v = cu_int(1), out;
    /* empty: a past deadline means "try without blocking" */
    FCHECK_EQ(corral_queue_get(q, &out, 0), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 0);
    FCHECK_EQ(corral_queue_put(q, &v, 0), 0); /* room: completes despite the past deadline */
    v = cu_int(2);
    FCHECK_EQ(corral_queue_put(q, &v, 0), CORRAL_ETIMEOUT); /* full */
    FCHECK_EQ(corral_queue_put(q, &v, cu_at_ms(5)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 5);
    FCHECK_EQ(corral_queue_size(q), 1); /* no effect */
    FCHECK_EQ(corral_queue_get(q, &out, 0), 0);
    FCHECK_EQ(out.as.i, 1);
    FCHECK_EQ(corral_queue_size(q), 0);

    /* a cancelled parked putter's item is never enqueued (R64) */
    v = cu_int(3);
    FCHECK_EQ(corral_queue_put_nowait(q, &v), 0);
    corral_task *p = cu_spawn("P", parked_putter, q);
    FCHECK(p);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_state(p), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_cancel(p), 1);
    FCHECK_EQ(corral_join(p, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_queue_get_nowait(q, &out), 0);
    FCHECK_EQ(out.as.i, 3);
    FCHECK_EQ(corral_queue_get_nowait(q, &out), CORRAL_EQUEUEEMPTY);

    /* cancellation pending: get/put do nothing and report Cancelled (R23a) */
    v = cu_int(4);
    FCHECK_EQ(corral_queue_put_nowait(q, &v), 0);
    FCHECK_EQ(corral_task_cancel(self), 1);
    FCHECK_EQ(corral_queue_get(q, &out, -1), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_queue_size(q), 1);
    return 0;
}

START_TEST(test_queue_deadlines_and_cancel)
{
    ck_assert_int_eq(cu_run(deadlines_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "6 P cancelled\n");
}
END_TEST

START_TEST(test_queue_bad_args)
{
    corral_queue *q = NULL;
    ck_assert_int_eq(corral_queue_new(NULL, cu.rt, 0), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_new(&q, NULL, 0), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(q);
    corral_value v = cu_int(1);
    ck_assert_int_eq(corral_queue_put_nowait(NULL, &v), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_get_nowait(NULL, &v), CORRAL_EINVALIDARG);
    q = cu_queue(0);
    ck_assert_int_eq(corral_queue_get_nowait(q, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_queue_size(NULL), 0);
    ck_assert_int_lt(corral_queue_maxsize(NULL), 0);
    ck_assert_int_lt(corral_queue_is_closed(NULL), 0);
    ck_assert_int_eq(corral_queue_close(NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_queue_ref(NULL));
    corral_queue_unref(NULL);
}
END_TEST

/* ---- stress: producers and consumers with random cancellations ------------------------------ */

/* Every item put is got exactly once, whatever is cancelled when (R27, R60, R64): producers
 * put through a small bounded queue with parked puts and per-call deadlines, consumers park on
 * gets, and a chaos task cancels random consumers and producers (a cancelled producer retries
 * its item in a fresh task, so no item is given up) while replacements keep going. */
enum { STRESS_PRODUCERS = 6, STRESS_ITEMS = 400, STRESS_CONSUMERS = 6 };

typedef struct stress {
    corral_queue *q;
    int got[STRESS_PRODUCERS * STRESS_ITEMS];
    int put_done[STRESS_PRODUCERS]; /* next item index each producer has to put */
    corral_task *producers[STRESS_PRODUCERS];
    corral_task *consumers[STRESS_CONSUMERS];
    uint64_t rng;
    int producers_left;
} stress;

static stress S;

static uint32_t stress_rand(void)
{
    S.rng = S.rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(S.rng >> 33);
}

static int stress_producer(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int p = (int)(intptr_t)arg;
    while (S.put_done[p] < STRESS_ITEMS) {
        corral_value v = cu_int((int64_t)p * STRESS_ITEMS + S.put_done[p]);
        int64_t deadline = stress_rand() % 3 == 0 ? cu_at_ms(1) : -1;
        int rc = corral_queue_put(S.q, &v, deadline);
        if (rc == 0)
            S.put_done[p]++; /* the item is in: R27, completion wins */
        else if (rc == CORRAL_ECANCELLED)
            return rc; /* not put: the replacement producer puts it again */
        else
            FCHECK_EQ(rc, CORRAL_ETIMEOUT); /* not put either: retry */
        if (stress_rand() % 4 == 0)
            FCHECK_INT(cu_sleep_ms(stress_rand() % 3), >=, CORRAL_ECANCELLED);
    }
    S.producers_left--;
    return 0;
}

static int stress_consumer(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    for (;;) {
        corral_value v;
        int rc = corral_queue_get(S.q, &v, -1);
        if (rc == CORRAL_EQUEUECLOSED || rc == CORRAL_ECANCELLED)
            return 0;
        FCHECK_EQ(rc, 0);
        FCHECK(v.as.i >= 0 && v.as.i < STRESS_PRODUCERS * STRESS_ITEMS);
        S.got[v.as.i]++;
        if (stress_rand() % 5 == 0 && cu_sleep_ms(1) == CORRAL_ECANCELLED)
            return 0; /* an item already got stays counted */
    }
}

static int stress_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    S.q = cu_queue(4);
    S.producers_left = STRESS_PRODUCERS;
    for (int i = 0; i < STRESS_PRODUCERS; i++)
        S.producers[i] = cu_spawn("P", stress_producer, (void *)(intptr_t)i);
    for (int i = 0; i < STRESS_CONSUMERS; i++)
        S.consumers[i] = cu_spawn("C", stress_consumer, NULL);
    int rounds = 0;
    while (S.producers_left > 0 && rounds++ < 100000) {
        FCHECK_EQ(cu_sleep_ms(1), 0);
        uint32_t r = stress_rand() % 8;
        if (r < 3) { /* cancel a consumer and start another */
            int i = (int)(stress_rand() % STRESS_CONSUMERS);
            corral_task_cancel(S.consumers[i]);
            S.consumers[i] = cu_spawn("C", stress_consumer, NULL);
        } else if (r == 3) { /* cancel a producer; a new one carries on from its next item */
            int i = (int)(stress_rand() % STRESS_PRODUCERS);
            if (!corral_task_done(S.producers[i]) && corral_task_cancel(S.producers[i]) == 1) {
                FCHECK_INT(corral_join(S.producers[i], NULL, -1), <=, 0);
                if (corral_task_state(S.producers[i]) == CORRAL_TASK_CANCELLED)
                    S.producers[i] = cu_spawn("P", stress_producer, (void *)(intptr_t)i);
            }
        }
        FCHECK(corral_task_cancel_pending(self) == 0);
    }
    FCHECK_EQ(S.producers_left, 0);
    FCHECK_EQ(corral_queue_close(S.q), 0); /* consumers drain the rest, then stop */
    for (int i = 0; i < STRESS_CONSUMERS; i++)
        FCHECK_EQ(corral_join(S.consumers[i], NULL, -1), 0);
    corral_value v;
    FCHECK_EQ(corral_queue_get_nowait(S.q, &v), CORRAL_EQUEUEEMPTY);
    return 0;
}

START_TEST(test_stress_random_cancellations)
{
    memset(&S, 0, sizeof S);
    S.rng = 12345;
    ck_assert_int_eq(cu_run(stress_main, NULL), 0);
    int missing = 0, doubled = 0;
    for (int i = 0; i < STRESS_PRODUCERS * STRESS_ITEMS; i++) {
        missing += S.got[i] == 0;
        doubled += S.got[i] > 1;
    }
    ck_assert_msg(missing == 0 && doubled == 0, "%d items lost, %d got twice", missing, doubled);
}
END_TEST

Suite *cu_suite_queues(void)
{
    Suite *s = suite_create("queues");
    TCase *tc = tcase_create("nowait");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_queue_nowait_fifo);
    tcase_add_test(tc, test_queue_full_and_closed);
    tcase_add_test(tc, test_queue_value_ownership);
    tcase_add_test(tc, test_queue_bad_args);
    suite_add_tcase(s, tc);

    tc = tcase_create("blocking");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_immediate_get_yields_S02);
    tcase_add_test(tc, test_completion_wins_S07);
    tcase_add_test(tc, test_cancel_before_handoff_S08);
    tcase_add_test(tc, test_close_parked_S25);
    tcase_add_test(tc, test_handoff_no_barging_S26);
    tcase_add_test(tc, test_cancelled_getter_run1_S27);
    tcase_add_test(tc, test_cancelled_getter_run2_S27);
    tcase_add_test(tc, test_deadline_vs_cancel_S44);
    tcase_add_test(tc, test_queue_deadlines_and_cancel);
    tcase_add_test(tc, test_stress_random_cancellations);
    suite_add_tcase(s, tc);
    return s;
}
