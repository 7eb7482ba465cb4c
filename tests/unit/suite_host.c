/* host: the pull-style driver (corral_host_poll) - START/RESUME records, batching, awaits
 * refused with CORRAL_ECANCELLED when cancel-pending, corral_task_finish, CALLBACK records,
 * RELEASE records, the OWNED flag, bad input. */
#include "cu.h"

#include <stdio.h>
#include <stdlib.h>

#define TASK_BINDING 1u
#define VAL_BINDING 9u

/* ---- the driver -------------------------------------------------------------------------- */

typedef struct hctx hctx;
typedef void (*rec_fn)(hctx *h, const corral_record *r);

struct hctx {
    corral_task *main;
    rec_fn on;        /* START / RESUME / CALLBACK records */
    cu_text seq;      /* one line per non-RELEASE record */
    cu_text releases; /* "b:t" per RELEASE record */
    int batch[256];   /* poll number of each non-RELEASE record */
    int nrec;
    int polls;
    int done;
    /* per-test state */
    corral_task *t[8];
    corral_future *f;
    corral_queue *q;
    corral_error *e;
    int step[8];
    int64_t id[4];
};

static void seqf(hctx *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seqf(hctx *h, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        cu_text_append(&h->seq, buf, (size_t)n);
    cu_text_append(&h->seq, "\n", 1);
}

static void describe(hctx *h, const corral_record *r)
{
    char val[64] = "";
    if (r->kind == CORRAL_RECORD_RESUME && r->status == 0) {
        if (r->value.type == CORRAL_VALUE_INT)
            snprintf(val, sizeof val, " =%" PRId64, r->value.as.i);
        else if (r->value.type == CORRAL_VALUE_HOST)
            snprintf(val, sizeof val, " =host %u:%" PRIu64 "%s", r->value.binding,
                     r->value.as.token, (r->flags & CORRAL_RECORD_OWNED) ? " owned" : "");
    }
    switch (r->kind) {
    case CORRAL_RECORD_START:
        seqf(h, "START %s", corral_task_name(r->task));
        break;
    case CORRAL_RECORD_RESUME:
        seqf(h, "RESUME %s%s%s%s", corral_task_name(r->task), r->status ? " " : "",
             r->status ? corral_error_name(r->status) : "", val);
        break;
    case CORRAL_RECORD_CALLBACK:
        seqf(h, "CALLBACK %u:%" PRIu64, r->binding, r->token);
        break;
    default:
        seqf(h, "KIND%u", r->kind);
        break;
    }
}

static void check_record(const corral_record *r)
{
    switch (r->kind) {
    case CORRAL_RECORD_START:
    case CORRAL_RECORD_RESUME:
        SCHECK(r->task != NULL);
        SCHECK_EQ(r->binding, TASK_BINDING);
        SCHECK_EQ(r->token, 100 + corral_task_id(r->task) - 1); /* tokens follow ids here */
        if (r->kind == CORRAL_RECORD_START)
            SCHECK_EQ(r->status, 0);
        if (r->status != 0)
            SCHECK_EQ(r->value.type, CORRAL_VALUE_NONE);
        break;
    case CORRAL_RECORD_CALLBACK:
        SCHECK(r->task == NULL);
        SCHECK(r->source != NULL);
        break;
    case CORRAL_RECORD_RELEASE:
        break;
    case CORRAL_RECORD_HANDLER:
        SCHECK(r->source != NULL);
        SCHECK(r->error != NULL);
        break;
    default:
        cu_fail(__FILE__, __LINE__, "unknown record kind %u", r->kind);
    }
}

/* Poll until DONE (or a failure / too many polls). Returns the last poll's code. */
static int drive(hctx *h, size_t cap)
{
    corral_record recs[16];
    ck_assert_uint_le(cap, 16);
    for (int i = 0; i < 1000; i++) {
        size_t n = 12345;
        int rc = corral_host_poll(cu.rt, h->main, recs, cap, sizeof(corral_record), &n);
        h->polls++;
        if (rc == CORRAL_DONE) {
            ck_assert_uint_eq(n, 0);
            h->done = 1;
            return rc;
        }
        if (rc != 0)
            return rc;
        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, cap);
        for (size_t k = 0; k < n; k++) {
            const corral_record *r = &recs[k];
            check_record(r);
            ck_assert_ptr_null(corral_current()); /* host tasks are never current */
            if (r->kind == CORRAL_RECORD_RELEASE) {
                char b[64];
                int m = snprintf(b, sizeof b, "%u:%" PRIu64 "\n", r->binding, r->token);
                cu_text_append(&h->releases, b, (size_t)m);
                continue;
            }
            if (h->nrec < 256)
                h->batch[h->nrec] = h->polls;
            h->nrec++;
            describe(h, r);
            h->on(h, r);
            cu_assert_no_failure();
        }
    }
    ck_abort_msg("host run did not finish within 1000 polls; records:\n%s", cu_text_str(&h->seq));
    return -1;
}

static void hctx_free(hctx *h)
{
    cu_text_free(&h->seq);
    cu_text_free(&h->releases);
}

/* The driver state of the running test; freed by the teardown even when a check failed. */
static hctx H;

static void host_teardown(void)
{
    hctx_free(&H);
    cu_teardown();
}

static int released(hctx *h, uint32_t b, uint64_t t)
{
    char key[64];
    snprintf(key, sizeof key, "%u:%" PRIu64 "\n", b, t);
    int n = 0;
    const char *s = cu_text_str(&h->releases);
    size_t kl = strlen(key);
    while ((s = strstr(s, key)) != NULL) {
        n++;
        s += kl;
    }
    return n;
}

/* Spawn a host task whose token is 100 + id - 1 (id 1 -> 100, id 2 -> 101, ...): tests spawn
 * host tasks in id order, and hstart resets the expected id. */
