/* task.c - task lifetime, spawning, the completion step (R11-R18) and queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

_Thread_local corral_task *corral__tls_current;

const char *corral__task_name(corral_task *t)
{
    if (!t->name) { /* formatted on first use: spawning stays free of snprintf */
        char buf[32];
        snprintf(buf, sizeof buf, "task%llu", (unsigned long long)t->id);
        t->name = strdup(buf);
    }
    return t->name ? t->name : "";
}

corral_task *corral_current(void)
{
    return corral__tls_current;
}

static int usable(const corral_task *t)
{
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "task is NULL");
    return corral__rt_usable(t->rt);
}

bool corral__task_terminal(const corral_task *t)
{
    return t->state >= CORRAL_TASK_COMPLETED;
}

void corral__task_update_cancel(corral_task *t)
{
    t->cancel_flag = corral__scope_cancel_visible(t->scope);
}

const volatile int32_t *corral_task_cancel_flag(const corral_task *t)
{
    return t ? &t->cancel_flag : NULL;
}

corral_task *corral__task_alloc(corral_rt *rt, corral_group *group, const char *name,
                                uint8_t driver, int *rc)
{
    *rc = corral__rt_usable(rt);
    if (*rc < 0)
        return NULL;
    if (!group)
        group = rt->root;
    if (group->rt != rt) {
        *rc = corral__fail(CORRAL_EINVALIDARG, "spawn: group belongs to another runtime");
        return NULL;
    }
    if (group->state != CORRAL__GROUP_OPEN) {
        *rc = corral__fail(CORRAL_EGROUPCLOSED, "spawn: group %s is closing",
                           group->name ? group->name : "(unnamed)");
        return NULL;
    }
    if ((*rc = corral__group_reserve(group)) < 0)
        return NULL;
    corral_task *t = corral__block_get(rt, CORRAL__POOL_TASK, sizeof *t);
    if (!t || (name && !(t->name = strdup(name)))) {
        if (t)
            corral__block_put(rt, CORRAL__POOL_TASK, t);
        *rc = CORRAL_ENOMEM;
        return NULL;
    }
    /* Task-locals: a snapshot of the spawning task's (decision 6). */
    corral_task *parent = corral__tls_current;
    if (parent && parent->rt == rt && parent->nlocals) {
        t->locals = malloc(parent->nlocals * sizeof *t->locals);
        if (!t->locals) {
            free(t->name);
            corral__block_put(rt, CORRAL__POOL_TASK, t);
            *rc = CORRAL_ENOMEM;
            return NULL;
        }
        memcpy(t->locals, parent->locals, parent->nlocals * sizeof *t->locals);
        t->nlocals = parent->nlocals;
    }
    atomic_init(&t->refs, 1);
    t->entry.kind = CORRAL__ENTRY_TASK;
    t->rt = rt;
    t->driver = driver;
    t->state = CORRAL_TASK_CREATED;
    t->group = corral_group_ref(group);
    corral__scope_init(&t->root_scope, rt, t, &group->scope, CORRAL_SCOPE_MOVE_ON, 0, true);
    t->scope = &t->root_scope;
    corral__task_update_cancel(t); /* spawned into a cancelled group: pending from the start */
    t->wait.timer.index = CORRAL__TIMER_IDLE;
    t->wait.listener.kind = CORRAL__LISTENER_WAITER;
    corral__rt_obj_ref(rt);
    *rc = 0;
    return t;
}

/* Make the task a live member and queue its first step (R7). */
void corral__task_admit(corral_task *t)
{
    corral_rt *rt = t->rt;
    t->id = rt->next_task_id++;
    t->live_prev = rt->live_tail;
    if (rt->live_tail)
        rt->live_tail->live_next = t;
    else
        rt->live_head = t;
    rt->live_tail = t;
    corral_group *g = t->group;
    g->nmembers++;
    if (g->policy == CORRAL_GROUP_COLLECT) { /* room was reserved at allocation */
        t->group_index = (uint32_t)g->nindexed;
        g->indexed[g->nindexed++] = t; /* weak: cleared when t goes */
    }
    corral_task_ref(t);
    t->runtime_ref = 1;
    corral__fifo_push(&rt->ready, &t->entry);
}

