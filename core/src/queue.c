/* queue.c - closable queues (FIFO, LIFO, priority, rendezvous) with direct hand-off (R60-R64). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int usable(const corral_queue *q)
{
    if (!q)
        return corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
    return corral__rt_usable(q->rt);
}

int corral_queue_new_kind(corral_queue **out, corral_rt *rt, int64_t maxsize, int kind)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "queue_new: out is NULL");
    if (kind < CORRAL_QUEUE_FIFO || kind > CORRAL_QUEUE_RENDEZVOUS)
        return corral__fail(CORRAL_EINVALIDARG, "queue_new: unknown kind %d", kind);
    corral_queue *q = calloc(1, sizeof *q);
    if (!q)
        return CORRAL_ENOMEM;
    atomic_init(&q->refs, 1);
    q->rt = rt;
    q->kind = (uint8_t)kind;
    q->maxsize = maxsize > 0 && kind != CORRAL_QUEUE_RENDEZVOUS ? maxsize : 0; /* R60 */
    corral__rt_obj_ref(rt);
    *out = q;
    return 0;
}

int corral_queue_new(corral_queue **out, corral_rt *rt, int64_t maxsize)
{
    return corral_queue_new_kind(out, rt, maxsize, CORRAL_QUEUE_FIFO);
}

corral_queue *corral_queue_ref(corral_queue *q)
{
    if (q)
        atomic_fetch_add_explicit(&q->refs, 1, memory_order_relaxed);
    return q;
}

void corral_queue_unref(corral_queue *q)
{
    if (!q || atomic_fetch_sub_explicit(&q->refs, 1, memory_order_acq_rel) != 1)
        return;
    corral_rt *rt = q->rt;
    if (q->kind == CORRAL_QUEUE_PRIORITY)
        for (size_t i = 0; i < q->len; i++)
            corral__value_drop(rt, &q->heap[i].value);
    else
        for (size_t i = 0; i < q->len; i++)
            corral__value_drop(rt, &q->buf[(q->head + i) & (q->cap - 1)]);
    free(q->buf);
    free(q->heap);
    free(q);
    corral__rt_obj_unref(rt);
}

/* ---- the buffer: a ring for FIFO/LIFO, a min-heap on (priority, seq) for PRIORITY ---- */

static int ring_grow(corral_queue *q)
{
    size_t cap = q->cap ? q->cap * 2 : 8;
    corral_value *buf = malloc(cap * sizeof *buf);
    if (!buf)
        return CORRAL_ENOMEM;
    for (size_t i = 0; i < q->len; i++)
        buf[i] = q->buf[(q->head + i) & (q->cap - 1)];
    free(q->buf);
    q->buf = buf;
    q->cap = cap;
    q->head = 0;
    return 0;
}

static bool heap_less(const corral__qitem *a, const corral__qitem *b)
{
    return a->priority != b->priority ? a->priority < b->priority : a->seq < b->seq;
}

static void heap_swap(corral__qitem *a, corral__qitem *b)
{
    corral__qitem t = *a;
    *a = *b;
    *b = t;
}

