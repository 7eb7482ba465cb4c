/*
 * corral/context.h - async context managers for C fibers (R66, R68, R69).
 *
 * A context manager is a pair of blocking operations, enter and exit, described by a
 * corral_acm and driven by the core: one manager at a time (corral_acm_enter /
 * corral_acm_exit), many at once in a context group (aiotools actxgroup), or pushed on an
 * exit stack (corral_exitstack_enter, corral/exitstack.h). Every exit runs as managed cleanup
 * (R66): shielded, bounded by the cleanup grace.
 *
 * The usual shape of a body:
 *
 *     corral_value v;
 *     int rc = corral_acm_enter(&cm, ud, &v);
 *     if (rc < 0)
 *         return rc;               // a failed enter is never exited
 *     rc = use(&v);                // 0, a code, or CORRAL_ECANCELLED
 *     corral_value_clear(&v);
 *     return corral_acm_exit(&cm, ud, rc);
 *
 * Bindings express the same protocol in their own idiom (Python __aenter__/__aexit__ and
 * generator managers, Lua enter/exit tables, Rust's AsyncContextManager trait) over the same
 * managed-cleanup scope; the rules they share are R66-R69.
 */
#ifndef CORRAL_CONTEXT_H
#define CORRAL_CONTEXT_H

#include "task.h"

CORRAL_BEGIN_DECLS

/* An async context manager's operations. Both run in a fiber and may block. */
typedef struct corral_acm {
    /* Enter. Return 0 and optionally store the entered value in *value (NONE on entry;
     * borrowed, as a fiber's result: the core copies BYTES), or a negative code (the error
     * object as corral_task_set_error / corral_task_raise recorded it). A failed enter is
     * never exited (R69). */
    int (*enter)(corral_task *self, void *ud, corral_value *value);
    /* Exit, inside managed cleanup. `status` is what the body ended with: 0, a code, or
     * CORRAL_ECANCELLED; `current` is the error object in flight (borrowed for the call;
     * NULL for 0 and for Cancelled). Return 1 to suppress an ordinary error (R68: ignored for
     * Cancelled and for 0), 0 to let the status go on, or a negative code to raise a new
     * error, which replaces the status with `current` as its context (R67). A return of
     * CORRAL_ECANCELLED (the grace expired) does not replace the status. */
    int (*exit)(corral_task *self, void *ud, int status, corral_error *current);
} corral_acm;

/* Fiber only. Enter cm: cm->enter runs in the calling fiber and *value receives the entered
 * value as the caller's own copy (drop it with corral_value_clear; NONE if there is none).
 * Returns its code; an error other than Cancelled is then corral_task_last_error(self), and
 * *value is NONE again. Errors: CORRAL_EINVALIDARG (cm, its enter or exit NULL; value NULL),
 * CORRAL_EINVALIDSTATE (not called from a fiber). Thread: loop. */
CORRAL_API int corral_acm_enter(const corral_acm *cm, void *ud, corral_value *value);

/* Fiber only. Exit cm after a body that ended with `status` (0, a code, CORRAL_ECANCELLED):
 * run cm->exit in a managed-cleanup scope (grace: the task's group chain) and return the
 * status that propagates under R68: 0 when an ordinary error was suppressed, the exit's
 * error when it raised one, else `status` (Cancelled is never suppressed). When the result
 * is an error other than Cancelled, its object is corral_task_last_error(self). A grace
 * expiry is reported as CleanupTimeout to the handler chain and keeps the status.
 * Errors: CORRAL_EINVALIDARG (cm NULL or incomplete, status > 0), CORRAL_EINVALIDSTATE (not
 * in a fiber), CORRAL_ENOMEM (the cleanup scope could not be entered; exit did not run).
 * Thread: loop. */
CORRAL_API int corral_acm_exit(const corral_acm *cm, void *ud, int status);

/* ---- Context group (aiotools actxgroup, R69) -------------------------------------------- */

typedef struct corral_ctxgroup corral_ctxgroup;

/* corral_ctxgroup_enter flag: enter every manager even if some fail; the failed ones keep
 * their error (corral_ctxgroup_enter_error) and are never exited (aiotools
 * return_exceptions=True). Without it the first failure cancels the pending enters. */
#define CORRAL_CTXGROUP_RETURN_ERRORS 1

