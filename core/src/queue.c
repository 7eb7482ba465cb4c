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
            corral__value_drop(rt, &q->buf[(q->head + i) % q->cap]);
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
        buf[i] = q->buf[(q->head + i) % q->cap];
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

/* front: ahead of every item of its priority (seq 0; real items count from 1). */
static int heap_push(corral_queue *q, const corral_value *v, int32_t priority, bool front)
{
    if (q->len == q->heap_cap) {
        size_t cap = q->heap_cap ? q->heap_cap * 2 : 8;
        corral__qitem *heap = realloc(q->heap, cap * sizeof *heap);
        if (!heap)
            return CORRAL_ENOMEM;
        q->heap = heap;
        q->heap_cap = cap;
    }
    size_t i = q->len;
    int rc = corral__value_take(&q->heap[i].value, v);
    if (rc < 0)
        return rc;
    q->heap[i].priority = priority;
    q->heap[i].seq = front ? 0 : ++q->seq;
    q->len++;
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

/* Buffer v (copied as corral__value_take does). */
static int buf_push(corral_queue *q, const corral_value *v, int32_t priority)
{
    if (q->kind == CORRAL_QUEUE_PRIORITY)
        return heap_push(q, v, priority, false);
    if (q->len == q->cap) {
        int rc = ring_grow(q);
        if (rc < 0)
            return rc;
    }
    int rc = corral__value_take(&q->buf[(q->head + q->len) % q->cap], v);
    if (rc == 0)
        q->len++;
    return rc;
}

static corral_value buf_pop(corral_queue *q)
{
    corral_value v;
    if (q->kind == CORRAL_QUEUE_PRIORITY)
        return heap_pop(q);
    if (q->kind == CORRAL_QUEUE_LIFO) {
        v = q->buf[(q->head + q->len - 1) % q->cap];
    } else {
        v = q->buf[q->head];
        q->head = (q->head + 1) % q->cap;
    }
    q->len--;
    return v;
}

/* Put an item back where the next get finds it first (R31). Takes the item. */
static void buf_push_front(corral_queue *q, corral_value *item)
{
    if (q->kind == CORRAL_QUEUE_PRIORITY) {
        if (heap_push(q, item, INT32_MIN, true) == 0) {
            if (item->type == CORRAL_VALUE_BYTES)
                free((void *)item->as.p); /* the heap holds its own copy */
        }
        *item = (corral_value){0};
        return;
    }
    if (q->len == q->cap && ring_grow(q) < 0) {
        *item = (corral_value){0};
        return;
    }
    if (q->kind == CORRAL_QUEUE_LIFO) {
        q->buf[(q->head + q->len) % q->cap] = *item; /* the tail is LIFO's front */
    } else {
        q->head = (q->head + q->cap - 1) % q->cap;
        q->buf[q->head] = *item;
    }
    q->len++;
    *item = (corral_value){0}; /* moved, BYTES included: the buffer owns it now */
}

static bool is_full(const corral_queue *q)
{
    return q->kind == CORRAL_QUEUE_RENDEZVOUS || (q->maxsize > 0 && (int64_t)q->len >= q->maxsize);
}

int corral__queue_try_get(corral_queue *q, corral_value *out)
{
    if (q->len == 0) {
        corral__listener *p = q->kind == CORRAL_QUEUE_RENDEZVOUS ? q->putters.head : NULL;
        if (p) { /* rendezvous: take the first parked putter's item directly */
            corral_task *putter = CORRAL__WAITER_TASK(p);
            int rc = corral__value_take(out, &putter->resume_value);
            if (rc < 0)
                return rc;
            corral__waitlist_pop(&q->putters);
            putter->resume_value = (corral_value){0};
            corral__wake(putter, 0, NULL, false, NULL);
            return 0;
        }
        return q->closed ? CORRAL_EQUEUECLOSED : CORRAL_EQUEUEEMPTY;
    }
    *out = buf_pop(q);
    /* R60: promote the first parked putter synchronously, so nobody barges in. */
    corral__listener *p = corral__waitlist_pop(&q->putters);
    if (p) {
        corral_task *putter = CORRAL__WAITER_TASK(p);
        int rc = buf_push(q, &putter->resume_value, putter->wait.arg); /* the parked put's item */
        putter->resume_value = (corral_value){0};
        corral__wake(putter, rc, NULL, false, NULL);
    }
    return 0;
}

void corral__queue_unget(corral_queue *q, corral_value *item)
{
    corral__listener *g = corral__waitlist_pop(&q->getters);
    if (g) {
        corral_task *getter = CORRAL__WAITER_TASK(g);
        corral__wake(getter, 0, item, true, NULL);
        getter->rollback = corral_queue_ref(q);
        *item = (corral_value){0};
        return;
    }
    buf_push_front(q, item);
}

int corral__queue_try_put(corral_queue *q, const corral_value *v, int32_t priority)
{
    if (q->closed)
        return CORRAL_EQUEUECLOSED;
    corral__listener *g = corral__waitlist_pop(&q->getters);
    if (g) { /* R60: direct hand-off to the first parked getter */
        corral_value item;
        int rc = corral__value_take(&item, v);
        if (rc < 0) {
            corral__waitlist_push(&q->getters, g); /* nothing happened; keep its place */
            return rc;
        }
        corral_task *getter = CORRAL__WAITER_TASK(g);
        corral__wake(getter, 0, &item, true, NULL);
        getter->rollback = corral_queue_ref(q);
        return 0;
    }
    if (is_full(q))
        return CORRAL_EQUEUEFULL;
    return buf_push(q, v, priority);
}

int corral_queue_put_nowait(corral_queue *q, const corral_value *v)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!v || v->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put_nowait: bad value");
    return corral__queue_try_put(q, v, 0);
}

int corral_queue_put_nowait_priority(corral_queue *q, const corral_value *v, int32_t priority)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!v || v->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put_nowait: bad value");
    return corral__queue_try_put(q, v, priority);
}

int corral_queue_get_nowait(corral_queue *q, corral_value *out)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "queue_get_nowait: out is NULL");
    rc = corral__queue_try_get(q, out);
    return rc == CORRAL_EQUEUECLOSED ? CORRAL_EQUEUEEMPTY : rc; /* R62: hat semantics */
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
    while ((x = corral__waitlist_pop(&q->putters))) { /* R63: their items are not enqueued */
        corral_task *putter = CORRAL__WAITER_TASK(x);
        putter->resume_value = (corral_value){0}; /* the item stays the caller's */
        corral__wake(putter, CORRAL_EQUEUECLOSED, NULL, false, NULL);
    }
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

int corral_queue_get(corral_queue *q, corral_value *out, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_QUEUE_GET, .target = q, .deadline = deadline};
    return corral_await(&op, out);
}

int corral_queue_put_priority(corral_queue *q, const corral_value *v, int32_t priority,
                              int64_t deadline)
{
    if (!v)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put: value is NULL");
    corral_op op = {.kind = CORRAL_OP_QUEUE_PUT,
                    .arg = priority,
                    .target = q,
                    .deadline = deadline,
                    .value = *v};
    return corral_await(&op, NULL);
}

int corral_queue_put(corral_queue *q, const corral_value *v, int64_t deadline)
{
    return corral_queue_put_priority(q, v, 0, deadline);
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
    int rc = corral_queue_get(q, out, deadline);
    if (rc == 0)
        drain_into(q, out);
    return rc;
}

int corral_queue_get_nowait_until_empty(corral_queue *q, corral_value *out)
{
    int rc = corral_queue_get_nowait(q, out);
    if (rc == 0)
        drain_into(q, out);
    return rc;
}