static void unlink_live(corral_task *t)
{
    corral_rt *rt = t->rt;
    if (t->live_prev)
        t->live_prev->live_next = t->live_next;
    else
        rt->live_head = t->live_next;
    if (t->live_next)
        t->live_next->live_prev = t->live_prev;
    else
        rt->live_tail = t->live_prev;
    t->live_prev = t->live_next = NULL;
}

int corral__task_join_outcome(corral_task *t, corral_value *v, corral_error **err)
{
    *err = NULL;
    if (v)
        *v = (corral_value){0};
    switch (t->state) {
    case CORRAL_TASK_COMPLETED:
        if (v)
            *v = t->resume_value;
        return 0;
    case CORRAL_TASK_FAILED:
        *err = t->error;
        return corral_error_code(t->error);
    default:
        return CORRAL_ETASKCANCELLED;
    }
}

static corral_error *choose_error(corral_task *t, int status, corral_error *err)
{
    if (err)
        return corral__error_ref(err);
    if (t->pending_error && corral_error_code(t->pending_error) == status)
        return corral__error_ref(t->pending_error);
    if (t->last_error && corral_error_code(t->last_error) == status)
        return corral__error_ref(t->last_error);
    return corral__error_from_code(status, NULL);
}

void corral__task_finish(corral_task *t, int status, const corral_value *value, const char *repr,
                         corral_error *err)
{
    corral_rt *rt = t->rt;
    corral__scope_unwind_to_root(t);
    corral__task_clear_resume(rt, t); /* from here on resume_value is the result */
    if (status == 0) {
        if (corral__value_take(&t->resume_value, value) < 0)
            t->resume_value = (corral_value){0};
        t->resume_owned = 1;
        t->repr = repr ? strdup(repr) : NULL;
        t->state = CORRAL_TASK_COMPLETED;
    } else if (status == CORRAL_ECANCELLED && corral__task_cancel_pending(t)) {
        t->state = CORRAL_TASK_CANCELLED; /* the root scope absorbs (R14, R28) */
    } else {
        if (status == CORRAL_ECANCELLED) {
            status = CORRAL_ESTRAYCANCELLATION;
            err = NULL;
        }
        t->error = choose_error(t, status, err);
        t->state = CORRAL_TASK_FAILED;
    }
    corral__error_unref(t->pending_error);
    t->pending_error = NULL;

    /* (1) terminal state and trace line */
    if (corral__tracing(rt)) {
        char buf[512];
        const char *name = corral__task_name(t);
        if (t->state == CORRAL_TASK_COMPLETED) {
            char *heap = NULL;
            const char *text =
                t->repr ? t->repr : corral__value_text(&t->resume_value, buf, sizeof buf, &heap);
            corral__trace(rt, name, "done%s%s", *text ? " " : "", text);
            free(heap);
        } else if (t->state == CORRAL_TASK_FAILED) {
            char *heap = NULL;
            corral__trace(rt, name, "fail %s",
                          corral__error_text(t->error, buf, sizeof buf, &heap));
            free(heap);
        } else {
            corral__trace(rt, name, "cancelled");
        }
    }
    unlink_live(t);

    /* (2) listeners: the group's first (R18), then joiners in registration order */
    corral__group_member_ended(t->group, t);
    corral__listener *x;
    while ((x = corral__waitlist_pop(&t->joiners))) {
        corral_value v;
        corral_error *e;
        int st = corral__task_join_outcome(t, &v, &e);
        corral__wake(CORRAL__WAITER_TASK(x), st, &v, false, e);
    }
    /* (3) group bookkeeping, then run() bookkeeping */
    corral__group_member_done(t->group, t->state == CORRAL_TASK_FAILED ? t->error : NULL);
    if (t == rt->main)
        corral__main_finished(rt);
    if (t->runtime_ref) {
        t->runtime_ref = 0;
        t->live_next = rt->graveyard; /* released after the step (its stack may be in use) */
        rt->graveyard = t;
    }
}

