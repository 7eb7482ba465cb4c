/*
 * bench_libuv.c - libuv peers of the spine benchmarks.
 *
 * libuv has no "make this callback ready now" primitive. The closest honest analogue of a
 * ready-queue entry is an idle handle: an active idle handle's callback runs once per loop
 * iteration, and while one is active the poll phase does not block (with no fd registered,
 * libuv skips epoll_wait entirely, so no syscall is paid; the loop does read the clock once
 * per iteration). uv_async_send would cost an eventfd write plus epoll per message, which
 * corral's design rules out on its hot path, so it is not used. A fresh uv_loop_t per sample.
 */
#include <string.h>
#include <uv.h>

#include "bench.h"

typedef struct luv_ctx {
    uv_loop_t loop;
    uv_idle_t a, b;
    int64_t n, i;
} luv_ctx;

static luv_ctx g_luv;

static int luv_init(void)
{
    memset(&g_luv, 0, sizeof g_luv);
    int rc = uv_loop_init(&g_luv.loop);
    if (rc != 0)
        fprintf(stderr, "bench: uv_loop_init: %s\n", uv_strerror(rc));
    return rc;
}

static void luv_fini(void)
{
    uv_run(&g_luv.loop, UV_RUN_DEFAULT); /* let close callbacks run */
    uv_loop_close(&g_luv.loop);
}

/* ---- 1. spawn + join ---------------------------------------------------------------------- */

/* Sequential: "spawn" = malloc + uv_idle_init + uv_idle_start of a fresh handle; its callback
 * stops and uv_close()s it; the close callback ("join") frees it and spawns the next. One op
 * = one loop iteration (idle phase, then close phase of the same iteration). */
static void luv_seq_spawn(void);

static void luv_seq_closed(uv_handle_t *h)
{
    free(h);
    if (++g_luv.i < g_luv.n)
        luv_seq_spawn();
}

static void luv_seq_cb(uv_idle_t *h)
{
    uv_idle_stop(h);
    uv_close((uv_handle_t *)h, luv_seq_closed);
}

static void luv_seq_spawn(void)
{
    uv_idle_t *h = malloc(sizeof *h);
    uv_idle_init(&g_luv.loop, h);
    uv_idle_start(h, luv_seq_cb);
}

