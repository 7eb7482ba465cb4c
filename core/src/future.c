/* future.c - one-shot futures and the listener lists shared by every wait (R19-R22). */
#include <stdlib.h>

#include "internal.h"

void corral__waitlist_push(corral__waitlist *l, corral__listener *x)
{
    x->list = l;
    x->next = NULL;
    x->prev = l->tail;
    if (l->tail)
        l->tail->next = x;
    else
        l->head = x;
    l->tail = x;
}

void corral__waitlist_remove(corral__listener *x)
{
    corral__waitlist *l = x->list;
    if (!l)
        return;
    if (x->prev)
        x->prev->next = x->next;
    else
        l->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        l->tail = x->prev;
    x->prev = x->next = NULL;
    x->list = NULL;
}

corral__listener *corral__waitlist_pop(corral__waitlist *l)
{
    corral__listener *x = l->head;
    if (x)
        corral__waitlist_remove(x);
    return x;
}

static int usable(const corral_future *f)
{
    if (!f)
        return corral__fail(CORRAL_EINVALIDARG, "future is NULL");
    if (f->rt->closed)
        return corral__fail(CORRAL_ECLOSED, "future's runtime is closed");
    if (f->closed)
        return corral__fail(CORRAL_ECLOSED, "future is closed");
    return 0;
}

int corral_future_new(corral_future **out, corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "future_new: out is NULL");
    corral_future *f = corral__block_get(rt, CORRAL__POOL_FUTURE, sizeof *f);
    if (!f)
        return CORRAL_ENOMEM;
    atomic_init(&f->refs, 1);
    f->rt = rt;
    f->next_id = 1;
    corral__rt_obj_ref(rt);
    *out = f;
    return 0;
}

corral_future *corral_future_ref(corral_future *f)
{
    if (f)
        atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return f;
}