static uint64_t host_next_id;

static corral_task *hspawn(const char *name)
{
    corral_task *t = NULL;
    uint64_t id = ++host_next_id;
    int rc = corral_spawn_host(&t, cu.rt, NULL, name, TASK_BINDING, 100 + id - 1);
    if (rc != 0 || t == NULL) {
        cu_fail(__FILE__, __LINE__, "spawn_host(%s) failed: %d", name, rc);
        return NULL;
    }
    if (corral_task_id(t) != id)
        cu_fail(__FILE__, __LINE__, "host task %s got id %" PRIu64 ", want %" PRIu64, name,
                corral_task_id(t), id);
    return t;
}

static corral_op hop(uint32_t kind, void *target, int64_t deadline)
{
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.target = target;
    op.deadline = deadline;
    return op;
}

static void await_ok(corral_task *t, corral_op op)
{
    int rc = corral_task_await(t, &op);
    if (rc != CORRAL_PENDING)
        cu_fail(__FILE__, __LINE__, "await(%s, kind %u) = %d", corral_task_name(t), op.kind, rc);
}

static void finish_ok(corral_task *t, int status, const corral_value *v, const char *repr,
                      corral_error *e)
{
    int rc = corral_task_finish(t, status, v, repr, e);
    if (rc != 0)
        cu_fail(__FILE__, __LINE__, "finish(%s) = %d", corral_task_name(t), rc);
}

static const char *rname(const corral_record *r)
{
    return corral_task_name(r->task);
}
static int is(const corral_record *r, uint32_t kind, const char *name)
{
    return r->kind == kind && r->task && strcmp(rname(r), name) == 0;
}

/* Set up cu.rt's host main (token 100) and the driver. */
static void hstart(hctx *h, rec_fn on)
{
    memset(h, 0, sizeof *h);
    h->on = on;
    host_next_id = 0;
    h->main = hspawn("main");
    ck_assert_ptr_nonnull(h->main);
    cu.main = h->main; /* released by cu_teardown */
}

/* ---- H1: START/RESUME, batching, finish, RELEASE of task tokens -------------------------- */

static void h1_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->t[0] = hspawn("A");
        h->t[1] = hspawn("B");
        SCHECK(h->t[0] && h->t[1]);
        SCHECK_EQ(corral_task_state(h->t[0]), CORRAL_TASK_CREATED);
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(10)));
        SCHECK_EQ(corral_task_state(r->task), CORRAL_TASK_PARKED);
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        SCHECK_EQ(corral_task_state(r->task), CORRAL_TASK_RUNNING);
        corral_value one = cu_int(1);
        finish_ok(r->task, 0, &one, NULL, NULL);
        SCHECK_EQ(corral_task_state(r->task), CORRAL_TASK_COMPLETED);
    } else if (is(r, CORRAL_RECORD_START, "B")) {
        await_ok(r->task, hop(CORRAL_OP_CHECKPOINT, NULL, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "B")) {
        SCHECK_EQ(r->status, 0);
        finish_ok(r->task, 0, NULL, NULL, NULL);
        corral_task_unref(h->t[1]); /* memory goes: RELEASE 1:102 */
        h->t[1] = NULL;
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 0) {
        h->step[0] = 1;
        SCHECK_EQ(r->status, 0);
        SCHECK_EQ(corral_rt_now(cu.rt), corral_ms(10));
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        SCHECK_EQ(r->status, 0);
        SCHECK_EQ(r->value.type, CORRAL_VALUE_INT);
        SCHECK_EQ(r->value.as.i, 1);
        SCHECK_EQ(r->flags & CORRAL_RECORD_OWNED, 0);
        corral_task_unref(h->t[0]); /* RELEASE 1:101 */
        h->t[0] = NULL;
        corral_value v = cu_int(42);
        finish_ok(r->task, 0, &v, "42", NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u for %s", r->kind,
                r->task ? rname(r) : "-");
    }
}

static void run_h1(size_t cap)
{
    hctx *h = &H;
    hstart(h, h1_on);
    ck_assert_int_eq(drive(h, cap), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START A\n"
                                           "START B\n"
                                           "RESUME B\n"
                                           "RESUME main\n"
                                           "RESUME main =1\n");
    if (cap > 1)
        ck_assert_msg(h->batch[1] == h->batch[2], "START A and START B came in different polls");
    ck_assert_msg(released(h, TASK_BINDING, 101) == 1 && released(h, TASK_BINDING, 102) == 1,
                  "releases:\n%s", cu_text_str(&h->releases));
    ck_assert_int_eq(released(h, TASK_BINDING, 100), 0); /* we still hold main */
    ck_assert_str_eq(cu_trace_main(), "0 A done 1\n0 B done\n");
    ck_assert(cu_trace_has("10 main done 42"));
    ck_assert_int_eq(corral_rt_run_status(cu.rt), 0);
    corral_value v;
    ck_assert_int_eq(corral_task_result(h->main, &v), 0);
    ck_assert_int_eq(v.as.i, 42);
}

START_TEST(test_host_basic_batched)
{
    run_h1(16);
}
END_TEST

START_TEST(test_host_basic_cap1)
{
    run_h1(1);
}
END_TEST

/* ---- H2: cancellation of a host task; await refused while cancel-pending ------------------- */

