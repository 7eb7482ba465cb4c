/*
 * internal.h - the core's private structures. Nothing here is part of the ABI.
 *
 * Map of the core (one job per file):
 *   error.c value.c       codes, error objects, values
 *   clock.c timer_heap.c  clock source; the (deadline, seq) timer heap (R6)
 *   trace.c               trace lines (R77)
 *   runtime.c             runtime lifetime, options, post_threadsafe
 *   scheduler.c           the ready queue, ticks (R4, R5), waking and aborting parked tasks
 *   future.c              futures and listener lists (R19-R22)
 *   task.c                task lifetime, completion step (R14, R18), queries
 *   await.c               the checkpoint protocol shared by every operation (R23, R41)
 *   scope.c               cancel scopes (R24-R40)
 *   group.c queue.c       groups (free, scoped, COLLECT; handler chain) and queues
 *   helpers.c             the C fiber helpers (race, gather_safe, ...) and Group.wrap
 *   sync.c watch.c        events, locks, semaphores, conditions; watch cells
 *   unwind.c              the outcome a fiber carries through cleanup (R67 chaining)
 *   exitstack.c context.c exit stacks; context managers and context groups (R66-R69)
 *   fiber.c stack_pool.c fiber_switch_*   the C fiber driver
 *   host.c                the pull-style host driver
 *   run.c                 run(): main, root shutdown, deadlock, signals (R10, R51)
 */
#ifndef CORRAL_INTERNAL_H
#define CORRAL_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "corral.h"

struct event_base;
struct event;

enum {
    CORRAL__POOL_TASK,
    CORRAL__POOL_JOB,
    CORRAL__POOL_CALLBACK,
    CORRAL__POOL_FUTURE,
    CORRAL__POOL_COUNT
};

#define CORRAL__NO_DEADLINE (-1)
#define CORRAL__CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- errors (error.c) ---- */
/* Record a thread-local detail message and return `code`. */
int corral__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Return code with no message (an ordinary outcome such as QueueEmpty, whose kind says it
 * all): clears corral_last_error_message, so no older failure's text is picked up. */
int corral__fail_plain(int code);
corral_error *corral__error_from_code(int code, const char *msg);

/* context.c: corral_acm_exit with the grace of a managed-cleanup scope in ns (-1 = the task's
 * group chain), for an exit stack exiting a manager with its own cleanup_timeout (R66). */
int corral__acm_exit(const corral_acm *cm, void *ud, int status, int64_t grace);

/* unwind.c: the outcome a fiber carries through cleanup. */
/* The error object behind status `code` on t (a new reference): what the body recorded
 * with corral_task_set_error, else t's last error, else one made from the code. */
corral_error *corral__unwind_error(corral_task *t, int code);
/* R67: newer (a reference) gets older (a reference, consumed) as its context unless that
 * would form a cycle; returns newer. */
corral_error *corral__unwind_chain(corral_error *newer, corral_error *older);
/* Make err (a reference, may be NULL) the outcome the fiber reports with its code. */
void corral__unwind_record(corral_task *t, corral_error *err);
/* Fold an exit callback's return r into the unwinding (*status, *err): 1 suppresses an
 * ordinary error when `suppressible` (R68), a negative code replaces the status with its
 * error chained onto the older one (R67). Returns 1 when r is CORRAL_ECANCELLED (the
 * cleanup scope's grace expired: the scope's exit absorbs it), else 0. */
int corral__unwind_apply_exit(corral_task *t, int r, int suppressible, int *status,
                              corral_error **err);
/* Enter the managed-cleanup scope of an unwinding (R66): a fixed grace in ns when grace >= 0,
 * else the task's group chain. Same errors as corral_scope_enter. */
int corral__unwind_begin(corral_scope **scope, corral_task *self, int64_t grace);
/* Leave it and settle the outcome: `cancelled` says an exit saw the scope's own cancellation
 * (grace expiry, absorbed); a stray Cancelled becomes the status when nothing else is; an
 * error status gets err (consumed) as the fiber's outcome. Returns *status. */
int corral__unwind_end(corral_scope *scope, bool cancelled, int *status, corral_error *err,
                       corral_task *self);
/* The calling task if it is a fiber, else NULL with InvalidState "<who>: must be called from
 * a fiber task" as the last error message. */
corral_task *corral__calling_fiber(const char *who);

