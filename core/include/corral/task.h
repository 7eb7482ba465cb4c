/*
 * corral/task.h - tasks, their three drivers, awaitable operations and task-locals.
 *
 * A task runs a body through a driver:
 *   - a C fiber (a stackful coroutine: blocking calls such as corral_sleep park it),
 *   - a C step callback (called once per resumption; it awaits or finishes each time),
 *   - a host (Python, Lua, Rust): the core hands out records through corral_host_poll and
 *     the host resumes its own coroutine (corral/host.h).
 * Spawning is lazy (R7): a new task's first step is queued; no user code runs inside spawn.
 */
#ifndef CORRAL_TASK_H
#define CORRAL_TASK_H

#include "runtime.h"

CORRAL_BEGIN_DECLS

/* Task states (R11). */
#define CORRAL_TASK_CREATED 0
#define CORRAL_TASK_RUNNING 1
#define CORRAL_TASK_READY 2
#define CORRAL_TASK_PARKED 3
#define CORRAL_TASK_COMPLETED 4
#define CORRAL_TASK_FAILED 5
#define CORRAL_TASK_CANCELLED 6

/* A fiber body. `result` starts as NONE; set it and return 0 to complete. Return a negative
 * code to end otherwise: CORRAL_ECANCELLED ends CANCELLED if cancellation is pending, else
 * FAILED(StrayCancellation) (R14); any other code ends FAILED with the error stored by
 * corral_task_set_error, or one made from the code. Ownership of *result passes to the task. */
typedef int (*corral_fiber_fn)(corral_task *self, void *arg, corral_value *result);

/* A step body, called on the loop thread for the first step (status 0, value NONE) and for
 * each resumption (the outcome of the awaited operation: status 0 with the value, or a
 * negative code; the error object is corral_task_last_error). Before returning it must
 * either park with corral_task_await (CORRAL_PENDING) or finish with corral_task_finish;
 * returning without doing either fails the task with InvalidState. The value is borrowed
 * for the duration of the call; an owned one (a queue item) can be kept with
 * corral_task_take_value. */
typedef void (*corral_step_fn)(corral_task *self, int status, const corral_value *value, void *arg);

/* Spawn a fiber task into `group` (NULL = the root group). `name` is copied (NULL = "task<id>").
 * `arg_free`, if given, runs on `arg` when the task's memory is released. The caller owns one
 * reference to *out; the runtime holds its own until the task is terminal (R12).
 * Errors: CORRAL_EINVALIDARG, CORRAL_EGROUPCLOSED, CORRAL_ECLOSED, CORRAL_ENOMEM (also when
 * no more guarded stacks can be mapped). On failure nothing is called and arg is not freed.
 * Thread: loop. */
CORRAL_API int corral_spawn_fiber(corral_task **out, corral_rt *rt, corral_group *group,
                                  const char *name, corral_fiber_fn fn, void *arg,
                                  void (*arg_free)(void *));
/* Spawn a step-callback task. Same contract as corral_spawn_fiber. Thread: loop. */
CORRAL_API int corral_spawn_step(corral_task **out, corral_rt *rt, corral_group *group,
                                 const char *name, corral_step_fn fn, void *arg,
                                 void (*arg_free)(void *));
/* Spawn a host-driven task: `token` is the binding's handle for its coroutine, handed back in
 * every record of this task and released by a RELEASE record when the task's memory goes.
 * Same contract otherwise. Thread: loop. */
CORRAL_API int corral_spawn_host(corral_task **out, corral_rt *rt, corral_group *group,
                                 const char *name, uint32_t binding, uint64_t token);

CORRAL_API corral_task *corral_task_ref(corral_task *t);
CORRAL_API void corral_task_unref(corral_task *t);

/* The task running now on this thread (a fiber or a step callback), or NULL (host tasks are
 * never "current": hosts pass their task explicitly). Borrowed. Thread: any. */
CORRAL_API corral_task *corral_current(void);

/* Queries. NULL-safe: id 0, name "", state -1. Thread: loop. */
CORRAL_API uint64_t corral_task_id(const corral_task *t);
CORRAL_API const char *corral_task_name(const corral_task *t);
CORRAL_API int corral_task_state(const corral_task *t);
/* 1 when terminal, 0 otherwise, negative code for NULL. */
CORRAL_API int corral_task_done(const corral_task *t);
/* 1 when a checkpoint of this task would raise Cancelled (R25, R30), else 0. */
CORRAL_API int corral_task_cancel_pending(const corral_task *t);
/* The same answer as a word in the task's memory, kept up to date by the core, so a host
 * can read it without a call (valid while t is referenced; NULL for NULL). Thread: loop. */
