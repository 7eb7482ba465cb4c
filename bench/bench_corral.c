/*
 * bench_corral.c - the corral side of the spine benchmarks.
 *
 * Every sample creates a fresh REAL-clock runtime (flags 0), spawns a main task and runs it
 * with corral_rt_run. The timed region is measured inside main (from its first step to the
 * step where the work is done), so runtime creation and the final root-group close are not
 * counted.
 */
#include <string.h>

#include <corral.h>

#include "bench.h"

/* ---- common ---------------------------------------------------------------------------- */

typedef struct bc_base {
    corral_rt *rt;
    int64_t t0, t1;
    int err;
    const char *where;
} bc_base;

static void bc_fail_step(bc_base *b, corral_task *self, int rc, const char *where)
{
    if (!b->err) {
        b->err = rc;
        b->where = where;
    }
    corral_task_finish(self, rc, NULL, NULL, NULL);
}

#define STEP_CHECK(b, self, rc, where)                                                             \
    do {                                                                                           \
        int rc_ = (rc);                                                                            \
        if (rc_ < 0) {                                                                             \
            bc_fail_step((b), (self), rc_, where);                                                 \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Await an op from a step; anything but PENDING is a failure of the benchmark. */
#define STEP_AWAIT(b, self, op, where)                                                             \
    do {                                                                                           \
        int rc_ = corral_task_await((self), (op));                                                 \
        if (rc_ != CORRAL_PENDING) {                                                               \
            bc_fail_step((b), (self), rc_ < 0 ? rc_ : CORRAL_EINVALIDSTATE, where);                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define FIBER_CHECK(b, rc, what)                                                                   \
    do {                                                                                           \
        int rc_ = (rc);                                                                            \
        if (rc_ < 0) {                                                                             \
            if (!(b)->err) {                                                                       \
                (b)->err = rc_;                                                                    \
                (b)->where = what;                                                                 \
            }                                                                                      \
            return rc_;                                                                            \
        }                                                                                          \
    } while (0)

/* Built in place with a designated initializer: a memset-and-return helper made gcc copy the
 * struct through overlapping stores/loads (store-forwarding stalls worth ~10 ns per await). */
#define op_make(kind_, target_, deadline_)                                                         \
    ((corral_op){.kind = (kind_), .target = (target_), .deadline = (deadline_)})

#define int_value(x) ((corral_value){.type = CORRAL_VALUE_INT, .as.i = (x)})

/* Create a runtime, spawn main (a step or a fiber) with ctx, run it, tear down.
 * Returns 0 on success, else reports and returns the failing code. */
static int bc_run(bc_base *b, corral_step_fn step, corral_fiber_fn fiber, const char *what)
{
    corral_task *main_task = NULL;
    int rc = corral_rt_new(&b->rt, 0);
    if (rc < 0) {
        fprintf(stderr, "bench: %s: corral_rt_new: %s\n", what, corral_strerror(rc));
        return rc;
    }
    if (step)
        rc = corral_spawn_step(&main_task, b->rt, NULL, "main", step, b, NULL);
    else
        rc = corral_spawn_fiber(&main_task, b->rt, NULL, "main", fiber, b, NULL);
    if (rc < 0) {
        fprintf(stderr, "bench: %s: spawn main: %s\n", what, corral_strerror(rc));
        corral_rt_unref(b->rt);
        return rc;
    }
    rc = corral_rt_run(b->rt, main_task);
    corral_task_unref(main_task);
    corral_rt_unref(b->rt);
    b->rt = NULL;
    if (b->err) {
        fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, b->where ? b->where : "?",
                corral_strerror(b->err), corral_last_error_message());
        return b->err;
    }
    if (rc != 0) {
        fprintf(stderr, "bench: %s: corral_rt_run: %s\n", what, corral_strerror(rc));
        return rc;
    }
    return 0;
}

static double per_op(const bc_base *b, int64_t n)
{
    return (double)(b->t1 - b->t0) / (double)n;
}

static void child_done_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)status;
    (void)value;
    (void)arg;
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

static int child_done_fiber(corral_task *self, void *arg, corral_value *result)
{
    (void)self;
    (void)arg;
    (void)result;
    return 0;
}

/* ---- 1. spawn + join ------------------------------------------------------------------- */

typedef struct spawn_ctx {
    bc_base b;
    int64_t n, i;
    corral_task *child;
    int started;
} spawn_ctx;

/* Sequential: the parent spawns a step child, awaits CORRAL_OP_JOIN on it, unrefs it,
 * repeats. One op = spawn + the child's only step + the parent's resumption. */
static void seq_parent_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    spawn_ctx *c = arg;
    (void)value;
    if (!c->started) {
        c->started = 1;
        c->b.t0 = bench_now_ns();
    } else {
        STEP_CHECK(&c->b, self, status, "join status");
        corral_task_unref(c->child);
        c->child = NULL;
        if (++c->i == c->n) {
            c->b.t1 = bench_now_ns();
            corral_task_finish(self, 0, NULL, NULL, NULL);
            return;
        }
    }
    STEP_CHECK(&c->b, self,
               corral_spawn_step(&c->child, c->b.rt, NULL, NULL, child_done_step, NULL, NULL),
               "corral_spawn_step");
    corral_op op = op_make(CORRAL_OP_JOIN, c->child, -1);
    STEP_AWAIT(&c->b, self, &op, "await JOIN");
}

double bc_step_spawn_join_seq(int64_t n)
{
    spawn_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, seq_parent_step, NULL, "step spawn+join") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* Batch: the parent spawns n step children in one step (dropping its references at once),
 * then awaits JOIN on the last; FIFO order means all have finished when it resumes. */
static void batch_parent_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    spawn_ctx *c = arg;
    (void)value;
    if (!c->started) {
        c->started = 1;
        c->b.t0 = bench_now_ns();
        for (int64_t i = 0; i < c->n; i++) {
            corral_task *t = NULL;
            STEP_CHECK(&c->b, self,
                       corral_spawn_step(&t, c->b.rt, NULL, NULL, child_done_step, NULL, NULL),
                       "corral_spawn_step");
            if (i + 1 < c->n)
                corral_task_unref(t);
            else
                c->child = t;
        }
        corral_op op = op_make(CORRAL_OP_JOIN, c->child, -1);
        STEP_AWAIT(&c->b, self, &op, "await JOIN");
        return;
    }
    STEP_CHECK(&c->b, self, status, "join status");
    c->b.t1 = bench_now_ns();
    corral_task_unref(c->child);
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

double bc_step_spawn_batch(int64_t n)
{
    spawn_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, batch_parent_step, NULL, "step spawn batch") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* Fiber, sequential: the main fiber spawns a fiber that returns at once and corral_join()s it. */
static int seq_parent_fiber(corral_task *self, void *arg, corral_value *result)
{
    spawn_ctx *c = arg;
    (void)self;
    (void)result;
    c->b.t0 = bench_now_ns();
    for (int64_t i = 0; i < c->n; i++) {
        corral_task *t = NULL;
        FIBER_CHECK(&c->b,
                    corral_spawn_fiber(&t, c->b.rt, NULL, NULL, child_done_fiber, NULL, NULL),
                    "corral_spawn_fiber");
        int rc = corral_join(t, NULL, -1);
        corral_task_unref(t);
        FIBER_CHECK(&c->b, rc, "corral_join");
    }
    c->b.t1 = bench_now_ns();
    return 0;
}

double bc_fiber_spawn_join_seq(int64_t n)
{
    spawn_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, NULL, seq_parent_fiber, "fiber spawn+join") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* Fiber, batch: spawn n fibers (n live stacks at once), then join the last. */
static int batch_parent_fiber(corral_task *self, void *arg, corral_value *result)
{
    spawn_ctx *c = arg;
    corral_task *last = NULL;
    (void)self;
    (void)result;
    c->b.t0 = bench_now_ns();
    for (int64_t i = 0; i < c->n; i++) {
        corral_task *t = NULL;
        FIBER_CHECK(&c->b,
                    corral_spawn_fiber(&t, c->b.rt, NULL, NULL, child_done_fiber, NULL, NULL),
                    "corral_spawn_fiber");
        if (i + 1 < c->n)
            corral_task_unref(t);
        else
            last = t;
    }
    int rc = corral_join(last, NULL, -1);
    c->b.t1 = bench_now_ns();
    corral_task_unref(last);
    FIBER_CHECK(&c->b, rc, "corral_join");
    return 0;
}

double bc_fiber_spawn_batch(int64_t n)
{
    spawn_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, NULL, batch_parent_fiber, "fiber spawn batch") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* ---- 2. switch --------------------------------------------------------------------------- */

typedef struct switch_ctx {
    bc_base b;
    int64_t n, i;
} switch_ctx;

/* A step task awaiting CORRAL_OP_CHECKPOINT n times. */
static void switch_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    switch_ctx *c = arg;
    (void)value;
    if (c->i == 0)
        c->b.t0 = bench_now_ns();
    else
        STEP_CHECK(&c->b, self, status, "checkpoint status");
    if (c->i++ == c->n) {
        c->b.t1 = bench_now_ns();
        corral_task_finish(self, 0, NULL, NULL, NULL);
        return;
    }
    corral_op op = op_make(CORRAL_OP_CHECKPOINT, NULL, -1);
    STEP_AWAIT(&c->b, self, &op, "await CHECKPOINT");
}