/* ---- values (value.c) ---- */
/* Deep-copy a value the core takes (BYTES are duplicated). Returns 0 or CORRAL_ENOMEM. */
int corral__value_take(corral_value *dst, const corral_value *src);
/* Drop a value the core owns; HOST tokens become RELEASE entries of rt. */
void corral__value_drop(corral_rt *rt, corral_value *v);
/* Canonical text of a value (R77); returns the length written (snprintf-like). */
int corral__value_format(const corral_value *v, char *buf, size_t cap);
/* A value's trace text, whole: in buf when it fits, else in a heap buffer stored in *heap
 * for the caller to free (out of memory: cut to fit buf). */
const char *corral__value_text(const corral_value *v, char *buf, size_t cap, char **heap);
/* An error's trace text ("Kind:msg <- Ctx:msg"), whole: in buf when it fits, else in a heap
 * buffer stored in *heap for the caller to free (out of memory: cut to fit buf). */
const char *corral__error_text(const corral_error *e, char *buf, size_t cap, char **heap);

/* ---- ready-queue entries ---- */
enum corral__entry_kind {
    CORRAL__ENTRY_TASK,         /* resume a task */
    CORRAL__ENTRY_FUTURE_CB,    /* C done callback */
    CORRAL__ENTRY_HOST_CB,      /* host done callback -> CALLBACK record */
    CORRAL__ENTRY_RELEASE,      /* host token dropped -> RELEASE record */
    CORRAL__ENTRY_HANDLER,      /* report a failed member to a handler chain (R56) */
    CORRAL__ENTRY_HOST_HANDLER, /* the same, reaching a host exception callback -> record */
    CORRAL__ENTRY_POSTED,       /* corral_rt_post_threadsafe */
};

typedef struct corral__entry {
    struct corral__entry *next;
    uint8_t kind;
} corral__entry;

typedef struct corral__fifo {
    corral__entry *head, *tail;
} corral__fifo;

/* A non-task entry. */
typedef struct corral__job {
    corral__entry entry;
    corral_rt *rt;
    corral_future *future;  /* FUTURE_CB / HOST_CB (a reference is held) */
    corral_future_cb fn;    /* FUTURE_CB */
    void (*posted)(void *); /* POSTED */
    void *ud;
    uint32_t binding; /* HOST_CB / RELEASE */
    uint64_t token;
    corral_group *group; /* HANDLER: the member's group (reference held) */
    corral_task *task;   /* HANDLER: the failed member (reference held), or NULL */
    char *actor;         /* HANDLER without a task: who failed (corral_rt_report_error) */
    corral_error *error; /* HANDLER (reference held) */
} corral__job;

/* ---- timers (timer_heap.c) ---- */
enum corral__timer_kind {
    CORRAL__TIMER_SLEEP, /* wake the task's sleep */
    CORRAL__TIMER_CALL,  /* per-call deadline: abort the task's wait with Timeout */
    CORRAL__TIMER_SCOPE, /* cancel the scope (cause DEADLINE) */
};

typedef struct corral__timer {
    int64_t deadline;
    uint64_t seq;
    uint32_t index; /* position in the heap, CORRAL__TIMER_IDLE when not armed */
    uint8_t kind;
} corral__timer;

#define CORRAL__TIMER_IDLE UINT32_MAX

typedef struct corral__heap {
    corral__timer **items;
    uint32_t len, cap;
} corral__heap;

void corral__heap_init(corral__heap *h);
void corral__heap_free(corral__heap *h);
int corral__heap_push(corral__heap *h, corral__timer *t);
void corral__heap_remove(corral__heap *h, corral__timer *t);
corral__timer *corral__heap_top(const corral__heap *h);

/* ---- listeners: one list type for every wait and callback ---- */
enum corral__listener_kind {
    CORRAL__LISTENER_WAITER,  /* a parked task (embedded in the task) */
    CORRAL__LISTENER_CB,      /* C future callback */
    CORRAL__LISTENER_HOST_CB, /* host future callback */
};

typedef struct corral__listener {
    struct corral__listener *prev, *next;
    struct corral__waitlist *list; /* the list it is on, or NULL */
    uint8_t kind;
} corral__listener;

