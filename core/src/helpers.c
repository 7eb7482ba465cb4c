/* helpers.c - the seed libraries' coroutine helpers (R59, R66, R70-R73) for C fibers, and
 * Group.wrap. The helpers that run members (race, gather_safe) use a COLLECT group: members
 * are handed to the helper in completion order, their errors are values, and whatever the
 * helper does not deliver goes to the handler chain when it leaves the group. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Make err the outcome the calling fiber reports with its code (corral_task_last_error; a
 * body returning that code fails with this error). Takes the reference. */
static int raise_error(corral_task *self, corral_error *err)
{
    corral__error_unref(self->last_error);
    self->last_error = err;
    return corral_error_code(err);
}

static int check_members(const corral_member *m, size_t n, const char *who)
{
    if (n && !m)
        return corral__fail(CORRAL_EINVALIDARG, "%s: members array is NULL", who);
    for (size_t i = 0; i < n; i++)
        if (!m[i].fn)
            return corral__fail(CORRAL_EINVALIDARG, "%s: member %zu has no function", who, i);
    return 0;
}

static void drop_tasks(corral_task **tasks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        corral_task_unref(tasks[i]);
        tasks[i] = NULL;
    }
}

/* Enter a COLLECT group on self and spawn the members as "<helper>.<i>" unless named; tasks[i]
 * keeps a reference to member i (the group holds its members only while the helper is inside
 * it). On a spawn failure, the members already spawned are cancelled and awaited, their
 * references dropped, and the code is returned with the group left. */
static int start_members(corral_task *self, const corral_member *m, size_t n, const char *helper,
                         corral_task **tasks, corral_group **out)
{
    corral_group *g;
    int rc = corral_group_enter(&g, self, NULL, CORRAL_GROUP_COLLECT, CORRAL_GROUP_JOIN);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char fallback[64];
        snprintf(fallback, sizeof fallback, "%s.%zu", helper, i);
        tasks[i] = NULL;
        rc = corral_spawn_fiber(&tasks[i], self->rt, g, m[i].name ? m[i].name : fallback, m[i].fn,
                                m[i].arg, NULL);
    }
    if (rc < 0) {
        corral__group_close(g, true, CORRAL_CAUSE_GROUP_CLOSE);
        corral_group_exit(g, 0);
        corral_group_unref(g);
        drop_tasks(tasks, n);
        return rc;
    }
    *out = g;
    return 0;
}

int corral_gather_safe(const corral_member *members, size_t n, corral_task **tasks)
{
    corral_task *self = corral__calling_fiber("gather_safe");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    int rc = check_members(members, n, "gather_safe");
    if (rc < 0)
        return rc;
    if (n && !tasks)
        return corral__fail(CORRAL_EINVALIDARG, "gather_safe: tasks array is NULL");
    corral_group *g;
    if ((rc = start_members(self, members, n, "gather_safe", tasks, &g)) < 0)
        return rc;
    int status = 0;
    for (size_t left = n; left > 0 && status == 0;) {
        int idx = corral_group_next_done(g, CORRAL__NO_DEADLINE);
        if (idx < 0)
            status = idx; /* the caller was cancelled: members are cancelled by the exit */
        else if ((size_t)idx < n)
            left--; /* (a task spawned into the group by someone else is not ours) */
    }
    /* every member was taken (R59: their errors are the caller's values), or the caller is
     * unwinding and the exit reports what nobody took */
    rc = corral_group_exit(g, status);
    if (rc != 0 && rc != CORRAL_ECANCELLED) /* a fatal error the exit raised (R58) */
        drop_tasks(tasks, n);
    corral_group_unref(g);
    return rc;
}

