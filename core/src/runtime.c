/* runtime.c - runtime lifetime, options and the thread-safe entry points (R1). */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_STACK_SIZE (256 * 1024)
#define MIN_STACK_SIZE (16 * 1024)

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    (void)arg;
    uint64_t n;
    while (read(fd, &n, sizeof n) > 0) {
    }
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg; /* the tick fires due timers from corral's own heap */
}

int corral__rt_unusable(const corral_rt *rt)
{
    if (!rt)
        return corral__fail(CORRAL_EINVALIDARG, "runtime is NULL");
    if (rt->closed)
        return corral__fail(CORRAL_ECLOSED, "runtime is closed");
    return 0;
}

_Thread_local corral_rt *corral__tls_loop;

/* Free lists: blocks are recycled only on the loop's own thread, so no locking is needed;
 * anywhere else they go straight to malloc/free. */
#define POOL_MAX 4096

void *corral__block_get(corral_rt *rt, int pool, size_t size)
{
    void *p = rt->pools[pool];
    if (p && corral__tls_loop == rt) {
        rt->pools[pool] = *(void **)p;
        rt->pool_len[pool]--;
        memset(p, 0, size);
        return p;
    }
    return calloc(1, size);
}

void corral__block_put(corral_rt *rt, int pool, void *p)
{
    if (corral__tls_loop == rt && !rt->closed && rt->pool_len[pool] < POOL_MAX) {
        *(void **)p = rt->pools[pool];
        rt->pools[pool] = p;
        rt->pool_len[pool]++;
        return;
    }
    free(p);
}

static void free_pools(corral_rt *rt)
{
    for (int i = 0; i < CORRAL__POOL_COUNT; i++) {
        while (rt->pools[i]) {
            void *p = rt->pools[i];
            rt->pools[i] = *(void **)p;
            free(p);
        }
        rt->pool_len[i] = 0;
    }
}

static void rt_free(corral_rt *rt)
{
    free_pools(rt);
    pthread_mutex_destroy(&rt->post_mu);
    free(rt->handed);
    free(rt);
}

void corral__rt_obj_ref(corral_rt *rt)
{
    atomic_fetch_add(&rt->obj_refs, 1);
}

void corral__rt_obj_unref(corral_rt *rt)
{
    if (atomic_fetch_sub(&rt->obj_refs, 1) == 1 && atomic_load(&rt->user_refs) == 0)
        rt_free(rt);
}

int corral_rt_new(corral_rt **out, uint32_t flags)
{
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "rt_new: out is NULL");
    if (flags & ~(CORRAL_RT_VIRTUAL_CLOCK | CORRAL_RT_SIGNALS | CORRAL_RT_STRICT |
                  CORRAL_RT_ESCALATE_SIGNALS))
        return corral__fail(CORRAL_EINVALIDARG, "rt_new: unknown flags 0x%x", flags);
    corral_rt *rt = calloc(1, sizeof *rt);
    if (!rt)
        return CORRAL_ENOMEM;
    atomic_init(&rt->user_refs, 1);
    rt->flags = flags;
    rt->trace_fd = -1;
    rt->wake_fd = -1;
    rt->next_task_id = 1;
    rt->cancel_epoch = 1;
    clock_gettime(CLOCK_MONOTONIC, &rt->origin);
    corral__heap_init(&rt->timers);
    corral__stack_pool_init(&rt->stacks, DEFAULT_STACK_SIZE);
    pthread_mutex_init(&rt->post_mu, NULL);

    struct event_config *cfg = event_config_new();
    if (cfg) {
        /* corral keeps its own time; libevent's cached time is never consulted */
        event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
        rt->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    rt->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (rt->base && rt->wake_fd >= 0) {
        rt->wake_ev = event_new(rt->base, rt->wake_fd, EV_READ | EV_PERSIST, wake_cb, rt);
        rt->timer_ev = evtimer_new(rt->base, timer_cb, rt);
    }
    int rc = rt->wake_ev && rt->timer_ev && event_add(rt->wake_ev, NULL) == 0
                 ? corral__group_new(&rt->root, rt, NULL, "root", true)
                 : CORRAL_ENOMEM;
    if (rc < 0) {
        if (rt->wake_ev)
            event_free(rt->wake_ev);
        if (rt->timer_ev)
            event_free(rt->timer_ev);
        if (rt->wake_fd >= 0)
            close(rt->wake_fd);
        if (rt->base)
            event_base_free(rt->base);
        corral__stack_pool_free(&rt->stacks);
        rt_free(rt);
        return rc;
    }
    *out = rt;
    return 0;
}

corral_rt *corral_rt_ref(corral_rt *rt)
{
    if (rt)
        atomic_fetch_add(&rt->user_refs, 1);
    return rt;
}

void corral_rt_unref(corral_rt *rt)
{
    if (!rt || atomic_fetch_sub(&rt->user_refs, 1) != 1)
        return;
    corral__rt_obj_ref(rt); /* the memory goes with the last object, possibly this one */
    if (!rt->closed && !rt->in_loop)
        corral_rt_close(rt);
    corral__rt_obj_unref(rt);
}

static void discard_entries(corral_rt *rt, corral__fifo *q)
{
    corral__entry *e;
    while ((e = corral__fifo_pop(q))) {
        if (e->kind != CORRAL__ENTRY_TASK)
            corral__job_free((corral__job *)e);
    }
    (void)rt;
}

