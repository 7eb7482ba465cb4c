/*
 * bench_libevent.c - raw libevent 2.1 peers of the spine benchmarks.
 *
 * A fresh event_base (default backend, epoll) per sample. "Spawning" a task is event_new +
 * event_active; "running" it is libevent calling the callback from event_base_loop. libevent
 * processes events activated from inside a callback in the same pass of the same loop iteration (no
 * epoll_wait in between), which is the best case for it.
 */
#include <event2/event.h>
#include <string.h>

#include "bench.h"

typedef struct lev_ctx {
    struct event_base *base;
    struct event *parent, *a, *b;
    int64_t n, i;
} lev_ctx;

static lev_ctx g_lev;

static struct event_base *lev_base(void)
{
    struct event_base *base = event_base_new();
    if (!base)
        fprintf(stderr, "bench: event_base_new failed\n");
    return base;
}

/* ---- 1. spawn + join ---------------------------------------------------------------------- */

/* Sequential, mirroring corral's parent/child: the parent callback makes a fresh child event
 * (event_new) and activates it; the child callback frees itself and re-activates the parent
 * (the "join"). One op = event_new + 2 activations + 2 callbacks + event_free. */
static void lev_child_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_free((struct event *)arg);
    event_active(g_lev.parent, 0, 0);
}

static void lev_parent_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    if (g_lev.i++ == g_lev.n)
        return;
    struct event *child = event_new(g_lev.base, -1, 0, lev_child_cb, event_self_cbarg());
    event_active(child, 0, 0);
}

