/* await.c - the checkpoint protocol every awaitable shares (R23, R26, R27, R41).
 *
 * An await is: (a) a cancel point at entry; (b) if the operation can finish now, finish it
 * and pass through the ready queue once with the outcome fixed (a shielded schedule point);
 * (c) otherwise park on the source's listener list, with an optional per-call deadline timer.
 * A parked task leaves its wait either by completion (corral__wake) or by abort
 * (corral__abort: cancellation or deadline), never both (R27). */
#include <string.h>

#include "internal.h"

static void set_resume(corral_task *t, int status, const corral_value *v, bool owned,
                       corral_error *err)
{
    t->resume_status = status;
    t->resume_value = v ? *v : (corral_value){0};
    t->resume_owned = owned;
    t->resume_error = corral__error_ref(err);
    if (err && t->pending_error) {
        /* an error recorded with corral_task_set_error before this await is stale now: a
         * fiber returning this outcome's code fails with this error, not that one */
        corral__error_unref(t->pending_error);
        t->pending_error = NULL;
    }
}

/* (b): outcome fixed now, delivered after one pass through the ready queue. */
static int finish_now(corral_task *t, int status, const corral_value *v, bool owned,
                      corral_error *err)
{
    set_resume(t, status, v, owned, err);
    corral__ready_task(t);
    return CORRAL_PENDING;
}

void corral__wake(corral_task *t, int status, const corral_value *v, bool owned, corral_error *err)
{
    corral__task_detach_wait(t);
    set_resume(t, status, v, owned, err);
    corral__ready_task(t);
}

void corral__abort(corral_task *t, int status)
{
    if (t->wait.kind == CORRAL__WAIT_CONDITION && status < 0) {
        corral__condition_abort(t, status); /* resumes only once it owns the lock again */
        return;
    }
    /* Removing the listener is the whole undo: no side effect. A parked put's item was never
     * taken: it stays the caller's (detaching drops the core's copy of BYTES). */
    corral__task_detach_wait(t);
    set_resume(t, status, NULL, false, NULL);
    corral__ready_task(t);
}

void corral__wait_timer_fired(corral_task *t)
{
    corral__abort(t, CORRAL_ETIMEOUT);
}

static void park(corral_task *t, uint8_t kind, void *source, corral__waitlist *list,
                 int64_t deadline, uint8_t timer_kind)
{
    t->state = CORRAL_TASK_PARKED;
    t->wait.kind = kind;
    t->wait.source = source;
    if (list)
        corral__waitlist_push(list, &t->wait.listener);
    if (deadline != CORRAL__NO_DEADLINE)
        corral__timer_arm(t->rt, &t->wait.timer, deadline, timer_kind);
}

/* For group.c: park without a deadline; finish an await now with an outcome. */
void corral__park(corral_task *t, uint8_t kind, void *source, corral__waitlist *list)
{
    park(t, kind, source, list, CORRAL__NO_DEADLINE, 0);
}

void corral__park_until(corral_task *t, uint8_t kind, void *source, corral__waitlist *list,
                        int64_t deadline)
{
    park(t, kind, source, list, deadline, CORRAL__TIMER_CALL);
}

void corral__finish_now_value(corral_task *t, int status, const corral_value *v)
{
    finish_now(t, status, v, false, NULL);
}

bool corral__past(corral_rt *rt, int64_t deadline)
{
    return deadline != CORRAL__NO_DEADLINE && deadline <= corral__now(rt);
}

void corral__finish_now(corral_task *t, int status, corral_error *err)
{
    finish_now(t, status, NULL, false, err);
}

static bool past(corral_rt *rt, int64_t deadline)
{
    return deadline != CORRAL__NO_DEADLINE && deadline <= corral__now(rt);
}

/* R17: a wait on group g by one of its own (transitive) members that no cancellation of g can
 * reach, because a shield stands between the task and g's scope. */
static bool shielded_self_wait(const corral_task *t, const corral_group *g)
{
    if (!corral__group_contains_task(g, t))
        return false;
    for (const corral_scope *s = t->scope; s && s != &g->scope; s = s->parent)
        if (s->shield)
            return true;
    return false;
}