/* A future callback: a listener with its payload. */
typedef struct corral__callback {
    corral__listener l;
    int64_t id;
    corral_future_cb fn; /* CB */
    void *ud;
    uint32_t binding; /* HOST_CB */
    uint64_t token;
} corral__callback;

#define CORRAL__WAITER_TASK(x) CORRAL__CONTAINER(x, corral_task, wait.listener)

typedef struct corral__waitlist {
    corral__listener *head, *tail;
} corral__waitlist;

void corral__waitlist_push(corral__waitlist *l, corral__listener *x);
void corral__waitlist_remove(corral__listener *x);
corral__listener *corral__waitlist_pop(corral__waitlist *l);

/* ---- scopes ---- */
struct corral_scope {
    atomic_int refs;
    corral_rt *rt;
    corral_task *task;    /* owner task; NULL for a group's scope */
    corral_scope *parent; /* enclosing scope (task stack, then group, R25); a scoped group's
                           * scope hangs from its host's stack while the host is inside */
    corral__timer timer;  /* timer.deadline is the scope's deadline, armed or not */
    uint8_t kind;         /* CORRAL_SCOPE_* */
    uint8_t shield;
    uint8_t cancel_called;
    uint8_t cancelled_caught;
    uint8_t cause;
    uint8_t exited;
    uint8_t embedded; /* lives inside a task or group: never freed on its own */
    uint8_t pending;  /* memo: cancellation visible here, valid while epoch is current */
    uint64_t epoch;
};

void corral__scope_init(corral_scope *s, corral_rt *rt, corral_task *task, corral_scope *parent,
                        int kind, int shield, bool embedded);
/* Mark s cancelled (first cause wins) and wake the parked tasks this makes cancel-pending. */
void corral__scope_cancel(corral_scope *s, int cause);
/* Is a cancellation visible from scope s upward (stopping after the first shield)? */
bool corral__scope_cancel_visible(corral_scope *s);
/* The cause of the cancellation visible from s, or CORRAL_CAUSE_NONE. */
int corral__scope_visible_cause(const corral_scope *s);
/* Drop scopes left open above the task's root scope (a body that forgot to exit them). */
void corral__scope_unwind_to_root(corral_task *t);
void corral__scope_timer_fired(corral_scope *s);

/* ---- futures ---- */
struct corral_future {
    atomic_int refs;
    corral_rt *rt;
    uint8_t state; /* CORRAL_FUTURE_* */
    uint8_t closed;
    corral_value value;
    corral_error *error;
    corral__waitlist listeners;
    int64_t next_id;
};

/* ---- tasks ---- */
enum corral__driver { CORRAL__DRIVER_FIBER, CORRAL__DRIVER_STEP, CORRAL__DRIVER_HOST };

enum corral__wait_kind {
    CORRAL__WAIT_NONE,
    CORRAL__WAIT_SLEEP,
    CORRAL__WAIT_FUTURE,
    CORRAL__WAIT_JOIN,
    CORRAL__WAIT_QUEUE_GET,
    CORRAL__WAIT_QUEUE_PUT,
    CORRAL__WAIT_GROUP,
    CORRAL__WAIT_GROUP_EXIT, /* R49: not aborted by cancellation */
    CORRAL__WAIT_EVENT,
    CORRAL__WAIT_LOCK,
    CORRAL__WAIT_LOCK_REACQUIRE, /* R65: a condition waiter taking its lock back; not aborted */
    CORRAL__WAIT_SEMAPHORE,
    CORRAL__WAIT_CONDITION,
    CORRAL__WAIT_WATCH_NEXT,
    CORRAL__WAIT_WATCH_PUT,
};

/* Can cancellation or a deadline end this wait? (R49's group exit and R65's re-acquire: no.) */
static inline bool corral__wait_abortable(uint8_t kind)
{
    return kind != CORRAL__WAIT_GROUP_EXIT && kind != CORRAL__WAIT_LOCK_REACQUIRE;
}

typedef struct corral__wait {
    uint8_t kind;
    int32_t arg;               /* QUEUE_PUT: the item's priority */
    corral__listener listener; /* on the source's list */
    corral__timer timer;       /* SLEEP wake-up or per-call deadline */
    void *source;              /* future / task / queue / group (reference held) */
} corral__wait;

typedef struct corral__fiber corral__fiber;

typedef struct corral__local {
    const void *key;
    uintptr_t value;
} corral__local;

