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

/* corral_queue_unget (R31 for a get outcome already received): the item goes back to the
 * front - ahead of every priority, past maxsize, also when closed - or to a parked getter. */
static int64_t take_int(corral_queue *q)
{
    corral_value v = cu_none();
    ck_assert_int_eq(corral_queue_get_nowait(q, &v), 0);
    return v.as.i;
}

START_TEST(test_queue_unget_front)
{
    corral_queue *q = cu_queue(2);
    corral_value a = cu_int(1), b = cu_int(2), c = cu_int(3);
    ck_assert_int_eq(corral_queue_put_nowait(q, &a), 0);
    ck_assert_int_eq(corral_queue_put_nowait(q, &b), 0);
    corral_value got = cu_none();
    ck_assert_int_eq(corral_queue_get_nowait(q, &got), 0);
    ck_assert_int_eq(corral_queue_put_nowait(q, &c), 0); /* full again */
    ck_assert_int_eq(corral_queue_unget(q, &got), 0);
    ck_assert_uint_eq(got.type, CORRAL_VALUE_NONE); /* the queue owns it now */
    ck_assert_int_eq(corral_queue_size(q), 3);      /* past maxsize: nothing is lost */
    ck_assert_int_eq(corral_queue_close(q), 0);
    ck_assert_int_eq(take_int(q), 1);
    corral_value back = cu_int(2);
    ck_assert_int_eq(take_int(q), 2);
    ck_assert_int_eq(corral_queue_unget(q, &back), 0); /* closed, not drained: allowed */
    ck_assert_int_eq(take_int(q), 2);
    ck_assert_int_eq(take_int(q), 3);

    corral_queue *pq = NULL;
    ck_assert_int_eq(corral_queue_new_kind(&pq, cu.rt, 0, CORRAL_QUEUE_PRIORITY), 0);
    corral_value hi = cu_int(10);
    ck_assert_int_eq(corral_queue_put_nowait_priority(pq, &hi, INT32_MIN), 0);
    corral_value low = cu_int(20);
    ck_assert_int_eq(corral_queue_unget(pq, &low), 0); /* ahead of every priority */
    ck_assert_int_eq(take_int(pq), 20);
    ck_assert_int_eq(take_int(pq), 10);
    corral_queue_unref(pq);

    corral_value bad = cu_int(1);
    bad.type = 99;
    ck_assert_int_eq(corral_queue_unget(q, &bad), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_unget(q, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_unget(NULL, &a), CORRAL_EINVALIDARG);
}
END_TEST

static int unget_getter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v = cu_none();
    FCHECK_EQ(corral_queue_get(arg, &v, -1), 0);
    cu_log("got %s", vstr(&v));
    return 0;
}

static int unget_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_queue *q = arg;
    FCHECK(cu_spawn("G", unget_getter, q));
    FCHECK_EQ(cu_sleep_ms(1), 0); /* G parks */
    corral_value v = cu_int(7);
    FCHECK_EQ(corral_queue_unget(q, &v), 0); /* straight to the parked getter */
    FCHECK_EQ(corral_queue_size(q), 0);
    return cu_sleep_ms(1);
}