/* Insert an item the queue already owns (moved: *item is zeroed on success). */
static int heap_insert(corral_queue *q, corral_value *item, int32_t priority, int64_t seq)
{
    if (q->len == q->heap_cap) {
        size_t cap = q->heap_cap ? q->heap_cap * 2 : 8;
        corral__qitem *heap = realloc(q->heap, cap * sizeof *heap);
        if (!heap)
            return CORRAL_ENOMEM;
        q->heap = heap;
        q->heap_cap = cap;
    }
    size_t i = q->len++;
    q->heap[i].value = *item;
    q->heap[i].priority = priority;
    q->heap[i].seq = seq;
    *item = (corral_value){0};
    while (i > 0 && heap_less(&q->heap[i], &q->heap[(i - 1) / 2])) {
        heap_swap(&q->heap[i], &q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

static corral_value heap_pop(corral_queue *q)
{
    corral_value top = q->heap[0].value;
    q->heap[0] = q->heap[--q->len];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->len && heap_less(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->len && heap_less(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            break;
        heap_swap(&q->heap[i], &q->heap[m]);
        i = m;
    }
    return top;
}

/* Buffer an item the queue already owns (moved: *item is zeroed on success; on failure it
 * is left as it was). The ring's capacity is a power of two. */
static int buf_insert(corral_queue *q, corral_value *item, int32_t priority)
{
    if (q->kind == CORRAL_QUEUE_PRIORITY)
        return heap_insert(q, item, priority, ++q->seq);
    if (q->len == q->cap) {
        int rc = ring_grow(q);
        if (rc < 0)
            return rc;
    }
    q->buf[(q->head + q->len) & (q->cap - 1)] = *item;
    q->len++;
    *item = (corral_value){0};
    return 0;
}

static corral_value buf_pop(corral_queue *q)
{
    corral_value v;
    if (q->kind == CORRAL_QUEUE_PRIORITY)
        return heap_pop(q);
    if (q->kind == CORRAL_QUEUE_LIFO) {
        v = q->buf[(q->head + q->len - 1) & (q->cap - 1)];
    } else {
        v = q->buf[q->head];
        q->head = (q->head + 1) & (q->cap - 1);
    }
    q->len--;
    return v;
}

/* Drop the core's copy of a caller's item that was not taken (BYTES are copied when the core
 * takes a value; PTR and HOST items stay the caller's). */
static void forget_copy(corral_value *item)
{
    if (item->type == CORRAL_VALUE_BYTES)
        free((void *)item->as.p);
    *item = (corral_value){0};
}

void corral__put_item_forget(corral_task *t)
{
    forget_copy(&t->resume_value);
}

/* Put an item back where the next get finds it first (R31). Takes the item. */
/* Put an item back at the front (ahead of every priority; past maxsize if need be: it was in
 * the queue before). On failure (no memory) the item is untouched. */
static int buf_push_front(corral_queue *q, corral_value *item)
{
    int rc;
    if (q->kind == CORRAL_QUEUE_PRIORITY) {
        rc = heap_insert(q, item, INT32_MIN, --q->front_seq);
    } else if (q->len == q->cap && (rc = ring_grow(q)) < 0) {
        /* out of memory: nowhere to keep it */
    } else {
        if (q->kind == CORRAL_QUEUE_LIFO) {
            q->buf[(q->head + q->len) & (q->cap - 1)] = *item; /* the tail is LIFO's front */
        } else {
            q->head = (q->head + q->cap - 1) & (q->cap - 1);
            q->buf[q->head] = *item;
        }
        q->len++;
        *item = (corral_value){0}; /* moved, BYTES included: the buffer owns it now */
        rc = 0;
    }
    return rc;
}

static bool is_full(const corral_queue *q)
{
    return q->kind == CORRAL_QUEUE_RENDEZVOUS || (q->maxsize > 0 && (int64_t)q->len >= q->maxsize);
}

int corral__queue_try_get(corral_queue *q, corral_value *out)
{
    corral__listener *p;
    if (q->len == 0) {
        p = q->kind == CORRAL_QUEUE_RENDEZVOUS ? corral__waitlist_pop(&q->putters) : NULL;
        if (p) { /* rendezvous: take the first parked putter's item directly */
            corral_task *putter = CORRAL__WAITER_TASK(p);
            *out = putter->resume_value; /* moved: BYTES were copied when the putter parked */
            putter->resume_value = (corral_value){0};
            corral__wake(putter, 0, NULL, false, NULL);
            return 0;
        }
        return q->closed ? CORRAL_EQUEUECLOSED : CORRAL_EQUEUEEMPTY;
    }
    *out = buf_pop(q);
    /* R60: promote the first parked putter synchronously, so nobody barges in. (A rendezvous
     * queue buffers only items given back by an abandon, R31: its putters keep waiting for a
     * getter to take their item.) */
    p = q->putters.head && q->kind != CORRAL_QUEUE_RENDEZVOUS ? corral__waitlist_pop(&q->putters)
                                                              : NULL;
    if (p) {
        corral_task *putter = CORRAL__WAITER_TASK(p);
        /* the parked put's item; on failure (no memory) the putter keeps it */
        int rc = buf_insert(q, &putter->resume_value, putter->wait.arg);
        corral__wake(putter, rc, NULL, false, NULL);
    }
    return 0;
}

/* The item to the next parked getter, else to the front of the buffer. */
static int queue_unget(corral_queue *q, corral_value *item)
{
    corral__listener *g = corral__waitlist_pop(&q->getters);
    if (g) {
        corral_task *getter = CORRAL__WAITER_TASK(g);
        corral__wake(getter, 0, item, true, NULL);
        corral__task_set_rollback(getter, CORRAL__ROLLBACK_QUEUE, q);
        *item = (corral_value){0};
        return 0;
    }
    return buf_push_front(q, item);
}

void corral__queue_unget(corral_queue *q, corral_value *item)
{
    if (queue_unget(q, item) < 0)
        corral__value_drop(q->rt, item); /* out of memory: nowhere to keep it */
}

int corral_queue_unget(corral_queue *q, corral_value *item)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!item || item->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "queue_unget: bad value");
    rc = queue_unget(q, item);
    return rc < 0 ? corral__fail(rc, "queue_unget: out of memory") : 0;
}

int corral__queue_try_put(corral_queue *q, const corral_value *v, int32_t priority)
{
    if (q->closed)
        return CORRAL_EQUEUECLOSED;
    bool handoff = q->getters.head != NULL;
    if (!handoff && is_full(q))
        return CORRAL_EQUEUEFULL;
    corral_value item = *v; /* validated by the caller; BYTES are copied */
    if (v->type == CORRAL_VALUE_BYTES) {
        int rc = corral__value_take(&item, v); /* before anything changes: no effect on failure */
        if (rc < 0)
            return rc;
    }
    int rc;
    if (handoff) { /* R60: direct hand-off to the first parked getter */
        corral_task *getter = CORRAL__WAITER_TASK(corral__waitlist_pop(&q->getters));
        corral__wake(getter, 0, &item, true, NULL);
        corral__task_set_rollback(getter, CORRAL__ROLLBACK_QUEUE, q);
        return 0;
    }
    rc = buf_insert(q, &item, priority);
    if (rc < 0)
        forget_copy(&item);
    return rc;
}

int corral_queue_put_nowait(corral_queue *q, const corral_value *v)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!v || v->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put_nowait: bad value");
    rc = corral__queue_try_put(q, v, 0);
    return rc < 0 ? corral__fail_plain(rc) : rc;
}

int corral_queue_put_nowait_priority(corral_queue *q, const corral_value *v, int32_t priority)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!v || v->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put_nowait: bad value");
    rc = corral__queue_try_put(q, v, priority);
    return rc < 0 ? corral__fail_plain(rc) : rc;
}