struct corral_task {
    corral__entry entry; /* ready-queue link: first member */
    atomic_int refs;
    uint8_t state;
    uint8_t driver;
    uint8_t in_step;     /* step/host: handed a step, not yet awaited or finished */
    uint8_t runtime_ref; /* the runtime holds a reference (non-terminal, R12) */
    corral_rt *rt;
    uint64_t id;
    char *name;
    corral_task *live_prev, *live_next;
    corral_group *group; /* reference held */
    corral_scope root_scope;
    corral_scope *scope; /* innermost */
    int32_t cancel_flag; /* R25, kept eagerly: would a checkpoint raise Cancelled? */
    uint16_t hosted_groups;
    uint8_t resume_owned;
    uint32_t group_index; /* spawn index in a COLLECT group */

    /* The outcome of the last await, handed to the next step. While a QUEUE_PUT is parked,
     * resume_value holds its item (still the caller's); once COMPLETED it is the result. */
    int32_t resume_status;
    uint32_t nlocals;
    corral_value resume_value;
    corral_error *resume_error;
    corral_error *last_error; /* the error of the outcome delivered last (borrowed out) */
    /* R31: what a committed, undelivered outcome took, so corral_task_abandon can give it
     * back: the queue its item came from, the lock or the semaphore permit it was granted
     * (reference held; kind CORRAL__ROLLBACK_*). Only step and host tasks can abandon, so
     * fibers never carry one. */
    void *rollback;
    uint8_t rollback_kind;
    corral_group *rollback_group; /* the COLLECT group a committed NEXT_DONE index came from */

    corral__wait wait;

    /* completion (the value is resume_value) */
    char *repr;
    corral_error *error;
    corral_error *pending_error; /* corral_task_set_error */
    corral__waitlist joiners;

    /* driver */
    union {
        struct {
            corral_fiber_fn fn;
            corral__fiber *fiber;
        } fiber;
        corral_step_fn step;
        struct {
            uint32_t binding;
            uint64_t token;
        } host;
    } d;
    void *arg;
    void (*arg_free)(void *);

    corral__local *locals;
};

corral_task *corral__task_alloc(corral_rt *rt, corral_group *group, const char *name,
                                uint8_t driver, int *rc);
void corral__task_admit(corral_task *t);
/* The body ended (R14, R18): set the terminal state, trace, notify, group bookkeeping. */
void corral__task_finish(corral_task *t, int status, const corral_value *value, const char *repr,
                         corral_error *err);
/* Outcome a joiner sees: 0 / error code / CORRAL_ETASKCANCELLED. */
int corral__task_join_outcome(corral_task *t, corral_value *v, corral_error **err);
static inline bool corral__task_cancel_pending(const corral_task *t)
{
    return t->cancel_flag;
}
/* Recompute t's cancel flag after its scope chain or a scope above it changed. */
void corral__task_update_cancel(corral_task *t);
bool corral__task_terminal(const corral_task *t);
void corral__task_clear_resume(corral_rt *rt, corral_task *t);
/* The task observed its outcome: nothing is left to roll back. */
enum corral__rollback_kind {
    CORRAL__ROLLBACK_NONE,
    CORRAL__ROLLBACK_QUEUE, /* a queue item (the task's owned resume_value) */
    CORRAL__ROLLBACK_LOCK,  /* a granted lock (LOCK_ACQUIRE, or COND_WAIT's re-acquire) */
    CORRAL__ROLLBACK_SEM,   /* a granted semaphore permit */
};
void corral__task_rollback_drop(corral_task *t);
static inline void corral__task_outcome_delivered(corral_task *t)
{
    if (t->rollback)
        corral__task_rollback_drop(t);
    if (t->rollback_group) {
        corral_group_unref(t->rollback_group);
        t->rollback_group = NULL;
    }
}
/* Remember what t's committed outcome took (a reference is taken), unless t is a fiber. */
static inline void corral__task_set_rollback(corral_task *t, uint8_t kind, void *obj)
{
    if (t->driver == CORRAL__DRIVER_FIBER)
        return; /* a fiber always observes its outcome: nothing to undo */
    if (t->rollback)
        corral__task_rollback_drop(t);
    if (kind == CORRAL__ROLLBACK_QUEUE)
        corral_queue_ref(obj);
    else if (kind == CORRAL__ROLLBACK_LOCK)
        corral_lock_ref(obj);
    else
        corral_semaphore_ref(obj);
    t->rollback = obj;
    t->rollback_kind = kind;
}
/* The task's name, formatting the default "task<id>" on first use. */
const char *corral__task_name(corral_task *t);
/* Discard a task at runtime close: no trace, no listeners. */
void corral__task_discard(corral_task *t);

