/*
 * corral/queue.h - closable FIFO queues with direct hand-off (R60-R64).
 *
 * maxsize <= 0 means unbounded (a RENDEZVOUS queue holds nothing). Items are corral_value: the
 * queue takes ownership on put and hands it to the getter, who owns it (corral_value_clear for
 * BYTES/PTR).
 */
#ifndef CORRAL_QUEUE_H
#define CORRAL_QUEUE_H

#include "task.h"

CORRAL_BEGIN_DECLS

typedef struct corral_queue corral_queue;

/* Queue kinds: the order in which buffered items come out. Parked getters and putters are
 * FIFO in every kind, and direct hand-off (R60) applies to all. */
#define CORRAL_QUEUE_FIFO 0     /* first in, first out (hat / asyncio Queue) */
#define CORRAL_QUEUE_LIFO 1     /* last in, first out (asyncio LifoQueue) */
#define CORRAL_QUEUE_PRIORITY 2 /* smallest priority first, equal priorities FIFO */
#define CORRAL_QUEUE_RENDEZVOUS                                                                    \
    3 /* capacity 0 (trio's channel of size 0): a put completes only                               \
       * when a getter takes the item; maxsize is ignored */

/* A FIFO queue. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_queue_new(corral_queue **out, corral_rt *rt, int64_t maxsize);
/* A queue of the given CORRAL_QUEUE_* kind. Same errors (and CORRAL_EINVALIDARG for an
 * unknown kind). Thread: loop. */
CORRAL_API int corral_queue_new_kind(corral_queue **out, corral_rt *rt, int64_t maxsize, int kind);
CORRAL_API int corral_queue_kind(const corral_queue *q);
CORRAL_API corral_queue *corral_queue_ref(corral_queue *q);
CORRAL_API void corral_queue_unref(corral_queue *q);

/* Put without waiting: hands the item to the first parked getter or buffers it. On failure
 * the item stays the caller's. Errors: CORRAL_EQUEUECLOSED, CORRAL_EQUEUEFULL,
 * CORRAL_EINVALIDARG. Thread: loop. */
CORRAL_API int corral_queue_put_nowait(corral_queue *q, const corral_value *v);
/* put_nowait with a priority (used by PRIORITY queues, ignored by the others; the async form
 * passes it in corral_op.arg). */
CORRAL_API int corral_queue_put_nowait_priority(corral_queue *q, const corral_value *v,
                                                int32_t priority);
/* Give back an item just taken from q and not used (R31: a host binding whose task dropped a
 * get outcome it had already received): it goes to the first parked getter, else to the
 * front of the buffer - ahead of every priority, past maxsize if need be, also on a closed
 * queue (it was in the queue before) - so it is neither lost nor reordered. On success the
 * queue owns the item and *item is cleared; on failure it stays the caller's. Only for an
 * item taken from this queue: anything else would let the queue grow past its maxsize.
 * Errors: CORRAL_EINVALIDARG, CORRAL_ENOMEM, CORRAL_ECLOSED (runtime closed). Thread: loop. */
CORRAL_API int corral_queue_unget(corral_queue *q, corral_value *item);
/* Get without waiting (promotes the first parked putter). Errors: CORRAL_EQUEUEEMPTY (also
 * when closed and empty), CORRAL_EINVALIDARG. Thread: loop. */
CORRAL_API int corral_queue_get_nowait(corral_queue *q, corral_value *out);
/* Close (R63): idempotent; parked putters fail with QueueClosed; if the buffer is empty,
 * parked getters too. Buffered items stay gettable. Thread: loop. */
CORRAL_API int corral_queue_close(corral_queue *q);
/* Queries (negative code for NULL). */
CORRAL_API int64_t corral_queue_size(const corral_queue *q);
CORRAL_API int64_t corral_queue_maxsize(const corral_queue *q);
CORRAL_API int corral_queue_is_closed(const corral_queue *q);
/* 1 when the queue has no room: a put_nowait on the open queue would fail with QueueFull (a
 * RENDEZVOUS queue is full unless a getter waits); 0 otherwise. A size query, as hat.aio's
 * full(): closing does not change it (a put then fails with QueueClosed first). Negative code
 * for NULL. */
CORRAL_API int corral_queue_full(const corral_queue *q);

/* Fiber shorthands with per-call deadlines (R41, R61). */
CORRAL_API int corral_queue_get(corral_queue *q, corral_value *out, int64_t deadline);
CORRAL_API int corral_queue_put(corral_queue *q, const corral_value *v, int64_t deadline);
CORRAL_API int corral_queue_put_priority(corral_queue *q, const corral_value *v, int32_t priority,
                                         int64_t deadline);
/* hat's get_until_empty (R61): wait for one item, then drain the rest without waiting; *out
 * receives the last item (the earlier ones are dropped). */
CORRAL_API int corral_queue_get_until_empty(corral_queue *q, corral_value *out, int64_t deadline);
/* hat's get_nowait_until_empty: the same without waiting (CORRAL_EQUEUEEMPTY when empty). */
CORRAL_API int corral_queue_get_nowait_until_empty(corral_queue *q, corral_value *out);

CORRAL_END_DECLS

#endif /* CORRAL_QUEUE_H */