static void h2_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->t[0] = cu_keep_task(hspawn("A"));
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(5)));
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(100)));
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 0) {
        h->step[0] = 1;
        SCHECK(corral_task_cancel_flag(h->t[0]) != NULL);
        SCHECK_EQ(*corral_task_cancel_flag(h->t[0]), 0);
        SCHECK_EQ(corral_task_cancel(h->t[0]), 1);
        SCHECK_EQ(*corral_task_cancel_flag(h->t[0]), 1);
        SCHECK_EQ(corral_task_cancel(h->t[0]), 0);
        SCHECK_EQ(corral_task_state(h->t[0]), CORRAL_TASK_READY);
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "A")) {
        SCHECK_EQ(r->status, CORRAL_ECANCELLED);
        SCHECK_EQ(corral_task_cancel_pending(r->task), 1);
        corral_op op = hop(CORRAL_OP_CHECKPOINT, NULL, -1);
        SCHECK_EQ(corral_task_await(r->task, &op), CORRAL_ECANCELLED);
        op = hop(CORRAL_OP_SLEEP, NULL, corral_ms(50));
        SCHECK_EQ(corral_task_await(r->task, &op), CORRAL_ECANCELLED);
        finish_ok(r->task, CORRAL_ECANCELLED, NULL, NULL, NULL);
        SCHECK_EQ(corral_task_state(r->task), CORRAL_TASK_CANCELLED);
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        SCHECK_EQ(r->status, CORRAL_ETASKCANCELLED);
        SCHECK_EQ(corral_rt_now(cu.rt), corral_ms(5));
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_cancel)
{
    hctx *h = &H;
    hstart(h, h2_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START A\n"
                                           "RESUME main\n"
                                           "RESUME A Cancelled\n"
                                           "RESUME main TaskCancelled\n");
    ck_assert_str_eq(cu_trace_main(), "5 A cancelled\n");
}
END_TEST

/* ---- H3: a handed-out task that neither awaited nor finished fails with InvalidState ------- */

static void h3_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->t[0] = cu_keep_task(hspawn("A"));
        /* A has not been handed out yet: no await, no finish for it */
        corral_op op = hop(CORRAL_OP_CHECKPOINT, NULL, -1);
        SCHECK_EQ(corral_task_await(h->t[0], &op), CORRAL_EINVALIDSTATE);
        SCHECK_EQ(corral_task_finish(h->t[0], 0, NULL, NULL, NULL), CORRAL_EINVALIDSTATE);
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
        /* main already awaits: a second await is refused */
        SCHECK_EQ(corral_task_await(r->task, &op), CORRAL_EINVALIDSTATE);
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        /* do nothing */
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        SCHECK_EQ(r->status, CORRAL_EINVALIDSTATE);
        SCHECK_EQ(corral_task_state(h->t[0]), CORRAL_TASK_FAILED);
        SCHECK_EQ(corral_error_code(corral_task_error(h->t[0])), CORRAL_EINVALIDSTATE);
        SCHECK(r->error == corral_task_error(h->t[0]));
        corral_op op = hop(CORRAL_OP_CHECKPOINT, NULL, -1);
        SCHECK_EQ(corral_task_await(h->t[0], &op), CORRAL_EINVALIDSTATE);
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_neither_await_nor_finish)
{
    hctx *h = &H;
    hstart(h, h3_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START A\n"
                                           "RESUME main InvalidState\n");
    ck_assert_int_eq(cu_trace_count_prefix("0 A fail InvalidState"), 1);
    ck_assert_int_eq(cu_trace_count_prefix("0 root handler A InvalidState"), 1);
}
END_TEST

/* ---- H4: CALLBACK records share the listener order with awaiting tasks (R20) -------------- */

