/*
 * corral/group.h - groups (R42-R51). The spine ships the hat-style free group: SUPERVISE
 * policy, members and subgroups, close(cancel) with escalation, waiting for CLOSING/CLOSED,
 * and a handler chain ending at the root handler (R56, R57).
 *
 * Named groups emit "<name> CLOSING" / "<name> CLOSED" trace lines; unnamed ones do not.
 */
#ifndef CORRAL_GROUP_H
#define CORRAL_GROUP_H

#include "task.h"

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
#define CORRAL_GROUP_JOIN 0      /* exit waits for the members (TaskGroup, nursery) */
#define CORRAL_GROUP_CANCEL 1    /* exit closes with cancellation, then waits (hat Group) */

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