void corral__task_clear_resume(corral_rt *rt, corral_task *t)
{
    corral__task_outcome_delivered(t);
    if (t->resume_owned)
        corral__value_drop(rt, &t->resume_value);
    t->resume_value = (corral_value){0};
    t->resume_owned = 0;
    t->resume_status = 0;
    corral__error_unref(t->resume_error);
    t->resume_error = NULL;
}

void corral__task_rollback_drop(corral_task *t)
{
    void *obj = t->rollback;
    t->rollback = NULL;
    switch (t->rollback_kind) {
    case CORRAL__ROLLBACK_QUEUE:
        corral_queue_unref(obj);
        break;
    case CORRAL__ROLLBACK_LOCK:
        corral_lock_unref(obj);
        break;
    case CORRAL__ROLLBACK_SEM:
        corral_semaphore_unref(obj);
        break;
    default:
        break;
    }
    t->rollback_kind = CORRAL__ROLLBACK_NONE;
}

static void detach_wait(corral_task *t)
{
    corral__waitlist_remove(&t->wait.listener);
    corral__timer_disarm(t->rt, &t->wait.timer);
    switch (t->wait.kind) {
    case CORRAL__WAIT_FUTURE:
        corral_future_unref(t->wait.source);
        break;
    case CORRAL__WAIT_JOIN:
        corral_task_unref(t->wait.source);
        break;
    case CORRAL__WAIT_QUEUE_GET:
        corral_queue_unref(t->wait.source);
        break;
    case CORRAL__WAIT_QUEUE_PUT:
        corral__put_item_forget(t); /* no-op when a getter took the item */
        corral_queue_unref(t->wait.source);
        break;
    case CORRAL__WAIT_GROUP:
    case CORRAL__WAIT_GROUP_EXIT:
        corral_group_unref(t->wait.source);
        break;
    case CORRAL__WAIT_EVENT:
        corral_event_unref(t->wait.source);
        break;
    case CORRAL__WAIT_LOCK:
    case CORRAL__WAIT_LOCK_REACQUIRE:
        corral_lock_unref(t->wait.source);
        break;
    case CORRAL__WAIT_SEMAPHORE:
        corral_semaphore_unref(t->wait.source);
        break;
    case CORRAL__WAIT_CONDITION:
        corral_condition_unref(t->wait.source);
        break;
    case CORRAL__WAIT_WATCH_NEXT:
        corral_watch_unref(t->wait.source);
        break;
    case CORRAL__WAIT_WATCH_PUT:
        corral__put_item_forget(t); /* no-op when a reader's arrival wrote it */
        corral_watch_unref(t->wait.source);
        break;
    default:
        break;
    }
    t->wait.kind = CORRAL__WAIT_NONE;
    t->wait.source = NULL;
}

void corral__task_discard(corral_task *t)
{
    corral_rt *rt = t->rt;
    detach_wait(t);
    corral__scope_unwind_to_root(t);
    corral__timer_disarm(rt, &t->root_scope.timer);
    unlink_live(t);
    t->state = CORRAL_TASK_CANCELLED;
    corral__listener *x;
    while ((x = corral__waitlist_pop(&t->joiners))) {
    }
    t->group->nmembers--;
    t->hosted_groups = 0; /* its groups are discarded with the tree */
    if (t->driver == CORRAL__DRIVER_FIBER)
        corral__fiber_release(t);
    if (t->runtime_ref) {
        t->runtime_ref = 0;
        corral_task_unref(t);
    }
}