static void h4_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->f = cu_future();
        SCHECK(h->f);
        h->id[0] = corral_future_add_host_callback(h->f, VAL_BINDING, 777);
        h->id[1] = corral_future_add_host_callback(h->f, VAL_BINDING, 779);
        SCHECK(h->id[0] > 0 && h->id[1] > 0 && h->id[0] != h->id[1]);
        SCHECK_EQ(corral_future_remove_callback(h->f, h->id[1]), 1);
        h->t[0] = cu_keep_task(hspawn("W"));
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(1)));
    } else if (is(r, CORRAL_RECORD_START, "W")) {
        await_ok(r->task, hop(CORRAL_OP_FUTURE, h->f, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 0) {
        h->step[0] = 1;
        SCHECK(corral_future_add_host_callback(h->f, VAL_BINDING, 778) > 0);
        corral_value five = cu_int(5);
        SCHECK_EQ(corral_future_set_result(h->f, &five), 0);
        await_ok(r->task, hop(CORRAL_OP_CHECKPOINT, NULL, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 1) {
        h->step[0] = 2;
        /* after completion: queued at once at the tail */
        SCHECK(corral_future_add_host_callback(h->f, VAL_BINDING, 780) > 0);
        await_ok(r->task, hop(CORRAL_OP_CHECKPOINT, NULL, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else if (is(r, CORRAL_RECORD_RESUME, "W")) {
        SCHECK_EQ(r->status, 0);
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else if (r->kind == CORRAL_RECORD_CALLBACK) {
        SCHECK_EQ(r->binding, VAL_BINDING);
        SCHECK(r->source == (void *)h->f);
        SCHECK_EQ(corral_future_state(h->f), CORRAL_FUTURE_RESULT);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_callbacks)
{
    hctx *h = &H;
    hstart(h, h4_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START W\n"
                                           "RESUME main\n"
                                           "CALLBACK 9:777\n"
                                           "RESUME W =5\n"
                                           "CALLBACK 9:778\n"
                                           "RESUME main\n"
                                           "CALLBACK 9:780\n"
                                           "RESUME main\n");
}
END_TEST

/* ---- H5: RELEASE records for HOST values the core drops ----------------------------------- */

static void h5_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        corral_queue *q = NULL;
        SCHECK_EQ(corral_queue_new(&q, cu.rt, 0), 0);
        corral_value a = cu_host(VAL_BINDING, 900), b = cu_host(VAL_BINDING, 901);
        SCHECK_EQ(corral_queue_put_nowait(q, &a), 0);
        SCHECK_EQ(corral_queue_put_nowait(q, &b), 0);
        corral_value out = cu_none();
        SCHECK_EQ(corral_queue_get_nowait(q, &out), 0); /* 900 is ours again */
        SCHECK_EQ(out.type, CORRAL_VALUE_HOST);
        SCHECK_EQ(out.binding, VAL_BINDING);
        SCHECK_EQ(out.as.token, 900);
        corral_queue_unref(q); /* 901 dropped by the core */

        corral_future *f = NULL;
        SCHECK_EQ(corral_future_new(&f, cu.rt), 0);
        corral_value c = cu_host(VAL_BINDING, 902);
        SCHECK_EQ(corral_future_set_result(f, &c), 0);
        corral_value got;
        SCHECK_EQ(corral_future_result(f, &got), 0);
        SCHECK_EQ(got.as.token, 902);
        corral_future_unref(f); /* 902 dropped */

        /* an error's host payload belongs to the error: released with its last reference */
        corral_error *e = NULL;
        SCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "KeyError", "k"), 0);
        corral_value hv = cu_host(VAL_BINDING, 907);
        SCHECK_EQ(corral_error_set_host(e, cu.rt, &hv), 0);
        SCHECK_EQ(corral_future_new(&f, cu.rt), 0);
        SCHECK_EQ(corral_future_set_error(f, e), 0);
        corral_error_unref(e);
        corral_future_unref(f); /* 907 released */

        h->t[0] = hspawn("A");
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        corral_value v = cu_host(VAL_BINDING, 903);
        finish_ok(r->task, 0, &v, "h", NULL);
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 0) {
        h->step[0] = 1;
        SCHECK_EQ(r->status, 0);
        SCHECK_EQ(r->value.type, CORRAL_VALUE_HOST);
        SCHECK_EQ(r->value.as.token, 903);
        SCHECK_EQ(r->flags & CORRAL_RECORD_OWNED, 0); /* borrowed from A */
        corral_task_unref(h->t[0]); /* A's memory goes: 903 and A's token are released */
        h->t[0] = NULL;
        await_ok(r->task, hop(CORRAL_OP_CHECKPOINT, NULL, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_release_records)
{
    hctx *h = &H;
    hstart(h, h5_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START A\n"
                                           "RESUME main =host 9:903\n"
                                           "RESUME main\n");
    ck_assert_msg(released(h, VAL_BINDING, 901) == 1, "releases:\n%s", cu_text_str(&h->releases));
    ck_assert_int_eq(released(h, VAL_BINDING, 902), 1);
    ck_assert_int_eq(released(h, VAL_BINDING, 903), 1);
    ck_assert_int_eq(released(h, TASK_BINDING, 101), 1);
    ck_assert_int_eq(released(h, VAL_BINDING, 907), 1);
    ck_assert_int_eq(released(h, VAL_BINDING, 900), 0);
    ck_assert(cu_trace_has("0 A done h"));
}
END_TEST

/* ---- H6: a received queue item is owned by the host (OWNED flag, no RELEASE) --------------- */

static void h6_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->q = cu_queue(0);
        h->t[0] = cu_keep_task(hspawn("G"));
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(1)));
    } else if (is(r, CORRAL_RECORD_START, "G")) {
        await_ok(r->task, hop(CORRAL_OP_QUEUE_GET, h->q, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 0) {
        h->step[0] = 1;
        corral_value v = cu_host(VAL_BINDING, 904);
        SCHECK_EQ(corral_queue_put_nowait(h->q, &v), 0);
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "G")) {
        SCHECK_EQ(r->status, 0);
        SCHECK_EQ(r->value.type, CORRAL_VALUE_HOST);
        SCHECK(r->flags & CORRAL_RECORD_OWNED);
        /* a host task puts a value with QUEUE_PUT: the op's value is taken */
        corral_op op = hop(CORRAL_OP_QUEUE_PUT, h->q, -1);
        op.value = cu_host(VAL_BINDING, 905);
        await_ok(r->task, op);
        h->step[1] = 1;
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

static void h6b_on(hctx *h, const corral_record *r)
{
    /* after G's QUEUE_PUT completes, G finishes; main then reads the item back */
    if (is(r, CORRAL_RECORD_RESUME, "G") && h->step[1] == 1) {
        h->step[1] = 2;
        SCHECK_EQ(r->status, 0);
        finish_ok(r->task, 0, NULL, NULL, NULL);
        return;
    }
    if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 1) {
        h->step[0] = 2;
        SCHECK_EQ(r->status, 0);
        corral_value out = cu_none();
        SCHECK_EQ(corral_queue_get_nowait(h->q, &out), 0);
        SCHECK_EQ(out.type, CORRAL_VALUE_HOST);
        SCHECK_EQ(out.as.token, 905);
        finish_ok(r->task, 0, NULL, NULL, NULL);
        return;
    }
    h6_on(h, r);
}

START_TEST(test_host_owned_values)
{
    hctx *h = &H;
    hstart(h, h6b_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START G\n"
                                           "RESUME main\n"
                                           "RESUME G =host 9:904 owned\n"
                                           "RESUME G\n"
                                           "RESUME main\n");
    ck_assert_int_eq(released(h, VAL_BINDING, 904), 0);
    ck_assert_int_eq(released(h, VAL_BINDING, 905), 0);
}
END_TEST

/* ---- H7: a host error crosses as the same object; repr in "done" lines ---------------------- */

static void h7_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->t[0] = cu_keep_task(hspawn("A"));
        h->t[1] = cu_keep_task(hspawn("B"));
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        corral_error *e = NULL;
        SCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "ValueError", "x"), 0);
        corral_value hv = cu_host(VAL_BINDING, 55);
        SCHECK_EQ(corral_error_set_host(e, cu.rt, &hv), 0);
        h->e = e;
        finish_ok(r->task, CORRAL_EUSER, NULL, NULL, e);
        corral_error_unref(e); /* the task took a reference */
    } else if (is(r, CORRAL_RECORD_START, "B")) {
        corral_value v = cu_int(5);
        finish_ok(r->task, 0, &v, "five", NULL);
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        SCHECK_EQ(r->status, CORRAL_EUSER);
        SCHECK(r->error == h->e);
        SCHECK(r->error == corral_task_error(h->t[0]));
        const corral_value *hv = corral_error_host(r->error);
        SCHECK(hv != NULL);
        SCHECK_EQ(hv->as.token, 55);
        finish_ok(r->task, CORRAL_EUSER, NULL, NULL, r->error); /* main fails with it too */
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_errors_and_repr)
{
    hctx *h = &H;
    hstart(h, h7_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_trace_main(), "0 A fail ValueError:x\n"
                                      "0 B done five\n"
                                      "0 root handler A ValueError:x\n");
    ck_assert(cu_trace_has("0 main fail ValueError:x"));
    ck_assert(cu_trace_has("0 rt run ValueError:x"));
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EUSER);
}
END_TEST

/* ---- H8: C tasks alongside host tasks -----------------------------------------------------------
 */

static int fiber_three(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    FCHECK_EQ(cu_sleep_ms(2), 0);
    cu_log("fiber");
    *res = cu_int(3);
    return 0;
}

static int fiber_polls(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_record rec[2];
    size_t n = 0;
    FCHECK_EQ(corral_host_poll(cu.rt, arg, rec, 2, sizeof rec[0], &n), CORRAL_EINVALIDSTATE);
    return 0;
}

static void h8_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->t[0] = cu_spawn("F", fiber_three, NULL);
        SCHECK(h->t[0]);
        SCHECK(cu_spawn("P", fiber_polls, h->main));
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[0], -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        SCHECK_EQ(r->status, 0);
        SCHECK_EQ(r->value.as.i, 3);
        SCHECK_EQ(corral_rt_now(cu.rt), corral_ms(2));
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_with_c_tasks)
{
    hctx *h = &H;
    hstart(h, h8_on);
    /* tokens follow ids: the fibers take ids 2 and 3, only main is a host task */
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\nRESUME main =3\n");
    ck_assert_str_eq(cu_trace_main(), "0 P done\n2 F log fiber\n2 F done 3\n");
}
END_TEST