/* ---- the checkpoint protocol (await.c) ---- */
/* Detach a parked task from whatever it waits on and make it READY with this outcome. */
void corral__wake(corral_task *t, int status, const corral_value *v, bool owned, corral_error *err);
/* Abort a parked task's wait (no side effect) with Cancelled or Timeout. */
void corral__abort(corral_task *t, int status);
void corral__wait_timer_fired(corral_task *t);
void corral__park(corral_task *t, uint8_t kind, void *source, corral__waitlist *list);
void corral__finish_now(corral_task *t, int status, corral_error *err);
/* Finish an await now with a value (borrowed: ints and the like). */
void corral__finish_now_value(corral_task *t, int status, const corral_value *v);
/* Park with a per-call deadline (-1 none). */
void corral__park_until(corral_task *t, uint8_t kind, void *source, corral__waitlist *list,
                        int64_t deadline);
bool corral__past(corral_rt *rt, int64_t deadline);
void corral__task_detach_wait(corral_task *t);
/* corral_await without the exported symbol's PLT hop, for the core's fiber shorthands. */
int corral__await(const corral_op *op, corral_value *out);

/* ---- groups ---- */
enum corral__group_state { CORRAL__GROUP_OPEN, CORRAL__GROUP_CLOSING, CORRAL__GROUP_CLOSED };

struct corral_group {
    atomic_int refs;
    corral_rt *rt;
    char *name; /* NULL: unnamed, no trace lines */
    uint8_t state;
    uint8_t cancelled; /* close(cancel=True) performed */
    uint8_t is_root;
    corral_scope scope;
    corral_group *parent; /* reference held by the child while attached */
    /* The parent it had, once CLOSED and detached (the reference moves here): its handler
     * chain still goes on there (R56), e.g. for its exception callback raising later. */
    corral_group *former_parent;
    corral_group *first_child, *last_child, *prev_sibling, *next_sibling; /* children held */
    int64_t nmembers;
    corral__waitlist closing_waiters, closed_waiters;
    corral_group_handler_fn handler;
    void *handler_ud;
    uint8_t host_handler; /* the exception callback is a host's: HANDLER records */
    uint32_t handler_binding;
    uint64_t handler_token;
    /* scoped groups (corral_group_enter) */
    uint8_t policy;    /* CORRAL_GROUP_SUPERVISE / FAIL_FAST */
    uint8_t exit_mode; /* CORRAL_GROUP_JOIN / CANCEL */
    uint8_t scoped;
    uint8_t body_ended; /* the host's exit has started */
    int body_status;
    corral_task *host; /* the task whose body runs inside (borrowed while entered) */
    corral__waitlist exit_waiters;
    corral_error **errors; /* FAIL_FAST: member (and body) errors in occurrence order */
    size_t nerrors;
    corral_error *fatal;     /* R58: the first fatal member error (reference held) */
    int64_t cleanup_timeout; /* R66 grace for code in this subtree; -1 = inherit */
    /* COLLECT (helper groups): members by spawn index, and the indexes of ended members not
     * yet handed to the body, in completion order */
    uint8_t collecting;
    corral_task **indexed; /* weak; a member's slot is cleared when it is freed, and an
                            * ended member is held from its end until the body leaves */
    uint32_t *done;
    size_t nindexed, cap_indexed, done_head, done_len;
    corral__waitlist done_waiters;
};

int corral__group_new(corral_group **out, corral_rt *rt, corral_group *parent, const char *name,
                      bool is_root);
/* A member ended (R18): the group's own completion listener (handler report, fatal
 * escalation, COLLECT hand-out), run before the member's joiners are woken. */