/* Exposed to await.c through internal.h. */
void corral__task_detach_wait(corral_task *t);
void corral__task_detach_wait(corral_task *t)
{
    detach_wait(t);
}

corral_task *corral_task_ref(corral_task *t)
{
    if (t)
        atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void corral_task_unref(corral_task *t)
{
    if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    corral_rt *rt = t->rt;
    corral__task_clear_resume(rt, t); /* drops the result (owned) */
    corral__error_unref(t->error);
    corral__error_unref(t->last_error);
    corral__error_unref(t->pending_error);
    if (t->driver == CORRAL__DRIVER_FIBER)
        corral__fiber_release(t);
    if (t->driver == CORRAL__DRIVER_HOST) {
        corral_value token = {
            .type = CORRAL_VALUE_HOST, .binding = t->d.host.binding, .as.token = t->d.host.token};
        corral__value_drop(rt, &token);
    }
    if (t->arg_free)
        t->arg_free(t->arg);
    corral__group_forget_member(t);
    corral_group_unref(t->group);
    free(t->locals);
    free(t->repr);
    free(t->name);
    corral__block_put(rt, CORRAL__POOL_TASK, t);
    corral__rt_obj_unref(rt);
}

static void free_unadmitted(corral_task *t)
{
    t->arg_free = NULL; /* on failure the caller keeps its arg */
    t->driver = CORRAL__DRIVER_STEP;
    corral_task_unref(t);
}

int corral_spawn_fiber(corral_task **out, corral_rt *rt, corral_group *group, const char *name,
                       corral_fiber_fn fn, void *arg, void (*arg_free)(void *))
{
    if (!out || !fn)
        return corral__fail(CORRAL_EINVALIDARG, "spawn_fiber: out and fn are required");
    int rc;
    corral_task *t = corral__task_alloc(rt, group, name, CORRAL__DRIVER_FIBER, &rc);
    if (!t)
        return rc;
    t->d.fiber.fn = fn;
    t->arg = arg;
    t->arg_free = arg_free;
    rc = corral__fiber_create(t);
    if (rc < 0) {
        free_unadmitted(t);
        return rc;
    }
    corral__task_admit(t);
    *out = t;
    return 0;
}

int corral_spawn_step(corral_task **out, corral_rt *rt, corral_group *group, const char *name,
                      corral_step_fn fn, void *arg, void (*arg_free)(void *))
{
    if (!out || !fn)
        return corral__fail(CORRAL_EINVALIDARG, "spawn_step: out and fn are required");
    int rc;
    corral_task *t = corral__task_alloc(rt, group, name, CORRAL__DRIVER_STEP, &rc);
    if (!t)
        return rc;
    t->d.step = fn;
    t->arg = arg;
    t->arg_free = arg_free;
    corral__task_admit(t);
    *out = t;
    return 0;
}

int corral_spawn_host(corral_task **out, corral_rt *rt, corral_group *group, const char *name,
                      uint32_t binding, uint64_t token)
{
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "spawn_host: out is NULL");
    int rc;
    corral_task *t = corral__task_alloc(rt, group, name, CORRAL__DRIVER_HOST, &rc);
    if (!t)
        return rc;
    t->d.host.binding = binding;
    t->d.host.token = token;
    corral__task_admit(t);
    *out = t;
    return 0;
}

uint64_t corral_task_id(const corral_task *t)
{
    return t ? t->id : 0;
}
const char *corral_task_name(const corral_task *t)
{
    return t ? corral__task_name((corral_task *)t) : "";
}
int corral_task_state(const corral_task *t)
{
    return t ? t->state : -1;
}
corral_rt *corral_task_rt(const corral_task *t)
{
    return t ? t->rt : NULL;
}

int corral_task_done(const corral_task *t)
{
    return t ? corral__task_terminal(t) : corral__fail(CORRAL_EINVALIDARG, "task is NULL");
}