START_TEST(test_queue_unget_to_parked_getter)
{
    corral_queue *q = cu_queue(0);
    ck_assert_int_eq(cu_run(unget_main, q), 0);
    ck_assert_str_eq(cu_trace(), "1 G log got 7\n1 G done\n2 main done\n2 rt run\n");
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

/* ---- queue kinds: LIFO, PRIORITY, RENDEZVOUS (S63) -------------------------------------- */

static corral_queue *kind_queue(int64_t maxsize, int kind)
{
    corral_queue *q = NULL;
    ck_assert_int_eq(corral_queue_new_kind(&q, cu.rt, maxsize, kind), 0);
    return cu_keep_queue(q);
}

static corral_op qop(uint32_t kind, void *target, int64_t deadline)
{
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.target = target;
    op.deadline = deadline;
    return op;
}

START_TEST(test_queue_kinds_nowait)
{
    corral_queue *q = NULL;
    ck_assert_int_eq(corral_queue_new_kind(&q, cu.rt, 0, 4), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_new_kind(&q, cu.rt, 0, -1), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(corral_queue_kind(cu_queue(0)), CORRAL_QUEUE_FIFO);

    /* LIFO */
    corral_queue *lq = kind_queue(3, CORRAL_QUEUE_LIFO);
    ck_assert_int_eq(corral_queue_kind(lq), CORRAL_QUEUE_LIFO);
    for (int i = 1; i <= 3; i++) {
        corral_value v = cu_int(i);
        ck_assert_int_eq(corral_queue_put_nowait(lq, &v), 0);
    }
    ck_assert_int_eq(corral_queue_full(lq), 1);
    corral_value v = cu_int(4);
    ck_assert_int_eq(corral_queue_put_nowait(lq, &v), CORRAL_EQUEUEFULL);
    for (int i = 3; i >= 1; i--) {
        ck_assert_int_eq(corral_queue_get_nowait(lq, &v), 0);
        ck_assert_int_eq(v.as.i, i);
    }
    /* LIFO across a wrapped ring: put 1..20, take 5, put 21..25 */
    corral_queue *lq2 = kind_queue(0, CORRAL_QUEUE_LIFO);
    for (int i = 1; i <= 20; i++) {
        v = cu_int(i);
        ck_assert_int_eq(corral_queue_put_nowait(lq2, &v), 0);
    }
    for (int i = 20; i > 15; i--) {
        ck_assert_int_eq(corral_queue_get_nowait(lq2, &v), 0);
        ck_assert_int_eq(v.as.i, i);
    }
    for (int i = 21; i <= 25; i++) {
        v = cu_int(i);
        ck_assert_int_eq(corral_queue_put_nowait(lq2, &v), 0);
    }
    for (int i = 25; i > 20; i--) {
        ck_assert_int_eq(corral_queue_get_nowait(lq2, &v), 0);
        ck_assert_int_eq(v.as.i, i);
    }
    for (int i = 15; i >= 1; i--) {
        ck_assert_int_eq(corral_queue_get_nowait(lq2, &v), 0);
        ck_assert_int_eq(v.as.i, i);
    }

    /* PRIORITY: smallest first, equal priorities FIFO (the item is its put order) */
    corral_queue *pq = kind_queue(0, CORRAL_QUEUE_PRIORITY);
    ck_assert_int_eq(corral_queue_kind(pq), CORRAL_QUEUE_PRIORITY);
    uint32_t rng = 7;
    int32_t prio[500];
    for (int i = 0; i < 500; i++) {
        rng = rng * 1103515245u + 12345u;
        prio[i] = (int32_t)((rng >> 16) % 7) - 3;
        v = cu_int(i);
        ck_assert_int_eq(corral_queue_put_nowait_priority(pq, &v, prio[i]), 0);
    }
    v = cu_int(1000); /* put_nowait is priority 0 */
    ck_assert_int_eq(corral_queue_put_nowait(pq, &v), 0);
    ck_assert_int_eq(corral_queue_size(pq), 501);
    int32_t last_p = INT32_MIN;
    int64_t last_i = -1;
    for (int n = 0; n < 501; n++) {
        ck_assert_int_eq(corral_queue_get_nowait(pq, &v), 0);
        int32_t p = v.as.i == 1000 ? 0 : prio[v.as.i];
        ck_assert_int_ge(p, last_p);
        if (p == last_p)
            ck_assert_int_gt(v.as.i, last_i); /* FIFO among equals */
        last_p = p;
        last_i = v.as.i;
    }
    ck_assert_int_eq(corral_queue_get_nowait(pq, &v), CORRAL_EQUEUEEMPTY);
    /* a priority given to a FIFO queue is ignored */
    corral_queue *fq = cu_queue(0);
    corral_value a = cu_int(1), b = cu_int(2);
    ck_assert_int_eq(corral_queue_put_nowait_priority(fq, &a, 9), 0);
    ck_assert_int_eq(corral_queue_put_nowait_priority(fq, &b, -9), 0);
    ck_assert_int_eq(corral_queue_get_nowait(fq, &v), 0);
    ck_assert_int_eq(v.as.i, 1);

    /* RENDEZVOUS: holds nothing, maxsize ignored, full unless a getter waits */
    corral_queue *rq = kind_queue(10, CORRAL_QUEUE_RENDEZVOUS);
    ck_assert_int_eq(corral_queue_maxsize(rq), 0);
    ck_assert_int_eq(corral_queue_full(rq), 1);
    qdtor_calls = 0;
    corral_value p = ptr_value();
    ck_assert_int_eq(corral_queue_put_nowait(rq, &p), CORRAL_EQUEUEFULL);
    ck_assert_int_eq(qdtor_calls, 0);
    corral_value_clear(&p);
    ck_assert_int_eq(corral_queue_get_nowait(rq, &v), CORRAL_EQUEUEEMPTY);
    ck_assert_int_eq(corral_queue_size(rq), 0);
    ck_assert_int_eq(corral_queue_close(rq), 0);
    ck_assert_int_eq(corral_queue_put_nowait(rq, &a), CORRAL_EQUEUECLOSED);
    ck_assert_int_eq(corral_queue_full(cu_queue(0)), 0);
    ck_assert_int_lt(corral_queue_full(NULL), 0);
    ck_assert_int_lt(corral_queue_kind(NULL), 0);
}
END_TEST

static corral_queue *S_pq;

/* P(name, prio): put_priority(item = prio, prio) */
static int prio_putter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int32_t prio = (int32_t)(intptr_t)arg;
    corral_value v = cu_int(prio);
    int rc = corral_queue_put_priority(S_pq, &v, prio, -1);
    return rc;
}

static int prio_parked_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_value v = cu_int(5);
    FCHECK_EQ(corral_queue_put_nowait_priority(S_pq, &v, 5), 0);
    v = cu_int(1);
    FCHECK_EQ(corral_queue_put_nowait_priority(S_pq, &v, 1), 0);
    corral_task *p0 = cu_spawn("P0", prio_putter, (void *)(intptr_t)0);
    corral_task *p9 = cu_spawn("P9", prio_putter, (void *)(intptr_t)-9);
    FCHECK(p0 && p9);
    FCHECK_EQ(corral_checkpoint(), 0); /* both park: full */
    FCHECK_EQ(corral_task_state(p0), CORRAL_TASK_PARKED);
    /* each get promotes the first parked putter, with its own priority */
    FCHECK_EQ(corral_queue_get_nowait(S_pq, &v), 0);
    FCHECK_EQ(v.as.i, 1);
    FCHECK_EQ(corral_queue_get_nowait(S_pq, &v), 0);
    FCHECK_EQ(v.as.i, 0); /* P0's item, promoted by the first get */
    FCHECK_EQ(corral_queue_get_nowait(S_pq, &v), 0);
    FCHECK_EQ(v.as.i, -9); /* P9's, promoted by the second */
    FCHECK_EQ(corral_queue_get_nowait(S_pq, &v), 0);
    FCHECK_EQ(v.as.i, 5);
    FCHECK_EQ(corral_join(p0, NULL, -1), 0);
    FCHECK_EQ(corral_join(p9, NULL, -1), 0);
    return 0;
}