int corral_rt_close(corral_rt *rt)
{
    if (!rt)
        return corral__fail(CORRAL_EINVALIDARG, "rt_close: runtime is NULL");
    if (rt->closed)
        return 0;
    if (rt->in_loop)
        return corral__fail(CORRAL_EINVALIDSTATE, "rt_close: called from inside the loop");
    corral__rt_obj_ref(rt); /* keep the memory while objects are released below */
    rt->closed = 1;
    if (corral__tls_loop == rt)
        corral__tls_loop = NULL;
    corral__host_release_handed(rt);
    discard_entries(rt, &rt->batch);
    discard_entries(rt, &rt->ready);
    corral__drain_posted(rt);
    discard_entries(rt, &rt->ready);
    /* Discard live tasks, newest first, then the group tree. */
    while (rt->live_tail)
        corral__task_discard(rt->live_tail);
    corral__flush_graveyard(rt);
    corral__heap_free(&rt->timers);
    corral_task_unref(rt->main);
    rt->main = NULL;
    corral_error_unref(rt->strict_error);
    rt->strict_error = NULL;
    if (rt->root) {
        corral_group *root = rt->root;
        rt->root = NULL;
        corral__group_discard_tree(root);
        corral_group_unref(root);
    }
    for (int i = 0; i < 2; i++)
        if (rt->sig_events[i]) {
            event_free(rt->sig_events[i]);
            rt->sig_events[i] = NULL;
        }
    event_free(rt->wake_ev);
    event_free(rt->timer_ev);
    rt->wake_ev = rt->timer_ev = NULL;
    close(rt->wake_fd);
    rt->wake_fd = -1;
    event_base_free(rt->base);
    rt->base = NULL;
    corral__stack_pool_free(&rt->stacks);
    free_pools(rt);
    corral__rt_obj_unref(rt);
    return 0;
}

corral_group *corral_rt_root_group(corral_rt *rt)
{
    return rt && !rt->closed ? rt->root : NULL;
}

int64_t corral_rt_unhandled_count(corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    return rc < 0 ? rc : rt->unhandled;
}

int corral_rt_set_fiber_stack_size(corral_rt *rt, size_t bytes)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (bytes < MIN_STACK_SIZE || bytes > ((size_t)1 << 30))
        return corral__fail(CORRAL_EINVALIDARG, "fiber stack size %zu outside [16 KiB, 1 GiB]",
                            bytes);
    corral__stack_pool_free(&rt->stacks);
    corral__stack_pool_init(&rt->stacks, bytes);
    return 0;
}

int corral_rt_post_threadsafe(corral_rt *rt, void (*fn)(void *ud), void *ud)
{
    if (!rt || !fn)
        return corral__fail(CORRAL_EINVALIDARG, "post: runtime and fn are required");
    corral__job *j = corral__job_new(NULL, CORRAL__ENTRY_POSTED);
    if (!j)
        return CORRAL_ENOMEM;
    j->posted = fn;
    j->ud = ud;
    pthread_mutex_lock(&rt->post_mu);
    if (rt->closed) {
        pthread_mutex_unlock(&rt->post_mu);
        corral__job_free(j);
        return corral__fail(CORRAL_ECLOSED, "post: runtime is closed");
    }
    if (rt->posted_tail)
        rt->posted_tail->entry.next = &j->entry;
    else
        rt->posted_head = j;
    rt->posted_tail = j;
    atomic_store(&rt->posted_flag, 1);
    /* Touch the wake-up fd only when the loop sleeps (design.md, physical floors). */
    if (atomic_load(&rt->sleeping)) {
        uint64_t one = 1;
        ssize_t w = write(rt->wake_fd, &one, sizeof one);
        (void)w;
    }
    pthread_mutex_unlock(&rt->post_mu);
    return 0;
}

/* Posted when a hold is released: running it is enough to end a blocking poll. */
static void recheck_idle(void *ud)
{
    (void)ud;
}

int corral_rt_hold_threadsafe(corral_rt *rt, int delta)
{
    if (!rt || (delta != 1 && delta != -1))
        return corral__fail(CORRAL_EINVALIDARG, "hold: delta must be +1 or -1");
    if (atomic_fetch_add(&rt->holds, delta) + delta < 0) {
        atomic_fetch_sub(&rt->holds, delta);
        return corral__fail(CORRAL_EINVALIDSTATE, "hold: released more than held");
    }
    if (delta < 0)
        corral_rt_post_threadsafe(rt, recheck_idle, NULL); /* wake the loop to re-check */
    return 0;
}

void corral__drain_posted(corral_rt *rt)
{
    if (!atomic_load_explicit(&rt->posted_flag, memory_order_acquire))
        return;
    pthread_mutex_lock(&rt->post_mu);
    corral__job *j = rt->posted_head;
    rt->posted_head = rt->posted_tail = NULL;
    atomic_store(&rt->posted_flag, 0);
    pthread_mutex_unlock(&rt->post_mu);
    while (j) {
        corral__job *next = (corral__job *)j->entry.next;
        j->entry.next = NULL;
        if (rt->closed)
            corral__job_free(j);
        else
            corral__fifo_push(&rt->ready, &j->entry);
        j = next;
    }
}