static int validate(const corral_task *t, const corral_op *op)
{
    if (!t || !op)
        return corral__fail(CORRAL_EINVALIDARG, "await: task and op are required");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    if (t->state != CORRAL_TASK_RUNNING)
        return corral__fail(CORRAL_EINVALIDSTATE, "await: task %s is not running",
                            corral__task_name((corral_task *)t));
    if (t->driver == CORRAL__DRIVER_FIBER ? t != corral__tls_current : !t->in_step)
        return corral__fail(CORRAL_EINVALIDSTATE, "await: task %s is not in its step",
                            corral__task_name((corral_task *)t));
    if (op->kind > CORRAL_OP_WATCH_PUT)
        return corral__fail(CORRAL_EINVALIDARG, "await: unknown op kind %u", op->kind);
    if (op->deadline < CORRAL__NO_DEADLINE)
        return corral__fail(CORRAL_EINVALIDARG, "await: deadline %lld is negative",
                            (long long)op->deadline);
    if (op->kind != CORRAL_OP_CHECKPOINT && op->kind != CORRAL_OP_SLEEP) {
        if (!op->target)
            return corral__fail(CORRAL_EINVALIDARG, "await: op needs a target");
        const corral_rt *owner = NULL;
        switch (op->kind) {
        case CORRAL_OP_FUTURE:
            owner = ((const corral_future *)op->target)->rt;
            if (((const corral_future *)op->target)->closed)
                return corral__fail(CORRAL_ECLOSED, "await: future is closed");
            break;
        case CORRAL_OP_JOIN:
            owner = ((const corral_task *)op->target)->rt;
            break;
        case CORRAL_OP_QUEUE_GET:
        case CORRAL_OP_QUEUE_PUT:
            owner = ((const corral_queue *)op->target)->rt;
            break;
        case CORRAL_OP_EVENT_WAIT:
            owner = ((const corral_event *)op->target)->rt;
            break;
        case CORRAL_OP_LOCK_ACQUIRE:
            owner = ((const corral_lock *)op->target)->rt;
            break;
        case CORRAL_OP_SEM_ACQUIRE:
            owner = ((const corral_semaphore *)op->target)->rt;
            break;
        case CORRAL_OP_COND_WAIT:
            owner = ((const corral_condition *)op->target)->rt;
            break;
        case CORRAL_OP_WATCH_NEXT:
        case CORRAL_OP_WATCH_PUT:
            owner = ((const corral_watch *)op->target)->rt;
            break;
        default:
            owner = ((const corral_group *)op->target)->rt;
            break;
        }
        if (owner != t->rt)
            return corral__fail(CORRAL_EINVALIDARG, "await: target belongs to another runtime");
    }
    if (op->kind == CORRAL_OP_QUEUE_PUT || op->kind == CORRAL_OP_WATCH_PUT) {
        const corral_value *v = &op->value;
        if (v->type > CORRAL_VALUE_HOST || (v->type == CORRAL_VALUE_BYTES && v->len && !v->as.p))
            return corral__fail(CORRAL_EINVALIDARG, "await: the item to put is not a valid value");
    }
    return 0;
}

static int await_group(corral_task *t, corral_group *g, bool closed, int64_t deadline)
{
    bool reached = closed ? g->state == CORRAL__GROUP_CLOSED : g->state != CORRAL__GROUP_OPEN;
    if (reached)
        return finish_now(t, 0, NULL, false, NULL);
    if (shielded_self_wait(t, g)) {
        corral_error *e = corral__error_from_code(
            CORRAL_EINVALIDSTATE, "a shielded wait on the task's own group would never end");
        finish_now(t, CORRAL_EINVALIDSTATE, NULL, false, e);
        corral__error_unref(e);
        return CORRAL_PENDING;
    }
    if (past(t->rt, deadline))
        return finish_now(t, CORRAL_ETIMEOUT, NULL, false, NULL);
    park(t, CORRAL__WAIT_GROUP, corral_group_ref(g),
         closed ? &g->closed_waiters : &g->closing_waiters, deadline, CORRAL__TIMER_CALL);
    return CORRAL_PENDING;
}

