/* queue.c - closable FIFO queues with direct hand-off (R60-R64). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int usable(const corral_queue *q)
{
    if (!q)
        return corral__fail(CORRAL_EINVALIDARG, "queue is NULL");
    return corral__rt_usable(q->rt);
}

int corral_queue_new(corral_queue **out, corral_rt *rt, int64_t maxsize)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "queue_new: out is NULL");
    corral_queue *q = calloc(1, sizeof *q);
    if (!q)
        return CORRAL_ENOMEM;
    atomic_init(&q->refs, 1);
    q->rt = rt;
    q->maxsize = maxsize > 0 ? maxsize : 0; /* R60: <= 0 means unbounded */
    corral__rt_obj_ref(rt);
    *out = q;
    return 0;
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
    for (size_t i = 0; i < q->len; i++)
        corral__value_drop(rt, &q->buf[(q->head + i) % q->cap]);
    free(q->buf);
    free(q);
    corral__rt_obj_unref(rt);
}

static int push_back(corral_queue *q, const corral_value *v)
{
    if (q->len == q->cap) {
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
    }
    int rc = corral__value_take(&q->buf[(q->head + q->len) % q->cap], v);
    if (rc == 0)
        q->len++;
    return rc;
}

int corral__queue_try_get(corral_queue *q, corral_value *out)
{
    if (q->len == 0)
        return q->closed ? CORRAL_EQUEUECLOSED : CORRAL_EQUEUEEMPTY;
    *out = q->buf[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    /* R60: promote the first parked putter synchronously, so nobody barges in. */
    corral__listener *p = corral__waitlist_pop(&q->putters);
    if (p) {
        corral_task *putter = CORRAL__WAITER_TASK(p);
        int rc = push_back(q, &putter->resume_value); /* the parked put's item */
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
    } else if (push_back(q, item) == 0) {
        /* push_back copied BYTES; move the new tail to the head */
        q->head = (q->head + q->cap - 1) % q->cap;
        corral_value moved = q->buf[(q->head + q->len) % q->cap];
        q->buf[q->head] = moved;
        if (item->type == CORRAL_VALUE_BYTES)
            free((void *)item->as.p); /* the buffer holds its own copy now */
        *item = (corral_value){0};
        return;
    }
    *item = (corral_value){0};
}

int corral__queue_try_put(corral_queue *q, const corral_value *v)
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
    if (q->maxsize > 0 && (int64_t)q->len >= q->maxsize)
        return CORRAL_EQUEUEFULL;
    return push_back(q, v);
}

int corral_queue_put_nowait(corral_queue *q, const corral_value *v)
{
    int rc = usable(q);
    if (rc < 0)
        return rc;
    if (!v || v->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put_nowait: bad value");
    return corral__queue_try_put(q, v);
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

int corral_queue_get(corral_queue *q, corral_value *out, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_QUEUE_GET, .target = q, .deadline = deadline};
    return corral_await(&op, out);
}

int corral_queue_put(corral_queue *q, const corral_value *v, int64_t deadline)
{
    if (!v)
        return corral__fail(CORRAL_EINVALIDARG, "queue_put: value is NULL");
    corral_op op = {.kind = CORRAL_OP_QUEUE_PUT, .target = q, .deadline = deadline, .value = *v};
    return corral_await(&op, NULL);
}