CORRAL_API const volatile int32_t *corral_task_cancel_flag(const corral_task *t);
CORRAL_API corral_rt *corral_task_rt(const corral_task *t);

/* Cancel the task's root scope (cause EXPLICIT, R15). Returns 1 if the task was not terminal
 * and its root scope not already cancelled, else 0. Never waits, never runs user code.
 * Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_task_cancel(corral_task *t);

/* Outcome of a terminal task: 0 (COMPLETED; *out borrows the value, valid while t is
 * referenced), the error code (FAILED; corral_task_error gives the error), or
 * CORRAL_ETASKCANCELLED (CANCELLED). CORRAL_EINVALIDSTATE while not terminal. Thread: loop. */
CORRAL_API int corral_task_result(const corral_task *t, corral_value *out);
/* The error of a FAILED task (borrowed), else NULL. */
CORRAL_API corral_error *corral_task_error(const corral_task *t);
/* The error object that came with the last outcome this task received (borrowed, valid until
 * its next await), or NULL. This is how a fiber reads the error behind CORRAL_EUSER. */
CORRAL_API corral_error *corral_task_last_error(const corral_task *t);

/* Record the error a task body is about to end with (takes a reference) and return its code,
 * so a fiber can write `return corral_task_set_error(self, e);`. The record lasts until an
 * await delivers an error outcome (which replaces it: returning that outcome's code fails
 * with the newer error) or a cleanup operation takes it as its status's error. Thread: loop. */
CORRAL_API int corral_task_set_error(corral_task *self, corral_error *e);
/* Shorthand: make a User(kind, msg) error, record it, return CORRAL_EUSER. Thread: loop. */
CORRAL_API int corral_task_raise(corral_task *self, const char *kind, const char *msg);

/* ---- Awaitable operations ---------------------------------------------------------------- */

#define CORRAL_OP_CHECKPOINT 0 /* schedule point + cancel point */
#define CORRAL_OP_SLEEP 1      /* until `deadline` (absolute) */
#define CORRAL_OP_FUTURE 2     /* target: corral_future*; value borrowed */
#define CORRAL_OP_JOIN 3       /* target: corral_task*; value borrowed */
#define CORRAL_OP_QUEUE_GET 4  /* target: corral_queue*; value owned by the receiver */
#define CORRAL_OP_QUEUE_PUT                                                                        \
    5                                  /* target: corral_queue*; `value` is taken (BYTES are       \
                                        * copied at the await; on any failure a PTR or HOST item   \
                                        * stays the caller's) */
#define CORRAL_OP_GROUP_WAIT_CLOSING 6 /* target: corral_group* */
#define CORRAL_OP_GROUP_WAIT_CLOSED 7  /* target: corral_group* */
#define CORRAL_OP_GROUP_EXIT 8         /* target: a scoped corral_group*; value: INT body status */
#define CORRAL_OP_GROUP_NEXT_DONE 9 /* target: an entered COLLECT group; value: INT spawn index */
/* corral/sync.h */
#define CORRAL_OP_EVENT_WAIT 10   /* target: corral_event* */
#define CORRAL_OP_LOCK_ACQUIRE 11 /* target: corral_lock*; the awaiting task becomes the owner */
#define CORRAL_OP_SEM_ACQUIRE 12  /* target: corral_semaphore* */
#define CORRAL_OP_COND_WAIT 13    /* target: corral_condition*; the task must own its lock */
#define CORRAL_OP_WATCH_NEXT                                                                       \
    14 /* target: corral_watch*; value: INT last version seen; resumes                             \
        * with the version that woke it: read the value and the                                    \
        * current version with corral_watch_get and pass that version                              \
        * to the next wait */
#define CORRAL_OP_WATCH_PUT                                                                        \
    15 /* target: corral_watch*; `value` is taken once a reader waits                              \
        * (as QUEUE_PUT) */

/* An awaitable operation. `deadline` is the per-call absolute deadline (R41; -1 none, a past
 * value = do not block) except for SLEEP, where it is the wake-up time. */