double bc_step_switch(int64_t n)
{
    switch_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, switch_step, NULL, "step switch") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* A fiber calling corral_checkpoint() n times. */
static int switch_fiber(corral_task *self, void *arg, corral_value *result)
{
    switch_ctx *c = arg;
    (void)self;
    (void)result;
    c->b.t0 = bench_now_ns();
    for (int64_t i = 0; i < c->n; i++)
        FIBER_CHECK(&c->b, corral_checkpoint(), "corral_checkpoint");
    c->b.t1 = bench_now_ns();
    return 0;
}

double bc_fiber_switch(int64_t n)
{
    switch_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, NULL, switch_fiber, "fiber switch") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* ---- 3. ping-pong ------------------------------------------------------------------------ */

/* Two tasks A (main) and B. Futures are one-shot, so every message is a fresh future: the
 * receiver creates its next future and publishes it in the context before it sends its own
 * message; the sender completes it with corral_future_set_result; the receiver reads the
 * value after its resumption and drops its reference. One op = one round trip (A -> B -> A):
 * two futures created, completed, awaited and released, two resumptions. */
typedef struct pp_ctx {
    bc_base b;
    int64_t n, i;
    corral_future *to_a, *to_b;
    corral_queue *qa, *qb;
    corral_task *tb;
    int a_state, b_started;
} pp_ctx;

static int pp_send(corral_future *f, int64_t x)
{
    corral_value v = int_value(x);
    return corral_future_set_result(f, &v);
}

static void pp_b_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    pp_ctx *c = arg;
    int64_t x = 0;
    if (c->b_started) {
        STEP_CHECK(&c->b, self, status, "B future status");
        x = value->as.i;
        corral_future_unref(c->to_b);
        c->to_b = NULL;
        if (x < 0) {
            corral_task_finish(self, 0, NULL, NULL, NULL);
            return;
        }
    }
    c->b_started = 1;
    STEP_CHECK(&c->b, self, corral_future_new(&c->to_b, c->b.rt), "corral_future_new");
    STEP_CHECK(&c->b, self, pp_send(c->to_a, x), "corral_future_set_result");
    corral_op op = op_make(CORRAL_OP_FUTURE, c->to_b, -1);
    STEP_AWAIT(&c->b, self, &op, "B await FUTURE");
}

static void pp_a_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    pp_ctx *c = arg;
    (void)value;
    switch (c->a_state) {
    case 0:
        c->a_state = 1;
        STEP_CHECK(&c->b, self, corral_future_new(&c->to_a, c->b.rt), "corral_future_new");
        STEP_CHECK(&c->b, self, corral_spawn_step(&c->tb, c->b.rt, NULL, "B", pp_b_step, c, NULL),
                   "spawn B");
        c->b.t0 = bench_now_ns();
        break;
    case 1:
        STEP_CHECK(&c->b, self, status, "A future status");
        corral_future_unref(c->to_a);
        c->to_a = NULL;
        if (++c->i == c->n) {
            c->b.t1 = bench_now_ns();
            c->a_state = 2;
            STEP_CHECK(&c->b, self, pp_send(c->to_b, -1), "stop B");
            corral_op op = op_make(CORRAL_OP_JOIN, c->tb, -1);
            STEP_AWAIT(&c->b, self, &op, "join B");
            return;
        }
        STEP_CHECK(&c->b, self, corral_future_new(&c->to_a, c->b.rt), "corral_future_new");
        STEP_CHECK(&c->b, self, pp_send(c->to_b, c->i), "corral_future_set_result");
        break;
    default:
        corral_task_unref(c->tb);
        corral_task_finish(self, status, NULL, NULL, NULL);
        return;
    }
    corral_op op = op_make(CORRAL_OP_FUTURE, c->to_a, -1);
    STEP_AWAIT(&c->b, self, &op, "A await FUTURE");
}