START_TEST(test_priority_parked_putters)
{
    S_pq = kind_queue(2, CORRAL_QUEUE_PRIORITY);
    ck_assert_int_eq(cu_run(prio_parked_main, NULL), 0);
}
END_TEST

/* ---- rendezvous -------------------------------------------------------------------------- */

static corral_queue *S_rq;

static int rv_getter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_value v;
    int rc = corral_queue_get(S_rq, &v, -1);
    if (rc < 0) {
        cu_log("get %s", corral_error_name(rc));
        return rc == CORRAL_ECANCELLED ? rc : 0;
    }
    cu_log("got %s", vstr(&v));
    corral_value_clear(&v);
    return 0;
}

static int rv_putter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v = cu_bytes(arg);
    int rc = corral_queue_put(S_rq, &v, -1);
    cu_log("put %s %s", (const char *)arg, rc == 0 ? "ok" : corral_error_name(rc));
    return rc == CORRAL_ECANCELLED ? rc : 0;
}

static int rv_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_value v;
    /* getter first: a put_nowait hands over, nothing is buffered */
    corral_task *g = cu_spawn("G", rv_getter, NULL);
    FCHECK(g);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_queue_full(S_rq), 0); /* a getter waits */
    corral_value one = cu_int(1);
    FCHECK_EQ(corral_queue_put_nowait(S_rq, &one), 0);
    FCHECK_EQ(corral_queue_size(S_rq), 0);
    FCHECK_EQ(corral_queue_full(S_rq), 1);
    FCHECK_EQ(corral_join(g, NULL, -1), 0);
    /* putter first: get_nowait takes the parked putter's item and completes it */
    corral_task *p = cu_spawn("P", rv_putter, "a");
    FCHECK(p);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(p), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_queue_size(S_rq), 0);
    FCHECK_EQ(corral_queue_get_nowait(S_rq, &v), 0);
    FCHECK(v.type == CORRAL_VALUE_BYTES && v.len == 1 && memcmp(v.as.p, "a", 1) == 0);
    corral_value_clear(&v);
    FCHECK_EQ(corral_task_state(p), CORRAL_TASK_READY);
    FCHECK_EQ(corral_join(p, NULL, -1), 0);
    /* a put that times out (nobody takes it), a put that is cancelled: nothing left behind */
    qdtor_calls = 0;
    corral_value item = ptr_value();
    FCHECK_EQ(corral_queue_put(S_rq, &item, cu_at_ms(2)), CORRAL_ETIMEOUT);
    FCHECK_EQ(qdtor_calls, 0); /* still ours */
    corral_task *pc = cu_spawn("PC", rv_putter, "c");
    FCHECK(pc);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_cancel(pc), 1);
    FCHECK_EQ(corral_join(pc, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_queue_get(S_rq, &v, 0), CORRAL_ETIMEOUT); /* no putter left */
    /* the blocking forms, putter then getter */
    corral_task *p2 = cu_spawn("P2", rv_putter, "b");
    FCHECK(p2);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_queue_get(S_rq, &v, -1), 0);
    cu_log("main got %s", vstr(&v));
    corral_value_clear(&v);
    FCHECK_EQ(corral_join(p2, NULL, -1), 0);
    /* close with parked putters and getters on two channels */
    corral_task *px = cu_spawn("PX", rv_putter, "x");
    FCHECK(px);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_queue_close(S_rq), 0);
    FCHECK_EQ(corral_join(px, NULL, -1), 0);
    FCHECK_EQ(corral_queue_get(S_rq, &v, -1), CORRAL_EQUEUECLOSED);
    corral_value_clear(&item);
    FCHECK_EQ(qdtor_calls, 1);
    return 0;
}

START_TEST(test_rendezvous_channel)
{
    S_rq = kind_queue(0, CORRAL_QUEUE_RENDEZVOUS);
    ck_assert_int_eq(cu_run(rv_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 G log got 1\n"
                                      "0 G done\n"
                                      "0 P log put a ok\n"
                                      "0 P done\n"
                                      "2 PC log put c Cancelled\n"
                                      "2 PC cancelled\n"
                                      "3 P2 log put b ok\n"
                                      "3 P2 done\n"
                                      "3 main log main got b\n"
                                      "4 PX log put x QueueClosed\n"
                                      "4 PX done\n");
}
END_TEST

static int rv_close_getters_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *g1 = cu_spawn("G1", rv_getter, NULL);
    corral_task *g2 = cu_spawn("G2", rv_getter, NULL);
    FCHECK(g1 && g2);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_queue_close(S_rq), 0);
    FCHECK_EQ(corral_join(g1, NULL, -1), 0);
    FCHECK_EQ(corral_join(g2, NULL, -1), 0);
    return 0;
}