int corral_race(const corral_member *members, size_t n, int continue_on_error, corral_value *out,
                size_t *winner, corral_error **errors)
{
    if (out)
        *out = (corral_value){0};
    if (errors)
        *errors = NULL;
    corral_task *self = corral__calling_fiber("race");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    int rc = check_members(members, n, "race");
    if (rc < 0)
        return rc;
    if (n == 0)
        return corral__fail(CORRAL_EINVALIDARG, "race: no members");
    corral_error **failed = calloc(n, sizeof *failed);
    corral_task **tasks = calloc(n, sizeof *tasks);
    corral_group *g;
    if (!failed || !tasks || (rc = start_members(self, members, n, "race", tasks, &g)) < 0) {
        free(failed);
        free(tasks);
        return !failed || !tasks ? CORRAL_ENOMEM : rc;
    }
    size_t nfailed = 0;
    int status = 0, win = -1;
    corral_error *first_error = NULL;
    for (size_t left = n; left > 0 && win < 0 && status == 0;) {
        int idx = corral_group_next_done(g, CORRAL__NO_DEADLINE);
        if (idx < 0) {
            status = idx;
            break;
        }
        if ((size_t)idx >= n)
            continue; /* spawned into the group by someone else: not a member of this race */
        left--;
        corral_task *t = tasks[idx];
        if (t->state == CORRAL_TASK_COMPLETED) {
            win = idx;
        } else if (t->state == CORRAL_TASK_FAILED) {
            if (!continue_on_error) {
                first_error = corral__error_ref(t->error);
                status = corral_error_code(t->error);
            } else {
                failed[nfailed++] = t->error; /* borrowed: tasks[] keeps the task */
            }
        } /* a member cancelled from elsewhere neither wins nor fails */
    }
    corral__group_close(g, true, CORRAL_CAUSE_GROUP_CLOSE); /* the losers (R70) */
    rc = corral_group_exit(g, status == CORRAL_ECANCELLED ? status : 0);
    if (rc == 0 && win >= 0) {
        corral_task *t = tasks[win];
        if (out) { /* the winner's value moves to the caller */
            *out = t->resume_value;
            t->resume_value = (corral_value){0};
        }
        if (winner)
            *winner = (size_t)win;
        if (errors && nfailed)
            rc = corral_error_new_group(errors, failed, nfailed);
    } else if (rc == 0 && first_error) {
        rc = raise_error(self, first_error);
        first_error = NULL;
    } else if (rc == 0) { /* every member failed (or was cancelled from elsewhere) */
        corral_error *eg;
        rc = corral_error_new_group(&eg, failed, nfailed);
        if (rc == 0)
            rc = raise_error(self, eg);
    }
    corral__error_unref(first_error);
    free(failed);
    drop_tasks(tasks, n);
    free(tasks);
    corral_group_unref(g);
    return rc;
}

int corral_call_on_cancel(corral_fiber_fn fn, void *arg, corral_value *out)
{
    corral_task *self = corral__calling_fiber("call_on_cancel");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    if (!fn || !out)
        return corral__fail(CORRAL_EINVALIDARG, "call_on_cancel: fn and out are required");
    int rc = corral_sleep(CORRAL__NO_DEADLINE); /* forever: only cancellation ends it */
    if (rc != CORRAL_ECANCELLED)
        return rc;
    corral_scope *cleanup;
    if ((rc = corral_cleanup_enter(&cleanup, self)) < 0)
        return rc;
    int st = corral_scope_exit(cleanup, fn(self, arg, out));
    if (corral_scope_cancelled_caught(cleanup)) { /* the grace ran out: back to Cancelled */
        corral_value_clear(out);
        st = CORRAL_ECANCELLED;
    }
    corral_scope_unref(cleanup);
    return st;
}

int corral_call_on_done(corral_future *f, corral_fiber_fn fn, void *arg, corral_value *out)
{
    corral_task *self = corral__calling_fiber("call_on_done");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    if (!f || !fn || !out)
        return corral__fail(CORRAL_EINVALIDARG, "call_on_done: f, fn and out are required");
    if (f->rt != self->rt)
        return corral__fail(CORRAL_EINVALIDARG, "call_on_done: f belongs to another runtime");
    if (f->closed)
        return corral__fail(CORRAL_ECLOSED, "call_on_done: f is closed");
    /* f can be awaited: any code now is either our cancellation or f's own outcome, which is
     * ignored (hat's suppress(Exception)), whatever its code */
    int rc = corral_future_await(f, NULL, CORRAL__NO_DEADLINE);
    if (rc == CORRAL_ECANCELLED && corral__task_cancel_pending(self))
        return rc; /* cancelled while waiting: fn is not called, f is left alone (R21) */
    return fn(self, arg, out);
}

int corral_cancel_and_join(corral_task *t, corral_value *out)
{
    if (out)
        *out = (corral_value){0};
    corral_task *self = corral__calling_fiber("cancel_and_join");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    if (t == self) /* the join would be refused (R17): do not cancel ourselves either */
        return corral__fail(CORRAL_EINVALIDSTATE, "cancel_and_join: a task cannot join itself");
    int rc = corral_task_cancel(t);
    if (rc < 0)
        return rc;
    rc = corral_join(t, out, CORRAL__NO_DEADLINE);
    /* a CANCELLED task gives nothing; a task that FAILED with TaskCancelled keeps its error */
    if (rc == CORRAL_ETASKCANCELLED && t->state == CORRAL_TASK_CANCELLED)
        return 0;
    return rc;
}

int corral_first(corral_queue *q, corral_pred_fn pred, void *ud, corral_value *out,
                 int64_t deadline)
{
    if (!out || !q)
        return corral__fail(CORRAL_EINVALIDARG, "first: a queue and out are required");
    *out = (corral_value){0};
    for (;;) {
        corral_value v;
        int rc = corral_queue_get(q, &v, deadline);
        if (rc == CORRAL_EQUEUECLOSED)
            return 0; /* exhausted: the caller's default applies */
        if (rc < 0)
            return rc;
        int match = pred ? pred(&v, ud) : 1;
        if (match > 0) {
            *out = v;
            return 1;
        }
        corral_value_clear(&v);
        if (match < 0)
            return match;
    }
}