double bc_step_pingpong_future(int64_t n)
{
    pp_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, pp_a_step, NULL, "step ping-pong") < 0)
        return -1;
    return per_op(&c.b, n);
}

static int pp_b_fiber(corral_task *self, void *arg, corral_value *result)
{
    pp_ctx *c = arg;
    int64_t x = 0;
    (void)self;
    (void)result;
    for (;;) {
        corral_value v;
        FIBER_CHECK(&c->b, corral_future_new(&c->to_b, c->b.rt), "corral_future_new");
        FIBER_CHECK(&c->b, pp_send(c->to_a, x), "corral_future_set_result");
        int rc = corral_future_await(c->to_b, &v, -1);
        FIBER_CHECK(&c->b, rc, "B corral_future_await");
        x = v.as.i;
        corral_future_unref(c->to_b);
        c->to_b = NULL;
        if (x < 0)
            return 0;
    }
}

static int pp_a_fiber(corral_task *self, void *arg, corral_value *result)
{
    pp_ctx *c = arg;
    (void)self;
    (void)result;
    FIBER_CHECK(&c->b, corral_future_new(&c->to_a, c->b.rt), "corral_future_new");
    FIBER_CHECK(&c->b, corral_spawn_fiber(&c->tb, c->b.rt, NULL, "B", pp_b_fiber, c, NULL),
                "spawn B");
    c->b.t0 = bench_now_ns();
    for (int64_t i = 0;; i++) {
        corral_value v;
        FIBER_CHECK(&c->b, corral_future_await(c->to_a, &v, -1), "A corral_future_await");
        corral_future_unref(c->to_a);
        c->to_a = NULL;
        if (i + 1 == c->n)
            break;
        FIBER_CHECK(&c->b, corral_future_new(&c->to_a, c->b.rt), "corral_future_new");
        FIBER_CHECK(&c->b, pp_send(c->to_b, i), "corral_future_set_result");
    }
    c->b.t1 = bench_now_ns();
    FIBER_CHECK(&c->b, pp_send(c->to_b, -1), "stop B");
    int rc = corral_join(c->tb, NULL, -1);
    corral_task_unref(c->tb);
    FIBER_CHECK(&c->b, rc, "join B");
    return 0;
}

double bc_fiber_pingpong_future(int64_t n)
{
    pp_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, NULL, pp_a_fiber, "fiber ping-pong") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* The reusable variant: two unbounded queues (direct hand-off to a parked getter); each side
 * awaits CORRAL_OP_QUEUE_GET on its queue and answers with corral_queue_put_nowait. */
static void pq_b_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    pp_ctx *c = arg;
    corral_value v = int_value(0);
    if (c->b_started) {
        if (status == CORRAL_EQUEUECLOSED) {
            corral_task_finish(self, 0, NULL, NULL, NULL);
            return;
        }
        STEP_CHECK(&c->b, self, status, "B queue status");
        v = *value;
    }
    c->b_started = 1;
    STEP_CHECK(&c->b, self, corral_queue_put_nowait(c->qa, &v), "B put_nowait");
    corral_op op = op_make(CORRAL_OP_QUEUE_GET, c->qb, -1);
    STEP_AWAIT(&c->b, self, &op, "B await QUEUE_GET");
}

static void pq_a_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    pp_ctx *c = arg;
    switch (c->a_state) {
    case 0:
        c->a_state = 1;
        STEP_CHECK(&c->b, self, corral_queue_new(&c->qa, c->b.rt, 0), "corral_queue_new");
        STEP_CHECK(&c->b, self, corral_queue_new(&c->qb, c->b.rt, 0), "corral_queue_new");
        STEP_CHECK(&c->b, self, corral_spawn_step(&c->tb, c->b.rt, NULL, "B", pq_b_step, c, NULL),
                   "spawn B");
        c->b.t0 = bench_now_ns();
        break;
    case 1: {
        STEP_CHECK(&c->b, self, status, "A queue status");
        corral_value v = *value;
        if (++c->i == c->n) {
            c->b.t1 = bench_now_ns();
            c->a_state = 2;
            STEP_CHECK(&c->b, self, corral_queue_close(c->qb), "close qb");
            corral_op op = op_make(CORRAL_OP_JOIN, c->tb, -1);
            STEP_AWAIT(&c->b, self, &op, "join B");
            return;
        }
        STEP_CHECK(&c->b, self, corral_queue_put_nowait(c->qb, &v), "A put_nowait");
        break;
    }
    default:
        corral_task_unref(c->tb);
        corral_queue_unref(c->qa);
        corral_queue_unref(c->qb);
        corral_task_finish(self, status, NULL, NULL, NULL);
        return;
    }
    corral_op op = op_make(CORRAL_OP_QUEUE_GET, c->qa, -1);
    STEP_AWAIT(&c->b, self, &op, "A await QUEUE_GET");
}

double bc_step_pingpong_queue(int64_t n)
{
    pp_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    if (bc_run(&c.b, pq_a_step, NULL, "step queue ping-pong") < 0)
        return -1;
    return per_op(&c.b, n);
}

/* ---- 4. parked tasks: bytes per task from RSS ------------------------------------------- */

typedef struct park_slot {
    corral_future *f;
    corral_task *t;
    int started;
} park_slot;

typedef struct park_ctx {
    bc_base b;
    int64_t n;
    park_slot *slots;
    int state;
    int fibers, futures_only;
    int64_t rss0, rss1;
} park_ctx;

