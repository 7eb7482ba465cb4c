/*
 * corral/group.h - groups (R42-R51). The spine ships the hat-style free group: SUPERVISE
 * policy, members and subgroups, close(cancel) with escalation, waiting for CLOSING/CLOSED,
 * and a handler chain ending at the root handler (R56, R57).
 *
 * Named groups emit "<name> CLOSING" / "<name> CLOSED" trace lines; unnamed ones do not.
 */
#ifndef CORRAL_GROUP_H
#define CORRAL_GROUP_H

#include "scope.h"

CORRAL_BEGIN_DECLS

/* An exception callback (exception_cb): runs as a ready-queue entry on the loop thread when
 * a member FAILED (never for Cancelled), or for an error reported with corral_rt_report_error
 * (then `member` is NULL). Returning a negative code (with an error set through
 * corral_error_new and *raised) forwards that error to the parent's chain. */
typedef int (*corral_group_handler_fn)(corral_group *g, corral_task *member, corral_error *err,
                                       corral_error **raised, void *ud);

/* Error policies and exit modes of groups (R49, R52). */
#define CORRAL_GROUP_SUPERVISE 0 /* member failures go to the handler chain (R55) */
#define CORRAL_GROUP_FAIL_FAST 1 /* a member failure cancels the group; ErrorGroup at exit */
/* A helper's internal group (race, gather_safe, as_completed_safe: R59, R70, R71): member
 * outcomes are queued for the host body, which takes them in completion order with
 * CORRAL_OP_GROUP_NEXT_DONE and delivers them as values. A failure nobody took goes to the
 * handler chain when the body leaves the group, and failures after that at completion (as
 * SUPERVISE): an error is either delivered or reported, never lost. Scoped (enter) only. */
#define CORRAL_GROUP_COLLECT 2
#define CORRAL_GROUP_JOIN 0   /* exit waits for the members (TaskGroup, nursery) */
#define CORRAL_GROUP_CANCEL 1 /* exit closes with cancellation, then waits (hat Group) */

/* Enter a scoped group on task t (NULL = the current task), as `async with TaskGroup()`
 * does (R42): its scope's parent is t's innermost scope and t's body runs inside it, so
 * cancelling t cancels the members, and a FAIL_FAST member failure cancels the body too.
 * Entering is not a checkpoint. The group must be left with CORRAL_OP_GROUP_EXIT (or
 * corral_group_exit) before any scope entered outside it is exited. The group's parent in the
 * group tree is t's group (handler chain). The caller owns one reference.
 * Errors: CORRAL_EINVALIDARG (bad policy/mode, no task), CORRAL_EINVALIDSTATE (task done),
 * CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_group_enter(corral_group **out, corral_task *t, const char *name, int policy,
                                  int exit_mode);
/* Fiber form of CORRAL_OP_GROUP_EXIT: leave scoped group g with the status the body ended
 * with (0, CORRAL_ECANCELLED, or an error code whose error object was recorded with
 * corral_task_set_error). R49: a body that raised cancels the group; CANCEL mode closes it
 * with cancellation; then the exit waits until every member is terminal. That wait is not a
 * cancel point and cannot be abandoned. The result: with FAIL_FAST, CORRAL_EERRORGROUP when
 * a member failed or the body raised an error (all of them, in occurrence order, in the
 * ErrorGroup that corral_task_last_error returns; errors beat cancellation, R54); with
 * SUPERVISE, a body error propagates as itself; otherwise a Cancelled the group scope owns
 * is absorbed (R28), and the exit is a cancel point. */
CORRAL_API int corral_group_exit(corral_group *g, int status);

/* Fiber form of CORRAL_OP_GROUP_NEXT_DONE on a COLLECT group the current fiber entered: wait
 * for the next member to end and return its spawn index in the group (0 for the first member
 * spawned into it; corral_group_member gives the task). Members are handed out in the order
 * they ended, each once. A checkpoint with a per-call deadline (R41). Errors: CORRAL_ECANCELLED,
 * CORRAL_ETIMEOUT, CORRAL_EINVALIDSTATE (not a COLLECT group entered by this task, or no
 * member left to wait for), CORRAL_EINVALIDARG. */
CORRAL_API int corral_group_next_done(corral_group *g, int64_t deadline);
/* The member of a COLLECT group with spawn index `index` (borrowed), or NULL when out of range
 * or already freed. While the body is inside the group, a member is alive until it ended and
 * then until the body leaves; after that, only while someone holds a reference to it (the
 * group keeps no reference, so members and their group never keep each other alive).
 * Thread: loop. */