START_TEST(test_rendezvous_close_getters)
{
    S_rq = kind_queue(0, CORRAL_QUEUE_RENDEZVOUS);
    ck_assert_int_eq(cu_run(rv_close_getters_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 G1 log get QueueClosed\n"
                                      "1 G1 done\n"
                                      "1 G2 log get QueueClosed\n"
                                      "1 G2 done\n");
}
END_TEST

/* ---- get_until_empty ----------------------------------------------------------------------- */

static int until_empty_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_queue *q = cu_queue(2);
    FCHECK(q);
    corral_value v;
    FCHECK_EQ(corral_queue_get_nowait_until_empty(q, &v), CORRAL_EQUEUEEMPTY);
    FCHECK_EQ(corral_queue_get_until_empty(q, &v, 0), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_queue_get_until_empty(q, &v, cu_at_ms(1)), CORRAL_ETIMEOUT);
    /* PTR items: the ones passed over are dropped, the last is ours */
    qdtor_calls = 0;
    corral_value a = ptr_value(), b = ptr_value();
    const void *last = b.as.p;
    FCHECK_EQ(corral_queue_put_nowait(q, &a), 0);
    FCHECK_EQ(corral_queue_put_nowait(q, &b), 0);
    corral_task *p = cu_spawn("P", parked_putter, q); /* puts 9, parks: full */
    FCHECK(p);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(p), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_queue_get_until_empty(q, &v, -1), 0);
    /* the drain promoted the parked putter: its 9 is the last item */
    FCHECK_EQ(v.type, CORRAL_VALUE_INT);
    FCHECK_EQ(v.as.i, 9);
    FCHECK_EQ(qdtor_calls, 2);
    FCHECK_EQ(corral_queue_size(q), 0);
    FCHECK_EQ(corral_join(p, NULL, -1), 0);
    (void)last;
    /* nowait form */
    for (int i = 1; i <= 2; i++) {
        corral_value x = cu_int(i);
        FCHECK_EQ(corral_queue_put_nowait(q, &x), 0);
    }
    FCHECK_EQ(corral_queue_get_nowait_until_empty(q, &v), 0);
    FCHECK_EQ(v.as.i, 2);
    FCHECK_EQ(corral_queue_size(q), 0);
    /* a LIFO queue: the last item taken is the oldest */
    corral_queue *lq = NULL;
    FCHECK_EQ(corral_queue_new_kind(&lq, cu.rt, 0, CORRAL_QUEUE_LIFO), 0);
    cu_keep_queue(lq);
    for (int i = 1; i <= 3; i++) {
        corral_value x = cu_int(i);
        FCHECK_EQ(corral_queue_put_nowait(lq, &x), 0);
    }
    FCHECK_EQ(corral_queue_get_nowait_until_empty(lq, &v), 0);
    FCHECK_EQ(v.as.i, 1);
    /* blocking: woken by a put, then nothing more to drain */
    corral_task *pp = cu_spawn("P2", parked_putter, q);
    FCHECK(pp);
    FCHECK_EQ(corral_queue_get_until_empty(q, &v, -1), 0);
    FCHECK_EQ(v.as.i, 9);
    FCHECK_EQ(corral_join(pp, NULL, -1), 0);
    /* closed and drained */
    FCHECK_EQ(corral_queue_close(q), 0);
    FCHECK_EQ(corral_queue_get_until_empty(q, &v, -1), CORRAL_EQUEUECLOSED);
    FCHECK_EQ(corral_queue_get_nowait_until_empty(q, &v), CORRAL_EQUEUEEMPTY);
    FCHECK_EQ(corral_queue_get_until_empty(NULL, &v, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_get_nowait_until_empty(NULL, &v), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_get_nowait_until_empty(q, NULL), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_get_until_empty)
{
    ck_assert_int_eq(cu_run(until_empty_main, NULL), 0);
    corral_value v;
    ck_assert_int_eq(corral_queue_get_until_empty(cu_queue(0), &v, -1), CORRAL_EINVALIDSTATE);
}
END_TEST

/* ---- step and host users: BYTES of a parked put, abandon, unget order --------------------- */

static struct {
    corral_queue *q;
    char buf[16];
    int calls;
    int status;
    corral_value got;
} SQ;

/* put a BYTES item that lives in a buffer the step overwrites right after awaiting */
static void bytes_put_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    int prio = (int)(intptr_t)arg;
    if (SQ.calls++ == 0) {
        corral_op op = qop(CORRAL_OP_QUEUE_PUT, SQ.q, -1);
        op.arg = prio;
        memcpy(SQ.buf, "hello", 5);
        op.value = cu_none();
        op.value.type = CORRAL_VALUE_BYTES;
        op.value.as.p = SQ.buf;
        op.value.len = 5;
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        memset(SQ.buf, 'x', sizeof SQ.buf); /* gone, as far as the core may care */
        return;
    }
    SQ.status = status;
    SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
}

static int bytes_step_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int kind = (int)(intptr_t)arg;
    SQ.q = NULL;
    FCHECK_EQ(corral_queue_new_kind(&SQ.q, cu.rt, 1, kind), 0);
    cu_keep_queue(SQ.q);
    corral_value z = cu_int(0);
    if (kind != CORRAL_QUEUE_RENDEZVOUS)
        FCHECK_EQ(corral_queue_put_nowait(SQ.q, &z), 0); /* full */
    corral_task *s = cu_spawn_step("S", bytes_put_step, (void *)(intptr_t)-1);
    FCHECK(s);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_state(s), CORRAL_TASK_PARKED);
    corral_value v;
    if (kind != CORRAL_QUEUE_RENDEZVOUS) {
        FCHECK_EQ(corral_queue_get_nowait(SQ.q, &v), 0);
        if (kind == CORRAL_QUEUE_LIFO)
            FCHECK_EQ(corral_queue_size(SQ.q), 1);
    }
    FCHECK_EQ(corral_queue_get(SQ.q, &v, -1), 0);
    FCHECK(v.type == CORRAL_VALUE_BYTES && v.len == 5 && memcmp(v.as.p, "hello", 5) == 0);
    corral_value_clear(&v);
    FCHECK_EQ(corral_join(s, NULL, -1), 0);
    FCHECK_EQ(SQ.status, 0);
    return 0;
}

START_TEST(test_step_put_bytes_copied)
{
    static const int kinds[] = {CORRAL_QUEUE_FIFO, CORRAL_QUEUE_LIFO, CORRAL_QUEUE_PRIORITY,
                                CORRAL_QUEUE_RENDEZVOUS};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        memset(&SQ, 0, sizeof SQ);
        cu_replace_rt(CORRAL_RT_VIRTUAL_CLOCK);
        ck_assert_int_eq(cu_run(bytes_step_main, (void *)(intptr_t)kinds[i]), 0);
        corral_task_unref(cu.main);
        cu.main = NULL;
    }
}
END_TEST