static void parked_child_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    park_slot *s = arg;
    (void)status;
    (void)value;
    if (!s->started) {
        s->started = 1;
        corral_op op = op_make(CORRAL_OP_FUTURE, s->f, -1);
        if (corral_task_await(self, &op) == CORRAL_PENDING)
            return;
    }
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

static int parked_child_fiber(corral_task *self, void *arg, corral_value *result)
{
    park_slot *s = arg;
    (void)self;
    (void)result;
    (void)corral_future_await(s->f, NULL, -1);
    return 0;
}

/* main: RSS before; n futures + n tasks, each task parks on its future; main passes one
 * checkpoint so every child has run its first step; RSS after; cancel the futures; join. */
static void park_main_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    park_ctx *c = arg;
    (void)value;
    switch (c->state++) {
    case 0: {
        c->rss0 = bench_rss_bytes();
        for (int64_t i = 0; i < c->n; i++) {
            park_slot *s = &c->slots[i];
            STEP_CHECK(&c->b, self, corral_future_new(&s->f, c->b.rt), "corral_future_new");
            if (c->futures_only)
                continue;
            if (c->fibers)
                STEP_CHECK(
                    &c->b, self,
                    corral_spawn_fiber(&s->t, c->b.rt, NULL, NULL, parked_child_fiber, s, NULL),
                    "corral_spawn_fiber");
            else
                STEP_CHECK(
                    &c->b, self,
                    corral_spawn_step(&s->t, c->b.rt, NULL, NULL, parked_child_step, s, NULL),
                    "corral_spawn_step");
        }
        corral_op op = op_make(CORRAL_OP_CHECKPOINT, NULL, -1);
        STEP_AWAIT(&c->b, self, &op, "await CHECKPOINT");
        return;
    }
    case 1: {
        STEP_CHECK(&c->b, self, status, "checkpoint status");
        c->rss1 = bench_rss_bytes();
        if (!c->futures_only)
            for (int64_t i = 0; i < c->n; i++)
                if (corral_task_state(c->slots[i].t) != CORRAL_TASK_PARKED) {
                    bc_fail_step(&c->b, self, CORRAL_EINVALIDSTATE, "child not parked");
                    return;
                }
        for (int64_t i = 0; i < c->n; i++)
            corral_future_cancel(c->slots[i].f);
        if (c->futures_only)
            break;
        corral_op op = op_make(CORRAL_OP_JOIN, c->slots[c->n - 1].t, -1);
        STEP_AWAIT(&c->b, self, &op, "await JOIN");
        return;
    }
    default:
        break;
    }
    for (int64_t i = 0; i < c->n; i++) {
        corral_task_unref(c->slots[i].t);
        corral_future_unref(c->slots[i].f);
    }
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

static double park_run(int64_t n, int fibers, int futures_only, const char *what)
{
    park_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.fibers = fibers;
    c.futures_only = futures_only;
    c.slots = calloc((size_t)n, sizeof *c.slots);
    if (!c.slots)
        BENCH_FAIL("%s: out of memory", what);
    memset(c.slots, 0, (size_t)n * sizeof *c.slots); /* touch the pages before RSS0 */
    int rc = bc_run(&c.b, park_main_step, NULL, what);
    free(c.slots);
    if (rc < 0)
        return -1;
    return (double)(c.rss1 - c.rss0) / (double)n;
}

double bc_mem_step_parked(int64_t n)
{
    return park_run(n, 0, 0, "parked step tasks");
}

double bc_mem_future_only(int64_t n)
{
    return park_run(n, 0, 1, "pending futures");
}

double bc_mem_fiber_parked(int64_t n)
{
    return park_run(n, 1, 0, "parked fibers");
}

/* ---- 5. timers: schedule then cancel ------------------------------------------------------ */

/* The closest thing to "timer add + timer del" in the API: entering a move_on_at scope with a
 * far deadline registers a timer in the runtime's heap; exiting the scope removes it. One
 * step task enters n nested scopes (deadlines spread like the peers'), then exits them in
 * LIFO order (the API requires it). One op = corral_move_on_at + corral_scope_exit +
 * corral_scope_unref. */
typedef struct timer_ctx {
    bc_base b;
    int64_t n;
    corral_scope **scopes;
    corral_task **tasks;
    int64_t base;
    int state;
} timer_ctx;

static void timer_scope_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    timer_ctx *c = arg;
    (void)status;
    (void)value;
    int64_t base = corral_rt_now(c->b.rt) + BENCH_FAR_NS;
    c->b.t0 = bench_now_ns();
    for (int64_t i = 0; i < c->n; i++)
        STEP_CHECK(&c->b, self,
                   corral_move_on_at(&c->scopes[i], self, base + bench_timer_offset_ns(i)),
                   "corral_move_on_at");
    for (int64_t i = c->n - 1; i >= 0; i--) {
        int rc = corral_scope_exit(c->scopes[i], 0);
        corral_scope_unref(c->scopes[i]);
        STEP_CHECK(&c->b, self, rc, "corral_scope_exit");
    }
    c->b.t1 = bench_now_ns();
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

double bc_timer_scope(int64_t n)
{
    timer_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.scopes = calloc((size_t)n, sizeof *c.scopes);
    if (!c.scopes)
        BENCH_FAIL("timer scope: out of memory");
    memset(c.scopes, 0, (size_t)n * sizeof *c.scopes);
    int rc = bc_run(&c.b, timer_scope_step, NULL, "timer scope");
    free(c.scopes);
    return rc < 0 ? -1 : per_op(&c.b, n);
}

/* The task-level form: n step tasks each await CORRAL_OP_SLEEP with a far deadline, then
 * main cancels every one with corral_task_cancel and joins the last. One op = spawn + first
 * step + sleep registration + cancel + the Cancelled resumption + finish. */
static timer_ctx *g_sleep_ctx;

static void sleeper_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    if (status == 0) {
        int64_t i = (int64_t)(intptr_t)arg;
        corral_op op = op_make(CORRAL_OP_SLEEP, NULL, g_sleep_ctx->base + bench_timer_offset_ns(i));
        int rc = corral_task_await(self, &op);
        if (rc == CORRAL_PENDING)
            return;
        status = rc;
    }
    corral_task_finish(self, status == CORRAL_ECANCELLED ? CORRAL_ECANCELLED : status, NULL, NULL,
                       NULL);
}

