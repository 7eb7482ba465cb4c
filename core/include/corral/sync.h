/*
 * corral/sync.h - synchronization primitives (R27, R31, R65): Event, Lock, Semaphore and
 * BoundedSemaphore, Condition, and a watch cell (codestare's `accessor` done right).
 *
 * Every wait is an awaitable operation (corral/task.h: CORRAL_OP_EVENT_WAIT ... WATCH_PUT):
 * a checkpoint with a per-call deadline, FIFO among waiters, and cancellation-safe: a waiter
 * that is cancelled or times out is removed with no effect, and a hand-off that happened
 * first wins (R27). Ownership passes directly to the next waiter (a released lock or permit
 * is never up for grabs, so nobody barges in, as with queues, R60). Fiber shorthands take an
 * absolute deadline (-1 = none). All objects are refcounted, used on the loop thread, and
 * refuse use after their runtime is closed (CORRAL_ECLOSED).
 */
#ifndef CORRAL_SYNC_H
#define CORRAL_SYNC_H

#include "task.h"

CORRAL_BEGIN_DECLS

/* ---- Event: a sticky flag; set wakes every waiter in FIFO order ---------------------------- */
typedef struct corral_event corral_event;

/* Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_event_new(corral_event **out, corral_rt *rt);
CORRAL_API corral_event *corral_event_ref(corral_event *e);
CORRAL_API void corral_event_unref(corral_event *e);
/* Set (idempotent): every parked waiter resumes, FIFO. Returns how many were woken. */
CORRAL_API int corral_event_set(corral_event *e);
/* Clear the flag; waiters already woken stay woken. */
CORRAL_API int corral_event_clear(corral_event *e);
/* 1/0, negative code for NULL. */
CORRAL_API int corral_event_is_set(const corral_event *e);
/* Fiber shorthand for CORRAL_OP_EVENT_WAIT. */
CORRAL_API int corral_event_wait(corral_event *e, int64_t deadline);

/* ---- Lock: owned by a task, FIFO, not reentrant -------------------------------------------- */
typedef struct corral_lock corral_lock;

CORRAL_API int corral_lock_new(corral_lock **out, corral_rt *rt);
CORRAL_API corral_lock *corral_lock_ref(corral_lock *l);
CORRAL_API void corral_lock_unref(corral_lock *l);
/* Take the lock for task t (NULL = current task) if it is free and nobody waits: 1 taken,
 * 0 busy. Errors: CORRAL_EINVALIDSTATE (t already owns it: not reentrant), CORRAL_EINVALIDARG
 * (no task, or a task of another runtime), CORRAL_ECLOSED.
 * Not a checkpoint. */
CORRAL_API int corral_lock_try_acquire(corral_lock *l, corral_task *t);
/* Release by its owner t (NULL = current task): ownership passes to the first waiter at once.
 * Errors: CORRAL_EINVALIDSTATE (not locked, or t is not the owner), CORRAL_EINVALIDARG. */
CORRAL_API int corral_lock_release(corral_lock *l, corral_task *t);
/* 1/0, negative code for NULL. */
CORRAL_API int corral_lock_locked(const corral_lock *l);
/* The owner (borrowed), or NULL. */
CORRAL_API corral_task *corral_lock_owner(const corral_lock *l);
/* Fiber shorthand for CORRAL_OP_LOCK_ACQUIRE (a task that already owns the lock gets
 * CORRAL_EINVALIDSTATE instead of a deadlock). */
CORRAL_API int corral_lock_acquire(corral_lock *l, int64_t deadline);

/* ---- Semaphore and BoundedSemaphore --------------------------------------------------------- */
typedef struct corral_semaphore corral_semaphore;

/* `value` >= 0 permits. `bound` < 0: a plain semaphore; otherwise a bounded one, whose release
 * past `bound` permits is refused (asyncio's BoundedSemaphore raises ValueError). Errors:
 * CORRAL_EINVALIDARG (negative value, bound < value), CORRAL_ECLOSED, CORRAL_ENOMEM. */
CORRAL_API int corral_semaphore_new(corral_semaphore **out, corral_rt *rt, int64_t value,
                                    int64_t bound);
