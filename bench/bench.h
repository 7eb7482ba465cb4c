/*
 * bench.h - shared helpers of the spine benchmarks (corral vs raw libevent vs libuv).
 *
 * Every benchmark function runs one sample and returns its figure: ns per operation for the
 * timing workloads, bytes per object for the memory workloads, or a negative number when the
 * run failed (a message has then been written to stderr). Benchmarks only measure and print;
 * nothing here asserts on time.
 */
#ifndef CORRAL_BENCH_H
#define CORRAL_BENCH_H

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef double (*bench_fn)(int64_t n);

/* The flat-memory workload's result: one run, several figures (RSS in bytes). */
typedef struct bench_flat {
    double ns_per_task;
    double rss_start; /* before the group and the first task */
    double rss_warm;  /* after the first batch: the working set of one batch */
    double rss_end;   /* after the last batch */
    double failures, handled, unhandled;
} bench_flat;
typedef int (*bench_flat_fn)(int64_t n, bench_flat *out);

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Resident set size in bytes, from /proc/self/statm (second field, in pages). */
static inline int64_t bench_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : (int64_t)resident * sysconf(_SC_PAGESIZE);
}

/* The steady-state ("warm heap") form of a timing workload. By default glibc hands the top of
 * the heap back to the kernel once 128 KiB of it is free, so a workload that allocates and
 * frees N objects pays first-touch page faults (fault + zeroing of every page) again in every
 * sample: with 100k live tasks that is most of the time. A long-running program reuses its
 * heap instead. This keeps the heap (no trim, no mmap for blocks below 32 MiB) and runs the
 * workload once untimed with the same N first, so the timed samples find their pages mapped.
 * Each row runs in its own child, so the setting never leaks into another row. */
static inline double bench_warm(bench_fn fn, int64_t n)
{
    static int64_t warmed;
    if (n > warmed) {
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        if (fn(n) < 0)
            return -1;
        warmed = n;
    }
    return fn(n);
}

/* A spread of far deadlines used by every timer workload, so that all implementations insert
 * the same sequence into their heaps: 1 hour + a pseudo-random offset below 1 s. */
static inline int64_t bench_timer_offset_ns(int64_t i)
{
    return (int64_t)(((uint64_t)i * 2654435761u) % 1000000000u);
}
#define BENCH_FAR_NS (3600LL * 1000000000LL)

#define BENCH_FAIL(...)                                                                            \
    do {                                                                                           \
        fprintf(stderr, "bench: " __VA_ARGS__);                                                    \
        fputc('\n', stderr);                                                                       \
        return -1.0;                                                                               \
    } while (0)

/* corral */
double bc_step_spawn_join_seq(int64_t n);
double bc_step_spawn_batch(int64_t n);
double bc_fiber_spawn_join_seq(int64_t n);
double bc_fiber_spawn_batch(int64_t n);
double bc_step_switch(int64_t n);
double bc_fiber_switch(int64_t n);
double bc_step_pingpong_future(int64_t n);
double bc_fiber_pingpong_future(int64_t n);
double bc_step_pingpong_queue(int64_t n);
double bc_mem_step_parked(int64_t n);
double bc_mem_future_only(int64_t n);
double bc_mem_fiber_parked(int64_t n);
double bc_timer_scope(int64_t n);
double bc_timer_sleep_cancel(int64_t n);
double bc_step_spawn_many(int64_t n);
double bc_step_spawn_many_warm(int64_t n);
double bc_fiber_spawn_many(int64_t n);
double bc_mem_step_spawn_many(int64_t n);
double bc_mem_fiber_spawn_many(int64_t n);
int bc_flat_supervise(int64_t n, bench_flat *out);
double bc_step_queue_1(int64_t n);
double bc_step_queue_1024(int64_t n);
double bc_fiber_queue_1(int64_t n);
double bc_fiber_queue_1024(int64_t n);
double bc_step_queue_batch_1024(int64_t n);
double bc_fiber_queue_batch_1024(int64_t n);
/* section 10, bench_cleanup.c */
double bc_cleanup_exitstack(int64_t n);
double bc_cleanup_acm(int64_t n);
double bc_cleanup_ctxgroup(int64_t n);

/* raw libevent */
double bev_spawn_join_seq(int64_t n);
double bev_spawn_batch(int64_t n);
double bev_switch(int64_t n);
double bev_pingpong(int64_t n);
double bev_mem_pending(int64_t n);
double bev_timer_add_del(int64_t n);
double bev_spawn_many(int64_t n);
double bev_spawn_many_warm(int64_t n);
double bev_mem_spawn_many(int64_t n);
double bev_queue_1(int64_t n);
double bev_queue_1024(int64_t n);

/* libuv */
double buv_spawn_join_seq(int64_t n);
double buv_spawn_batch(int64_t n);
double buv_switch(int64_t n);
double buv_pingpong(int64_t n);
double buv_mem_timers(int64_t n);
double buv_timer_start_stop(int64_t n);
double buv_spawn_many(int64_t n);
double buv_spawn_many_warm(int64_t n);
double buv_mem_spawn_many(int64_t n);
double buv_queue_1(int64_t n);
double buv_queue_1024(int64_t n);

#endif /* CORRAL_BENCH_H */