static void timer_sleep_main(corral_task *self, int status, const corral_value *value, void *arg)
{
    timer_ctx *c = arg;
    (void)value;
    switch (c->state++) {
    case 0: {
        c->base = corral_rt_now(c->b.rt) + BENCH_FAR_NS;
        c->b.t0 = bench_now_ns();
        for (int64_t i = 0; i < c->n; i++)
            STEP_CHECK(&c->b, self,
                       corral_spawn_step(&c->tasks[i], c->b.rt, NULL, NULL, sleeper_step,
                                         (void *)(intptr_t)i, NULL),
                       "corral_spawn_step");
        corral_op op = op_make(CORRAL_OP_CHECKPOINT, NULL, -1);
        STEP_AWAIT(&c->b, self, &op, "await CHECKPOINT");
        return;
    }
    case 1: {
        STEP_CHECK(&c->b, self, status, "checkpoint status");
        for (int64_t i = 0; i < c->n; i++)
            if (corral_task_cancel(c->tasks[i]) != 1) {
                bc_fail_step(&c->b, self, CORRAL_EINVALIDSTATE, "corral_task_cancel");
                return;
            }
        corral_op op = op_make(CORRAL_OP_JOIN, c->tasks[c->n - 1], -1);
        STEP_AWAIT(&c->b, self, &op, "await JOIN");
        return;
    }
    default:
        c->b.t1 = bench_now_ns();
        if (status != CORRAL_ETASKCANCELLED) {
            bc_fail_step(&c->b, self, status ? status : CORRAL_EINVALIDSTATE, "join status");
            return;
        }
        for (int64_t i = 0; i < c->n; i++)
            corral_task_unref(c->tasks[i]);
        corral_task_finish(self, 0, NULL, NULL, NULL);
    }
}

double bc_timer_sleep_cancel(int64_t n)
{
    timer_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.tasks = calloc((size_t)n, sizeof *c.tasks);
    if (!c.tasks)
        BENCH_FAIL("timer sleep: out of memory");
    memset(c.tasks, 0, (size_t)n * sizeof *c.tasks);
    g_sleep_ctx = &c;
    int rc = bc_run(&c.b, timer_sleep_main, NULL, "timer sleep+cancel");
    g_sleep_ctx = NULL;
    free(c.tasks);
    return rc < 0 ? -1 : per_op(&c.b, n);
}

/* ---- 6. spawn_many: n tasks in one scoped group, each yields once, then the group exit ---- */

/* A scoped group (corral_group_enter, FAIL_FAST + JOIN: what asyncio.TaskGroup and a trio
 * nursery are) on the main task; n children spawned into it, each passing one checkpoint
 * before it finishes; main then leaves the group (CORRAL_OP_GROUP_EXIT / corral_group_exit),
 * which waits for every member. One op = spawn + first step + checkpoint + second step +
 * finish, plus the member's share of the group exit. For the memory rows (`mem`), the child
 * whose first step makes `started` reach n reads RSS: every task exists then (all earlier
 * ones have yielded and sit in the ready queue), which is the workload's peak. */
typedef struct many_ctx {
    bc_base b;
    int64_t n, started;
    int state, mem;
    uint8_t *yielded; /* a step child's only state: has it passed its checkpoint yet */
    corral_group *g;
    int64_t rss0, rss1;
} many_ctx;

static many_ctx *g_many; /* the step children's shared context (their arg is their flag) */

static void many_note_started(many_ctx *c)
{
    if (c->mem && ++c->started == c->n)
        c->rss1 = bench_rss_bytes();
}

static void many_child_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    uint8_t *yielded = arg;
    (void)value;
    if (!*yielded) {
        *yielded = 1;
        many_note_started(g_many);
        corral_op op = op_make(CORRAL_OP_CHECKPOINT, NULL, -1);
        int rc = corral_task_await(self, &op);
        if (rc == CORRAL_PENDING)
            return;
        status = rc < 0 ? rc : CORRAL_EINVALIDSTATE; /* end with it: the group exit reports it */
    }
    corral_task_finish(self, status, NULL, NULL, NULL);
}

static void many_main_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    many_ctx *c = arg;
    (void)value;
    if (c->state++ == 0) {
        c->rss0 = bench_rss_bytes();
        c->b.t0 = bench_now_ns();
        STEP_CHECK(&c->b, self,
                   corral_group_enter(&c->g, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN),
                   "corral_group_enter");
        for (int64_t i = 0; i < c->n; i++) {
            corral_task *t = NULL;
            STEP_CHECK(
                &c->b, self,
                corral_spawn_step(&t, c->b.rt, c->g, NULL, many_child_step, &c->yielded[i], NULL),
                "corral_spawn_step");
            corral_task_unref(t); /* the group and the runtime keep what they need */
        }
        corral_op op = op_make(CORRAL_OP_GROUP_EXIT, c->g, -1);
        op.value = int_value(0); /* the body ended normally */
        STEP_AWAIT(&c->b, self, &op, "await GROUP_EXIT");
        return;
    }
    c->b.t1 = bench_now_ns();
    corral_group_unref(c->g);
    STEP_CHECK(&c->b, self, status, "group exit status");
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

static double many_step_run(int64_t n, int mem)
{
    many_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.mem = mem;
    c.yielded = calloc((size_t)n, 1);
    if (!c.yielded)
        BENCH_FAIL("spawn_many step: out of memory");
    memset(c.yielded, 0, (size_t)n); /* touch the pages before RSS0 */
    g_many = &c;
    int rc = bc_run(&c.b, many_main_step, NULL, "spawn_many step");
    g_many = NULL;
    free(c.yielded);
    if (rc < 0)
        return -1;
    return mem ? (double)(c.rss1 - c.rss0) / (double)n : per_op(&c.b, n);
}

double bc_step_spawn_many(int64_t n)
{
    return many_step_run(n, 0);
}

double bc_step_spawn_many_warm(int64_t n)
{
    return bench_warm(bc_step_spawn_many, n);
}

double bc_mem_step_spawn_many(int64_t n)
{
    return many_step_run(n, 1);
}