void corral__group_member_ended(corral_group *g, corral_task *t);
/* Then the bookkeeping: fail-fast, exit and CLOSED transitions. */
void corral__group_member_done(corral_group *g, corral_error *failure);
/* Hand the body of COLLECT group g its next ended member's index (NEXT_DONE). */
int64_t corral__group_take_done(corral_group *g, corral_task *body);
/* R31: the body abandoned a committed NEXT_DONE: that member is handed out again. */
void corral__group_untake_done(corral_group *g);
/* Reserve room for one more COLLECT member (spawn admission can then not fail). */
int corral__group_reserve(corral_group *g);
/* A member of a COLLECT group is being freed: clear its slot. */
void corral__group_forget_member(corral_task *t);
/* The effective cleanup grace of code in group g (-1 = unlimited). */
int64_t corral__group_cleanup_timeout(const corral_group *g);
/* CORRAL_OP_GROUP_EXIT for task t: CORRAL_PENDING after parking or finishing now. */
int corral__group_exit_op(corral_task *t, corral_group *g, int body_status);
/* A task ended with scoped group g still entered: leave it as if its body was cancelled. */
void corral__group_drop_body(corral_task *t, corral_scope *group_scope);
void corral__group_close(corral_group *g, bool cancel, int cause);
bool corral__group_contains_task(const corral_group *g, const corral_task *t);
void corral__group_report(corral_group *g, corral_task *member, corral_error *err);
void corral__group_run_handler(corral__job *job);
/* Fill a HANDLER record for a HOST_HANDLER entry (and emit its trace line). */
void corral__group_host_handler_record(corral__job *job, corral_record *rec);
void corral__group_discard_tree(corral_group *g);

/* ---- queues ---- */
/* A buffered item of a PRIORITY queue: ordered by (priority, seq). Items put count seq up
 * from 1; items given back (R31) count down from 0, so the last one given back comes first. */
typedef struct corral__qitem {
    corral_value value;
    int32_t priority;
    int64_t seq;
} corral__qitem;

struct corral_queue {
    atomic_int refs;
    corral_rt *rt;
    int64_t maxsize;
    uint8_t closed;
    uint8_t kind;      /* CORRAL_QUEUE_* */
    size_t len;        /* buffered items, any kind */
    corral_value *buf; /* FIFO / LIFO: ring buffer */
    size_t head, cap;
    corral__qitem *heap; /* PRIORITY: binary min-heap */
    size_t heap_cap;
    int64_t seq, front_seq;
    corral__waitlist getters, putters;
};

int corral__queue_try_get(corral_queue *q, corral_value *out);
/* R31: give back an item that was handed out but never observed: to the first parked getter,
 * else to the head of the buffer. */
void corral__queue_unget(corral_queue *q, corral_value *item);
int corral__queue_try_put(corral_queue *q, const corral_value *v, int32_t priority);
/* The item of a parked QUEUE_PUT / WATCH_PUT (t->resume_value, a copy the core owns for
 * BYTES, borrowed otherwise) was not taken: drop the copy, leave the rest to the caller. */
void corral__put_item_forget(corral_task *t);

/* ---- synchronization primitives (sync.c, watch.c) ---- */
struct corral_event {
    atomic_int refs;
    corral_rt *rt;
    uint8_t is_set;
    corral__waitlist waiters;
};

struct corral_lock {
    atomic_int refs;
    corral_rt *rt;
    corral_task *owner; /* reference held */
    corral__waitlist waiters;
};

struct corral_semaphore {
    atomic_int refs;
    corral_rt *rt;
    int64_t value, bound; /* bound < 0: unbounded */
    corral__waitlist waiters;
};

struct corral_condition {
    atomic_int refs;
    corral_rt *rt;
    corral_lock *lock; /* reference held */
    corral__waitlist waiters;
};

struct corral_watch {
    atomic_int refs;
    corral_rt *rt;
    corral_value value; /* owned */
    uint64_t version;
    corral__waitlist readers, writers;
};

int corral__event_wait_op(corral_task *t, corral_event *e, int64_t deadline);
int corral__lock_acquire_op(corral_task *t, corral_lock *l, int64_t deadline);
int corral__semaphore_acquire_op(corral_task *t, corral_semaphore *s, int64_t deadline);
int corral__condition_wait_op(corral_task *t, corral_condition *c, int64_t deadline);
/* A parked condition waiter was cancelled or timed out: it takes its lock back first (R65). */
void corral__condition_abort(corral_task *t, int status);
int corral__watch_next_op(corral_task *t, corral_watch *w, const corral_op *op);
int corral__watch_put_op(corral_task *t, corral_watch *w, const corral_op *op);
/* R31: an abandoned task gives back the lock it was granted / the permit it got. */
void corral__lock_give_back(corral_lock *l, corral_task *t);
void corral__semaphore_give_back(corral_semaphore *s);