double bev_spawn_join_seq(int64_t n)
{
    memset(&g_lev, 0, sizeof g_lev);
    g_lev.n = n;
    if (!(g_lev.base = lev_base()))
        return -1;
    g_lev.parent = event_new(g_lev.base, -1, 0, lev_parent_cb, NULL);
    int64_t t0 = bench_now_ns();
    event_active(g_lev.parent, 0, 0);
    event_base_loop(g_lev.base, 0);
    int64_t t1 = bench_now_ns();
    event_free(g_lev.parent);
    event_base_free(g_lev.base);
    if (g_lev.i != n + 1)
        BENCH_FAIL("libevent spawn+join: ran %lld of %lld", (long long)g_lev.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* Batch: n fresh events made active, then one dispatch runs them all; each frees itself. */
static void lev_batch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_free((struct event *)arg);
    g_lev.i++;
}

double bev_spawn_batch(int64_t n)
{
    memset(&g_lev, 0, sizeof g_lev);
    if (!(g_lev.base = lev_base()))
        return -1;
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < n; i++) {
        struct event *ev = event_new(g_lev.base, -1, 0, lev_batch_cb, event_self_cbarg());
        event_active(ev, 0, 0);
    }
    event_base_loop(g_lev.base, 0);
    int64_t t1 = bench_now_ns();
    event_base_free(g_lev.base);
    if (g_lev.i != n)
        BENCH_FAIL("libevent spawn batch: ran %lld of %lld", (long long)g_lev.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 2. switch ---------------------------------------------------------------------------- */

/* One event re-activating itself from its callback n times. */
static void lev_switch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    if (++g_lev.i < g_lev.n)
        event_active((struct event *)arg, 0, 0);
}

double bev_switch(int64_t n)
{
    memset(&g_lev, 0, sizeof g_lev);
    g_lev.n = n;
    if (!(g_lev.base = lev_base()))
        return -1;
    struct event *ev = event_new(g_lev.base, -1, 0, lev_switch_cb, event_self_cbarg());
    int64_t t0 = bench_now_ns();
    event_active(ev, 0, 0);
    event_base_loop(g_lev.base, 0);
    int64_t t1 = bench_now_ns();
    event_free(ev);
    event_base_free(g_lev.base);
    if (g_lev.i != n)
        BENCH_FAIL("libevent switch: ran %lld of %lld", (long long)g_lev.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 3. ping-pong ------------------------------------------------------------------------- */

/* Two events activating each other; one op = a round trip (A's callback, then B's). */
static void lev_pong_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    if (++g_lev.i < g_lev.n)
        event_active(g_lev.a, 0, 0);
}

static void lev_ping_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    event_active(g_lev.b, 0, 0);
}

double bev_pingpong(int64_t n)
{
    memset(&g_lev, 0, sizeof g_lev);
    g_lev.n = n;
    if (!(g_lev.base = lev_base()))
        return -1;
    g_lev.a = event_new(g_lev.base, -1, 0, lev_ping_cb, NULL);
    g_lev.b = event_new(g_lev.base, -1, 0, lev_pong_cb, NULL);
    int64_t t0 = bench_now_ns();
    event_active(g_lev.a, 0, 0);
    event_base_loop(g_lev.base, 0);
    int64_t t1 = bench_now_ns();
    event_free(g_lev.a);
    event_free(g_lev.b);
    event_base_free(g_lev.base);
    if (g_lev.i != n)
        BENCH_FAIL("libevent ping-pong: ran %lld of %lld", (long long)g_lev.i, (long long)n);
    return (double)(t1 - t0) / (double)n;
}

/* ---- 4. pending events: bytes per event from RSS ----------------------------------------- */

static void lev_never_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

double bev_mem_pending(int64_t n)
{
    struct event **evs = calloc((size_t)n, sizeof *evs);
    if (!evs)
        BENCH_FAIL("libevent mem: out of memory");
    memset(evs, 0, (size_t)n * sizeof *evs);
    struct event_base *base = lev_base();
    if (!base)
        return -1;
    int64_t rss0 = bench_rss_bytes();
    for (int64_t i = 0; i < n; i++) {
        int64_t off = bench_timer_offset_ns(i);
        struct timeval tv = {.tv_sec = BENCH_FAR_NS / 1000000000 + off / 1000000000,
                             .tv_usec = (off % 1000000000) / 1000};
        evs[i] = event_new(base, -1, 0, lev_never_cb, NULL);
        if (!evs[i] || event_add(evs[i], &tv) < 0)
            BENCH_FAIL("libevent mem: event_new/event_add failed");
    }
    int64_t rss1 = bench_rss_bytes();
    for (int64_t i = 0; i < n; i++)
        event_free(evs[i]);
    event_base_free(base);
    free(evs);
    return (double)(rss1 - rss0) / (double)n;
}

/* ---- 5. timers: add then del --------------------------------------------------------------- */

/* n timer events are evtimer_assign'ed (outside the timed region), then, inside a callback
 * (so libevent uses its cached loop time like corral uses its tick time, instead of calling
 * clock_gettime per add), timed: n evtimer_add with the shared spread of far timeouts, then
 * n evtimer_del in reverse (LIFO, like corral's scopes). One op = evtimer_add + evtimer_del. */
typedef struct lev_timer_ctx {
    char *mem;
    size_t evsz;
    int64_t n, t0, t1;
} lev_timer_ctx;

static void lev_timer_work_cb(evutil_socket_t fd, short what, void *arg)
{
    lev_timer_ctx *c = arg;
    (void)fd;
    (void)what;
    c->t0 = bench_now_ns();
    for (int64_t i = 0; i < c->n; i++) {
        int64_t off = bench_timer_offset_ns(i);
        struct timeval tv = {.tv_sec = BENCH_FAR_NS / 1000000000 + off / 1000000000,
                             .tv_usec = (off % 1000000000) / 1000};
        evtimer_add((struct event *)(c->mem + (size_t)i * c->evsz), &tv);
    }
    for (int64_t i = c->n - 1; i >= 0; i--)
        evtimer_del((struct event *)(c->mem + (size_t)i * c->evsz));
    c->t1 = bench_now_ns();
}

double bev_timer_add_del(int64_t n)
{
    lev_timer_ctx c = {.evsz = event_get_struct_event_size(), .n = n};
    c.mem = malloc((size_t)n * c.evsz);
    if (!c.mem)
        BENCH_FAIL("libevent timers: out of memory");
    struct event_base *base = lev_base();
    if (!base)
        return -1;
    for (int64_t i = 0; i < n; i++)
        evtimer_assign((struct event *)(c.mem + (size_t)i * c.evsz), base, lev_never_cb, NULL);
    struct event *work = event_new(base, -1, 0, lev_timer_work_cb, &c);
    event_active(work, 0, 0);
    event_base_loop(base, 0);
    event_free(work);
    event_base_free(base);
    free(c.mem);
    return (double)(c.t1 - c.t0) / (double)n;
}

/* ---- 6. spawn_many: n callbacks, each re-armed once, then the loop runs dry ------------- */

/* libevent has no tasks and no groups: a "task" is an event_base_once callback (a malloc'ed
 * one-shot event, activated at once: no fd, no timeout, so it never touches the timer heap),
 * its "yield" is one re-arm (a second event_base_once from inside the callback, which runs
 * in the same dispatch pass after every other active callback), and "wait for all" is
 * event_base_loop returning once nothing is left. One op = two event_base_once + two
 * callbacks (libevent frees each once-event after its callback). For the memory rows, the
 * n-th first callback reads RSS: n re-armed events exist then (the peak). */
typedef struct lev_many_ctx {
    int64_t n, started, finished;
    int mem;
    int64_t rss1;
} lev_many_ctx;

static lev_many_ctx g_lev_many;

static void lev_many_second_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    g_lev_many.finished++;
}