/* The fiber form: main is a fiber, the children are fibers calling corral_checkpoint()
 * once, and the group is left with corral_group_exit. Each live fiber holds a guarded
 * stack mapping, so n is kept to 10k (vm.max_map_count allows about 32k). */
static int many_child_fiber(corral_task *self, void *arg, corral_value *result)
{
    (void)self;
    (void)result;
    many_note_started(arg);
    return corral_checkpoint();
}

static int many_main_fiber(corral_task *self, void *arg, corral_value *result)
{
    many_ctx *c = arg;
    (void)result;
    c->rss0 = bench_rss_bytes();
    c->b.t0 = bench_now_ns();
    FIBER_CHECK(&c->b,
                corral_group_enter(&c->g, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN),
                "corral_group_enter");
    int rc = 0;
    for (int64_t i = 0; i < c->n && rc == 0; i++) {
        corral_task *t = NULL;
        rc = corral_spawn_fiber(&t, c->b.rt, c->g, NULL, many_child_fiber, c, NULL);
        if (rc == 0)
            corral_task_unref(t);
    }
    /* the group must be left whatever happened: a failed spawn is the body's status */
    int exit_rc = corral_group_exit(c->g, rc);
    c->b.t1 = bench_now_ns();
    corral_group_unref(c->g);
    FIBER_CHECK(&c->b, rc, "corral_spawn_fiber");
    FIBER_CHECK(&c->b, exit_rc, "corral_group_exit");
    return 0;
}

static double many_fiber_run(int64_t n, int mem)
{
    many_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.mem = mem;
    if (bc_run(&c.b, NULL, many_main_fiber, "spawn_many fiber") < 0)
        return -1;
    return mem ? (double)(c.rss1 - c.rss0) / (double)n : per_op(&c.b, n);
}

double bc_fiber_spawn_many(int64_t n)
{
    return many_fiber_run(n, 0);
}

double bc_mem_fiber_spawn_many(int64_t n)
{
    return many_fiber_run(n, 1);
}

/* ---- 8. flat memory: a SUPERVISE free group running many short tasks ------------------- */

/* A free group (corral_group_new: SUPERVISE) with a C exception callback that counts the
 * error and drops it (returns 0: handled, nothing goes up the chain). Main spawns step
 * tasks into it in batches of FLAT_BATCH (so at most that many are alive), awaits JOIN on
 * the batch's last task (FIFO: every earlier member, and the handler entries their
 * failures queued, ran before it), drops its references and spawns the next batch. Every
 * FLAT_EVERY-th task fails with a fresh User error; the rest complete at once. If the
 * runtime, the group or the task kept the errors (aiotools#54: a long-lived supervisor that
 * stored every unhandled exception), RSS would grow by an error per failure; it must stay
 * where the first batch left it. */
#define FLAT_BATCH 10000
#define FLAT_EVERY 100

typedef struct flat_ctx {
    bc_base b;
    int64_t n, spawned, handled;
    corral_group *g;
    corral_task *last;
    bench_flat *out;
} flat_ctx;

static int flat_drop_handler(corral_group *g, corral_task *member, corral_error *err,
                             corral_error **raised, void *ud)
{
    flat_ctx *c = ud;
    (void)g;
    (void)member;
    (void)err;
    (void)raised;
    c->handled++;
    return 0; /* handled: the error is dropped here */
}

/* arg != NULL: this one fails. */
static void flat_child_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    corral_error *e = NULL;
    (void)status;
    (void)value;
    if (arg && corral_error_new(&e, CORRAL_EUSER, "ValueError", "every Nth task fails") == 0) {
        corral_task_finish(self, CORRAL_EUSER, NULL, NULL, e); /* takes its own reference */
        corral_error_unref(e);
        return;
    }
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

static int flat_spawn_batch(flat_ctx *c)
{
    int64_t end = c->spawned + FLAT_BATCH < c->n ? c->spawned + FLAT_BATCH : c->n;
    for (; c->spawned < end; c->spawned++) {
        corral_task *t = NULL;
        void *fails = c->spawned % FLAT_EVERY == FLAT_EVERY / 2 ? c : NULL;
        int rc = corral_spawn_step(&t, c->b.rt, c->g, NULL, flat_child_step, fails, NULL);
        if (rc < 0)
            return rc;
        if (c->spawned + 1 < end)
            corral_task_unref(t);
        else
            c->last = t;
    }
    return 0;
}

static void flat_main_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    flat_ctx *c = arg;
    (void)value;
    if (!c->g) {
        c->out->rss_start = (double)bench_rss_bytes();
        c->b.t0 = bench_now_ns();
        STEP_CHECK(&c->b, self, corral_group_new(&c->g, c->b.rt, NULL, NULL), "corral_group_new");
        STEP_CHECK(&c->b, self, corral_group_set_handler(c->g, flat_drop_handler, c),
                   "corral_group_set_handler");
    } else if (c->last) {
        corral_task_unref(c->last);
        c->last = NULL;
        STEP_CHECK(&c->b, self, status, "join status");
        if (c->spawned == FLAT_BATCH || (c->spawned < FLAT_BATCH && c->spawned == c->n))
            c->out->rss_warm = (double)bench_rss_bytes();
        if (c->spawned == c->n) {
            c->b.t1 = bench_now_ns();
            c->out->rss_end = (double)bench_rss_bytes();
            STEP_CHECK(&c->b, self, corral_group_close(c->g, 0), "corral_group_close");
            corral_op op = op_make(CORRAL_OP_GROUP_WAIT_CLOSED, c->g, -1);
            STEP_AWAIT(&c->b, self, &op, "await GROUP_WAIT_CLOSED");
            return;
        }
    } else {
        STEP_CHECK(&c->b, self, status, "wait_closed status");
        corral_group_unref(c->g);
        c->out->unhandled = (double)corral_rt_unhandled_count(c->b.rt);
        corral_task_finish(self, 0, NULL, NULL, NULL);
        return;
    }
    STEP_CHECK(&c->b, self, flat_spawn_batch(c), "corral_spawn_step");
    corral_op op = op_make(CORRAL_OP_JOIN, c->last, -1);
    STEP_AWAIT(&c->b, self, &op, "await JOIN");
}