/* corral_task_take_value: a step consumer keeps a PTR item (with its destructor) past its
 * step; a borrowed value (a future's result) is not handed over; outside a step: refused. */
static int dtor_calls;
static corral_value kept;
static void count_dtor(void *p)
{
    (void)p;
    dtor_calls++;
}

static void take_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    corral_queue *q = arg;
    if (value->type == CORRAL_VALUE_NONE && status == 0 && kept.type == CORRAL_VALUE_NONE &&
        corral_task_take_value(self, &kept) == 0) {
        corral_op op = {.kind = CORRAL_OP_QUEUE_GET, .target = q, .deadline = -1};
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
        return;
    }
    SCHECK_EQ(status, 0);
    SCHECK_EQ(corral_task_take_value(self, &kept), 1);
    SCHECK(value->type == CORRAL_VALUE_NONE && kept.type == CORRAL_VALUE_PTR);
    SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
}

static int take_value_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_queue *q = cu_queue(0);
    corral_task *s = cu_spawn_step("S", take_step, q);
    FCHECK(s);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    static int payload;
    corral_value item = {.type = CORRAL_VALUE_PTR, .as.p = &payload, .dtor = count_dtor};
    FCHECK_EQ(corral_queue_put_nowait(q, &item), 0);
    FCHECK_EQ(corral_join(s, NULL, -1), 0);
    FCHECK_EQ(dtor_calls, 0); /* the step kept it: the core did not drop it */
    corral_value out;
    FCHECK_EQ(corral_task_take_value(self, &out), CORRAL_EINVALIDSTATE); /* a fiber, no step */
    FCHECK_EQ(corral_task_take_value(NULL, &out), CORRAL_EINVALIDARG);
    corral_value_clear(&kept);
    FCHECK_EQ(dtor_calls, 1);
    return 0;
}

START_TEST(test_step_take_value_keeps_item)
{
    dtor_calls = 0;
    kept = (corral_value){0};
    ck_assert_int_eq(cu_run(take_value_main, NULL), 0);
}
END_TEST

/* A step task awaiting one op (SQ_op when it starts); abandoned and finished from outside.
 * arg: its own call counter. */
static corral_op SQ_op;
static int calls[4];
static void one_op_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    if ((*(int *)arg)++ == 0) {
        SCHECK_EQ(corral_task_await(self, &SQ_op), CORRAL_PENDING);
        return;
    }
    cu_fail(__FILE__, __LINE__, "abandoned step resumed with %d", status);
}

static int abandon_queue_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_value none = cu_none(), v;
    /* a parked put abandoned: not enqueued, not promoted later, the item stays the caller's */
    corral_queue *q = cu_queue(1);
    FCHECK(q);
    corral_value one = cu_int(1);
    FCHECK_EQ(corral_queue_put_nowait(q, &one), 0);
    qdtor_calls = 0;
    static corral_value item;
    item = ptr_value();
    SQ_op = qop(CORRAL_OP_QUEUE_PUT, q, -1);
    SQ_op.value = item;
    memset(calls, 0, sizeof calls);
    corral_task *p = cu_spawn_step("P", one_op_step, &calls[0]);
    FCHECK(p);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(p), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_abandon(p), 0);
    FCHECK_EQ(corral_queue_get_nowait(q, &v), 0);
    FCHECK_EQ(v.as.i, 1);
    FCHECK_EQ(corral_queue_size(q), 0); /* nobody to promote */
    FCHECK_EQ(qdtor_calls, 0);
    corral_value_clear(&item);
    FCHECK_EQ(qdtor_calls, 1);
    FCHECK_EQ(corral_task_finish(p, 0, &none, NULL, NULL), 0);

    /* a committed get from a PRIORITY queue abandoned: the item goes back to the head, ahead
     * of everything; of two items given back, the last comes first */
    corral_queue *pq = NULL;
    FCHECK_EQ(corral_queue_new_kind(&pq, cu.rt, 0, CORRAL_QUEUE_PRIORITY), 0);
    cu_keep_queue(pq);
    for (int i = 1; i <= 3; i++) {
        corral_value x = cu_int(i * 10);
        FCHECK_EQ(corral_queue_put_nowait_priority(pq, &x, i), 0);
    }
    SQ_op = qop(CORRAL_OP_QUEUE_GET, pq, -1);
    corral_task *g1 = cu_spawn_step("G1", one_op_step, &calls[1]);
    corral_task *g2 = cu_spawn_step("G2", one_op_step, &calls[2]);
    FCHECK(g1 && g2);
    FCHECK_EQ(corral_checkpoint(), 0); /* G1 took 10, G2 took 20: both READY */
    FCHECK_EQ(corral_queue_size(pq), 1);
    FCHECK_EQ(corral_task_abandon(g1), 1); /* 10 back */
    FCHECK_EQ(corral_task_abandon(g2), 1); /* 20 back, ahead of 10 */
    corral_value x = cu_int(0);
    FCHECK_EQ(corral_queue_put_nowait_priority(pq, &x, -100), 0);
    int64_t want[] = {20, 10, 0, 30};
    for (int i = 0; i < 4; i++) {
        FCHECK_EQ(corral_queue_get_nowait(pq, &v), 0);
        FCHECK_EQ(v.as.i, want[i]);
    }
    FCHECK_EQ(corral_task_finish(g1, 0, &none, NULL, NULL), 0);
    FCHECK_EQ(corral_task_finish(g2, 0, &none, NULL, NULL), 0);

    /* a rendezvous get committed (taken from a parked putter) and abandoned: the item waits in
     * the channel for the next getter; the putter's put stays done */
    corral_queue *rq = NULL;
    FCHECK_EQ(corral_queue_new_kind(&rq, cu.rt, 0, CORRAL_QUEUE_RENDEZVOUS), 0);
    cu_keep_queue(rq);
    corral_task *rp = cu_spawn("RP", parked_putter, rq);
    FCHECK(rp);
    FCHECK_EQ(corral_checkpoint(), 0);
    SQ_op = qop(CORRAL_OP_QUEUE_GET, rq, -1);
    corral_task *g3 = cu_spawn_step("G3", one_op_step, &calls[3]);
    FCHECK(g3);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_abandon(g3), 1);
    FCHECK_EQ(corral_queue_size(rq), 1);
    /* a putter that parks now is not promoted into that buffer by the next get: it still
     * waits for a getter to take its item */
    corral_task *rp2 = cu_spawn("RP2", parked_putter, rq);
    FCHECK(rp2);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(rp2), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_queue_get_nowait(rq, &v), 0);
    FCHECK_EQ(v.as.i, 9);
    FCHECK_EQ(corral_queue_size(rq), 0);
    FCHECK_EQ(corral_task_state(rp2), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_queue_get_nowait(rq, &v), 0); /* now straight from RP2 */
    FCHECK_EQ(corral_task_state(rp2), CORRAL_TASK_READY);
    FCHECK_EQ(corral_join(rp2, NULL, -1), 0);
    FCHECK_EQ(corral_join(rp, NULL, -1), 0);
    FCHECK_EQ(corral_task_finish(g3, 0, &none, NULL, NULL), 0);
    return 0;
}

