/*
 * corral/scope.h - level-triggered cancel scopes with deadlines and shields (R24-R40).
 *
 * A scope is entered on a task and must be exited in LIFO order. Exiting takes the status
 * that is propagating out of the scope body and returns the status that propagates further:
 * a Cancelled the scope owns is absorbed (R28); a fail scope turns its own deadline expiry
 * into CORRAL_ETIMEOUT (R38). Entering or exiting is never a checkpoint.
 */
#ifndef CORRAL_SCOPE_H
#define CORRAL_SCOPE_H

#include "task.h"

CORRAL_BEGIN_DECLS

typedef struct corral_scope corral_scope;

/* Scope kinds. */
#define CORRAL_SCOPE_MOVE_ON 0 /* plain cancel scope / move_on_*: absorbs, never raises */
#define CORRAL_SCOPE_FAIL 1    /* fail_*: raises Timeout when its deadline caused the cancel */
#define CORRAL_SCOPE_CLEANUP                                                                       \
    2 /* managed cleanup (R66): always a shield; when its deadline                                 \
       * passes it reports CleanupTimeout (corral_cleanup_enter) */

/* Cancellation causes (R29). 0 = not cancelled. */
#define CORRAL_CAUSE_NONE 0
#define CORRAL_CAUSE_EXPLICIT 1
#define CORRAL_CAUSE_DEADLINE 2
#define CORRAL_CAUSE_GROUP_CLOSE 3
#define CORRAL_CAUSE_FAIL_FAST 4
#define CORRAL_CAUSE_PARENT 5
#define CORRAL_CAUSE_SIGNAL 6
#define CORRAL_CAUSE_SHUTDOWN 7

/* "EXPLICIT", "DEADLINE", ... ("NONE" for 0). Thread: any. */
CORRAL_API const char *corral_cause_name(int cause);

/* corral_scope_enter's shield argument: 0 = none, 1 = a shield; CORRAL_SHIELD_GUARD = a shield
 * a binding or the runtime needs while it waits on the task's behalf (a foreign wait, a
 * wrapper awaiting the target it cancelled), which signal escalation
 * (CORRAL_RT_ESCALATE_SIGNALS) leaves alone; otherwise the same as 1. */
#define CORRAL_SHIELD_GUARD 2

/* Enter a scope on task t (NULL = current task) with an absolute deadline (-1 = none; a
 * deadline <= now cancels the scope at once, R40) and a shield flag fixed for its life.
 * The caller owns one reference (the scope stays readable after exit).
 * Errors: CORRAL_EINVALIDARG (bad kind, no task), CORRAL_EINVALIDSTATE (task terminal),
 * CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_scope_enter(corral_scope **out, corral_task *t, int kind, int64_t deadline,
                                  int shield);
/* Shorthands (deadline relative to the current tick at entry, R37; negative: EINVALIDARG). */
CORRAL_API int corral_move_on_at(corral_scope **out, corral_task *t, int64_t deadline);
CORRAL_API int corral_move_on_after(corral_scope **out, corral_task *t, int64_t duration);
CORRAL_API int corral_fail_at(corral_scope **out, corral_task *t, int64_t deadline);
CORRAL_API int corral_fail_after(corral_scope **out, corral_task *t, int64_t duration);
CORRAL_API int corral_shield(corral_scope **out, corral_task *t);

/* Enter a managed-cleanup scope on task t (NULL = current task), R66: a shield whose deadline
 * is now + the cleanup timeout of t's current group chain (corral_group_set_cleanup_timeout;
 * unlimited by default). Cancellation arriving inside is deferred to the first checkpoint
 * after it. If the grace expires, the scope is cancelled and absorbs it, and a
 * CleanupTimeout error ("<task name>" as actor) is queued to the handler chain, so the
 * outcome that was unwinding is kept. A cleanup scope never outlives one it runs inside
 * (in its own task, or in the task whose cleanup spawned it through a scoped group it is
 * still inside): its deadline is capped at that one's when it is entered (a later change of
 * either deadline does not move the other), and when it expires after the outer one has,
 * only the outer one reports CleanupTimeout. The same applies to corral_scope_enter with
 * CORRAL_SCOPE_CLEANUP.
 * Exit it with corral_scope_exit. Same errors as corral_scope_enter. Thread: loop. */
CORRAL_API int corral_cleanup_enter(corral_scope **out, corral_task *t);
/* Exit the innermost scope `s` of its task. `status` is what the body ended with (0 or a
 * code); the result is what propagates (see the file comment). The reference stays with the
 * caller. Errors: CORRAL_EINVALIDSTATE (not the innermost scope / already exited),
 * CORRAL_EINVALIDARG. Thread: loop. */
CORRAL_API int corral_scope_exit(corral_scope *s, int status);
/* Exit an uncancellable (shield) scope (R33, R34): like corral_scope_exit, then if the body
 * succeeded and cancellation is pending, return CORRAL_ECANCELLED when raise_cancel is set
 * (the result must be discarded) or 0 when it is not (the cancellation stays pending). */
CORRAL_API int corral_scope_exit_uncancellable(corral_scope *s, int status, int raise_cancel);

/* Cancel the scope (cause EXPLICIT unless already cancelled; sticky). Parked tasks that
 * become cancel-pending are woken with Cancelled in ascending id order (R26). Returns 1 if
 * this call cancelled it, 0 if it already was. Thread: loop. */
CORRAL_API int corral_scope_cancel(corral_scope *s);
/* Move the deadline (absolute, -1 = none); a value <= now cancels at once; a later deadline
 * never un-cancels (R37). Errors: CORRAL_EINVALIDSTATE after exit. Thread: loop. */
CORRAL_API int corral_scope_set_deadline(corral_scope *s, int64_t deadline);
CORRAL_API int64_t corral_scope_deadline(const corral_scope *s);
/* Flags: 1/0, negative code for NULL. */
CORRAL_API int corral_scope_cancel_called(const corral_scope *s);
CORRAL_API int corral_scope_cancelled_caught(const corral_scope *s);
CORRAL_API int corral_scope_cause(const corral_scope *s);
CORRAL_API corral_scope *corral_scope_ref(corral_scope *s);
CORRAL_API void corral_scope_unref(corral_scope *s);

/* Fiber shorthand for R33/R34: run fn(self, arg, out) inline inside a shield scope, then
 * apply corral_scope_exit_uncancellable. *out is the body's value exactly as the body set it
 * (not a copy; ownership is whatever the body gave), meaningful when the result is 0. */
CORRAL_API int corral_uncancellable(corral_fiber_fn fn, void *arg, corral_value *out,
                                    int raise_cancel);

CORRAL_END_DECLS

#endif /* CORRAL_SCOPE_H */