int bc_flat_supervise(int64_t n, bench_flat *out)
{
    flat_ctx c;
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    c.n = n;
    c.out = out;
    if (bc_run(&c.b, flat_main_step, NULL, "flat memory") < 0)
        return -1;
    int64_t failures = (n / FLAT_EVERY) + (n % FLAT_EVERY > FLAT_EVERY / 2);
    out->ns_per_task = per_op(&c.b, n);
    out->handled = (double)c.handled;
    out->failures = (double)failures;
    if (c.handled != failures || out->unhandled != 0) {
        fprintf(stderr, "bench: flat memory: %lld of %lld errors handled, %.0f unhandled\n",
                (long long)c.handled, (long long)failures, out->unhandled);
        return -1;
    }
    return 0;
}

/* ---- 6. producer/consumer through a bounded queue (ns per item) ------------------------- */

/* Main spawns a producer P and a consumer C; P puts the items 0..n-1 (CORRAL_OP_QUEUE_PUT /
 * corral_queue_put: a checkpoint each, R23, parking while the queue is full) and closes the
 * queue; C gets (CORRAL_OP_QUEUE_GET / corral_queue_get, parking while it is empty) until
 * QueueClosed, counting and summing what it gets (checked). With maxsize 1 every item is a
 * hand-off between two parked tasks; with 1024 both mostly complete at once and pass through
 * the ready queue once per call. One op = one item (one put + one get). */
typedef struct qpc_ctx {
    bc_base b;
    int64_t n, maxsize;
    corral_queue *q;
    corral_task *tp, *tc;
    int64_t next, got, sum;
    int main_state, c_started;
    corral_step_fn producer, consumer; /* per-item awaits, or non-blocking batches */
} qpc_ctx;

static void qpc_producer_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    qpc_ctx *c = arg;
    (void)value;
    STEP_CHECK(&c->b, self, status, "P put status");
    if (c->next == c->n) {
        STEP_CHECK(&c->b, self, corral_queue_close(c->q), "P close");
        corral_task_finish(self, 0, NULL, NULL, NULL);
        return;
    }
    corral_op op = {
        .kind = CORRAL_OP_QUEUE_PUT, .target = c->q, .deadline = -1, .value = int_value(c->next)};
    c->next++;
    STEP_AWAIT(&c->b, self, &op, "P await QUEUE_PUT");
}

static void qpc_consumer_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    qpc_ctx *c = arg;
    if (c->c_started) {
        if (status == CORRAL_EQUEUECLOSED) {
            corral_task_finish(self, 0, NULL, NULL, NULL);
            return;
        }
        STEP_CHECK(&c->b, self, status, "C get status");
        c->got++;
        c->sum += value->as.i;
    }
    c->c_started = 1;
    corral_op op = op_make(CORRAL_OP_QUEUE_GET, c->q, -1);
    STEP_AWAIT(&c->b, self, &op, "C await QUEUE_GET");
}

static int qpc_check(qpc_ctx *c)
{
    if (c->got != c->n || c->sum != c->n * (c->n - 1) / 2) {
        fprintf(stderr, "bench: queue producer/consumer: got %lld items (sum %lld) of %lld\n",
                (long long)c->got, (long long)c->sum, (long long)c->n);
        return -1;
    }
    return 0;
}

static void qpc_main_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    qpc_ctx *c = arg;
    (void)value;
    switch (c->main_state++) {
    case 0: {
        STEP_CHECK(&c->b, self, corral_queue_new(&c->q, c->b.rt, c->maxsize), "corral_queue_new");
        c->b.t0 = bench_now_ns();
        STEP_CHECK(&c->b, self, corral_spawn_step(&c->tp, c->b.rt, NULL, "P", c->producer, c, NULL),
                   "spawn P");
        STEP_CHECK(&c->b, self, corral_spawn_step(&c->tc, c->b.rt, NULL, "C", c->consumer, c, NULL),
                   "spawn C");
        corral_op op = op_make(CORRAL_OP_JOIN, c->tc, -1);
        STEP_AWAIT(&c->b, self, &op, "join C");
        return;
    }
    case 1: {
        c->b.t1 = bench_now_ns();
        STEP_CHECK(&c->b, self, status, "join C status");
        corral_op op = op_make(CORRAL_OP_JOIN, c->tp, -1);
        STEP_AWAIT(&c->b, self, &op, "join P");
        return;
    }
    default:
        corral_task_unref(c->tp);
        corral_task_unref(c->tc);
        corral_queue_unref(c->q);
        corral_task_finish(self, status, NULL, NULL, NULL);
        return;
    }
}

static double qpc_step(int64_t n, int64_t maxsize)
{
    qpc_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.maxsize = maxsize;
    c.producer = qpc_producer_step;
    c.consumer = qpc_consumer_step;
    if (bc_run(&c.b, qpc_main_step, NULL, "step queue producer/consumer") < 0 || qpc_check(&c) < 0)
        return -1;
    return per_op(&c.b, n);
}

static int qpc_producer_fiber(corral_task *self, void *arg, corral_value *result)
{
    qpc_ctx *c = arg;
    (void)self;
    (void)result;
    for (int64_t i = 0; i < c->n; i++) {
        corral_value v = int_value(i);
        FIBER_CHECK(&c->b, corral_queue_put(c->q, &v, -1), "P corral_queue_put");
    }
    FIBER_CHECK(&c->b, corral_queue_close(c->q), "P close");
    return 0;
}

static int qpc_consumer_fiber(corral_task *self, void *arg, corral_value *result)
{
    qpc_ctx *c = arg;
    (void)self;
    (void)result;
    corral_value v;
    int rc;
    while ((rc = corral_queue_get(c->q, &v, -1)) == 0) {
        c->got++;
        c->sum += v.as.i;
    }
    if (rc != CORRAL_EQUEUECLOSED)
        FIBER_CHECK(&c->b, rc, "C corral_queue_get");
    return 0;
}