/* CORRAL_OP_GROUP_NEXT_DONE: the next ended member of a COLLECT group the task entered. */
static int await_next_done(corral_task *t, corral_group *g, int64_t deadline)
{
    if (g->policy != CORRAL_GROUP_COLLECT || g->host != t || !g->collecting)
        return corral__fail(CORRAL_EINVALIDSTATE,
                            "group_next_done: not a collecting group this task entered");
    if (g->done_head < g->done_len) {
        corral_value v = {.type = CORRAL_VALUE_INT, .as.i = corral__group_take_done(g, t)};
        return finish_now(t, 0, &v, false, NULL);
    }
    if (g->nmembers == 0)
        return corral__fail(CORRAL_EINVALIDSTATE, "group_next_done: no member left to wait for");
    if (past(t->rt, deadline))
        return finish_now(t, CORRAL_ETIMEOUT, NULL, false, NULL);
    park(t, CORRAL__WAIT_GROUP, corral_group_ref(g), &g->done_waiters, deadline,
         CORRAL__TIMER_CALL);
    return CORRAL_PENDING;
}

static int await_op(corral_task *t, const corral_op *op);

int corral_task_await(corral_task *t, const corral_op *op)
{
    if (t && t->driver == CORRAL__DRIVER_FIBER)
        return corral__fail(CORRAL_EINVALIDSTATE, "task_await: a fiber awaits with corral_await");
    return await_op(t, op);
}

