/* scope.c - level-triggered cancel scopes with deadlines and shields (R24-R40). */
#include <stdlib.h>

#include "internal.h"

static const char *const cause_names[] = {"NONE",      "EXPLICIT", "DEADLINE", "GROUP_CLOSE",
                                          "FAIL_FAST", "PARENT",   "SIGNAL",   "SHUTDOWN"};

const char *corral_cause_name(int cause)
{
    return cause >= 0 && cause <= CORRAL_CAUSE_SHUTDOWN ? cause_names[cause] : "UNKNOWN";
}

void corral__scope_init(corral_scope *s, corral_rt *rt, corral_task *task, corral_scope *parent,
                        int kind, int shield, bool embedded)
{
    atomic_init(&s->refs, 1);
    s->rt = rt;
    s->epoch = 0; /* no memo yet (the runtime's epoch starts at 1) */
    s->task = task;
    s->parent = parent;
    s->timer.deadline = CORRAL__NO_DEADLINE;
    s->timer.index = CORRAL__TIMER_IDLE;
    s->kind = (uint8_t)kind;
    s->shield = shield == CORRAL_SHIELD_GUARD ? CORRAL_SHIELD_GUARD : shield ? 1 : 0;
    s->embedded = embedded;
}

/* R25: walking up from s, a cancelled scope is reached at or before the first shield.
 * Answers are memoized per scope until the next cancellation anywhere in the runtime, so
 * entering and leaving scopes stays O(1) however deep they nest: the walk stops at the first
 * scope that decides (cancelled, shield, or a still-valid memo), and every scope passed on the
 * way has the same answer. */
bool corral__scope_cancel_visible(corral_scope *s)
{
    if (!s)
        return false;
    uint64_t epoch = s->rt->cancel_epoch;
    bool answer = false;
    corral_scope *x = s;
    for (; x; x = x->parent) {
        if (x->cancel_called) {
            answer = true;
            break;
        }
        if (x->shield)
            break;
        if (x->epoch == epoch) {
            answer = x->pending;
            break;
        }
    }
    for (corral_scope *y = s; y != x; y = y->parent) {
        y->pending = answer;
        y->epoch = epoch;
    }
    return answer;
}

int corral__scope_visible_cause(const corral_scope *s)
{
    for (; s; s = s->parent) {
        if (s->cancel_called)
            return s->cause;
        if (s->shield)
            return CORRAL_CAUSE_NONE;
    }
    return CORRAL_CAUSE_NONE;
}

void corral__scope_cancel(corral_scope *s, int cause)
{
    if (s->cancel_called)
        return; /* R29: the first cause is kept */
    s->cancel_called = 1;
    s->cause = (uint8_t)cause;
    s->rt->cancel_epoch++;
    corral__timer_disarm(s->rt, &s->timer);
    corral__abort_cancelled(s->rt, s);
}

/* The nearest cleanup scope enclosing scope s: up the task's stack, then through the groups
 * into the scopes of the task that entered them, so a helper task spawned by cleanup code
 * finds its caller's cleanup scope (R66). */
static const corral_scope *enclosing_cleanup(const corral_scope *s)
{
    for (; s; s = s->parent)
        if (s->kind == CORRAL_SCOPE_CLEANUP)
            return s;
    return NULL;
}

/* The scope's deadline passed. For a cleanup scope that is the grace running out (R66): the
 * scope absorbs its own cancellation, and the handler chain hears of it through an entry
 * queued after the tasks this wakes, so the unwinding outcome is never masked. */
static void deadline_expired(corral_scope *s)
{
    corral__scope_cancel(s, CORRAL_CAUSE_DEADLINE);
    if (s->kind != CORRAL_SCOPE_CLEANUP || !s->task)
        return;
    const corral_scope *outer = enclosing_cleanup(s->parent);
    if (outer && outer->cancel_called)
        return; /* the enclosing cleanup expired first (the cap): one expiry, one report */
    corral_error *e = corral__error_from_code(CORRAL_ECLEANUPTIMEOUT, NULL);
    if (e) {
        corral_group *g = corral_task_current_group(s->task);
        corral__group_report(g ? g : s->task->group, s->task, e);
        corral__error_unref(e);
    }
}

void corral__scope_timer_fired(corral_scope *s)
{
    deadline_expired(s);
}

static void apply_deadline(corral_scope *s, int64_t deadline)
{
    s->timer.deadline = deadline;
    if (s->cancel_called)
        return; /* sticky: a later deadline never un-cancels (R37) */
    if (deadline == CORRAL__NO_DEADLINE)
        corral__timer_disarm(s->rt, &s->timer);
    else if (deadline <= corral__now(s->rt))
        deadline_expired(s); /* R40: synchronously */
    else
        corral__timer_arm(s->rt, &s->timer, deadline, CORRAL__TIMER_SCOPE);
}

static void scope_free(corral_scope *s)
{
    corral_rt *rt = s->rt;
    free(s);
    corral__rt_obj_unref(rt);
}