static int qpc_main_fiber(corral_task *self, void *arg, corral_value *result)
{
    qpc_ctx *c = arg;
    (void)self;
    (void)result;
    FIBER_CHECK(&c->b, corral_queue_new(&c->q, c->b.rt, c->maxsize), "corral_queue_new");
    c->b.t0 = bench_now_ns();
    FIBER_CHECK(&c->b, corral_spawn_fiber(&c->tp, c->b.rt, NULL, "P", qpc_producer_fiber, c, NULL),
                "spawn P");
    FIBER_CHECK(&c->b, corral_spawn_fiber(&c->tc, c->b.rt, NULL, "C", qpc_consumer_fiber, c, NULL),
                "spawn C");
    int rc = corral_join(c->tc, NULL, -1);
    c->b.t1 = bench_now_ns();
    if (rc == 0)
        rc = corral_join(c->tp, NULL, -1);
    corral_task_unref(c->tp);
    corral_task_unref(c->tc);
    corral_queue_unref(c->q);
    FIBER_CHECK(&c->b, rc, "join");
    return 0;
}

static double qpc_fiber(int64_t n, int64_t maxsize)
{
    qpc_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.maxsize = maxsize;
    if (bc_run(&c.b, NULL, qpc_main_fiber, "fiber queue producer/consumer") < 0 ||
        qpc_check(&c) < 0)
        return -1;
    return per_op(&c.b, n);
}

double bc_step_queue_1(int64_t n)
{
    return qpc_step(n, 1);
}
double bc_step_queue_1024(int64_t n)
{
    return qpc_step(n, 1024);
}
double bc_fiber_queue_1(int64_t n)
{
    return qpc_fiber(n, 1);
}
double bc_fiber_queue_1024(int64_t n)
{
    return qpc_fiber(n, 1024);
}

/* Batched: the same items through the non-blocking calls where they succeed (R62: not
 * checkpoints), so tasks switch once per batch instead of once per call, as asyncio's Queue
 * does by itself (its put and get only yield when they have to wait). The producer uses
 * corral_queue_put_nowait until QueueFull, then one corral_queue_put (which parks until a get
 * makes room); the consumer uses one corral_queue_get (parking while empty), then
 * corral_queue_get_nowait until QueueEmpty. */
static int qpcb_producer_fiber(corral_task *self, void *arg, corral_value *result)
{
    qpc_ctx *c = arg;
    (void)self;
    (void)result;
    for (int64_t i = 0; i < c->n; i++) {
        corral_value v = int_value(i);
        int rc = corral_queue_put_nowait(c->q, &v);
        if (rc == CORRAL_EQUEUEFULL)
            rc = corral_queue_put(c->q, &v, -1);
        FIBER_CHECK(&c->b, rc, "P put");
    }
    FIBER_CHECK(&c->b, corral_queue_close(c->q), "P close");
    return 0;
}

static int qpcb_consumer_fiber(corral_task *self, void *arg, corral_value *result)
{
    qpc_ctx *c = arg;
    (void)self;
    (void)result;
    corral_value v;
    int rc;
    while ((rc = corral_queue_get(c->q, &v, -1)) == 0) {
        do {
            c->got++;
            c->sum += v.as.i;
        } while (corral_queue_get_nowait(c->q, &v) == 0);
    }
    if (rc != CORRAL_EQUEUECLOSED)
        FIBER_CHECK(&c->b, rc, "C corral_queue_get");
    return 0;
}

static int qpcb_main_fiber(corral_task *self, void *arg, corral_value *result)
{
    qpc_ctx *c = arg;
    (void)self;
    (void)result;
    FIBER_CHECK(&c->b, corral_queue_new(&c->q, c->b.rt, c->maxsize), "corral_queue_new");
    c->b.t0 = bench_now_ns();
    FIBER_CHECK(&c->b, corral_spawn_fiber(&c->tp, c->b.rt, NULL, "P", qpcb_producer_fiber, c, NULL),
                "spawn P");
    FIBER_CHECK(&c->b, corral_spawn_fiber(&c->tc, c->b.rt, NULL, "C", qpcb_consumer_fiber, c, NULL),
                "spawn C");
    int rc = corral_join(c->tc, NULL, -1);
    c->b.t1 = bench_now_ns();
    if (rc == 0)
        rc = corral_join(c->tp, NULL, -1);
    corral_task_unref(c->tp);
    corral_task_unref(c->tc);
    corral_queue_unref(c->q);
    FIBER_CHECK(&c->b, rc, "join");
    return 0;
}

static void qpcb_producer_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    qpc_ctx *c = arg;
    (void)value;
    STEP_CHECK(&c->b, self, status, "P put status");
    while (c->next < c->n) {
        corral_value v = int_value(c->next);
        int rc = corral_queue_put_nowait(c->q, &v);
        c->next++;
        if (rc == CORRAL_EQUEUEFULL) {
            corral_op op = {
                .kind = CORRAL_OP_QUEUE_PUT, .target = c->q, .deadline = -1, .value = v};
            STEP_AWAIT(&c->b, self, &op, "P await QUEUE_PUT");
            return;
        }
        STEP_CHECK(&c->b, self, rc, "P put_nowait");
    }
    STEP_CHECK(&c->b, self, corral_queue_close(c->q), "P close");
    corral_task_finish(self, 0, NULL, NULL, NULL);
}

static void qpcb_consumer_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    qpc_ctx *c = arg;
    if (c->c_started) {
        if (status == CORRAL_EQUEUECLOSED) {
            corral_task_finish(self, 0, NULL, NULL, NULL);
            return;
        }
        STEP_CHECK(&c->b, self, status, "C get status");
        corral_value v = *value;
        do {
            c->got++;
            c->sum += v.as.i;
        } while (corral_queue_get_nowait(c->q, &v) == 0);
    }
    c->c_started = 1;
    corral_op op = op_make(CORRAL_OP_QUEUE_GET, c->q, -1);
    STEP_AWAIT(&c->b, self, &op, "C await QUEUE_GET");
}

double bc_step_queue_batch_1024(int64_t n)
{
    qpc_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.maxsize = 1024;
    c.producer = qpcb_producer_step;
    c.consumer = qpcb_consumer_step;
    if (bc_run(&c.b, qpc_main_step, NULL, "step batched producer/consumer") < 0 ||
        qpc_check(&c) < 0)
        return -1;
    return per_op(&c.b, n);
}

double bc_fiber_queue_batch_1024(int64_t n)
{
    qpc_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.maxsize = 1024;
    if (bc_run(&c.b, NULL, qpcb_main_fiber, "fiber batched producer/consumer") < 0 ||
        qpc_check(&c) < 0)
        return -1;
    return per_op(&c.b, n);
}
