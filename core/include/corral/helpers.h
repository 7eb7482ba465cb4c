/*
 * corral/helpers.h - the coroutine helpers of the seed libraries for C fibers (R59, R66,
 * R70-R73): race, gather_safe, call_on_cancel, call_on_done, cancel_and_join and first.
 * Each runs in the calling fiber and returns a code (design.md, "One error convention in C").
 * Step-callback tasks build the same helpers from the operations they are made of: enter a
 * COLLECT group, spawn the members, await CORRAL_OP_GROUP_NEXT_DONE, leave with
 * CORRAL_OP_GROUP_EXIT (corral/group.h); docs/c-api.md shows the pattern.
 */
#ifndef CORRAL_HELPERS_H
#define CORRAL_HELPERS_H

#include "group.h"
#include "queue.h"

CORRAL_BEGIN_DECLS

/* One member of race / gather_safe: a fiber body run as a task named `name` (NULL = the
 * helper's "<helper>.<index>", R77). */
typedef struct corral_member {
    const char *name;
    corral_fiber_fn fn;
    void *arg;
} corral_member;

/* gather_safe (R71): run the n members concurrently in an internal group, wait for all, and
 * store a reference to each member task in tasks[i] (input order); read each outcome with
 * corral_task_result / corral_task_error (errors are values: no handler sees them, R59).
 * If the calling task is cancelled, the members are cancelled and awaited, the tasks are
 * still stored, and CORRAL_ECANCELLED is returned. Errors: CORRAL_EINVALIDARG (NULL arrays,
 * a member without fn), CORRAL_EINVALIDSTATE (not in a fiber), CORRAL_ENOMEM. On any error
 * return other than CORRAL_ECANCELLED no task is stored. Thread: loop, from a fiber. */
CORRAL_API int corral_gather_safe(const corral_member *members, size_t n, corral_task **tasks);

/* race (R70): the first member to complete wins; the others are cancelled and awaited; then
 * 0 is returned with the winner's value moved into *out (may be NULL to drop it) and its
 * spawn index in *winner (may be NULL). Without continue_on_error the first failure before
 * any success cancels the rest and is returned (its code; corral_task_last_error gives the
 * error). With it, failures before the winner are collected in occurrence order into
 * *errors (an ErrorGroup the caller owns, NULL when none; may be NULL to drop them); if all
 * fail, CORRAL_EERRORGROUP is returned with that group as the task's last error. Losers that
 * fail while being cancelled go to the handler chain. n == 0: CORRAL_EINVALIDARG.
 * Thread: loop, from a fiber. */
CORRAL_API int corral_race(const corral_member *members, size_t n, int continue_on_error,
                           corral_value *out, size_t *winner, corral_error **errors);

/* call_on_cancel (R73): wait until the calling task is cancelled, then run fn(self, arg, out)
 * as managed cleanup (corral_cleanup_enter) and return its status, so a body that returns it
 * ends COMPLETED with fn's value (R14). Thread: loop, from a fiber. */
CORRAL_API int corral_call_on_cancel(corral_fiber_fn fn, void *arg, corral_value *out);

/* call_on_done (R73): await future f (its outcome is ignored), then run fn(self, arg, out)
 * and return its status. Cancelled while waiting: fn is not called, f is not cancelled (R21),
 * and CORRAL_ECANCELLED is returned. Errors: CORRAL_EINVALIDARG (NULL, f of another runtime),
 * CORRAL_ECLOSED (f closed). Thread: loop, from a fiber. */
CORRAL_API int corral_call_on_done(corral_future *f, corral_fiber_fn fn, void *arg,
                                   corral_value *out);

/* cancel_and_join (aiotools cancel_and_wait): cancel task t and wait until it is terminal.
 * Returns 0 when it ended CANCELLED or COMPLETED (then *out borrows its value, valid while t
 * is referenced), its error code when it FAILED. The wait is a checkpoint: if the caller is
 * cancelled meanwhile, CORRAL_ECANCELLED (t stays cancelled). CORRAL_EINVALIDSTATE when t is
 * the calling task (nothing is cancelled). Thread: loop, from a fiber. */
CORRAL_API int corral_cancel_and_join(corral_task *t, corral_value *out);

/* A predicate for corral_first: 1 = match, 0 = no match, negative code = fail with it. */
typedef int (*corral_pred_fn)(const corral_value *v, void *ud);

/* first (aiotools-style first(async_iterable, pred, default)) over C's async iterable, a
 * queue: get items until one matches pred (NULL = any item), move it into *out and return 1;
 * items that do not match are dropped. When the queue is closed and drained, return 0 with
 * *out NONE: the caller applies its default. Errors: CORRAL_ECANCELLED, CORRAL_ETIMEOUT
 * (per-call deadline), a predicate's code, CORRAL_EINVALIDARG. Thread: loop, from a fiber. */
CORRAL_API int corral_first(corral_queue *q, corral_pred_fn pred, void *ud, corral_value *out,
                            int64_t deadline);

CORRAL_END_DECLS

#endif /* CORRAL_HELPERS_H */