/* ---- H9: corral_task_await_many ------------------------------------------------------------- */

static void h9_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->t[0] = cu_keep_task(hspawn("A"));
        h->t[1] = cu_keep_task(hspawn("B"));
        h->t[2] = cu_keep_task(hspawn("C"));
        SCHECK_EQ(corral_task_cancel(h->t[2]), 1); /* C starts cancel-pending */
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(10)));
    } else if (is(r, CORRAL_RECORD_START, "A") || is(r, CORRAL_RECORD_START, "B")) {
        /* batched: submitted with C's record */
    } else if (is(r, CORRAL_RECORD_START, "C")) {
        SCHECK_EQ(*corral_task_cancel_flag(r->task), 1);
        SCHECK_EQ(*corral_task_cancel_flag(h->t[0]), 0);
        corral_task *tasks[4] = {h->t[0], h->t[1], h->t[2], h->t[1]};
        corral_op ops[4] = {
            hop(CORRAL_OP_SLEEP, NULL, corral_ms(5)), hop(CORRAL_OP_CHECKPOINT, NULL, -1),
            hop(CORRAL_OP_CHECKPOINT, NULL, -1), hop(CORRAL_OP_CHECKPOINT, NULL, -1)};
        int32_t res[4] = {7, 7, 7, 7};
        SCHECK_EQ(corral_task_await_many(tasks, ops, res, 4), 0);
        SCHECK_EQ(res[0], CORRAL_PENDING);
        SCHECK_EQ(res[1], CORRAL_PENDING);
        SCHECK_EQ(res[2], CORRAL_ECANCELLED);    /* cancel point */
        SCHECK_EQ(res[3], CORRAL_EINVALIDSTATE); /* B already awaits */
        SCHECK_EQ(corral_task_await_many(NULL, ops, res, 1), CORRAL_EINVALIDARG);
        SCHECK_EQ(corral_task_await_many(tasks, NULL, res, 1), CORRAL_EINVALIDARG);
        SCHECK_EQ(corral_task_await_many(tasks, ops, NULL, 1), CORRAL_EINVALIDARG);
        SCHECK_EQ(corral_task_await_many(tasks, ops, res, 0), 0);
        finish_ok(r->task, CORRAL_ECANCELLED, NULL, NULL, NULL);
    } else if (r->kind == CORRAL_RECORD_RESUME && r->task != h->main) {
        SCHECK_EQ(r->status, 0);
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_await_many)
{
    hctx *h = &H;
    hstart(h, h9_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\n"
                                           "START A\n"
                                           "START B\n"
                                           "START C\n"
                                           "RESUME B\n"
                                           "RESUME A\n"
                                           "RESUME main\n");
    ck_assert_str_eq(cu_trace_main(), "0 C cancelled\n0 B done\n5 A done\n");
}
END_TEST

/* ---- H11: corral_task_abandon (R31): a parked wait goes without effect; a committed queue
 * item goes back to the queue; the task is back in its step ------------------------------- */