static int await_op(corral_task *t, const corral_op *op)
{
    int rc = validate(t, op);
    if (rc < 0)
        return rc;
    if (op->kind == CORRAL_OP_GROUP_EXIT) /* not a cancel point at entry (R23, R49) */
        return corral__group_exit_op(t, op->target,
                                     op->value.type == CORRAL_VALUE_INT ? (int)op->value.as.i : 0);
    if (corral__task_cancel_pending(t))
        return CORRAL_ECANCELLED; /* (a): nothing performed */
    corral_rt *rt = t->rt;
    corral__task_clear_resume(rt, t);
    int64_t deadline = op->deadline;

    switch (op->kind) {
    case CORRAL_OP_CHECKPOINT:
        return finish_now(t, 0, NULL, false, NULL);
    case CORRAL_OP_SLEEP:
        if (deadline == CORRAL__NO_DEADLINE) {
            park(t, CORRAL__WAIT_SLEEP, NULL, NULL, CORRAL__NO_DEADLINE, 0);
            return CORRAL_PENDING;
        }
        if (past(rt, deadline))
            return finish_now(t, 0, NULL, false, NULL);
        park(t, CORRAL__WAIT_SLEEP, NULL, NULL, deadline, CORRAL__TIMER_SLEEP);
        return CORRAL_PENDING;
    case CORRAL_OP_FUTURE: {
        corral_future *f = op->target;
        if (f->state != CORRAL_FUTURE_PENDING) {
            corral_value v;
            corral_error *e;
            int st = corral_future_result(f, &v);
            e = corral_future_error(f);
            return finish_now(t, st, &v, false, e);
        }
        if (past(rt, deadline))
            return finish_now(t, CORRAL_ETIMEOUT, NULL, false, NULL);
        park(t, CORRAL__WAIT_FUTURE, corral_future_ref(f), &f->listeners, deadline,
             CORRAL__TIMER_CALL);
        return CORRAL_PENDING;
    }
    case CORRAL_OP_JOIN: {
        corral_task *target = op->target;
        if (target == t) {
            corral_error *e =
                corral__error_from_code(CORRAL_EINVALIDSTATE, "a task cannot join itself");
            finish_now(t, CORRAL_EINVALIDSTATE, NULL, false, e);
            corral__error_unref(e);
            return CORRAL_PENDING;
        }
        if (corral__task_terminal(target)) {
            corral_value v;
            corral_error *e;
            int st = corral__task_join_outcome(target, &v, &e);
            return finish_now(t, st, &v, false, e);
        }
        if (past(rt, deadline))
            return finish_now(t, CORRAL_ETIMEOUT, NULL, false, NULL);
        park(t, CORRAL__WAIT_JOIN, corral_task_ref(target), &target->joiners, deadline,
             CORRAL__TIMER_CALL);
        return CORRAL_PENDING;
    }
    case CORRAL_OP_QUEUE_GET: {
        corral_queue *q = op->target;
        rc = corral__queue_try_get(q, &t->resume_value); /* written only on success */
        if (rc == 0) { /* (b), with the outcome written in place: status 0, no error */
            t->resume_owned = 1;
            corral__task_set_rollback(t, CORRAL__ROLLBACK_QUEUE, q);
            corral__ready_task(t);
            return CORRAL_PENDING;
        }
        if (rc == CORRAL_EQUEUECLOSED || rc != CORRAL_EQUEUEEMPTY)
            return finish_now(t, rc, NULL, false, NULL);
        if (past(rt, deadline))
            return finish_now(t, CORRAL_ETIMEOUT, NULL, false, NULL);
        park(t, CORRAL__WAIT_QUEUE_GET, corral_queue_ref(q), &q->getters, deadline,
             CORRAL__TIMER_CALL);
        return CORRAL_PENDING;
    }
    case CORRAL_OP_QUEUE_PUT: {
        corral_queue *q = op->target;
        rc = corral__queue_try_put(q, &op->value, op->arg);
        if (rc == 0) { /* (b): the resume fields are clear already */
            corral__ready_task(t);
            return CORRAL_PENDING;
        }
        if (rc != CORRAL_EQUEUEFULL)
            return finish_now(t, rc, NULL, false, NULL);
        if (past(rt, deadline))
            return finish_now(t, CORRAL_ETIMEOUT, NULL, false, NULL);
        /* still the caller's until a getter commits it (BYTES: the core's copy, so the
         * caller's buffer need not outlive its step) */
        rc = corral__value_take(&t->resume_value, &op->value);
        if (rc < 0)
            return finish_now(t, rc, NULL, false, NULL);
        t->wait.arg = op->arg;
        park(t, CORRAL__WAIT_QUEUE_PUT, corral_queue_ref(q), &q->putters, deadline,
             CORRAL__TIMER_CALL);
        return CORRAL_PENDING;
    }
    case CORRAL_OP_GROUP_WAIT_CLOSING:
        return await_group(t, op->target, false, deadline);
    case CORRAL_OP_GROUP_NEXT_DONE:
        return await_next_done(t, op->target, deadline);
    case CORRAL_OP_EVENT_WAIT:
        return corral__event_wait_op(t, op->target, deadline);
    case CORRAL_OP_LOCK_ACQUIRE:
        return corral__lock_acquire_op(t, op->target, deadline);
    case CORRAL_OP_SEM_ACQUIRE:
        return corral__semaphore_acquire_op(t, op->target, deadline);
    case CORRAL_OP_COND_WAIT:
        return corral__condition_wait_op(t, op->target, deadline);
    case CORRAL_OP_WATCH_NEXT:
        return corral__watch_next_op(t, op->target, op);
    case CORRAL_OP_WATCH_PUT:
        return corral__watch_put_op(t, op->target, op);
    default:
        return await_group(t, op->target, true, deadline);
    }
}

int corral_task_await_many(corral_task *const *tasks, const corral_op *ops, int32_t *results,
                           size_t n)
{
    if (n && (!tasks || !ops || !results))
        return corral__fail(CORRAL_EINVALIDARG, "await_many: arrays are required");
    for (size_t i = 0; i < n; i++)
        results[i] = corral_task_await(tasks[i], &ops[i]);
    return 0;
}

static void fifo_remove(corral__fifo *q, corral__entry *e)
{
    corral__entry *prev = NULL;
    for (corral__entry *x = q->head; x; prev = x, x = x->next) {
        if (x != e)
            continue;
        if (prev)
            prev->next = x->next;
        else
            q->head = x->next;
        if (q->tail == x)
            q->tail = prev;
        x->next = NULL;
        return;
    }
}