CORRAL_API corral_task *corral_group_member(const corral_group *g, int64_t index);

/* The group the code running in task t (NULL = current task) spawns into by default, as
 * aiotools' current_taskgroup: the innermost scoped group t entered and has not left, else
 * the group t is a member of, else NULL for a member of the root group (borrowed).
 * Thread: loop. */
CORRAL_API corral_group *corral_task_current_group(const corral_task *t);

/* The group's cancel scope (borrowed; valid while g lives), trio's `nursery.cancel_scope`:
 * corral_scope_cancel on it cancels every member and, for a scoped group, the body, without
 * closing the group (spawning stays allowed, R44); corral_scope_cancelled_caught tells
 * whether the exit absorbed that cancellation. It cannot be exited. Thread: loop. */
CORRAL_API corral_scope *corral_group_scope(corral_group *g);

/* Managed-cleanup grace for code running in this group and its subgroups (R66): a cleanup
 * scope (corral_cleanup_enter) gets the deadline now + the nearest group's timeout. -1 =
 * inherit from the parent (the default; the root group's default is unlimited). Negative
 * values other than -1: CORRAL_EINVALIDARG. Thread: loop. */
CORRAL_API int corral_group_set_cleanup_timeout(corral_group *g, int64_t timeout);
/* The effective timeout (-1 = unlimited). */
CORRAL_API int64_t corral_group_cleanup_timeout(const corral_group *g);

/* Wrap an existing future or task into group g (hat `Group.wrap`): spawns a step task `name`
 * in g that awaits `target` and ends with its outcome (INT, DOUBLE, BOOL and BYTES values are
 * copied; a PTR value is lent without its destructor; a HOST value fails the wrapper with
 * InvalidArgument: hosts wrap in their own language). When the group cancels the wrapper,
 * it cancels the target (a task is then awaited, shielded, so the group closes after it).
 * kind: CORRAL_OP_FUTURE or CORRAL_OP_JOIN. The caller owns one reference to *out.
 * Errors: as corral_spawn_step, and CORRAL_EINVALIDARG for a target of another runtime.
 * Thread: loop. */
CORRAL_API int corral_group_wrap(corral_task **out, corral_group *g, const char *name,
                                 uint32_t kind, void *target);

/* Create a free group under `parent` (NULL = the root group). `name` may be NULL (unnamed:
 * no trace lines). The caller owns one reference. Errors: CORRAL_EINVALIDARG,
 * CORRAL_EGROUPCLOSED (parent not open), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_group_new(corral_group **out, corral_rt *rt, corral_group *parent,
                                const char *name);
CORRAL_API corral_group *corral_group_ref(corral_group *g);
CORRAL_API void corral_group_unref(corral_group *g);

/* Make the group's exception callback a host's (token 0 removes it): when a failure reaches
 * this group in the handler chain, the host gets a CORRAL_RECORD_HANDLER record (after the
 * "<group> handler <task> <err>" trace line) and runs its callback. Replaces a C callback.
 * Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_group_set_host_handler(corral_group *g, uint32_t binding, uint64_t token);

/* Set the group's exception callback (NULL = use the parent's chain). Thread: loop. */
CORRAL_API int corral_group_set_handler(corral_group *g, corral_group_handler_fn fn, void *ud);

/* Close (R45, R46): OPEN -> CLOSING for the group and its subgroups; with `cancel`, their
 * scopes are cancelled (cause GROUP_CLOSE) and parked members woken in ascending id order.
 * A later close with cancel escalates; other repeats are no-ops. Never waits.
 * Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_group_close(corral_group *g, int cancel);
/* State queries: 1/0, negative code for NULL. */
CORRAL_API int corral_group_is_open(const corral_group *g);
CORRAL_API int corral_group_is_closing(const corral_group *g); /* CLOSING or CLOSED */
CORRAL_API int corral_group_is_closed(const corral_group *g);
CORRAL_API const char *corral_group_name(const corral_group *g);
/* Number of non-terminal members. */
CORRAL_API int64_t corral_group_size(const corral_group *g);

/* Fiber shorthands: wait for CLOSING / CLOSED (checkpoints; a shielded self-wait fails with
 * InvalidState, R17), and close + wait_closed (R48). */
CORRAL_API int corral_group_wait_closing(corral_group *g, int64_t deadline);
CORRAL_API int corral_group_wait_closed(corral_group *g, int64_t deadline);
CORRAL_API int corral_group_async_close(corral_group *g, int cancel, int64_t deadline);

CORRAL_END_DECLS

#endif /* CORRAL_GROUP_H */