static void h11_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->q = cu_queue(0);
        h->t[0] = cu_keep_task(hspawn("A"));
        h->t[1] = cu_keep_task(hspawn("B"));
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(1)));
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        await_ok(r->task, hop(CORRAL_OP_QUEUE_GET, h->q, -1));
        /* parked, nothing committed: the wait goes without effect */
        SCHECK_EQ(corral_task_abandon(r->task), 0);
        SCHECK_EQ(corral_task_state(r->task), CORRAL_TASK_RUNNING);
        SCHECK_EQ(corral_task_abandon(r->task), CORRAL_EINVALIDSTATE); /* not awaiting now */
        corral_value one = cu_int(1);
        SCHECK_EQ(corral_queue_put_nowait(h->q, &one), 0); /* buffered: A no longer a getter */
        SCHECK_EQ(corral_queue_size(h->q), 1);
        corral_value got;
        SCHECK_EQ(corral_queue_get_nowait(h->q, &got), 0);
        SCHECK_EQ(got.as.i, 1);
        await_ok(r->task, hop(CORRAL_OP_QUEUE_GET, h->q, -1)); /* parks again */
    } else if (is(r, CORRAL_RECORD_START, "B")) {
        await_ok(r->task, hop(CORRAL_OP_QUEUE_GET, h->q, -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "main") && h->step[0] == 0) {
        h->step[0] = 1;
        corral_value seven = cu_int(7);
        SCHECK_EQ(corral_queue_put_nowait(h->q, &seven), 0); /* handed to A: committed */
        SCHECK_EQ(corral_queue_size(h->q), 0);
        SCHECK_EQ(corral_task_state(h->t[0]), CORRAL_TASK_READY);
        /* A's host dropped the get: 7 is not lost, it goes to the next getter, B */
        SCHECK_EQ(corral_task_abandon(h->t[0]), 1);
        SCHECK_EQ(corral_task_state(h->t[1]), CORRAL_TASK_READY);
        SCHECK_EQ(corral_task_abandon(h->t[1]), 1); /* and B drops it too: back in the buffer */
        SCHECK_EQ(corral_queue_size(h->q), 1);
        corral_value eight = cu_int(8);
        SCHECK_EQ(corral_queue_put_nowait(h->q, &eight), 0);
        /* both are back in their step (outside a record here): they await again */
        await_ok(h->t[0], hop(CORRAL_OP_QUEUE_GET, h->q, -1));
        await_ok(h->t[1], hop(CORRAL_OP_QUEUE_GET, h->q, -1));
        SCHECK_EQ(corral_queue_size(h->q), 0);
        await_ok(r->task, hop(CORRAL_OP_JOIN, h->t[1], -1));
    } else if (is(r, CORRAL_RECORD_RESUME, "A") || is(r, CORRAL_RECORD_RESUME, "B")) {
        SCHECK_EQ(r->status, 0);
        char repr[16];
        snprintf(repr, sizeof repr, "%" PRId64, r->value.as.i);
        finish_ok(r->task, 0, NULL, repr, NULL);
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_abandon_rolls_back)
{
    hctx *h = &H;
    hstart(h, h11_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    /* 7 went back to the head of the queue, so A (first to await again) gets it */
    ck_assert_str_eq(cu_trace_main(), "1 A done 7\n1 B done 8\n");
    ck_assert_int_eq(corral_task_abandon(NULL), CORRAL_EINVALIDARG);
}
END_TEST

/* ---- H12: corral_host_poll_submit runs queued calls in order, then polls ------------------ */

START_TEST(test_host_poll_submit)
{
    host_next_id = 0;
    corral_task *m = hspawn("main");
    ck_assert_ptr_nonnull(m);
    cu.main = m;
    corral_record recs[8];
    corral_host_cmd cmds[4];
    int32_t res[4];
    size_t n = 0;
    /* the first batch: START main */
    ck_assert_int_eq(corral_host_poll_submit(cu.rt, m, NULL, 0, sizeof cmds[0], NULL, recs, 8,
                                             sizeof recs[0], &n),
                     0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(recs[0].kind, CORRAL_RECORD_START);
    corral_task *a = hspawn("A");
    ck_assert_ptr_nonnull(a);
    memset(cmds, 0, sizeof cmds);
    cmds[0].kind = CORRAL_CMD_AWAIT; /* main joins A */
    cmds[0].task = m;
    cmds[0].op = hop(CORRAL_OP_JOIN, a, -1);
    cmds[1].kind = CORRAL_CMD_AWAIT; /* main again: already awaiting */
    cmds[1].task = m;
    cmds[1].op = hop(CORRAL_OP_CHECKPOINT, NULL, -1);
    /* bad sizes run nothing */
    ck_assert_int_eq(
        corral_host_poll_submit(cu.rt, m, cmds, 2, 3, res, recs, 8, sizeof recs[0], &n),
        CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_task_state(m), CORRAL_TASK_RUNNING);
    ck_assert_int_eq(corral_host_poll_submit(cu.rt, m, cmds, 2, sizeof cmds[0], res, recs, 8,
                                             sizeof recs[0], &n),
                     0);
    ck_assert_int_eq(res[0], CORRAL_PENDING);
    ck_assert_int_eq(res[1], CORRAL_EINVALIDSTATE);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(recs[0].kind, CORRAL_RECORD_START);
    ck_assert_ptr_eq(recs[0].task, a);
    /* A finishes with 5 and its handle is released in the same batch */
    memset(cmds, 0, sizeof cmds);
    cmds[0].kind = CORRAL_CMD_FINISH;
    cmds[0].task = a;
    cmds[0].op.value = cu_int(5);
    cmds[0].repr = "five";
    cmds[1].kind = CORRAL_CMD_UNREF;
    cmds[1].task = a;
    cmds[2].kind = 99;
    ck_assert_int_eq(corral_host_poll_submit(cu.rt, m, cmds, 3, sizeof cmds[0], res, recs, 8,
                                             sizeof recs[0], &n),
                     0);
    ck_assert_int_eq(res[0], 0);
    ck_assert_int_eq(res[1], 0);
    ck_assert_int_eq(res[2], CORRAL_EINVALIDARG);
    size_t k = 0;
    while (k < n && recs[k].kind == CORRAL_RECORD_RELEASE)
        k++;
    ck_assert_uint_lt(k, n);
    ck_assert_uint_eq(recs[k].kind, CORRAL_RECORD_RESUME);
    ck_assert_ptr_eq(recs[k].task, m);
    ck_assert_int_eq(recs[k].value.as.i, 5);
    memset(cmds, 0, sizeof cmds);
    cmds[0].kind = CORRAL_CMD_FINISH;
    cmds[0].task = m;
    int rc;
    do {
        rc = corral_host_poll_submit(cu.rt, m, cmds, 1, sizeof cmds[0], res, recs, 8,
                                     sizeof recs[0], &n);
        cmds[0].kind = CORRAL_CMD_UNREF; /* later rounds: nothing that matters */
        cmds[0].task = NULL;
    } while (rc == 0);
    ck_assert_int_eq(rc, CORRAL_DONE);
    ck_assert_str_eq(cu_trace_main(), "0 A done five\n");
    ck_assert_int_eq(corral_host_poll_submit(cu.rt, m, NULL, 1, sizeof cmds[0], res, recs, 8,
                                             sizeof recs[0], &n),
                     CORRAL_EINVALIDARG);
}
END_TEST

/* ---- H13: host exception callbacks: HANDLER records, raising on to the parent's chain ----- */

static corral_group *h13_group;

static void h13_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        SCHECK_EQ(corral_group_new(&h13_group, cu.rt, NULL, "G"), 0);
        cu_keep_group(h13_group);
        SCHECK_EQ(corral_group_set_host_handler(h13_group, VAL_BINDING, 777), 0);
        corral_task *a = NULL;
        SCHECK_EQ(corral_spawn_host(&a, cu.rt, h13_group, "A", TASK_BINDING, 101), 0);
        h->t[0] = cu_keep_task(a);
        host_next_id++;
        await_ok(r->task, hop(CORRAL_OP_SLEEP, NULL, corral_ms(5)));
    } else if (is(r, CORRAL_RECORD_START, "A")) {
        corral_error *e = NULL;
        SCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "ValueError", "x"), 0);
        finish_ok(r->task, CORRAL_EUSER, NULL, NULL, e);
        corral_error_unref(e);
    } else if (r->kind == CORRAL_RECORD_HANDLER) {
        SCHECK_EQ(r->token, 777);
        SCHECK_EQ(r->binding, VAL_BINDING);
        SCHECK(r->source == h13_group);
        SCHECK(r->task == h->t[0]);
        SCHECK_STR(corral_error_kind(r->error), "ValueError");
        cu_log_as("G.cb", "cb %s", corral_error_kind(r->error));
        corral_error *raised = NULL;
        SCHECK_EQ(corral_error_new(&raised, CORRAL_EUSER, "RuntimeError", "cb"), 0);
        SCHECK_EQ(corral_group_handler_raised(r, raised), 0);
        corral_error_unref(raised);
        SCHECK_EQ(corral_group_handler_raised(NULL, raised), CORRAL_EINVALIDARG);
    } else if (is(r, CORRAL_RECORD_RESUME, "main")) {
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_handler_records)
{
    hctx *h = &H;
    hstart(h, h13_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_trace_main(), "0 A fail ValueError:x\n"
                                      "0 G handler A ValueError:x\n"
                                      "0 G.cb log cb ValueError\n"
                                      "0 root handler A RuntimeError:cb <- ValueError:x\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 1);
    ck_assert_int_eq(corral_group_set_host_handler(NULL, 1, 1), CORRAL_EINVALIDARG);
}
END_TEST

/* ---- H10: records queued by main's final step are still delivered before DONE ------------- */

static void h10_on(hctx *h, const corral_record *r)
{
    if (is(r, CORRAL_RECORD_START, "main")) {
        h->f = cu_future();
        SCHECK(h->f);
        SCHECK_EQ(corral_future_set_result(h->f, NULL), 0);
        SCHECK(corral_future_add_host_callback(h->f, VAL_BINDING, 990) > 0); /* queued now */
        corral_future *g = NULL;
        SCHECK_EQ(corral_future_new(&g, cu.rt), 0);
        corral_value hv = cu_host(VAL_BINDING, 991);
        SCHECK_EQ(corral_future_set_result(g, &hv), 0);
        corral_future_unref(g); /* RELEASE 9:991 queued now */
        finish_ok(r->task, 0, NULL, NULL, NULL);
    } else if (r->kind != CORRAL_RECORD_CALLBACK) {
        cu_fail(__FILE__, __LINE__, "unexpected record %u", r->kind);
    }
}

START_TEST(test_host_records_after_main_finished)
{
    hctx *h = &H;
    hstart(h, h10_on);
    ck_assert_int_eq(drive(h, 8), CORRAL_DONE);
    ck_assert_str_eq(cu_text_str(&h->seq), "START main\nCALLBACK 9:990\n");
    ck_assert_msg(released(h, VAL_BINDING, 991) == 1, "releases:\n%s", cu_text_str(&h->releases));
}
END_TEST

/* ---- bad input ------------------------------------------------------------------------------ */

static void finish_main_on(hctx *h, const corral_record *r)
{
    (void)h;
    if (r->kind == CORRAL_RECORD_START || r->kind == CORRAL_RECORD_RESUME)
        finish_ok(r->task, 0, NULL, NULL, NULL);
}

START_TEST(test_host_poll_bad_args)
{
    hctx *h = &H;
    hstart(h, finish_main_on);
    corral_task *other_main = cu_keep_task(hspawn("other"));
    corral_record recs[4];
    size_t n = 0;
    const size_t rs = sizeof(corral_record);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs - 1, &n), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs + 8, &n), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, 0, &n), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 0, rs, &n), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, NULL, 4, rs, &n), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(NULL, h->main, recs, 4, rs, &n), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_host_poll(cu.rt, NULL, recs, 4, rs, &n), CORRAL_EINVALIDARG);
    corral_rt *rt2 = NULL;
    ck_assert_int_eq(corral_rt_new(&rt2, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(rt2);
    corral_task *foreign = NULL;
    ck_assert_int_eq(corral_spawn_host(&foreign, rt2, NULL, "f", 1, 1), 0);
    cu_keep_task(foreign);
    ck_assert_int_eq(corral_host_poll(cu.rt, foreign, recs, 4, rs, &n), CORRAL_EINVALIDARG);
    /* nothing above started the run */
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EINVALIDSTATE);
    /* corral_rt_run refuses a runtime with host tasks */
    ck_assert_int_eq(corral_rt_run(cu.rt, h->main), CORRAL_EINVALIDSTATE);

    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, &n), 0);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(recs[0].kind, CORRAL_RECORD_START);
    ck_assert_ptr_eq(recs[0].task, h->main);
    /* a different main while the run lasts */
    size_t n2 = 0;
    ck_assert_int_eq(corral_host_poll(cu.rt, other_main, recs + 1, 1, rs, &n2),
                     CORRAL_EINVALIDSTATE);
    finish_ok(h->main, 0, NULL, NULL, NULL);
    cu_assert_no_failure();
    ck_assert_int_eq(drive(h, 4), CORRAL_DONE);
    /* the run is over: polling again keeps saying so */
    n = 7;
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, &n), CORRAL_DONE);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(corral_rt_run_status(cu.rt), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, &n), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_spawn_host(&foreign, cu.rt, NULL, "x", 1, 2), CORRAL_ECLOSED);
}
END_TEST

