/* sync.c - Event, Lock, Semaphore and Condition (R27, R31, R65).
 *
 * Waiters queue FIFO on the object. Whatever a waiter waits for (a permit, the lock) is handed
 * to it synchronously by the call that frees it, so a later try_acquire never overtakes a
 * parked waiter. Cancelling a parked waiter only removes it from the list (await.c). */
#include <stdlib.h>

#include "internal.h"

static int check(const void *obj, corral_rt *rt, const char *what)
{
    if (!obj)
        return corral__fail(CORRAL_EINVALIDARG, "%s is NULL", what);
    return corral__rt_usable(rt);
}

/* Allocate a primitive: refs = 1, rt set and kept alive. */
static void *new_object(corral_rt *rt, size_t size)
{
    struct {
        atomic_int refs;
        corral_rt *rt;
    } *obj = calloc(1, size);
    if (!obj)
        return NULL;
    atomic_init(&obj->refs, 1);
    obj->rt = rt;
    corral__rt_obj_ref(rt);
    return obj;
}

static int create(void **out, corral_rt *rt, size_t size, const char *who)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "%s: out is NULL", who);
    *out = new_object(rt, size);
    return *out ? 0 : CORRAL_ENOMEM;
}

static bool last_ref(atomic_int *refs)
{
    return atomic_fetch_sub_explicit(refs, 1, memory_order_acq_rel) == 1;
}

static int wake_all(corral__waitlist *l)
{
    int n = 0;
    corral__listener *x;
    while ((x = corral__waitlist_pop(l))) {
        corral__wake(CORRAL__WAITER_TASK(x), 0, NULL, false, NULL);
        n++;
    }
    return n;
}

static corral_task *resolve(corral_task *t)
{
    return t ? t : corral__tls_current;
}

/* ---- Event ---- */

int corral_event_new(corral_event **out, corral_rt *rt)
{
    return create((void **)out, rt, sizeof **out, "event_new");
}

corral_event *corral_event_ref(corral_event *e)
{
    if (e)
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

void corral_event_unref(corral_event *e)
{
    if (!e || !last_ref(&e->refs))
        return;
    corral_rt *rt = e->rt;
    free(e);
    corral__rt_obj_unref(rt);
}

int corral_event_set(corral_event *e)
{
    int rc = check(e, e ? e->rt : NULL, "event");
    if (rc < 0)
        return rc;
    e->is_set = 1;
    return wake_all(&e->waiters);
}

int corral_event_clear(corral_event *e)
{
    int rc = check(e, e ? e->rt : NULL, "event");
    if (rc < 0)
        return rc;
    e->is_set = 0;
    return 0;
}

int corral_event_is_set(const corral_event *e)
{
    return e ? e->is_set : corral__fail(CORRAL_EINVALIDARG, "event is NULL");
}

int corral__event_wait_op(corral_task *t, corral_event *e, int64_t deadline)
{
    if (e->is_set) {
        corral__finish_now_value(t, 0, NULL);
        return CORRAL_PENDING;
    }
    if (corral__past(t->rt, deadline)) {
        corral__finish_now_value(t, CORRAL_ETIMEOUT, NULL);
        return CORRAL_PENDING;
    }
    corral__park_until(t, CORRAL__WAIT_EVENT, corral_event_ref(e), &e->waiters, deadline);
    return CORRAL_PENDING;
}

int corral_event_wait(corral_event *e, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_EVENT_WAIT, .target = e, .deadline = deadline};
    return corral__await(&op, NULL);
}

/* ---- Lock ---- */

int corral_lock_new(corral_lock **out, corral_rt *rt)
{
    return create((void **)out, rt, sizeof **out, "lock_new");
}

corral_lock *corral_lock_ref(corral_lock *l)
{
    if (l)
        atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    return l;
}

void corral_lock_unref(corral_lock *l)
{
    if (!l || !last_ref(&l->refs))
        return;
    corral_rt *rt = l->rt;
    corral_task_unref(l->owner);
    free(l);
    corral__rt_obj_unref(rt);
}

static void set_owner(corral_lock *l, corral_task *t)
{
    corral_task *old = l->owner;
    l->owner = t ? corral_task_ref(t) : NULL;
    corral_task_unref(old);
}

int corral_lock_try_acquire(corral_lock *l, corral_task *t)
{
    t = resolve(t);
    int rc = check(l, l ? l->rt : NULL, "lock");
    if (rc < 0)
        return rc;
    if (!t || t->rt != l->rt)
        return corral__fail(CORRAL_EINVALIDARG, "lock_try_acquire: no task of the lock's runtime");
    if (l->owner == t)
        return corral__fail(CORRAL_EINVALIDSTATE, "lock_try_acquire: task %s already owns it",
                            corral__task_name(t));
    if (l->owner || l->waiters.head)
        return 0;
    set_owner(l, t);
    return 1;
}