void corral_future_unref(corral_future *f)
{
    if (!f || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    corral_rt *rt = f->rt;
    corral__listener *x;
    while ((x = corral__waitlist_pop(&f->listeners))) /* only callbacks can remain */
        corral__block_put(rt, CORRAL__POOL_CALLBACK, x);
    corral__value_drop(rt, &f->value);
    corral_error_unref(f->error);
    corral__block_put(rt, CORRAL__POOL_FUTURE, f);
    corral__rt_obj_unref(rt);
}

/* The outcome a waiter sees (R22: a cancelled future raises FutureCancelled). */
static int outcome(const corral_future *f, corral_value *v, corral_error **err)
{
    *err = NULL;
    if (v)
        *v = (corral_value){0};
    switch (f->state) {
    case CORRAL_FUTURE_RESULT:
        if (v)
            *v = f->value;
        return 0;
    case CORRAL_FUTURE_ERROR:
        *err = f->error;
        return corral_error_code(f->error);
    default:
        return CORRAL_EFUTURECANCELLED;
    }
}

/* Enqueue a listener whose source completed (R20: one entry each, in order). */
static void notify(corral_future *f, corral__listener *x)
{
    corral_rt *rt = f->rt;
    if (x->kind == CORRAL__LISTENER_WAITER) {
        corral_value v;
        corral_error *err;
        int status = outcome(f, &v, &err);
        corral__wake(CORRAL__WAITER_TASK(x), status, &v, false, err);
        return;
    }
    corral__callback *cb = (corral__callback *)x;
    corral__job *j = corral__job_new(rt, x->kind == CORRAL__LISTENER_CB ? CORRAL__ENTRY_FUTURE_CB
                                                                        : CORRAL__ENTRY_HOST_CB);
    if (j) {
        j->future = corral_future_ref(f);
        j->fn = cb->fn;
        j->ud = cb->ud;
        j->binding = cb->binding;
        j->token = cb->token;
        corral__ready_job(rt, j);
    }
    corral__block_put(rt, CORRAL__POOL_CALLBACK, cb);
}

static void complete(corral_future *f, uint8_t state)
{
    f->state = state;
    corral__listener *x;
    while ((x = corral__waitlist_pop(&f->listeners)))
        notify(f, x);
}

int corral_future_set_result(corral_future *f, const corral_value *v)
{
    int rc = usable(f);
    if (rc < 0)
        return rc;
    if (f->state != CORRAL_FUTURE_PENDING)
        return corral__fail(CORRAL_EINVALIDSTATE, "future_set_result: future is already done");
    rc = corral__value_take(&f->value, v);
    if (rc < 0)
        return rc;
    complete(f, CORRAL_FUTURE_RESULT);
    return 0;
}

int corral_future_set_error(corral_future *f, corral_error *e)
{
    int rc = usable(f);
    if (rc < 0)
        return rc;
    if (!e)
        return corral__fail(CORRAL_EINVALIDARG, "future_set_error: error is NULL");
    if (corral_error_code(e) == CORRAL_ECANCELLED) /* control flow, not an outcome: cancel() */
        return corral__fail(CORRAL_EINVALIDARG,
                            "future_set_error: Cancelled is not an error (cancel the future)");
    if (f->state != CORRAL_FUTURE_PENDING)
        return corral__fail(CORRAL_EINVALIDSTATE, "future_set_error: future is already done");
    f->error = corral_error_ref(e);
    complete(f, CORRAL_FUTURE_ERROR);
    return 0;
}

int corral_future_cancel(corral_future *f)
{
    int rc = usable(f);
    if (rc < 0)
        return rc;
    if (f->state != CORRAL_FUTURE_PENDING)
        return 0;
    complete(f, CORRAL_FUTURE_CANCELLED);
    return 1;
}

int corral_future_close(corral_future *f)
{
    if (!f)
        return corral__fail(CORRAL_EINVALIDARG, "future is NULL");
    if (f->closed || f->rt->closed)
        return 0;
    if (f->state == CORRAL_FUTURE_PENDING)
        complete(f, CORRAL_FUTURE_CANCELLED);
    f->closed = 1;
    return 0;
}

int corral_future_state(const corral_future *f)
{
    return f ? f->state : corral__fail(CORRAL_EINVALIDARG, "future is NULL");
}

int corral_future_result(const corral_future *f, corral_value *out)
{
    if (!f)
        return corral__fail(CORRAL_EINVALIDARG, "future is NULL");
    if (f->state == CORRAL_FUTURE_PENDING)
        return corral__fail(CORRAL_EINVALIDSTATE, "future_result: future is pending");
    corral_error *err;
    return outcome(f, out, &err);
}

corral_error *corral_future_error(const corral_future *f)
{
    return f && f->state == CORRAL_FUTURE_ERROR ? f->error : NULL;
}

static int64_t add_listener(corral_future *f, uint8_t kind, corral_future_cb cb, void *ud,
                            uint32_t binding, uint64_t token)
{
    int rc = usable(f);
    if (rc < 0)
        return rc;
    corral__callback *x = corral__block_get(f->rt, CORRAL__POOL_CALLBACK, sizeof *x);
    if (!x)
        return CORRAL_ENOMEM;
    x->l.kind = kind;
    x->id = f->next_id++;
    x->fn = cb;
    x->ud = ud;
    x->binding = binding;
    x->token = token;
    int64_t id = x->id;
    if (f->state == CORRAL_FUTURE_PENDING)
        corral__waitlist_push(&f->listeners, &x->l);
    else
        notify(f, &x->l); /* R20: added after completion -> queued at once */
    return id;
}

int64_t corral_future_add_callback(corral_future *f, corral_future_cb cb, void *ud)
{
    if (!cb)
        return corral__fail(CORRAL_EINVALIDARG, "future_add_callback: callback is NULL");
    return add_listener(f, CORRAL__LISTENER_CB, cb, ud, 0, 0);
}

int64_t corral_future_add_host_callback(corral_future *f, uint32_t binding, uint64_t token)
{
    return add_listener(f, CORRAL__LISTENER_HOST_CB, NULL, NULL, binding, token);
}

int corral_future_remove_callback(corral_future *f, int64_t id)
{
    int rc = usable(f);
    if (rc < 0)
        return rc;
    for (corral__listener *x = f->listeners.head; x; x = x->next) {
        if (x->kind != CORRAL__LISTENER_WAITER && ((corral__callback *)x)->id == id) {
            corral__waitlist_remove(x);
            corral__block_put(f->rt, CORRAL__POOL_CALLBACK, x);
            return 1;
        }
    }
    return 0;
}

int corral_future_await(corral_future *f, corral_value *out, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_FUTURE, .target = f, .deadline = deadline};
    return corral_await(&op, out);
}