static int queue_get_nowait(corral_queue *q, corral_value *out)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "queue_get_nowait: out is NULL");
    rc = corral__queue_try_get(q, out);
    if (rc < 0) /* R62: hat semantics - closed and drained reads as empty */
        return corral__fail_plain(rc == CORRAL_EQUEUECLOSED ? CORRAL_EQUEUEEMPTY : rc);
    return rc;
}

int corral_queue_get_nowait(corral_queue *q, corral_value *out)
{
    return queue_get_nowait(q, out);
}

int corral_queue_close(corral_queue *q)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (q->closed)
        return 0;
    q->closed = 1;
    corral__listener *x;
    while ((x = corral__waitlist_pop(&q->putters))) /* R63: their items are not enqueued */
        corral__wake(CORRAL__WAITER_TASK(x), CORRAL_EQUEUECLOSED, NULL, false, NULL);
    if (q->len == 0)
        while ((x = corral__waitlist_pop(&q->getters)))
            corral__wake(CORRAL__WAITER_TASK(x), CORRAL_EQUEUECLOSED, NULL, false, NULL);
    return 0;
}

int64_t corral_queue_size(const corral_queue *q)
{
    return q ? (int64_t)q->len : corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
}

int64_t corral_queue_maxsize(const corral_queue *q)
{
    return q ? q->maxsize : corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
}

int corral_queue_is_closed(const corral_queue *q)
{
    return q ? q->closed : corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
}

int corral_queue_kind(const corral_queue *q)
{
    return q ? q->kind : corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
}

int corral_queue_full(const corral_queue *q)
{
    if (!q)
        return corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
    return is_full(q) && !q->getters.head;
}

/* The fiber shorthands call these directly: an exported function calling another goes
 * through the PLT (semantic interposition), which costs on the hot path. */
static int queue_get(corral_queue *q, corral_value *out, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_QUEUE_GET, .target = q, .deadline = deadline};
    return corral__await(&op, out);
}

static int queue_put(corral_queue *q, const corral_value *v, int32_t priority, int64_t deadline)
{
    if (!v)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put: value is NULL");
    corral_op op = {.kind = CORRAL_OP_QUEUE_PUT,
                    .arg = priority,
                    .target = q,
                    .deadline = deadline,
                    .value = *v};
    return corral__await(&op, NULL);
}

int corral_queue_get(corral_queue *q, corral_value *out, int64_t deadline)
{
    return queue_get(q, out, deadline);
}

int corral_queue_put_priority(corral_queue *q, const corral_value *v, int32_t priority,
                              int64_t deadline)
{
    return queue_put(q, v, priority, deadline);
}

int corral_queue_put(corral_queue *q, const corral_value *v, int64_t deadline)
{
    return queue_put(q, v, 0, deadline);
}

/* Keep the newest of the items that can be had without waiting. */
static void drain_into(corral_queue *q, corral_value *out)
{
    corral_value next;
    while (corral__queue_try_get(q, &next) == 0) {
        corral__value_drop(q->rt, out);
        *out = next;
    }
}

int corral_queue_get_until_empty(corral_queue *q, corral_value *out, int64_t deadline)
{
    int rc = queue_get(q, out, deadline);
    if (rc == 0)
        drain_into(q, out);
    return rc;
}

int corral_queue_get_nowait_until_empty(corral_queue *q, corral_value *out)
{
    int rc = queue_get_nowait(q, out);
    if (rc == 0)
        drain_into(q, out);
    return rc;
}