/* ---- Group.wrap ---- */

enum wrap_phase { WRAP_START, WRAP_AWAITING, WRAP_UNWINDING };

typedef struct wrap_state {
    uint32_t kind; /* CORRAL_OP_FUTURE or CORRAL_OP_JOIN */
    uint8_t phase;
    void *target; /* reference held */
    corral_scope *shield;
} wrap_state;

static void wrap_free(void *p)
{
    wrap_state *w = p;
    if (w->kind == CORRAL_OP_FUTURE)
        corral_future_unref(w->target);
    else
        corral_task_unref(w->target);
    corral_scope_unref(w->shield);
    free(w);
}

/* The wrapper was cancelled (its group closed): cancel what it wraps; a task is then awaited
 * inside a shield, so the group closes only after it. */
static void wrap_cancelled(corral_task *self, wrap_state *w)
{
    if (w->kind == CORRAL_OP_FUTURE) {
        corral_future_cancel(w->target);
        corral_task_finish(self, CORRAL_ECANCELLED, NULL, NULL, NULL);
        return;
    }
    corral_task_cancel(w->target);
    corral_op op = {.kind = CORRAL_OP_JOIN, .target = w->target, .deadline = CORRAL__NO_DEADLINE};
    w->phase = WRAP_UNWINDING;
    /* a guard: signal escalation must not stop the wait for the target it cancelled */
    if (corral_scope_enter(&w->shield, self, CORRAL_SCOPE_MOVE_ON, -1, CORRAL_SHIELD_GUARD) < 0 ||
        corral_task_await(self, &op) != CORRAL_PENDING) {
        if (w->shield)
            corral_scope_exit(w->shield, 0);
        corral_task_finish(self, CORRAL_ECANCELLED, NULL, NULL, NULL);
    }
}

/* End with the target's outcome; values the core can copy are copied, a PTR is lent. */
static void wrap_finish(corral_task *self, int status, const corral_value *value)
{
    if (status < 0) {
        corral_task_finish(self, status, NULL, NULL, corral_task_last_error(self));
        return;
    }
    if (value->type == CORRAL_VALUE_HOST) {
        corral_error *e = corral__error_from_code(
            CORRAL_EINVALIDARG, "wrap: a host value cannot be shared by a C wrapper");
        corral_task_finish(self, CORRAL_EINVALIDARG, NULL, NULL, e);
        corral__error_unref(e);
        return;
    }
    corral_value copy = *value;
    if (copy.type == CORRAL_VALUE_PTR)
        copy.dtor = NULL;                           /* the target keeps ownership */
    corral_task_finish(self, 0, &copy, NULL, NULL); /* BYTES are copied by the core */
}

static void wrap_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    wrap_state *w = arg;
    switch (w->phase) {
    case WRAP_START: {
        corral_op op = {.kind = w->kind, .target = w->target, .deadline = CORRAL__NO_DEADLINE};
        w->phase = WRAP_AWAITING;
        int rc = corral_task_await(self, &op);
        if (rc == CORRAL_ECANCELLED)
            wrap_cancelled(self, w);
        else if (rc != CORRAL_PENDING)
            corral_task_finish(self, rc, NULL, NULL, NULL);
        return;
    }
    case WRAP_AWAITING:
        if (status == CORRAL_ECANCELLED)
            wrap_cancelled(self, w);
        else
            wrap_finish(self, status, value);
        return;
    default: /* the cancelled target ended: go on unwinding */
        corral_scope_exit(w->shield, 0);
        corral_task_finish(self, CORRAL_ECANCELLED, NULL, NULL, NULL);
        return;
    }
}

int corral_group_wrap(corral_task **out, corral_group *g, const char *name, uint32_t kind,
                      void *target)
{
    if (!out || !g || !target || (kind != CORRAL_OP_FUTURE && kind != CORRAL_OP_JOIN))
        return corral__fail(CORRAL_EINVALIDARG,
                            "group_wrap: a group and a future (OP_FUTURE) or task (OP_JOIN)");
    const corral_rt *owner = kind == CORRAL_OP_FUTURE ? ((const corral_future *)target)->rt
                                                      : ((const corral_task *)target)->rt;
    if (owner != g->rt)
        return corral__fail(CORRAL_EINVALIDARG, "group_wrap: target belongs to another runtime");
    wrap_state *w = calloc(1, sizeof *w);
    if (!w)
        return CORRAL_ENOMEM;
    w->kind = kind;
    w->target = kind == CORRAL_OP_FUTURE ? (void *)corral_future_ref(target)
                                         : (void *)corral_task_ref(target);
    int rc = corral_spawn_step(out, g->rt, g, name, wrap_step, w, wrap_free);
    if (rc < 0)
        wrap_free(w);
    return rc;
}