/* Hand the lock to its first waiter, or free it. A condition waiter taking its lock back
 * resumes with the outcome its wait ended with (kept in wait.arg). */
static void pass_on(corral_lock *l)
{
    corral__listener *x = corral__waitlist_pop(&l->waiters);
    if (!x) {
        set_owner(l, NULL);
        return;
    }
    corral_task *next = CORRAL__WAITER_TASK(x);
    int status = next->wait.kind == CORRAL__WAIT_LOCK_REACQUIRE ? next->wait.arg : 0;
    set_owner(l, next);
    corral__wake(next, status, NULL, false, NULL);
    corral__task_set_rollback(next, CORRAL__ROLLBACK_LOCK, l);
}

void corral__lock_give_back(corral_lock *l, corral_task *t)
{
    if (l->owner == t)
        pass_on(l);
}

int corral_lock_release(corral_lock *l, corral_task *t)
{
    t = resolve(t);
    int rc = check(l, l ? l->rt : NULL, "lock");
    if (rc < 0)
        return rc;
    if (!l->owner)
        return corral__fail(CORRAL_EINVALIDSTATE, "lock_release: the lock is not held");
    if (l->owner != t)
        return corral__fail(CORRAL_EINVALIDSTATE, "lock_release: task %s does not own the lock",
                            t ? corral__task_name(t) : "(none)");
    pass_on(l);
    return 0;
}

int corral_lock_locked(const corral_lock *l)
{
    return l ? l->owner != NULL : corral__fail(CORRAL_EINVALIDARG, "lock is NULL");
}

corral_task *corral_lock_owner(const corral_lock *l)
{
    return l ? l->owner : NULL;
}

int corral__lock_acquire_op(corral_task *t, corral_lock *l, int64_t deadline)
{
    if (l->owner == t)
        return corral__fail(CORRAL_EINVALIDSTATE, "lock_acquire: task %s already owns it",
                            corral__task_name(t));
    if (!l->owner && !l->waiters.head) {
        set_owner(l, t);
        corral__task_set_rollback(t, CORRAL__ROLLBACK_LOCK, l);
        corral__finish_now_value(t, 0, NULL);
        return CORRAL_PENDING;
    }
    if (corral__past(t->rt, deadline)) {
        corral__finish_now_value(t, CORRAL_ETIMEOUT, NULL);
        return CORRAL_PENDING;
    }
    corral__park_until(t, CORRAL__WAIT_LOCK, corral_lock_ref(l), &l->waiters, deadline);
    return CORRAL_PENDING;
}

int corral_lock_acquire(corral_lock *l, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_LOCK_ACQUIRE, .target = l, .deadline = deadline};
    return corral__await(&op, NULL);
}

/* ---- Semaphore ---- */

int corral_semaphore_new(corral_semaphore **out, corral_rt *rt, int64_t value, int64_t bound)
{
    if (value < 0 || (bound >= 0 && bound < value))
        return corral__fail(CORRAL_EINVALIDARG,
                            "semaphore_new: value must be >= 0 and not above the bound");
    int rc = create((void **)out, rt, sizeof **out, "semaphore_new");
    if (rc == 0) {
        (*out)->value = value;
        (*out)->bound = bound < 0 ? -1 : bound;
    }
    return rc;
}