CORRAL_API corral_semaphore *corral_semaphore_ref(corral_semaphore *s);
CORRAL_API void corral_semaphore_unref(corral_semaphore *s);
/* Take a permit if one is free and nobody waits: 1 taken, 0 none. Not a checkpoint. */
CORRAL_API int corral_semaphore_try_acquire(corral_semaphore *s);
/* Give a permit back: handed to the first waiter, or counted. Errors: CORRAL_EINVALIDSTATE (a
 * bounded semaphore already at its bound), CORRAL_EINVALIDARG. */
CORRAL_API int corral_semaphore_release(corral_semaphore *s);
/* Free permits (0 while tasks wait), negative code for NULL. */
CORRAL_API int64_t corral_semaphore_value(const corral_semaphore *s);
/* Fiber shorthand for CORRAL_OP_SEM_ACQUIRE. */
CORRAL_API int corral_semaphore_acquire(corral_semaphore *s, int64_t deadline);

/* ---- Condition ------------------------------------------------------------------------------ */
typedef struct corral_condition corral_condition;

/* A condition over `lock` (a reference is taken; NULL = a new lock of its own). */
CORRAL_API int corral_condition_new(corral_condition **out, corral_rt *rt, corral_lock *lock);
CORRAL_API corral_condition *corral_condition_ref(corral_condition *c);
CORRAL_API void corral_condition_unref(corral_condition *c);
/* The condition's lock (borrowed). */
CORRAL_API corral_lock *corral_condition_lock(const corral_condition *c);
/* Wake up to n waiters (n < 0: all), FIFO: each moves to the lock's queue and resumes once it
 * owns the lock again. Returns how many were woken. The caller need not own the lock. */
CORRAL_API int corral_condition_notify(corral_condition *c, int n);
/* Fiber shorthand for CORRAL_OP_COND_WAIT: the caller must own the lock, which is released
 * while it waits. Whatever ends the wait (notify, cancellation, the per-call deadline), the
 * waiter resumes only after it owns the lock again (re-acquired in FIFO order, shielded from
 * cancellation, R65), then gets 0, CORRAL_ECANCELLED or CORRAL_ETIMEOUT, so `async with cond`
 * stays balanced. Errors: CORRAL_EINVALIDSTATE (the lock is not the caller's). Predicate loops
 * (wait_for) are built on this by each binding. */
CORRAL_API int corral_condition_wait(corral_condition *c, int64_t deadline);

/* ---- Watch cell ----------------------------------------------------------------------------- */
/* One current value with a version that counts writes. Readers wait for a version newer than
 * the one they saw (so no write between two waits is missed, and a timed-out wait does not
 * poison the next one); a writer may wait until a reader is waiting (R65). */
typedef struct corral_watch corral_watch;

/* `initial` is taken (NULL = NONE); its version is 0. */
CORRAL_API int corral_watch_new(corral_watch **out, corral_rt *rt, const corral_value *initial);
CORRAL_API corral_watch *corral_watch_ref(corral_watch *w);
CORRAL_API void corral_watch_unref(corral_watch *w);
/* The current value (borrowed until the next write) and its version (may be NULL). */
CORRAL_API int corral_watch_get(const corral_watch *w, corral_value *out, uint64_t *version);
/* Store v (taken; the old value is dropped), bump the version, wake every waiting reader
 * (FIFO). Returns how many readers were woken. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. */
CORRAL_API int corral_watch_set(corral_watch *w, const corral_value *v);
/* Number of readers waiting now. */
CORRAL_API int64_t corral_watch_readers(const corral_watch *w);
/* Fiber shorthand for CORRAL_OP_WATCH_NEXT: wait until the version is newer than *seen, then
 * store the current version in *seen (read the value with corral_watch_get). */
CORRAL_API int corral_watch_next(corral_watch *w, uint64_t *seen, int64_t deadline);
/* Fiber shorthand for CORRAL_OP_WATCH_PUT: wait until a reader waits, then write v (taken on
 * success; on failure, including cancellation, it stays the caller's). */
CORRAL_API int corral_watch_put(corral_watch *w, const corral_value *v, int64_t deadline);

CORRAL_END_DECLS

#endif /* CORRAL_SYNC_H */