double buv_spawn_join_seq(int64_t n)
{
    if (luv_init() != 0)
        return -1;
    g_luv.n = n;
    int64_t t0 = bench_now_ns();
    luv_seq_spawn();
    uv_run(&g_luv.loop, UV_RUN_DEFAULT);
    int64_t t1 = bench_now_ns();
    luv_fini();
    if (g_luv.i != n)
        BENCH_FAIL("libuv spawn+join: ran %lld of %lld", (long long)g_luv.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* Batch: n fresh idle handles started, one uv_run: all run in the first iteration's idle
 * phase, each stops and closes itself; their close callbacks free them. */
static void luv_batch_closed(uv_handle_t *h)
{
    free(h);
    g_luv.i++;
}

static void luv_batch_cb(uv_idle_t *h)
{
    uv_idle_stop(h);
    uv_close((uv_handle_t *)h, luv_batch_closed);
}

double buv_spawn_batch(int64_t n)
{
    if (luv_init() != 0)
        return -1;
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < n; i++) {
        uv_idle_t *h = malloc(sizeof *h);
        uv_idle_init(&g_luv.loop, h);
        uv_idle_start(h, luv_batch_cb);
    }
    uv_run(&g_luv.loop, UV_RUN_DEFAULT);
    int64_t t1 = bench_now_ns();
    luv_fini();
    if (g_luv.i != n)
        BENCH_FAIL("libuv spawn batch: ran %lld of %lld", (long long)g_luv.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 2. switch ---------------------------------------------------------------------------- */

/* One idle callback run n times (one loop iteration each). */
static void luv_switch_cb(uv_idle_t *h)
{
    if (++g_luv.i == g_luv.n)
        uv_idle_stop(h);
}

double buv_switch(int64_t n)
{
    if (luv_init() != 0)
        return -1;
    g_luv.n = n;
    uv_idle_init(&g_luv.loop, &g_luv.a);
    int64_t t0 = bench_now_ns();
    uv_idle_start(&g_luv.a, luv_switch_cb);
    uv_run(&g_luv.loop, UV_RUN_DEFAULT);
    int64_t t1 = bench_now_ns();
    uv_close((uv_handle_t *)&g_luv.a, NULL);
    luv_fini();
    if (g_luv.i != n)
        BENCH_FAIL("libuv switch: ran %lld of %lld", (long long)g_luv.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 3. ping-pong ------------------------------------------------------------------------- */

/* Two idle handles handing the turn to each other (stop self, start other); a handle started
 * inside the idle phase runs in the next iteration, so one message = one loop iteration.
 * One op = a round trip. */
static void luv_pong_cb(uv_idle_t *h);

static void luv_ping_cb(uv_idle_t *h)
{
    uv_idle_stop(h);
    uv_idle_start(&g_luv.b, luv_pong_cb);
}

static void luv_pong_cb(uv_idle_t *h)
{
    uv_idle_stop(h);
    if (++g_luv.i < g_luv.n)
        uv_idle_start(&g_luv.a, luv_ping_cb);
}

double buv_pingpong(int64_t n)
{
    if (luv_init() != 0)
        return -1;
    g_luv.n = n;
    uv_idle_init(&g_luv.loop, &g_luv.a);
    uv_idle_init(&g_luv.loop, &g_luv.b);
    int64_t t0 = bench_now_ns();
    uv_idle_start(&g_luv.a, luv_ping_cb);
    uv_run(&g_luv.loop, UV_RUN_DEFAULT);
    int64_t t1 = bench_now_ns();
    uv_close((uv_handle_t *)&g_luv.a, NULL);
    uv_close((uv_handle_t *)&g_luv.b, NULL);
    luv_fini();
    if (g_luv.i != n)
        BENCH_FAIL("libuv ping-pong: ran %lld of %lld", (long long)g_luv.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 4. pending timers: bytes per timer from RSS ----------------------------------------- */

static void luv_never_cb(uv_timer_t *t)
{
    (void)t;
}

static uint64_t luv_timeout_ms(int64_t i)
{
    return (uint64_t)((BENCH_FAR_NS + bench_timer_offset_ns(i)) / 1000000);
}

/* n malloc'ed uv_timer_t, each uv_timer_start'ed with a far timeout. */
double buv_mem_timers(int64_t n)
{
    uv_timer_t **ts = calloc((size_t)n, sizeof *ts);
    if (!ts)
        BENCH_FAIL("libuv mem: out of memory");
    memset(ts, 0, (size_t)n * sizeof *ts);
    if (luv_init() != 0)
        return -1;
    int64_t rss0 = bench_rss_bytes();
    for (int64_t i = 0; i < n; i++) {
        ts[i] = malloc(sizeof *ts[i]);
        uv_timer_init(&g_luv.loop, ts[i]);
        uv_timer_start(ts[i], luv_never_cb, luv_timeout_ms(i), 0);
    }
    int64_t rss1 = bench_rss_bytes();
    for (int64_t i = 0; i < n; i++)
        uv_close((uv_handle_t *)ts[i], (uv_close_cb)free);
    luv_fini();
    free(ts);
    return (double)(rss1 - rss0) / (double)n;
}

/* ---- 5. timers: start then stop ------------------------------------------------------------ */

/* n timers uv_timer_init'ed (outside the timed region), then timed: n uv_timer_start with the
 * shared spread of far timeouts (ms resolution), then n uv_timer_stop in reverse.
 * One op = uv_timer_start + uv_timer_stop. Runs outside uv_run: libuv uses its cached loop
 * time either way. */
double buv_timer_start_stop(int64_t n)
{
    uv_timer_t *ts = malloc((size_t)n * sizeof *ts);
    if (!ts)
        BENCH_FAIL("libuv timers: out of memory");
    if (luv_init() != 0)
        return -1;
    for (int64_t i = 0; i < n; i++)
        uv_timer_init(&g_luv.loop, &ts[i]);
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < n; i++)
        uv_timer_start(&ts[i], luv_never_cb, luv_timeout_ms(i), 0);
    for (int64_t i = n - 1; i >= 0; i--)
        uv_timer_stop(&ts[i]);
    int64_t t1 = bench_now_ns();
    for (int64_t i = 0; i < n; i++)
        uv_close((uv_handle_t *)&ts[i], NULL);
    luv_fini();
    free(ts);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 6. spawn_many: n idle handles, each runs twice, then uv_run returns ----------------- */

/* The same idle-handle analogue as row 1: "spawn" = malloc + uv_idle_init + uv_idle_start;
 * the first callback is the task's first step and its "yield" is simply returning with the
 * handle still started (it runs again in the next loop iteration, after every other handle
 * has had its first run); the second callback stops and closes it; the close callback frees
 * it. "Wait for all" = uv_run returning once no handle is left. One op = malloc + init +
 * start + two callbacks + stop + close + free. The handle's `data` is the task's state (has
 * it yielded). For the memory rows, the n-th first callback reads RSS (the peak). */
typedef struct luv_many_ctx {
    int64_t n, started;
    int mem;
    int64_t rss1;
} luv_many_ctx;

static luv_many_ctx g_luv_many;

static void luv_many_closed(uv_handle_t *h)
{
    free(h);
    g_luv.i++;
}

static void luv_many_cb(uv_idle_t *h)
{
    if (!h->data) {
        h->data = h; /* yielded: runs again next iteration */
        if (g_luv_many.mem && ++g_luv_many.started == g_luv_many.n)
            g_luv_many.rss1 = bench_rss_bytes();
        return;
    }
    uv_idle_stop(h);
    uv_close((uv_handle_t *)h, luv_many_closed);
}

static double luv_many_run(int64_t n, int mem)
{
    memset(&g_luv_many, 0, sizeof g_luv_many);
    g_luv_many.n = n;
    g_luv_many.mem = mem;
    if (luv_init() != 0)
        return -1;
    int64_t rss0 = bench_rss_bytes();
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < n; i++) {
        uv_idle_t *h = malloc(sizeof *h);
        if (!h)
            BENCH_FAIL("libuv spawn_many: out of memory");
        uv_idle_init(&g_luv.loop, h);
        h->data = NULL;
        uv_idle_start(h, luv_many_cb);
    }
    uv_run(&g_luv.loop, UV_RUN_DEFAULT);
    int64_t t1 = bench_now_ns();
    luv_fini();
    if (g_luv.i != n)
        BENCH_FAIL("libuv spawn_many: finished %lld of %lld", (long long)g_luv.i, (long long)n);
    return mem ? (double)(g_luv_many.rss1 - rss0) / (double)n : (double)(t1 - t0) / (double)n;
}

double buv_spawn_many(int64_t n)
{
    return luv_many_run(n, 0);
}

double buv_spawn_many_warm(int64_t n)
{
    return bench_warm(buv_spawn_many, n);
}

double buv_mem_spawn_many(int64_t n)
{
    return luv_many_run(n, 1);
}

/* ---- 6. producer/consumer through a bounded ring ------------------------------------------ */

/* As the libevent row: a ring of `cap` items; the producer's idle callback fills it and hands
 * the turn to the consumer's (stop self, start other), which drains it and hands back. One
 * hand-over = one loop iteration. One op = one item. */
static struct {
    int64_t *ring;
    int64_t cap, head, len, n, next, got, sum;
} g_upc;

static void upc_cons_cb(uv_idle_t *h);

static void upc_prod_cb(uv_idle_t *h)
{
    while (g_upc.len < g_upc.cap && g_upc.next < g_upc.n) {
        g_upc.ring[(g_upc.head + g_upc.len) % g_upc.cap] = g_upc.next++;
        g_upc.len++;
    }
    uv_idle_stop(h);
    uv_idle_start(&g_luv.b, upc_cons_cb);
}

static void upc_cons_cb(uv_idle_t *h)
{
    while (g_upc.len > 0) {
        g_upc.sum += g_upc.ring[g_upc.head];
        g_upc.head = (g_upc.head + 1) % g_upc.cap;
        g_upc.len--;
        g_upc.got++;
    }
    uv_idle_stop(h);
    if (g_upc.next < g_upc.n)
        uv_idle_start(&g_luv.a, upc_prod_cb);
}

static double upc_run(int64_t n, int64_t cap)
{
    if (luv_init() != 0)
        return -1;
    memset(&g_upc, 0, sizeof g_upc);
    g_upc.n = n;
    g_upc.cap = cap;
    if (!(g_upc.ring = malloc((size_t)cap * sizeof *g_upc.ring)))
        BENCH_FAIL("libuv producer/consumer: out of memory");
    uv_idle_init(&g_luv.loop, &g_luv.a);
    uv_idle_init(&g_luv.loop, &g_luv.b);
    int64_t t0 = bench_now_ns();
    uv_idle_start(&g_luv.a, upc_prod_cb);
    uv_run(&g_luv.loop, UV_RUN_DEFAULT);
    int64_t t1 = bench_now_ns();
    uv_close((uv_handle_t *)&g_luv.a, NULL);
    uv_close((uv_handle_t *)&g_luv.b, NULL);
    luv_fini();
    free(g_upc.ring);
    if (g_upc.got != n || g_upc.sum != n * (n - 1) / 2)
        BENCH_FAIL("libuv producer/consumer: got %lld of %lld", (long long)g_upc.got, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

double buv_queue_1(int64_t n)
{
    return upc_run(n, 1);
}
double buv_queue_1024(int64_t n)
{
    return upc_run(n, 1024);
}