/* Create an empty context group for runtime rt; the caller owns one reference. Its enter
 * tasks are named "enter<i>" and its exit tasks "exit<i>" (i = 1-based position) until
 * corral_ctxgroup_set_task_names says otherwise. Errors: CORRAL_EINVALIDARG (out NULL),
 * CORRAL_ECLOSED (rt NULL or closed), CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_ctxgroup_new(corral_ctxgroup **out, corral_rt *rt);
/* Take / drop a reference (NULL-safe). The last unref frees the group and the enter tasks'
 * values; managers entered but not exited are NOT exited (exit is an explicit step).
 * Thread: loop. */
CORRAL_API corral_ctxgroup *corral_ctxgroup_ref(corral_ctxgroup *g);
CORRAL_API void corral_ctxgroup_unref(corral_ctxgroup *g);

/* Name the helper tasks "<enter_prefix><i>" and "<exit_prefix><i>" (strings copied).
 * Errors: CORRAL_EINVALIDARG (NULL), CORRAL_EINVALIDSTATE (already entered), CORRAL_ENOMEM.
 * Thread: loop. */
CORRAL_API int corral_ctxgroup_set_task_names(corral_ctxgroup *g, const char *enter_prefix,
                                              const char *exit_prefix);

/* Append a manager (*cm is copied; ud is borrowed: it must outlive the group's exit). Errors:
 * CORRAL_EINVALIDARG (g or cm NULL, cm incomplete), CORRAL_EINVALIDSTATE (already entered),
 * CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_ctxgroup_add(corral_ctxgroup *g, const corral_acm *cm, void *ud);
/* Number of managers (>= 0), or CORRAL_EINVALIDARG for NULL. Thread: loop. */
CORRAL_API int64_t corral_ctxgroup_size(const corral_ctxgroup *g);

/* Fiber only. Enter every manager concurrently, one child task each in an internal group
 * (their errors are values, R59), and wait for all of them. Strict (flags 0): the first
 * FAILED enter cancels the enters still pending (an enter that ends cancelled is not a
 * failure), the managers that did enter are exited concurrently as managed cleanup with
 * the ErrorGroup of the enter errors (input order) in flight, and CORRAL_EERRORGROUP is
 * returned with that group as corral_task_last_error(self) - or, when some of those exits
 * failed, the ErrorGroup of the exit errors with the enter group as its context. With
 * CORRAL_CTXGROUP_RETURN_ERRORS, 0 once all enters ended. Cancelled while entering: the
 * pending enters are cancelled and awaited, the managers whose enter completed (also
 * meanwhile) are exited, and CORRAL_ECANCELLED returned (or the exits' ErrorGroup).
 * Errors: CORRAL_EINVALIDARG (NULL, unknown flags), CORRAL_EINVALIDSTATE (not in a fiber,
 * entered before), CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_ctxgroup_enter(corral_ctxgroup *g, int flags);

/* Manager i's entered value, borrowed while the group is referenced (NONE when it did not
 * enter). Errors: CORRAL_EINVALIDARG (NULL, i out of range), CORRAL_EINVALIDSTATE (not
 * entered). Thread: loop. */
CORRAL_API int corral_ctxgroup_value(const corral_ctxgroup *g, size_t i, corral_value *out);
/* Manager i's enter error (borrowed): its error when the enter failed, a TaskCancelled error
 * when it ended cancelled (not a failure: strict mode runs the body, which sees this, as the
 * bindings' value lists do), NULL when it entered or i is out of range. Thread: loop. */
CORRAL_API corral_error *corral_ctxgroup_enter_error(const corral_ctxgroup *g, size_t i);

/* Fiber only. Exit the entered managers concurrently, one child task each, inside one
 * managed-cleanup scope; every exit runs, one failing does not cancel the others (an exit
 * that cannot get a task, out of memory, runs in the calling fiber). Returns
 * `status` when no exit failed (a context group never suppresses: aiotools' group returns
 * None from __aexit__), else CORRAL_EERRORGROUP with the ErrorGroup of the exit errors
 * (input order) as corral_task_last_error(self), the status's error as its context. After
 * a failed strict enter (nothing left to exit) it returns `status`. Errors:
 * CORRAL_EINVALIDARG (NULL, status > 0), CORRAL_EINVALIDSTATE (not in a fiber, not entered,
 * still entering, exiting or exited before; nothing changes), CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_ctxgroup_exit(corral_ctxgroup *g, int status);
/* Manager i's exit state (aiotools exit_states()): its exit's error (borrowed), a
 * TaskCancelled error when the cleanup grace cut its exit short (recorded, not raised), or
 * NULL when its exit succeeded, it was never exited, or i is out of range. Thread: loop. */
CORRAL_API corral_error *corral_ctxgroup_exit_state(const corral_ctxgroup *g, size_t i);

CORRAL_END_DECLS

#endif /* CORRAL_CONTEXT_H */