START_TEST(test_abandon_queue_waits)
{
    memset(&SQ, 0, sizeof SQ);
    ck_assert_int_eq(cu_run(abandon_queue_main, NULL), 0);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------------------ */

static corral_rt *other_rt;

static int getter_quiet(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    int rc = corral_queue_get(arg, &v, -1);
    if (rc == 0) {
        cu_log("got %s", vstr(&v));
        corral_value_clear(&v);
    }
    return 0;
}

static int queue_bad_ops_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_queue *q = cu_queue(1), *oq = NULL;
    FCHECK(q);
    FCHECK_EQ(corral_queue_new(&oq, other_rt, 0), 0);
    corral_value v = cu_int(1);
    /* a queue of another runtime */
    FCHECK_EQ(corral_queue_get(oq, &v, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_put(oq, &v, -1), CORRAL_EINVALIDARG);
    corral_queue_unref(oq);
    /* bad items: refused before anything happens, even when the put would park */
    FCHECK_EQ(corral_queue_put_nowait(q, &v), 0); /* full now */
    corral_value bad = cu_none();
    bad.type = 77;
    FCHECK_EQ(corral_queue_put(q, &bad, -1), CORRAL_EINVALIDARG);
    bad.type = CORRAL_VALUE_BYTES;
    bad.len = 3;
    FCHECK_EQ(corral_queue_put(q, &bad, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_put(q, NULL, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_put_priority(q, NULL, 1, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_get(NULL, &v, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_get(q, &v, -2), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_size(q), 1);
    FCHECK_EQ(corral_queue_get_nowait(q, &v), 0);
    /* a bad put_nowait with getters parked hands nothing over and keeps their order */
    corral_queue *q2 = cu_queue(0);
    FCHECK(q2);
    corral_task *g1 = cu_spawn("G1", getter_quiet, q2);
    corral_task *g2 = cu_spawn("G2", getter_quiet, q2);
    FCHECK(g1 && g2);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_queue_put_nowait(q2, &bad), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_queue_put_nowait_priority(q2, &bad, 0), CORRAL_EINVALIDARG);
    corral_value one = cu_int(1), two = cu_int(2);
    FCHECK_EQ(corral_queue_put_nowait(q2, &one), 0);
    FCHECK_EQ(corral_queue_put_nowait(q2, &two), 0);
    FCHECK_EQ(corral_join(g1, NULL, -1), 0);
    FCHECK_EQ(corral_join(g2, NULL, -1), 0);
    return 0;
}

START_TEST(test_queue_bad_ops)
{
    ck_assert_int_eq(corral_rt_new(&other_rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(other_rt);
    ck_assert_int_eq(cu_run(queue_bad_ops_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 G1 log got 1\n"
                                      "0 G1 done\n"
                                      "0 G2 log got 2\n"
                                      "0 G2 done\n");
    ck_assert_int_eq(corral_queue_put_nowait_priority(NULL, NULL, 0), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_put_nowait_priority(cu_queue(0), NULL, 0), CORRAL_EINVALIDARG);
}
END_TEST

START_TEST(test_queue_use_after_close)
{
    qdtor_calls = 0;
    corral_queue *q = cu_queue(0);
    corral_value p = ptr_value(), v;
    ck_assert_int_eq(corral_queue_put_nowait(q, &p), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    corral_value one = cu_int(1);
    ck_assert_int_eq(corral_queue_put_nowait(q, &one), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_queue_put_nowait_priority(q, &one, 1), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_queue_get_nowait(q, &v), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_queue_get_nowait_until_empty(q, &v), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_queue_close(q), CORRAL_ECLOSED);
    corral_queue *q2 = NULL;
    ck_assert_int_eq(corral_queue_new(&q2, cu.rt, 0), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_queue_new_kind(&q2, cu.rt, 0, CORRAL_QUEUE_LIFO), CORRAL_ECLOSED);
    ck_assert_ptr_null(q2);
    ck_assert_int_eq(corral_queue_size(q), 1); /* queries still answer */
    ck_assert_int_eq(qdtor_calls, 0);          /* the item goes with the queue (teardown) */
}
END_TEST

/* ---- stress: producers and consumers with random cancellations ------------------------------ */

/* Every item put is got exactly once, whatever is cancelled, timed out or abandoned when (R27,
 * R31, R60, R64), on every queue kind: fiber producers put through a small bounded queue with
 * parked puts and per-call deadlines (random priorities on a PRIORITY queue), fiber consumers
 * park on gets, step-task consumers await QUEUE_GET, and a chaos loop cancels random consumers
 * and producers (a cancelled producer's replacement carries on from its next item, so no item
 * is given up) and abandons step consumers' waits, committed or not (the item goes back). */
enum {
    STRESS_PRODUCERS = 6,
    STRESS_ITEMS = 1000,
    STRESS_CONSUMERS = 6,
    STRESS_STEPPERS = 4,
};

typedef struct stress {
    corral_queue *q;
    int kind;
    int got[STRESS_PRODUCERS * STRESS_ITEMS];
    int put_done[STRESS_PRODUCERS]; /* next item index each producer has to put */
    corral_task *producers[STRESS_PRODUCERS];
    corral_task *consumers[STRESS_CONSUMERS];
    corral_task *steppers[STRESS_STEPPERS];
    uint64_t rng;
    int producers_left;
    int abandoned, abandoned_committed, step_got;
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
        int rc = corral_queue_put_priority(S.q, &v, (int32_t)(stress_rand() % 5), deadline);
        if (rc == 0)
            S.put_done[p]++; /* the item is in: R27, completion wins */
        else if (rc == CORRAL_ECANCELLED)
            return rc; /* not put: the replacement producer puts it again */
        else
            FCHECK_EQ(rc, CORRAL_ETIMEOUT); /* not put either: retry */
        if (stress_rand() % 2 == 0)
            FCHECK_INT(cu_sleep_ms(stress_rand() % 3), >=, CORRAL_ECANCELLED);
    }
    S.producers_left--;
    return 0;
}

static int stress_count(const corral_value *v)
{
    if (v->type != CORRAL_VALUE_INT || v->as.i < 0 || v->as.i >= STRESS_PRODUCERS * STRESS_ITEMS)
        return -1;
    S.got[v->as.i]++;
    return 0;
}

static int stress_consumer(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    for (;;) {
        corral_value v;
        int64_t deadline = stress_rand() % 4 == 0 ? cu_at_ms(1) : -1;
        int rc = corral_queue_get(S.q, &v, deadline);
        if (rc == CORRAL_EQUEUECLOSED || rc == CORRAL_ECANCELLED)
            return 0;
        if (rc == CORRAL_ETIMEOUT)
            continue;
        FCHECK_EQ(rc, 0);
        FCHECK_EQ(stress_count(&v), 0);
        if (stress_rand() % 5 == 0 && cu_sleep_ms(1) == CORRAL_ECANCELLED)
            return 0; /* an item already got stays counted */
    }
}

static corral_op stress_get_op(void)
{
    return qop(CORRAL_OP_QUEUE_GET, S.q, stress_rand() % 4 == 0 ? cu_at_ms(1) : -1);
}

/* A step consumer: await QUEUE_GET again and again; count what it observes. */
static void stress_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)arg;
    if (status == 0 && value->type != CORRAL_VALUE_NONE) {
        SCHECK_EQ(stress_count(value), 0);
        S.step_got++;
    } else if (status == CORRAL_EQUEUECLOSED || status == CORRAL_ECANCELLED) {
        SCHECK_EQ(
            corral_task_finish(self, status == CORRAL_ECANCELLED ? status : 0, NULL, NULL, NULL),
            0);
        return;
    } else if (status != 0) {
        SCHECK_EQ(status, CORRAL_ETIMEOUT);
    }
    corral_op op = stress_get_op();
    int rc = corral_task_await(self, &op);
    if (rc == CORRAL_ECANCELLED)
        SCHECK_EQ(corral_task_finish(self, rc, NULL, NULL, NULL), 0);
    else
        SCHECK_EQ(rc, CORRAL_PENDING);
}

/* The chaos loop abandons a stepper's wait (committed or not) and awaits again for it. */
static int stress_abandon(corral_task *t)
{
    int st = corral_task_state(t);
    if (st != CORRAL_TASK_PARKED && st != CORRAL_TASK_READY)
        return 0;
    int rc = corral_task_abandon(t);
    if (rc == CORRAL_EINVALIDSTATE)
        return 0; /* READY for its first step, or with a non-await outcome */
    FCHECK_INT(rc, >=, 0);
    S.abandoned++;
    S.abandoned_committed += rc;
    corral_op op = stress_get_op();
    rc = corral_task_await(t, &op);
    if (rc == CORRAL_ECANCELLED)
        FCHECK_EQ(corral_task_finish(t, rc, NULL, NULL, NULL), 0);
    else
        FCHECK_EQ(rc, CORRAL_PENDING);
    return 0;
}

static int stress_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_queue_new_kind(&S.q, cu.rt, S.kind == CORRAL_QUEUE_RENDEZVOUS ? 0 : 4, S.kind),
              0);
    cu_keep_queue(S.q);
    S.producers_left = STRESS_PRODUCERS;
    for (int i = 0; i < STRESS_PRODUCERS; i++)
        S.producers[i] = cu_spawn("P", stress_producer, (void *)(intptr_t)i);
    for (int i = 0; i < STRESS_CONSUMERS; i++)
        S.consumers[i] = cu_spawn("C", stress_consumer, NULL);
    for (int i = 0; i < STRESS_STEPPERS; i++)
        S.steppers[i] = cu_spawn_step("S", stress_step, NULL);
    int rounds = 0;
    while (S.producers_left > 0 && rounds++ < 100000) {
        if (stress_rand() % 2)
            FCHECK_EQ(cu_sleep_ms(1), 0);
        else
            FCHECK_EQ(corral_checkpoint(), 0);
        uint32_t r = stress_rand() % 12;
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
        } else if (r == 4) { /* cancel a stepper and start another */
            int i = (int)(stress_rand() % STRESS_STEPPERS);
            corral_task_cancel(S.steppers[i]);
            S.steppers[i] = cu_spawn_step("S", stress_step, NULL);
        } else if (r < 8) { /* a stepper's host drops its wait */
            FCHECK_EQ(stress_abandon(S.steppers[stress_rand() % STRESS_STEPPERS]), 0);
        }
        FCHECK(corral_task_cancel_pending(self) == 0);
    }
    FCHECK_EQ(S.producers_left, 0);
    FCHECK_EQ(corral_queue_close(S.q), 0); /* consumers drain the rest, then stop */
    for (int i = 0; i < STRESS_CONSUMERS; i++)
        FCHECK_EQ(corral_join(S.consumers[i], NULL, -1), 0);
    for (int i = 0; i < STRESS_STEPPERS; i++)
        FCHECK_EQ(corral_join(S.steppers[i], NULL, -1), 0);
    corral_value v;
    FCHECK_EQ(corral_queue_get_nowait(S.q, &v), CORRAL_EQUEUEEMPTY);
    return 0;
}

static void stress_run(int kind, uint64_t seed)
{
    memset(&S, 0, sizeof S);
    S.kind = kind;
    S.rng = seed;
    cu_replace_rt(CORRAL_RT_VIRTUAL_CLOCK);
    ck_assert_int_eq(cu_run(stress_main, NULL), 0);
    corral_task_unref(cu.main);
    cu.main = NULL;
    int missing = 0, doubled = 0;
    for (int i = 0; i < STRESS_PRODUCERS * STRESS_ITEMS; i++) {
        missing += S.got[i] == 0;
        doubled += S.got[i] > 1;
    }
    ck_assert_msg(missing == 0 && doubled == 0, "kind %d seed %llu: %d items lost, %d got twice",
                  kind, (unsigned long long)seed, missing, doubled);
    /* the chaos really happened */
    ck_assert_int_gt(S.abandoned, 0);
    ck_assert_int_gt(S.abandoned_committed, 0);
    ck_assert_int_gt(S.step_got, 0);
}

START_TEST(test_stress_random_cancellations)
{
    static const int kinds[] = {CORRAL_QUEUE_FIFO, CORRAL_QUEUE_LIFO, CORRAL_QUEUE_PRIORITY,
                                CORRAL_QUEUE_RENDEZVOUS};
    static const uint64_t seeds[] = {12345, 987654321};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
            stress_run(kinds[k], seeds[i]);
}
END_TEST

/* A nowait failure is an ordinary outcome with no message of its own: it must not leave an
 * older, unrelated failure's text in corral_last_error_message (bindings copy that text into
 * their errors; differential test, round 3). */
START_TEST(test_nowait_failures_clear_the_last_message)
{
    corral_queue *q;
    corral_value v = cu_int(1), out;
    ck_assert_int_eq(corral_queue_new(&q, cu.rt, 1), 0);
    ck_assert_int_eq(corral_queue_new(NULL, cu.rt, 1), CORRAL_EINVALIDARG); /* sets a message */
    ck_assert_str_ne(corral_last_error_message(), "");
    ck_assert_int_eq(corral_queue_get_nowait(q, &out), CORRAL_EQUEUEEMPTY);
    ck_assert_str_eq(corral_last_error_message(), "");
    ck_assert_int_eq(corral_queue_put_nowait(q, &v), 0);
    ck_assert_int_eq(corral_queue_new(NULL, cu.rt, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_put_nowait(q, &v), CORRAL_EQUEUEFULL);
    ck_assert_str_eq(corral_last_error_message(), "");
    ck_assert_int_eq(corral_queue_close(q), 0);
    ck_assert_int_eq(corral_queue_new(NULL, cu.rt, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_queue_put_nowait_priority(q, &v, 3), CORRAL_EQUEUECLOSED);
    ck_assert_str_eq(corral_last_error_message(), "");
    corral_queue_unref(q);
}
END_TEST

Suite *cu_suite_queues(void)
{
    Suite *s = suite_create("queues");
    TCase *tc = tcase_create("nowait");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_queue_nowait_fifo);
    tcase_add_test(tc, test_nowait_failures_clear_the_last_message);
    tcase_add_test(tc, test_queue_full_and_closed);
    tcase_add_test(tc, test_queue_value_ownership);
    tcase_add_test(tc, test_queue_bad_args);
    tcase_add_test(tc, test_queue_kinds_nowait);
    tcase_add_test(tc, test_queue_use_after_close);
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
    tcase_add_test(tc, test_priority_parked_putters);
    tcase_add_test(tc, test_rendezvous_channel);
    tcase_add_test(tc, test_rendezvous_close_getters);
    tcase_add_test(tc, test_get_until_empty);
    tcase_add_test(tc, test_step_put_bytes_copied);
    tcase_add_test(tc, test_abandon_queue_waits);
    tcase_add_test(tc, test_queue_bad_ops);
    tcase_add_test(tc, test_queue_unget_front);
    tcase_add_test(tc, test_queue_unget_to_parked_getter);
    tcase_add_test(tc, test_step_take_value_keeps_item);
    suite_add_tcase(s, tc);

    tc = tcase_create("stress");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_stress_random_cancellations);
    suite_add_tcase(s, tc);
    return s;
}