/* ---- fibers ---- */
typedef struct corral__stack {
    void *map; /* mapping start (guard page first) */
    size_t map_len;
    void *lo;    /* usable stack bottom */
    size_t size; /* usable size */
    unsigned valgrind_id;
} corral__stack;

typedef struct corral__stack_pool {
    corral__stack *free;
    size_t len, cap;
    size_t stack_size;
} corral__stack_pool;

void corral__stack_pool_init(corral__stack_pool *p, size_t stack_size);
int corral__stack_get(corral__stack_pool *p, corral__stack *out);
void corral__stack_put(corral__stack_pool *p, corral__stack *s);
void corral__stack_pool_free(corral__stack_pool *p);

/* Context switch (fiber_switch_*.{S,c}): save the current context in `from`, resume `to`. */
#ifdef CORRAL_FIBER_UCONTEXT
#include <ucontext.h>
typedef struct corral__ctx {
    ucontext_t uc;
} corral__ctx;
#else
typedef struct corral__ctx {
    void *sp; /* everything else lives on the stack */
} corral__ctx;
#endif
void corral__ctx_make(corral__ctx *c, void *stack_lo, size_t size, void (*entry)(void *),
                      void *arg);
void corral__ctx_switch(corral__ctx *from, corral__ctx *to);

int corral__fiber_create(corral_task *t);
void corral__fiber_resume(corral_task *t);  /* scheduler -> fiber */
void corral__fiber_suspend(corral_task *t); /* fiber -> scheduler */
void corral__fiber_release(corral_task *t); /* return the stack to the pool */

/* ---- the runtime ---- */
enum corral__run_phase {
    CORRAL__RUN_IDLE,
    CORRAL__RUN_MAIN,     /* waiting for main to end */
    CORRAL__RUN_SHUTDOWN, /* root group closing */
    CORRAL__RUN_DONE,
};

struct corral_rt {
    atomic_int user_refs;
    atomic_int obj_refs;
    uint32_t flags;
    uint8_t closed;
    uint8_t in_loop; /* inside corral_rt_run / corral_host_poll */

    struct event_base *base;
    struct event *timer_ev;
    struct event *wake_ev;
    int wake_fd;
    int user_sources;     /* registered user I/O sources (deadlock detection) */
    int internal_sources; /* signal events etc. (poll, but not deadlock-relevant) */
    uint32_t tick_count;

    corral__fifo ready;
    corral__fifo batch; /* the current tick's snapshot (R5) */
    corral__heap timers;
    uint64_t timer_seq;
    uint64_t cancel_epoch; /* bumped whenever a scope is cancelled: invalidates scope memos */

    int64_t now;
    bool now_valid;
    struct timespec origin;

    uint64_t next_task_id;
    corral_task *live_head, *live_tail;
    corral_task *graveyard; /* terminal tasks whose runtime reference is released later */
    corral_group *root;
    corral_task *current; /* the fiber/step task running now */

    int trace_fd;
    corral_trace_fn trace_fn;
    void *trace_ud;
    corral_trace_fn log_fn;
    void *log_ud;
    int64_t unhandled;

    /* run() and run_until */
    uint8_t phase;
    uint8_t stop_requested;
    corral_future *until_future; /* run_until targets (borrowed for the call) */
    corral_task *until_task;
    uint8_t deadlocked;
    int signals_seen;
    bool signals_escalated; /* CORRAL_RT_ESCALATE_SIGNALS fired: every shield is cancelled */
    int run_status;
    corral_task *main;
    /* the step callback running now and the value it was called with (corral_task_take_value) */
    corral_task *step_task;
    corral_value *step_value;
    bool *step_owned;
    int main_cause; /* the cancellation cause main saw when it ended */
    corral_error *strict_error;
    struct event *sig_events[2];
    bool host_entry_in_c_run;

    /* fibers */
    corral__stack_pool stacks;
    corral__ctx sched_ctx;
    const void *sched_stack_lo;
    size_t sched_stack_size;

    /* host */
    corral_task **handed; /* host tasks handed out in the last batch (references held) */
    size_t nhanded, handed_cap;
    corral__job *handed_jobs; /* CALLBACK/RELEASE entries of the last batch, freed next poll */

