/*
 * corral/host.h - the pull-style host driver (design.md, "The driver contract").
 *
 * A host binding (Python, Lua, Rust) drives the runtime by calling corral_host_poll in a
 * loop. Each call runs ticks, timers and C-driven tasks until host work is due, then returns
 * a batch of records. For each record the host resumes its coroutine (START / RESUME), runs
 * a host callback (CALLBACK) or drops a token (RELEASE), in record order. A resumed task
 * must, before the next poll, either await (corral_task_await) or finish
 * (corral_task_finish). The core never calls host code.
 */
#ifndef CORRAL_HOST_H
#define CORRAL_HOST_H

#include "task.h"

CORRAL_BEGIN_DECLS

#define CORRAL_RECORD_START 1    /* first step of `task` */
#define CORRAL_RECORD_RESUME 2   /* outcome of the task's await: status, value, error */
#define CORRAL_RECORD_CALLBACK 3 /* a host done callback: token = the callback's token */
#define CORRAL_RECORD_RELEASE 4  /* the core dropped HOST value `token` of `binding` */
#define CORRAL_RECORD_HANDLER                                                                      \
    5 /* run a host exception callback (corral/group.h):                                           \
       * token = the callback's, source = the corral_group*,                                       \
       * task = the failed member (NULL for reported errors),                                      \
       * error = the error (borrowed until the next poll) */

/* record flags */
#define CORRAL_RECORD_OWNED 0x1u /* RESUME: the value's token now belongs to the host */

/* One unit of host work. Transparent (like corral_value and corral_op); a host
 * passes sizeof(corral_record) to corral_host_poll, which checks it. */
typedef struct corral_record {
    uint32_t kind;       /* CORRAL_RECORD_* */
    uint32_t flags;      /* CORRAL_RECORD_OWNED */
    int32_t status;      /* RESUME: 0 or a negative code */
    uint32_t binding;    /* the binding id of `token` */
    uint64_t token;      /* START/RESUME: the task's token; CALLBACK/RELEASE: the token */
    corral_task *task;   /* START/RESUME: the task (borrowed); CALLBACK: NULL */
    void *source;        /* CALLBACK: the corral_future* that completed (borrowed) */
    corral_error *error; /* RESUME with an error: borrowed until the next poll */
    corral_value value;  /* RESUME with status 0; borrowed unless CORRAL_RECORD_OWNED */
} corral_record;

/* Drive the run of `main` (same meaning as corral_rt_run, R51), returning at most `cap`
 * records in recs. Returns 0 with *n >= 1, or CORRAL_DONE with *n == 0 when the run is over
 * (corral_rt_run_status gives main's outcome). The first call starts the run; signals are
 * handled as in corral_rt_run while the run lasts. A host task that was handed out in the
 * previous batch and neither awaited nor finished is failed with InvalidState.
 * Errors: CORRAL_EINVALIDARG (NULL, cap 0, record_size mismatch, main of another runtime),
 * CORRAL_EINVALIDSTATE (called from inside the loop, or a different main), CORRAL_ECLOSED.
 * Thread: loop (this call makes it so). */
CORRAL_API int corral_host_poll(corral_rt *rt, corral_task *main, corral_record *recs, size_t cap,
                                size_t record_size, size_t *n);

/* The host callback of a HANDLER record raised `raised`: the original error becomes its context
 * and the chain goes on at the group's parent (R56), within the handling of that record.
 * A reference to raised is taken. Errors: CORRAL_EINVALIDARG (not a HANDLER record, NULL
 * error), CORRAL_ECLOSED. Thread: loop, while handling that record. */
CORRAL_API int corral_group_handler_raised(const corral_record *rec, corral_error *raised);

/* Commands a host may batch into its next poll (corral_host_poll_submit). */
#define CORRAL_CMD_AWAIT 1  /* corral_task_await(task, &op) */
#define CORRAL_CMD_FINISH 2 /* corral_task_finish(task, status, &op.value, repr, error) */
#define CORRAL_CMD_UNREF 3  /* corral_task_unref(task) */

/* One queued host call. Transparent and part of the ABI (the size is checked like records'). */
typedef struct corral_host_cmd {
    uint32_t kind;  /* CORRAL_CMD_* */
    int32_t status; /* FINISH: 0 or a negative code */
    corral_task *task;
    const char *repr;    /* FINISH: trace text of the value, or NULL */
    corral_error *error; /* FINISH: the error (a reference is taken), or NULL */
    corral_op op;        /* AWAIT: the operation; FINISH: op.value is the value */
} corral_host_cmd;

/* Run `ncmds` queued calls in order, exactly as the direct calls would run at that point
 * (results[i] receives each return value: CORRAL_PENDING, CORRAL_ECANCELLED, 0, or an error;
 * UNREF gives 0), then poll as corral_host_poll does: one FFI crossing per batch. A host
 * queueing its coroutines' awaits must raise Cancelled itself at the cancel point (read
 * corral_task_cancel_flag before queueing an AWAIT) and must flush its queue before any
 * other corral call, so the core sees the same sequence as with direct calls.
 * Errors: as corral_host_poll, plus CORRAL_EINVALIDARG for NULL arrays with ncmds > 0 or a
 * command-size mismatch (nothing is run then). Thread: loop. */
CORRAL_API int corral_host_poll_submit(corral_rt *rt, corral_task *main,
                                       const corral_host_cmd *cmds, size_t ncmds, size_t cmd_size,
                                       int32_t *results, corral_record *recs, size_t cap,
                                       size_t record_size, size_t *n);

CORRAL_END_DECLS

#endif /* CORRAL_HOST_H */
