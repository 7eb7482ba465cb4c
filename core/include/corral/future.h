/*
 * corral/future.h - one-shot futures (R19-R22).
 *
 * A future goes PENDING -> RESULT | ERROR | CANCELLED exactly once. Awaiting tasks and done
 * callbacks share one listener list; on completion they are queued in registration order and
 * never run inside the call that completed the future (R8, R20).
 */
#ifndef CORRAL_FUTURE_H
#define CORRAL_FUTURE_H

#include "task.h"

CORRAL_BEGIN_DECLS

typedef struct corral_future corral_future;

#define CORRAL_FUTURE_PENDING 0
#define CORRAL_FUTURE_RESULT 1
#define CORRAL_FUTURE_ERROR 2
#define CORRAL_FUTURE_CANCELLED 3

/* A done callback, run as a ready-queue entry on the loop thread. */
typedef void (*corral_future_cb)(corral_future *f, void *ud);

/* Create a pending future; the caller owns one reference. Errors: CORRAL_EINVALIDARG,
 * CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_future_new(corral_future **out, corral_rt *rt);
CORRAL_API corral_future *corral_future_ref(corral_future *f);
CORRAL_API void corral_future_unref(corral_future *f);
/* Close: cancels the future if pending; later calls return CORRAL_ECLOSED (queries still
 * answer). Idempotent. Thread: loop. */
CORRAL_API int corral_future_close(corral_future *f);

/* Complete with a value (taken; NULL = NONE). Errors: CORRAL_EINVALIDSTATE if not pending,
 * CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_future_set_result(corral_future *f, const corral_value *v);
/* Complete with an error (a reference is taken). Same errors; CORRAL_EINVALIDARG also for a
 * Cancelled error (cancellation is control flow: corral_future_cancel). Thread: loop. */
CORRAL_API int corral_future_set_error(corral_future *f, corral_error *e);
/* Cancel: returns 1 if the future was pending (now CANCELLED), 0 otherwise. Thread: loop. */
CORRAL_API int corral_future_cancel(corral_future *f);

/* CORRAL_FUTURE_* state, or a negative code for NULL. Thread: loop. */
CORRAL_API int corral_future_state(const corral_future *f);
/* Outcome: 0 with *out borrowed (valid while f is referenced), the error code
 * (corral_future_error gives the error), CORRAL_EFUTURECANCELLED, or CORRAL_EINVALIDSTATE
 * while pending. Thread: loop. */
CORRAL_API int corral_future_result(const corral_future *f, corral_value *out);
CORRAL_API corral_error *corral_future_error(const corral_future *f);

/* Add a done callback; returns a positive id for corral_future_remove_callback. A callback
 * added after completion is queued at once at the tail (R20). Errors: CORRAL_EINVALIDARG,
 * CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int64_t corral_future_add_callback(corral_future *f, corral_future_cb cb, void *ud);
/* Add a host done callback: delivered as a CALLBACK record carrying `token` (corral/host.h). */
CORRAL_API int64_t corral_future_add_host_callback(corral_future *f, uint32_t binding,
                                                   uint64_t token);
/* Remove a callback that has not been queued yet. Returns 1 if removed, 0 if not found. */
CORRAL_API int corral_future_remove_callback(corral_future *f, int64_t id);

/* Fiber shorthand: await f with a per-call deadline. 0 with *out borrowed, or a code. */
CORRAL_API int corral_future_await(corral_future *f, corral_value *out, int64_t deadline);

CORRAL_END_DECLS

#endif /* CORRAL_FUTURE_H */