/* ---- closing the runtime between polls discards everything (valgrind/ASan: no leak) -------- */

static int parked_fiber(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    char local[4096];
    memset(local, 1, sizeof local);
    int rc = cu_sleep_ms(100);
    cu_fail(__FILE__, __LINE__, "a discarded fiber resumed (%d, %d)", rc, local[0]);
    return rc;
}

START_TEST(test_host_close_mid_run)
{
    hctx *h = &H;
    hstart(h, finish_main_on);
    corral_record recs[4];
    size_t n = 0;
    const size_t rs = sizeof(corral_record);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(recs[0].kind, CORRAL_RECORD_START);
    corral_task *a = cu_keep_task(hspawn("A"));
    ck_assert_ptr_nonnull(a);
    corral_task *f = cu_spawn("F", parked_fiber, NULL);
    ck_assert_ptr_nonnull(f);
    corral_future *fut = cu_future();
    ck_assert_int_gt(corral_future_add_host_callback(fut, VAL_BINDING, 5), 0);
    corral_op op = hop(CORRAL_OP_SLEEP, NULL, corral_ms(50));
    ck_assert_int_eq(corral_task_await(h->main, &op), CORRAL_PENDING);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(recs[0].kind, CORRAL_RECORD_START);
    ck_assert_ptr_eq(recs[0].task, a);
    /* A is in its step, F is parked in its sleep, main sleeps: close now */
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    ck_assert_int_eq(corral_task_finish(a, 0, NULL, NULL, NULL), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_host_poll(cu.rt, h->main, recs, 4, rs, &n), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_future_set_result(fut, NULL), CORRAL_ECLOSED);
    cu_assert_no_failure();
}
END_TEST

