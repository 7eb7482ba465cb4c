/*
 * corral/exitstack.h - an exit stack for C fibers (R66, R67).
 *
 * Callbacks and entered context managers (corral/context.h) are pushed while a fiber sets up
 * resources, and their exits run LIFO by corral_exitstack_close,
 * inside ONE managed-cleanup scope (R66): a shield whose grace deadline is now + the stack's
 * cleanup timeout, or the task's group chain setting when the stack has none (as
 * corral_cleanup_enter). Every callback runs even if earlier ones fail (R67).
 *
 * Callback errors: a callback returns 0 or a negative CORRAL_E* code. The error object behind
 * the code is the one recorded with corral_task_set_error / corral_task_raise on the calling
 * task (when its code matches), else the task's corral_task_last_error (when its code
 * matches), else an error made from the code. A callback failing with E makes E the current
 * error, with the previous current error as its context (corral_error_set_context), unless
 * that would form a cycle. A callback returning CORRAL_ECANCELLED (its cleanup scope's grace
 * expired) does not replace the current error. Only a context manager's exit may suppress,
 * and only an ordinary error (R68); otherwise the status (Cancelled included) only ever
 * gives way to a newer error (R67; an error beats a pending cancellation, which stays
 * pending and is redelivered, R24). A manager's exit sees the current status and error.
 *
 * The stack does not own the callbacks' `ud` pointers: they must stay valid until the stack
 * is closed or released. Releasing an unclosed stack discards its callbacks without running
 * them.
 */
#ifndef CORRAL_EXITSTACK_H
#define CORRAL_EXITSTACK_H

#include "context.h"

CORRAL_BEGIN_DECLS

typedef struct corral_exitstack corral_exitstack;

/* A plain callback: must not block (no awaits). `current` is the current error (borrowed,
 * valid during the call; NULL when nothing failed or when the status is Cancelled). */
typedef int (*corral_exit_fn)(void *ud, corral_error *current);
/* A fiber callback: runs in the fiber calling corral_exitstack_close and may block (sleep,
 * await...). `self` is that fiber; `current` as for corral_exit_fn. */
typedef int (*corral_exit_fiber_fn)(corral_task *self, void *ud, corral_error *current);

/* Create an empty stack for runtime rt (cleanup timeout -1 = the task's group chain). The
 * caller owns one reference. Errors: CORRAL_EINVALIDARG (out NULL), CORRAL_ECLOSED (rt NULL or
 * closed), CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_exitstack_new(corral_exitstack **out, corral_rt *rt);
/* Take / drop a reference (NULL-safe). The last unref frees the stack; callbacks not run yet
 * are discarded. Thread: loop. */
CORRAL_API corral_exitstack *corral_exitstack_ref(corral_exitstack *st);
CORRAL_API void corral_exitstack_unref(corral_exitstack *st);

/* Grace bound of close in ns (>= 0), or -1 to use the task's group chain
 * (corral_group_set_cleanup_timeout) at close time. Errors: CORRAL_EINVALIDARG (NULL, < -1),
 * CORRAL_EINVALIDSTATE (closed). Thread: loop. */
CORRAL_API int corral_exitstack_set_cleanup_timeout(corral_exitstack *st, int64_t timeout);
/* The setting (-1 = group chain), or CORRAL_EINVALIDARG for NULL. Thread: loop. */
CORRAL_API int64_t corral_exitstack_cleanup_timeout(const corral_exitstack *st);

/* Push a callback (run LIFO at close); ud is borrowed (see the file comment).
 * Errors: CORRAL_EINVALIDARG (st or fn NULL), CORRAL_EINVALIDSTATE (closed, or pushed from
 * one of its own callbacks), CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_exitstack_push(corral_exitstack *st, corral_exit_fn fn, void *ud);
CORRAL_API int corral_exitstack_push_fiber(corral_exitstack *st, corral_exit_fiber_fn fn, void *ud);
/* Fiber only. Enter cm (corral_acm_enter: *value gets the entered value, the caller's) and
 * push its exit (*cm is copied; ud is borrowed as for callbacks); a failed enter pushes
 * nothing and returns its code. If the stack is closed while enter blocks, or the push
 * finds no memory, the manager is exited at once (managed cleanup, with that error in
 * flight) and the error returned - or the exit's own error, which wins (R67). Errors: as
 * corral_acm_enter, CORRAL_EINVALIDARG (st NULL), CORRAL_EINVALIDSTATE (closed or closing),
 * CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_exitstack_enter(corral_exitstack *st, const corral_acm *cm, void *ud,
                                      corral_value *value);
/* Number of callbacks waiting (>= 0), or CORRAL_EINVALIDARG for NULL. Thread: loop. */
CORRAL_API int64_t corral_exitstack_size(const corral_exitstack *st);

/* Move every callback (and the cleanup timeout) to a new stack *out that the caller owns;
 * st stays open and empty. Errors: CORRAL_EINVALIDARG (NULL), CORRAL_EINVALIDSTATE (closed or
 * closing), CORRAL_ECLOSED (runtime closed), CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_exitstack_pop_all(corral_exitstack *st, corral_exitstack **out);

/* Fiber only. Unwind: run the callbacks and managers' exits LIFO inside one managed-cleanup scope
 * (see the file comment), then return the status that propagates: `status` (what the body ended
 * with: 0 or a code, CORRAL_ECANCELLED included) when no callback failed, else the code of the last
 * error. When the result is an error other than Cancelled, its object is
 * corral_task_last_error(self) and a fiber body returning the code fails with it. A
 * manager's exit suppressing an ordinary error makes the status 0 for the exits below it. A grace
 * expiry is reported as CleanupTimeout to the handler chain and keeps the outcome (R66).
 * The stack is closed afterwards (its callbacks are dropped) even on failure.
 * Errors: CORRAL_EINVALIDARG (NULL, status > 0), CORRAL_EINVALIDSTATE (not called from a
 * fiber, already closed or closing), CORRAL_ECLOSED, CORRAL_ENOMEM (scope entry failed;
 * no callback ran, the stack stays open). Thread: loop. */
CORRAL_API int corral_exitstack_close(corral_exitstack *st, int status);
/* 1 once close has started, 0 before; CORRAL_EINVALIDARG for NULL. Thread: loop. */
CORRAL_API int corral_exitstack_closed(const corral_exitstack *st);

CORRAL_END_DECLS

#endif /* CORRAL_EXITSTACK_H */