corral_semaphore *corral_semaphore_ref(corral_semaphore *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void corral_semaphore_unref(corral_semaphore *s)
{
    if (!s || !last_ref(&s->refs))
        return;
    corral_rt *rt = s->rt;
    free(s);
    corral__rt_obj_unref(rt);
}

int corral_semaphore_try_acquire(corral_semaphore *s)
{
    int rc = check(s, s ? s->rt : NULL, "semaphore");
    if (rc < 0)
        return rc;
    if (s->value == 0 || s->waiters.head)
        return 0;
    s->value--;
    return 1;
}

int corral_semaphore_release(corral_semaphore *s)
{
    int rc = check(s, s ? s->rt : NULL, "semaphore");
    if (rc < 0)
        return rc;
    if (!s->waiters.head && s->bound >= 0 && s->value >= s->bound)
        return corral__fail(CORRAL_EINVALIDSTATE,
                            "semaphore_release: released more often than acquired");
    corral__semaphore_give_back(s);
    return 0;
}

void corral__semaphore_give_back(corral_semaphore *s)
{
    corral__listener *x = corral__waitlist_pop(&s->waiters);
    if (x) { /* the permit goes straight to the first waiter */
        corral_task *t = CORRAL__WAITER_TASK(x);
        corral__wake(t, 0, NULL, false, NULL);
        corral__task_set_rollback(t, CORRAL__ROLLBACK_SEM, s);
        return;
    }
    s->value++;
}

int64_t corral_semaphore_value(const corral_semaphore *s)
{
    return s ? s->value : corral__fail(CORRAL_EINVALIDARG, "semaphore is NULL");
}

int corral__semaphore_acquire_op(corral_task *t, corral_semaphore *s, int64_t deadline)
{
    if (s->value > 0 && !s->waiters.head) {
        s->value--;
        corral__task_set_rollback(t, CORRAL__ROLLBACK_SEM, s);
        corral__finish_now_value(t, 0, NULL);
        return CORRAL_PENDING;
    }
    if (corral__past(t->rt, deadline)) {
        corral__finish_now_value(t, CORRAL_ETIMEOUT, NULL);
        return CORRAL_PENDING;
    }
    corral__park_until(t, CORRAL__WAIT_SEMAPHORE, corral_semaphore_ref(s), &s->waiters, deadline);
    return CORRAL_PENDING;
}

int corral_semaphore_acquire(corral_semaphore *s, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_SEM_ACQUIRE, .target = s, .deadline = deadline};
    return corral__await(&op, NULL);
}

/* ---- Condition ---- */

int corral_condition_new(corral_condition **out, corral_rt *rt, corral_lock *lock)
{
    if (lock && lock->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "condition_new: lock of another runtime");
    corral_lock *own = NULL;
    if (!lock) {
        int rc = corral_lock_new(&own, rt);
        if (rc < 0)
            return rc;
    }
    int rc = create((void **)out, rt, sizeof **out, "condition_new");
    if (rc < 0) {
        corral_lock_unref(own);
        return rc;
    }
    (*out)->lock = own ? own : corral_lock_ref(lock);
    return 0;
}

corral_condition *corral_condition_ref(corral_condition *c)
{
    if (c)
        atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void corral_condition_unref(corral_condition *c)
{
    if (!c || !last_ref(&c->refs))
        return;
    corral_rt *rt = c->rt;
    corral_lock_unref(c->lock);
    free(c);
    corral__rt_obj_unref(rt);
}

corral_lock *corral_condition_lock(const corral_condition *c)
{
    return c ? c->lock : NULL;
}

/* t's condition wait is over (status 0: notified): it queues for the lock, parked, with no
 * deadline and out of cancellation's reach, and resumes with `status` once it owns it. */
static void reacquire(corral_task *t, corral_lock *l, int status)
{
    if (!l->owner && !l->waiters.head) {
        set_owner(l, t);
        corral__wake(t, status, NULL, false, NULL);
        corral__task_set_rollback(t, CORRAL__ROLLBACK_LOCK, l);
        return;
    }
    t->wait.arg = status;
    corral__park(t, CORRAL__WAIT_LOCK_REACQUIRE, corral_lock_ref(l), &l->waiters);
}

void corral__condition_abort(corral_task *t, int status)
{
    corral_condition *c = corral_condition_ref(t->wait.source);
    corral__task_detach_wait(t);
    reacquire(t, c->lock, status);
    corral_condition_unref(c);
}

int corral_condition_notify(corral_condition *c, int n)
{
    int rc = check(c, c ? c->rt : NULL, "condition");
    if (rc < 0)
        return rc;
    int woken = 0;
    while (n < 0 || woken < n) {
        corral__listener *x = c->waiters.head;
        if (!x)
            break;
        corral_task *t = CORRAL__WAITER_TASK(x);
        corral__task_detach_wait(t);
        reacquire(t, c->lock, 0);
        woken++;
    }
    return woken;
}

int corral__condition_wait_op(corral_task *t, corral_condition *c, int64_t deadline)
{
    if (c->lock->owner != t)
        return corral__fail(CORRAL_EINVALIDSTATE,
                            "condition_wait: task %s does not own the condition's lock",
                            corral__task_name(t));
    pass_on(c->lock);
    if (corral__past(t->rt, deadline)) {
        reacquire(t, c->lock, CORRAL_ETIMEOUT);
        return CORRAL_PENDING;
    }
    corral__park_until(t, CORRAL__WAIT_CONDITION, corral_condition_ref(c), &c->waiters, deadline);
    return CORRAL_PENDING;
}

int corral_condition_wait(corral_condition *c, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_COND_WAIT, .target = c, .deadline = deadline};
    return corral__await(&op, NULL);
}