START_TEST(test_record_layout)
{
    ck_assert_int_eq(CORRAL_RECORD_START, 1);
    ck_assert_int_eq(CORRAL_RECORD_RESUME, 2);
    ck_assert_int_eq(CORRAL_RECORD_CALLBACK, 3);
    ck_assert_int_eq(CORRAL_RECORD_RELEASE, 4);
    ck_assert_uint_eq(CORRAL_RECORD_OWNED, 1);
    ck_assert_uint_eq(offsetof(corral_record, kind), 0);
    ck_assert_uint_eq(offsetof(corral_record, flags), 4);
    ck_assert_uint_eq(offsetof(corral_record, status), 8);
    ck_assert_uint_eq(offsetof(corral_record, binding), 12);
    ck_assert_uint_eq(offsetof(corral_record, token), 16);
    ck_assert_uint_eq(offsetof(corral_record, task), 24);
    ck_assert_uint_eq(offsetof(corral_record, source), 32);
    ck_assert_uint_eq(offsetof(corral_record, error), 40);
    ck_assert_uint_eq(offsetof(corral_record, value), 48);
    ck_assert_uint_eq(sizeof(corral_record), 80);
}
END_TEST

Suite *cu_suite_host(void)
{
    Suite *s = suite_create("host");
    TCase *tc = tcase_create("driver");
    tcase_add_checked_fixture(tc, cu_setup, host_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_record_layout);
    tcase_add_test(tc, test_host_basic_batched);
    tcase_add_test(tc, test_host_basic_cap1);
    tcase_add_test(tc, test_host_cancel);
    tcase_add_test(tc, test_host_neither_await_nor_finish);
    tcase_add_test(tc, test_host_callbacks);
    tcase_add_test(tc, test_host_release_records);
    tcase_add_test(tc, test_host_owned_values);
    tcase_add_test(tc, test_host_errors_and_repr);
    tcase_add_test(tc, test_host_with_c_tasks);
    tcase_add_test(tc, test_host_await_many);
    tcase_add_test(tc, test_host_abandon_rolls_back);
    tcase_add_test(tc, test_host_poll_submit);
    tcase_add_test(tc, test_host_handler_records);
    tcase_add_test(tc, test_host_records_after_main_finished);
    tcase_add_test(tc, test_host_poll_bad_args);
    tcase_add_test(tc, test_host_close_mid_run);
    suite_add_tcase(s, tc);
    return s;
}