int corral_task_abandon(corral_task *t)
{
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "task_abandon: task is NULL");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    if (t->driver == CORRAL__DRIVER_FIBER)
        return corral__fail(CORRAL_EINVALIDSTATE, "task_abandon: fibers never abandon a wait");
    if (t->state == CORRAL_TASK_PARKED) {
        corral__abort(t, 0); /* removing the wait has no side effect */
        fifo_remove(&t->rt->ready, &t->entry);
        corral__task_clear_resume(t->rt, t);
        rc = 0;
    } else if (t->state == CORRAL_TASK_READY && t->wait.kind == CORRAL__WAIT_NONE) {
        /* committed but not observed: take the entry back and undo what can be undone */
        fifo_remove(&t->rt->ready, &t->entry);
        fifo_remove(&t->rt->batch, &t->entry);
        switch (t->rollback ? t->rollback_kind : CORRAL__ROLLBACK_NONE) {
        case CORRAL__ROLLBACK_QUEUE: /* the item goes to the next getter or the queue's head */
            if (t->resume_owned) {
                corral__queue_unget(t->rollback, &t->resume_value);
                t->resume_owned = 0;
            }
            break;
        case CORRAL__ROLLBACK_LOCK: /* a granted lock is released (to the next waiter) */
            corral__lock_give_back(t->rollback, t);
            break;
        case CORRAL__ROLLBACK_SEM:
            corral__semaphore_give_back(t->rollback);
            break;
        default:
            break;
        }
        if (t->rollback_group) /* the member's outcome stays to be taken (or reported) */
            corral__group_untake_done(t->rollback_group);
        corral__task_clear_resume(t->rt, t);
        rc = 1;
    } else {
        return corral__fail(CORRAL_EINVALIDSTATE, "task_abandon: task %s is not awaiting",
                            corral__task_name(t));
    }
    t->state = CORRAL_TASK_RUNNING;
    t->in_step = 1;
    return rc;
}

int corral_task_finish(corral_task *t, int status, const corral_value *value, const char *repr,
                       corral_error *err)
{
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "task_finish: task is NULL");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    if (t->driver == CORRAL__DRIVER_FIBER)
        return corral__fail(CORRAL_EINVALIDSTATE, "task_finish: a fiber finishes by returning");
    if (!t->in_step || t->state != CORRAL_TASK_RUNNING)
        return corral__fail(CORRAL_EINVALIDSTATE, "task_finish: task %s is not in its step",
                            corral__task_name(t));
    if (status > 0)
        return corral__fail(CORRAL_EINVALIDARG, "task_finish: status must be 0 or negative");
    if (value && value->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "task_finish: unknown value type");
    t->in_step = 0;
    corral__task_finish(t, status, value, repr, err);
    return 0;
}

/* ---- fiber-blocking forms ---- */

int corral_await(const corral_op *op, corral_value *out)
{
    return corral__await(op, out);
}

int corral__await(const corral_op *op, corral_value *out)
{
    corral_task *t = corral__tls_current;
    if (!t || t->driver != CORRAL__DRIVER_FIBER)
        return corral__fail(CORRAL_EINVALIDSTATE, "await: not called from a fiber task");
    int rc = await_op(t, op);
    if (rc != CORRAL_PENDING)
        return rc;
    corral__fiber_suspend(t);
    corral__task_outcome_delivered(t);
    corral__error_unref(t->last_error);
    t->last_error = t->resume_error;
    t->resume_error = NULL;
    if (out)
        *out = t->resume_value;
    else if (t->resume_owned)
        corral__value_drop(t->rt, &t->resume_value);
    t->resume_value = (corral_value){0};
    t->resume_owned = 0;
    return t->resume_status;
}

int corral_checkpoint(void)
{
    corral_op op = {.kind = CORRAL_OP_CHECKPOINT, .deadline = CORRAL__NO_DEADLINE};
    return corral__await(&op, NULL);
}

int corral_sleep(int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_SLEEP, .deadline = deadline};
    return corral__await(&op, NULL);
}

int corral_sleep_for(int64_t duration)
{
    corral_task *t = corral__tls_current;
    if (!t)
        return corral__fail(CORRAL_EINVALIDSTATE, "sleep_for: not called from a fiber task");
    if (duration < 0)
        return corral__fail(CORRAL_EINVALIDARG, "sleep_for: negative duration");
    int64_t now = corral__now(t->rt);
    return corral_sleep(duration > INT64_MAX - now ? INT64_MAX : now + duration);
}

int corral_join(corral_task *target, corral_value *out, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_JOIN, .target = target, .deadline = deadline};
    return corral__await(&op, out);
}