    /* free lists (corral__block_get) */
    void *pools[CORRAL__POOL_COUNT];
    uint32_t pool_len[CORRAL__POOL_COUNT];

    /* post_threadsafe */
    pthread_mutex_t post_mu;
    corral__job *posted_head, *posted_tail;
    atomic_int posted_flag;
    atomic_int sleeping;
    atomic_int holds;
};

extern _Thread_local corral_task *corral__tls_current __attribute__((tls_model("initial-exec")));
/* The runtime whose loop runs on this thread now (free lists are used only from there). */
extern _Thread_local corral_rt *corral__tls_loop __attribute__((tls_model("initial-exec")));

void corral__rt_obj_ref(corral_rt *rt);
void corral__rt_obj_unref(corral_rt *rt);
int64_t corral__now(corral_rt *rt);
int64_t corral__clock_read(corral_rt *rt);
/* Check a handle's runtime: 0, CORRAL_EINVALIDARG (NULL), CORRAL_ECLOSED. */
int corral__rt_unusable(const corral_rt *rt);
#define corral__rt_usable(rt) ((rt) && !(rt)->closed ? 0 : corral__rt_unusable(rt))

/* ---- hot helpers ---- */
/* Most outcomes carry no error: skip the call for NULL on hot paths. */
static inline corral_error *corral__error_ref(corral_error *e)
{
    return e ? corral_error_ref(e) : NULL;
}

static inline void corral__error_unref(corral_error *e)
{
    if (e)
        corral_error_unref(e);
}

static inline void corral__fifo_push(corral__fifo *q, corral__entry *e)
{
    e->next = NULL;
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
}

static inline corral__entry *corral__fifo_pop(corral__fifo *q)
{
    corral__entry *e = q->head;
    if (e) {
        q->head = e->next;
        if (!q->head)
            q->tail = NULL;
        e->next = NULL;
    }
    return e;
}

/* Append a task resumption (R4). */
static inline void corral__ready_task(corral_task *t)
{
    t->state = CORRAL_TASK_READY;
    corral__fifo_push(&t->rt->ready, &t->entry);
}

static inline bool corral__tracing(const corral_rt *rt)
{
    return rt->trace_fn || rt->trace_fd >= 0;
}

/* Per-runtime free lists of fixed-size blocks; used only on the loop's own thread. */
void *corral__block_get(corral_rt *rt, int pool, size_t size);
void corral__block_put(corral_rt *rt, int pool, void *p);

/* scheduler.c */
void corral__ready_job(corral_rt *rt, corral__job *j);
corral__job *corral__job_new(corral_rt *rt, uint8_t kind);
void corral__job_free(corral__job *j);
void corral__abort_cancelled(corral_rt *rt, const corral_scope *s);
void corral__timer_arm(corral_rt *rt, corral__timer *t, int64_t deadline, uint8_t kind);
void corral__timer_disarm(corral_rt *rt, corral__timer *t);
/* Start a tick: fire due timers, poll, snapshot. Returns false when the loop is deadlocked. */
bool corral__tick_begin(corral_rt *rt);
/* Run one non-host entry. */
void corral__run_entry(corral_rt *rt, corral__entry *e);
bool corral__entry_is_host(const corral__entry *e);
void corral__flush_graveyard(corral_rt *rt);
void corral__drain_posted(corral_rt *rt);

/* trace.c */
void corral__trace(corral_rt *rt, const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void corral__log_diag(corral_rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* run.c */
/* Drive the run: returns 0 with records, CORRAL_DONE, or an error. */
int corral__drive(corral_rt *rt, corral_record *recs, size_t cap, size_t *n);
int corral__run_start(corral_rt *rt, corral_task *main);
/* The next entry the loop would run, popped, when it is a fiber task that can be switched to
 * directly from the current fiber; NULL when the scheduler's own stack is needed. */
corral_task *corral__next_fiber(corral_rt *rt);
void corral__main_finished(corral_rt *rt);
void corral__run_signal(corral_rt *rt, int signo);

/* host.c */
bool corral__host_record(corral_rt *rt, corral__entry *e, corral_record *rec);
void corral__host_check_handed(corral_rt *rt);
void corral__host_release_handed(corral_rt *rt);

#endif /* CORRAL_INTERNAL_H */