int corral_task_cancel_pending(const corral_task *t)
{
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "task is NULL");
    return !corral__task_terminal(t) && corral__task_cancel_pending(t);
}

int corral_task_cancel(corral_task *t)
{
    int rc = usable(t);
    if (rc < 0)
        return rc;
    if (corral__task_terminal(t) || t->root_scope.cancel_called)
        return 0;
    corral__scope_cancel(&t->root_scope, CORRAL_CAUSE_EXPLICIT);
    return 1;
}

int corral_task_result(const corral_task *t, corral_value *out)
{
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "task is NULL");
    if (!corral__task_terminal(t))
        return corral__fail(CORRAL_EINVALIDSTATE, "task_result: task %s is not done",
                            corral__task_name((corral_task *)t));
    corral_error *e;
    return corral__task_join_outcome((corral_task *)t, out, &e);
}

corral_error *corral_task_error(const corral_task *t)
{
    return t && t->state == CORRAL_TASK_FAILED ? t->error : NULL;
}

corral_error *corral_task_last_error(const corral_task *t)
{
    return t ? t->last_error : NULL;
}

int corral_task_set_error(corral_task *self, corral_error *e)
{
    int rc = usable(self);
    if (rc < 0)
        return rc;
    if (!e)
        return corral__fail(CORRAL_EINVALIDARG, "task_set_error: error is NULL");
    corral__error_ref(e);
    corral__error_unref(self->pending_error);
    self->pending_error = e;
    return corral_error_code(e);
}

int corral_task_raise(corral_task *self, const char *kind, const char *msg)
{
    int rc = usable(self);
    if (rc < 0)
        return rc;
    corral_error *e;
    rc = corral_error_new(&e, CORRAL_EUSER, kind, msg);
    if (rc < 0)
        return rc;
    rc = corral_task_set_error(self, e);
    corral__error_unref(e);
    return rc;
}

int corral_task_set_local(corral_task *t, const void *key, uintptr_t value)
{
    int rc = usable(t);
    if (rc < 0)
        return rc;
    if (!key)
        return corral__fail(CORRAL_EINVALIDARG, "task_set_local: key is NULL");
    for (size_t i = 0; i < t->nlocals; i++)
        if (t->locals[i].key == key) {
            t->locals[i].value = value;
            return 0;
        }
    corral__local *l = realloc(t->locals, (t->nlocals + 1) * sizeof *l);
    if (!l)
        return CORRAL_ENOMEM;
    l[t->nlocals++] = (corral__local){key, value};
    t->locals = l;
    return 0;
}

int corral_task_get_local(const corral_task *t, const void *key, uintptr_t *out)
{
    if (!t || !key)
        return corral__fail(CORRAL_EINVALIDARG, "task_get_local: task and key are required");
    for (size_t i = 0; i < t->nlocals; i++)
        if (t->locals[i].key == key) {
            if (out)
                *out = t->locals[i].value;
            return 1;
        }
    return 0;
}

int corral_task_take_value(corral_task *t, corral_value *out)
{
    if (!t || !out)
        return corral__fail(CORRAL_EINVALIDARG, "task_take_value: task and out are required");
    corral_rt *rt = t->rt;
    if (rt->step_task != t)
        return corral__fail(CORRAL_EINVALIDSTATE, "task_take_value: not inside %s's step",
                            corral__task_name(t));
    if (!*rt->step_owned) {
        *out = (corral_value){0};
        return 0; /* borrowed: the caller copies what it needs */
    }
    *out = *rt->step_value;
    *rt->step_value = (corral_value){0};
    *rt->step_owned = false;
    return 1;
}

corral_task *corral__calling_fiber(const char *who)
{
    corral_task *self = corral__tls_current;
    if (!self || self->driver != CORRAL__DRIVER_FIBER) {
        corral__fail(CORRAL_EINVALIDSTATE, "%s: must be called from a fiber task", who);
        return NULL;
    }
    return self;
}
