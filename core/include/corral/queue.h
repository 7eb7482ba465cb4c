/*
 * corral/queue.h - closable FIFO queues with direct hand-off (R60-R64).
 *
 * maxsize <= 0 means unbounded. Items are corral_value: the queue takes ownership on put and
 * hands it to the getter, who owns it (corral_value_clear for BYTES/PTR).
 */
#ifndef CORRAL_QUEUE_H
#define CORRAL_QUEUE_H

#include "task.h"

CORRAL_BEGIN_DECLS

typedef struct corral_queue corral_queue;

/* Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_queue_new(corral_queue **out, corral_rt *rt, int64_t maxsize);
CORRAL_API corral_queue *corral_queue_ref(corral_queue *q);
CORRAL_API void corral_queue_unref(corral_queue *q);

/* Put without waiting: hands the item to the first parked getter or buffers it. On failure
 * the item stays the caller's. Errors: CORRAL_EQUEUECLOSED, CORRAL_EQUEUEFULL,
 * CORRAL_EINVALIDARG. Thread: loop. */
CORRAL_API int corral_queue_put_nowait(corral_queue *q, const corral_value *v);
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

/* Fiber shorthands with per-call deadlines (R41, R61). */
CORRAL_API int corral_queue_get(corral_queue *q, corral_value *out, int64_t deadline);
CORRAL_API int corral_queue_put(corral_queue *q, const corral_value *v, int64_t deadline);

CORRAL_END_DECLS

#endif /* CORRAL_QUEUE_H */