static void lev_many_first_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    if (g_lev_many.mem && ++g_lev_many.started == g_lev_many.n)
        g_lev_many.rss1 = bench_rss_bytes();
    event_base_once(arg, -1, EV_TIMEOUT, lev_many_second_cb, NULL, NULL);
}

static double lev_many_run(int64_t n, int mem)
{
    memset(&g_lev_many, 0, sizeof g_lev_many);
    g_lev_many.n = n;
    g_lev_many.mem = mem;
    struct event_base *base = lev_base();
    if (!base)
        return -1;
    int64_t rss0 = bench_rss_bytes();
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < n; i++)
        if (event_base_once(base, -1, EV_TIMEOUT, lev_many_first_cb, base, NULL) < 0)
            BENCH_FAIL("libevent spawn_many: event_base_once failed");
    event_base_loop(base, 0);
    int64_t t1 = bench_now_ns();
    event_base_free(base);
    if (g_lev_many.finished != n)
        BENCH_FAIL("libevent spawn_many: finished %lld of %lld", (long long)g_lev_many.finished,
                   (long long)n);
    return mem ? (double)(g_lev_many.rss1 - rss0) / (double)n : (double)(t1 - t0) / (double)n;
}

double bev_spawn_many(int64_t n)
{
    return lev_many_run(n, 0);
}

double bev_spawn_many_warm(int64_t n)
{
    return bench_warm(bev_spawn_many, n);
}

double bev_mem_spawn_many(int64_t n)
{
    return lev_many_run(n, 1);
}

/* ---- 6. producer/consumer through a bounded ring ------------------------------------------ */

/* What a hand-written libevent program does: a ring of `cap` items and two events. The
 * producer callback fills the ring (while there is room) and activates the consumer; the
 * consumer callback drains it and activates the producer. With cap 1 each activation moves one
 * item (two callbacks per item, like corral's hand-off); with cap 1024 the callbacks move up to
 * 1024 items each, so scheduling is amortized over a batch (corral's put and get are
 * checkpoints, one ready-queue pass per call, R23). One op = one item. */
static struct {
    struct event *prod, *cons;
    int64_t *ring;
    int64_t cap, head, len, n, next, got, sum;
} g_lpc;

static void lpc_prod_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    while (g_lpc.len < g_lpc.cap && g_lpc.next < g_lpc.n) {
        g_lpc.ring[(g_lpc.head + g_lpc.len) % g_lpc.cap] = g_lpc.next++;
        g_lpc.len++;
    }
    event_active(g_lpc.cons, 0, 0);
}

static void lpc_cons_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    while (g_lpc.len > 0) {
        g_lpc.sum += g_lpc.ring[g_lpc.head];
        g_lpc.head = (g_lpc.head + 1) % g_lpc.cap;
        g_lpc.len--;
        g_lpc.got++;
    }
    if (g_lpc.next < g_lpc.n)
        event_active(g_lpc.prod, 0, 0);
}

static double lpc_run(int64_t n, int64_t cap)
{
    memset(&g_lpc, 0, sizeof g_lpc);
    g_lpc.n = n;
    g_lpc.cap = cap;
    struct event_base *base = lev_base();
    if (!base || !(g_lpc.ring = malloc((size_t)cap * sizeof *g_lpc.ring)))
        BENCH_FAIL("libevent producer/consumer: set-up failed");
    g_lpc.prod = event_new(base, -1, 0, lpc_prod_cb, NULL);
    g_lpc.cons = event_new(base, -1, 0, lpc_cons_cb, NULL);
    int64_t t0 = bench_now_ns();
    event_active(g_lpc.prod, 0, 0);
    event_base_loop(base, 0);
    int64_t t1 = bench_now_ns();
    event_free(g_lpc.prod);
    event_free(g_lpc.cons);
    event_base_free(base);
    free(g_lpc.ring);
    if (g_lpc.got != n || g_lpc.sum != n * (n - 1) / 2)
        BENCH_FAIL("libevent producer/consumer: got %lld of %lld", (long long)g_lpc.got,
                   (long long)n);
    return (double)(t1 - t0) / (double)n;
}

double bev_queue_1(int64_t n)
{
    return lpc_run(n, 1);
}
double bev_queue_1024(int64_t n)
{
    return lpc_run(n, 1024);
}