corral_scope *corral_scope_ref(corral_scope *s)
{
    if (s && !s->embedded)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void corral_scope_unref(corral_scope *s)
{
    if (s && !s->embedded && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        scope_free(s);
}

static corral_task *resolve_task(corral_task *t)
{
    return t ? t : corral__tls_current;
}

/* A cleanup scope cannot outlive the grace of a cleanup scope around it: being a shield, it
 * would otherwise hide that grace's expiry and let the unwinding run past it. Returns the
 * deadline to use (capped once, at entry: a later change of the outer deadline does not move
 * it). */
static int64_t cleanup_deadline(const corral_scope *parent, corral_rt *rt, int64_t deadline)
{
    const corral_scope *outer = enclosing_cleanup(parent);
    if (!outer)
        return deadline;
    int64_t limit = outer->cancel_called ? corral__now(rt) : outer->timer.deadline;
    if (limit == CORRAL__NO_DEADLINE || (deadline != CORRAL__NO_DEADLINE && deadline < limit))
        return deadline;
    return limit;
}

int corral_scope_enter(corral_scope **out, corral_task *t, int kind, int64_t deadline, int shield)
{
    t = resolve_task(t);
    if (!out || !t)
        return corral__fail(CORRAL_EINVALIDARG, "scope_enter: out and a task are required");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    if (kind != CORRAL_SCOPE_MOVE_ON && kind != CORRAL_SCOPE_FAIL && kind != CORRAL_SCOPE_CLEANUP)
        return corral__fail(CORRAL_EINVALIDARG, "scope_enter: unknown kind %d", kind);
    if (deadline < CORRAL__NO_DEADLINE)
        return corral__fail(CORRAL_EINVALIDARG, "scope_enter: negative deadline");
    if (kind == CORRAL_SCOPE_CLEANUP)
        shield = 1; /* managed cleanup is always shielded (R66) */
    if (corral__task_terminal(t))
        return corral__fail(CORRAL_EINVALIDSTATE, "scope_enter: task %s is done",
                            corral__task_name(t));
    corral_scope *s = calloc(1, sizeof *s);
    if (!s)
        return CORRAL_ENOMEM;
    if (kind == CORRAL_SCOPE_CLEANUP)
        deadline = cleanup_deadline(t->scope, t->rt, deadline);
    corral__scope_init(s, t->rt, t, t->scope, kind, shield, false);
    corral__rt_obj_ref(t->rt);
    atomic_store(&s->refs, 2); /* the caller's, and the task's scope stack's */
    t->scope = s;
    if (s->shield == 1 && t->rt->signals_escalated)
        corral__scope_cancel(s, CORRAL_CAUSE_SIGNAL); /* R51: after escalation, no shield holds */
    corral__task_update_cancel(t);                    /* a shield hides outer cancellation */
    if (deadline != CORRAL__NO_DEADLINE)
        apply_deadline(s, deadline);
    *out = s;
    return 0;
}

static int relative(corral_task *t, int64_t duration, int64_t *deadline)
{
    t = resolve_task(t);
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "scope: no task");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    if (duration < 0)
        return corral__fail(CORRAL_EINVALIDARG, "scope: negative duration");
    int64_t now = corral__now(t->rt); /* R37: relative deadlines count from entry */
    *deadline = duration > INT64_MAX - now ? INT64_MAX : now + duration;
    return 0;
}

int corral_move_on_at(corral_scope **out, corral_task *t, int64_t deadline)
{
    return corral_scope_enter(out, t, CORRAL_SCOPE_MOVE_ON, deadline, 0);
}

int corral_move_on_after(corral_scope **out, corral_task *t, int64_t duration)
{
    int64_t deadline = CORRAL__NO_DEADLINE;
    int rc = relative(t, duration, &deadline);
    return rc < 0 ? rc : corral_scope_enter(out, t, CORRAL_SCOPE_MOVE_ON, deadline, 0);
}

int corral_fail_at(corral_scope **out, corral_task *t, int64_t deadline)
{
    return corral_scope_enter(out, t, CORRAL_SCOPE_FAIL, deadline, 0);
}

int corral_fail_after(corral_scope **out, corral_task *t, int64_t duration)
{
    int64_t deadline = CORRAL__NO_DEADLINE;
    int rc = relative(t, duration, &deadline);
    return rc < 0 ? rc : corral_scope_enter(out, t, CORRAL_SCOPE_FAIL, deadline, 0);
}

int corral_shield(corral_scope **out, corral_task *t)
{
    return corral_scope_enter(out, t, CORRAL_SCOPE_MOVE_ON, CORRAL__NO_DEADLINE, 1);
}

int corral_cleanup_enter(corral_scope **out, corral_task *t)
{
    t = resolve_task(t);
    if (!t)
        return corral__fail(CORRAL_EINVALIDARG, "cleanup_enter: no task");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    corral_group *g = corral_task_current_group(t);
    int64_t grace = corral__group_cleanup_timeout(g ? g : t->group);
    int64_t deadline = CORRAL__NO_DEADLINE;
    if (grace >= 0) {
        int64_t now = corral__now(t->rt);
        deadline = grace > INT64_MAX - now ? INT64_MAX : now + grace;
    }
    return corral_scope_enter(out, t, CORRAL_SCOPE_CLEANUP, deadline, 1);
}

static void pop(corral_scope *s)
{
    corral__timer_disarm(s->rt, &s->timer);
    s->task->scope = s->parent;
    corral__task_update_cancel(s->task);
    s->exited = 1;
    s->parent = NULL; /* the enclosing scopes and the task may go before this handle does */
    s->task = NULL;
    corral_scope_unref(s); /* the stack's reference */
}

int corral_scope_exit(corral_scope *s, int status)
{
    if (!s || s->embedded)
        return corral__fail(CORRAL_EINVALIDARG, "scope_exit: not an entered scope");
    if (s->exited)
        return corral__fail(CORRAL_EINVALIDSTATE, "scope_exit: scope already exited");
    if (s->task->scope != s)
        return corral__fail(CORRAL_EINVALIDSTATE, "scope_exit: not the innermost scope");
    /* R28: absorb a Cancelled this scope owns: it was cancelled and no ancestor cancellation
     * is visible to it (a shield hides its ancestors). */
    if (status == CORRAL_ECANCELLED && s->cancel_called &&
        (s->shield || !corral__scope_cancel_visible(s->parent))) {
        s->cancelled_caught = 1;
        status = 0;
    }
    /* R38: a fail scope raises Timeout only when its own deadline caused it. */
    if (status == 0 && s->kind == CORRAL_SCOPE_FAIL && s->cancelled_caught &&
        s->cause == CORRAL_CAUSE_DEADLINE)
        status = CORRAL_ETIMEOUT;
    pop(s);
    return status;
}

int corral_scope_exit_uncancellable(corral_scope *s, int status, int raise_cancel)
{
    corral_task *t = s ? s->task : NULL;
    status = corral_scope_exit(s, status);
    if (status == 0 && raise_cancel && t && corral__task_cancel_pending(t))
        return CORRAL_ECANCELLED; /* R33: the result is discarded */
    return status;                /* R34: the cancellation stays pending */
}

void corral__scope_unwind_to_root(corral_task *t)
{
    while (t->scope != &t->root_scope) {
        if (t->scope->task)
            pop(t->scope);
        else
            corral__group_drop_body(t, t->scope); /* a scoped group left entered */
    }
}

int corral_scope_cancel(corral_scope *s)
{
    if (!s)
        return corral__fail(CORRAL_EINVALIDARG, "scope is NULL");
    int rc = corral__rt_usable(s->rt);
    if (rc < 0)
        return rc;
    if (s->cancel_called)
        return 0;
    if (s->exited) { /* sticky flag only: its task may be gone, and nothing is under it now */
        s->cancel_called = 1;
        s->cause = CORRAL_CAUSE_EXPLICIT;
        s->rt->cancel_epoch++;
        return 1;
    }
    corral__scope_cancel(s, CORRAL_CAUSE_EXPLICIT);
    return 1;
}

int corral_scope_set_deadline(corral_scope *s, int64_t deadline)
{
    if (!s)
        return corral__fail(CORRAL_EINVALIDARG, "scope is NULL");
    int rc = corral__rt_usable(s->rt);
    if (rc < 0)
        return rc;
    if (deadline < CORRAL__NO_DEADLINE)
        return corral__fail(CORRAL_EINVALIDARG, "scope_set_deadline: negative deadline");
    if (s->exited)
        return corral__fail(CORRAL_EINVALIDSTATE, "scope_set_deadline: scope was exited");
    apply_deadline(s, deadline);
    return 0;
}

int64_t corral_scope_deadline(const corral_scope *s)
{
    return s ? s->timer.deadline : corral__fail(CORRAL_EINVALIDARG, "scope is NULL");
}

int corral_scope_cancel_called(const corral_scope *s)
{
    return s ? s->cancel_called : corral__fail(CORRAL_EINVALIDARG, "scope is NULL");
}

int corral_scope_cancelled_caught(const corral_scope *s)
{
    return s ? s->cancelled_caught : corral__fail(CORRAL_EINVALIDARG, "scope is NULL");
}

int corral_scope_cause(const corral_scope *s)
{
    return s ? s->cause : corral__fail(CORRAL_EINVALIDARG, "scope is NULL");
}

int corral_uncancellable(corral_fiber_fn fn, void *arg, corral_value *out, int raise_cancel)
{
    corral_task *t = corral__tls_current;
    if (!t || t->driver != CORRAL__DRIVER_FIBER)
        return corral__fail(CORRAL_EINVALIDSTATE, "uncancellable: not called from a fiber task");
    if (!fn)
        return corral__fail(CORRAL_EINVALIDARG, "uncancellable: fn is NULL");
    corral_scope *s;
    int rc = corral_shield(&s, t);
    if (rc < 0)
        return rc;
    corral_value result = {0};
    rc = corral_scope_exit_uncancellable(s, fn(t, arg, &result), raise_cancel);
    corral_scope_unref(s);
    if (out)
        *out = result; /* the body's value stays the caller's; meaningful only when rc == 0 */
    return rc;
}