typedef struct corral_op {
    uint32_t kind; /* CORRAL_OP_* */
    int32_t arg;   /* QUEUE_PUT into a PRIORITY queue: the item's priority; otherwise 0 */
    void *target;
    int64_t deadline;
    corral_value value;
} corral_op;

/* Await `op` in task `t` (a step or host task in its step; a fiber must use corral_await).
 * Every operation is a checkpoint (R23): if cancellation is pending this returns
 * CORRAL_ECANCELLED at once and performs nothing; otherwise it returns CORRAL_PENDING and the
 * outcome arrives as the task's next step (step driver) or record (host driver), after at
 * least one pass through the ready queue. Errors (nothing performed, no step follows):
 * CORRAL_EINVALIDARG (bad op), CORRAL_EINVALIDSTATE (t is not in its step, or already
 * awaiting), CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_task_await(corral_task *t, const corral_op *op);

/* Finish task `t` (a step or host task, inside its step) with `status`: 0 with `value`
 * (taken; NULL = NONE) and `repr` (the canonical text for the trace "done" line; NULL = the
 * core formats the value), CORRAL_ECANCELLED, or an error code with `err` (a reference is
 * taken; NULL = an error made from the code). Terminal state per R14.
 * Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not in its step). Thread: loop. */
CORRAL_API int corral_task_finish(corral_task *t, int status, const corral_value *value,
                                  const char *repr, corral_error *err);

/* Submit n awaits in one call, exactly as n calls of corral_task_await in order would;
 * results[i] receives each return value. For hosts that batch their coroutines' awaits
 * (reading corral_task_cancel_flag to raise Cancelled at the cancel point themselves) and
 * flush the batch before any other corral call. Returns 0, or CORRAL_EINVALIDARG for NULL
 * arrays. Thread: loop. */
CORRAL_API int corral_task_await_many(corral_task *const *tasks, const corral_op *ops,
                                      int32_t *results, size_t n);

/* Withdraw the operation task t (a step or host task) is awaiting, because the host dropped
 * the thing that awaited it (a Rust future in a select!, R31). If the outcome was not
 * committed yet, the wait is removed without any effect and 0 is returned. If it was
 * committed but not yet handed to the host, it is discarded and what can be undone is undone
 * (a queue item goes back to the next parked getter or the head of the queue, ahead of every
 * priority; a granted lock passes to the next waiter and a semaphore permit is given back; a
 * group member handed out by NEXT_DONE is handed out again; a future's or task's result, an
 * event wake-up and a delivered put or watch write simply stay done) and 1 is returned. An
 * abandoned COND_WAIT leaves the task without the lock. Either way the task is back in
 * its step: it must await again or finish. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE
 * (not awaiting, or a fiber), CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_task_abandon(corral_task *t);

/* Inside the step of step task t: take ownership of the value the step was called with, if
 * the core owned it (a queue item: a PTR keeps its destructor, BYTES their copy). Returns 1
 * with *out taken (the step's `value` is then NONE), or 0 with *out NONE when the value is
 * only borrowed (a future's or task's result: copy what you need). Errors:
 * CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not inside t's step). Thread: loop. */
CORRAL_API int corral_task_take_value(corral_task *t, corral_value *out);

/* Fiber-blocking form of corral_task_await for the current fiber: parks it and returns the
 * outcome: 0 with *out (may be NULL) or a negative code. Errors: CORRAL_EINVALIDSTATE when
 * not called from a fiber ("awaiting from outside a task"), plus corral_task_await's. */
CORRAL_API int corral_await(const corral_op *op, corral_value *out);
/* Fiber shorthands (Thread: loop, from a fiber). */
CORRAL_API int corral_checkpoint(void);
CORRAL_API int corral_sleep(int64_t deadline);     /* absolute */
CORRAL_API int corral_sleep_for(int64_t duration); /* relative; negative: EINVALIDARG */
CORRAL_API int corral_join(corral_task *t, corral_value *out, int64_t deadline);

/* ---- Task-local context -------------------------------------------------------------------- */

/* Task-locals are (key, value) pairs copied into each task spawned by a task (decision 6).
 * Values are plain words: the core never frees them. Thread: loop. */
CORRAL_API int corral_task_set_local(corral_task *t, const void *key, uintptr_t value);
/* Returns 1 and sets *out if the key is present, else 0. */
CORRAL_API int corral_task_get_local(const corral_task *t, const void *key, uintptr_t *out);

CORRAL_END_DECLS

#endif /* CORRAL_TASK_H */
