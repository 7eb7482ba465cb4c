/*
 * bench_cleanup.c - the cost of corral's managed cleanup for C fibers (section 10): an exit
 * stack unwound in one cleanup scope, one context manager's enter + exit, and a context group
 * whose enters and exits run as helper fibers. Neither libevent nor libuv has anything to
 * compare with; the figures are corral's own overhead per unwinding.
 *
 * Each sample runs one fiber `main` on a fresh REAL-clock runtime; the timed region is the
 * loop inside it.
 */
#include <corral.h>
#include <stdio.h>

#include "bench.h"

typedef struct cleanup_bench {
    int64_t n;
    int64_t t0, t1;
    int64_t calls; /* callbacks and exits that ran: checked against the expected count */
    int err;
} cleanup_bench;

static int count_plain(void *ud, corral_error *current)
{
    (void)current;
    ((cleanup_bench *)ud)->calls++;
    return 0;
}

static int count_fiber(corral_task *self, void *ud, corral_error *current)
{
    (void)self, (void)current;
    ((cleanup_bench *)ud)->calls++;
    return 0;
}

static int cm_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)self, (void)value;
    ((cleanup_bench *)ud)->calls++;
    return 0;
}

static int cm_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)self, (void)status, (void)current;
    ((cleanup_bench *)ud)->calls++;
    return 0;
}

static const corral_acm counting_cm = {cm_enter, cm_exit};

/* Run `body` as the fiber main of a fresh runtime; returns ns per iteration or -1. */
static double run(corral_fiber_fn body, int64_t n, int64_t calls_per_iter, const char *what)
{
    cleanup_bench b = {.n = n};
    corral_rt *rt;
    corral_task *main_task = NULL;
    int rc = corral_rt_new(&rt, 0);
    if (rc == 0 && (rc = corral_spawn_fiber(&main_task, rt, NULL, "main", body, &b, NULL)) == 0)
        rc = corral_rt_run(rt, main_task);
    corral_task_unref(main_task);
    if (rt) {
        corral_rt_close(rt);
        corral_rt_unref(rt);
    }
    if (rc < 0 || b.err < 0 || b.calls != n * calls_per_iter) {
        fprintf(stderr, "bench: %s: %s (calls %lld of %lld)\n", what,
                corral_strerror(rc < 0 ? rc : b.err), (long long)b.calls,
                (long long)(n * calls_per_iter));
        return -1;
    }
    return (double)(b.t1 - b.t0) / (double)n;
}

static int stack_main(corral_task *self, void *arg, corral_value *result)
{
    (void)self, (void)result;
    cleanup_bench *b = arg;
    b->t0 = bench_now_ns();
    for (int64_t i = 0; i < b->n && b->err == 0; i++) {
        corral_exitstack *st;
        if ((b->err = corral_exitstack_new(&st, corral_task_rt(self))) < 0)
            break;
        corral_exitstack_push(st, count_plain, b);
        corral_exitstack_push_fiber(st, count_fiber, b);
        corral_exitstack_push(st, count_plain, b);
        b->err = corral_exitstack_close(st, 0);
        corral_exitstack_unref(st);
    }
    b->t1 = bench_now_ns();
    return 0;
}

double bc_cleanup_exitstack(int64_t n)
{
    return run(stack_main, n, 3, "exit stack");
}

static int acm_main(corral_task *self, void *arg, corral_value *result)
{
    (void)self, (void)result;
    cleanup_bench *b = arg;
    b->t0 = bench_now_ns();
    for (int64_t i = 0; i < b->n && b->err == 0; i++) {
        corral_value v;
        if ((b->err = corral_acm_enter(&counting_cm, b, &v)) == 0)
            b->err = corral_acm_exit(&counting_cm, b, 0);
    }
    b->t1 = bench_now_ns();
    return 0;
}

double bc_cleanup_acm(int64_t n)
{
    return run(acm_main, n, 2, "acm");
}

static int ctxgroup_main(corral_task *self, void *arg, corral_value *result)
{
    (void)result;
    cleanup_bench *b = arg;
    b->t0 = bench_now_ns();
    for (int64_t i = 0; i < b->n && b->err == 0; i++) {
        corral_ctxgroup *g;
        if ((b->err = corral_ctxgroup_new(&g, corral_task_rt(self))) < 0)
            break;
        for (int k = 0; k < 3; k++)
            corral_ctxgroup_add(g, &counting_cm, b);
        if ((b->err = corral_ctxgroup_enter(g, 0)) == 0)
            b->err = corral_ctxgroup_exit(g, 0);
        corral_ctxgroup_unref(g);
    }
    b->t1 = bench_now_ns();
    return 0;
}

double bc_cleanup_ctxgroup(int64_t n)
{
    return run(ctxgroup_main, n, 6, "ctxgroup");
}
