/* group.c - groups (R42-R51): free and scoped groups, their states and exits, the error
 * policies (R52-R55, R58, and COLLECT for helpers, R59), and the handler chain (R56, R57). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int usable(const corral_group *g)
{
    if (!g)
        return corral__fail(CORRAL_EINVALIDARG, "group is NULL");
    return corral__rt_usable(g->rt);
}

/* Named groups appear in traces; the root group and unnamed groups do not (semantics 3.0). */
static bool traced(const corral_group *g)
{
    return g->name && !g->is_root;
}

static const char *display_name(const corral_group *g)
{
    return g->is_root ? "root" : g->name ? g->name : "(unnamed)";
}

int corral__group_new(corral_group **out, corral_rt *rt, corral_group *parent, const char *name,
                      bool is_root)
{
    corral_group *g = calloc(1, sizeof *g);
    if (!g || (name && !(g->name = strdup(name)))) {
        free(g);
        return CORRAL_ENOMEM;
    }
    atomic_init(&g->refs, 1);
    g->rt = rt;
    g->is_root = is_root;
    g->state = CORRAL__GROUP_OPEN;
    g->cleanup_timeout = -1;
    corral__scope_init(&g->scope, rt, NULL, parent ? &parent->scope : NULL, CORRAL_SCOPE_MOVE_ON, 0,
                       true);
    if (parent) {
        g->parent = corral_group_ref(parent);
        g->prev_sibling = parent->last_child;
        if (parent->last_child)
            parent->last_child->next_sibling = g;
        else
            parent->first_child = g;
        parent->last_child = corral_group_ref(g);
    }
    corral__rt_obj_ref(rt);
    *out = g;
    return 0;
}

int corral_group_new(corral_group **out, corral_rt *rt, corral_group *parent, const char *name)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "group_new: out is NULL");
    if (!parent)
        parent = rt->root;
    if (parent->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "group_new: parent belongs to another runtime");
    if (parent->state != CORRAL__GROUP_OPEN)
        return corral__fail(CORRAL_EGROUPCLOSED, "group_new: parent %s is closing",
                            display_name(parent));
    return corral__group_new(out, rt, parent, name, false);
}

corral_group *corral_group_ref(corral_group *g)
{
    if (g)
        atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

void corral_group_unref(corral_group *g)
{
    if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    corral_rt *rt = g->rt;
    corral__timer_disarm(rt, &g->scope.timer); /* a deadline set on corral_group_scope(g) */
    for (size_t i = 0; i < g->nerrors; i++)
        corral_error_unref(g->errors[i]);
    free(g->errors);
    corral_error_unref(g->fatal);
    corral_group_unref(g->former_parent);
    free(g->indexed); /* weak: each member clears its slot when it goes */
    free(g->done);
    free(g->name);
    free(g);
    corral__rt_obj_unref(rt);
}

static void wake_all(corral__waitlist *l)
{
    corral__listener *x;
    while ((x = corral__waitlist_pop(l)))
        corral__wake(CORRAL__WAITER_TASK(x), 0, NULL, false, NULL);
}

static void detach_from_parent(corral_group *g)
{
    corral_group *p = g->parent;
    if (g->prev_sibling)
        g->prev_sibling->next_sibling = g->next_sibling;
    else
        p->first_child = g->next_sibling;
    if (g->next_sibling)
        g->next_sibling->prev_sibling = g->prev_sibling;
    else
        p->last_child = g->prev_sibling;
    g->prev_sibling = g->next_sibling = NULL;
    g->parent = NULL;
}

static void exit_finished(corral_group *g);

/* R48: CLOSING, no live member, every subgroup CLOSED (CLOSED ones are detached) and, for a
 * scoped group, its body ended. */
static void maybe_closed(corral_group *g)
{
    if (g->state != CORRAL__GROUP_CLOSING || g->nmembers > 0 || g->first_child ||
        (g->scoped && !g->body_ended))
        return;
    g->state = CORRAL__GROUP_CLOSED;
    if (traced(g))
        corral__trace(g->rt, g->name, "CLOSED");
    wake_all(&g->closed_waiters);
    corral_group *p = g->parent;
    if (p) {
        detach_from_parent(g);
        g->former_parent = p; /* g's reference to its parent, kept for the handler chain */
        maybe_closed(p);
        corral_group_unref(g); /* the parent's reference to g */
    }
}

static void enter_closing(corral_group *g);
static void mark_cancelled(corral_group *g, int cause);

static int record_error(corral_group *g, corral_error *e)
{
    corral_error **errors = realloc(g->errors, (g->nerrors + 1) * sizeof *errors);
    if (!errors)
        return CORRAL_ENOMEM;
    g->errors = errors;
    g->errors[g->nerrors++] = corral_error_ref(e);
    return 0;
}

/* R53: record the error, OPEN -> CLOSING, cancel the group scope (the host body included)
 * synchronously, in the failed member's completion step. */
static void fail_fast(corral_group *g, corral_error *e)
{
    record_error(g, e);
    enter_closing(g);
    mark_cancelled(g, CORRAL_CAUSE_FAIL_FAST);
    corral__abort_cancelled(g->rt, NULL);
}

/* R58: a fatal error closes every group it passes with cancellation; a scoped group's exit
 * raises it; from a free group it goes on to the root, which cancels main, and the run ends
 * with it (the strict-mode path of R57). */
static void escalate_fatal(corral_group *g, corral_error *e)
{
    if (!g->fatal)
        g->fatal = corral_error_ref(e);
    if (!g->is_root) {
        enter_closing(g);
        mark_cancelled(g, CORRAL_CAUSE_FAIL_FAST);
        corral__abort_cancelled(g->rt, NULL);
    }
    if (g->scoped)
        return; /* its exit raises it in the host task, whose own group sees it next */
    corral_rt *rt = g->rt;
    if (!rt->strict_error && rt->main) {
        rt->strict_error = corral_error_ref(e);
        if (!corral__task_terminal(rt->main))
            corral__scope_cancel(&rt->main->root_scope, CORRAL_CAUSE_FAIL_FAST);
    }
}

static bool reports_failures(const corral_group *g)
{
    return g->policy == CORRAL_GROUP_SUPERVISE ||
           (g->policy == CORRAL_GROUP_COLLECT && !g->collecting);
}

void corral__group_member_ended(corral_group *g, corral_task *t)
{
    bool failed = t->state == CORRAL_TASK_FAILED;
    if (failed && corral_error_is_fatal(t->error)) {
        escalate_fatal(g, t->error);
        failed = false; /* handlers never see a fatal error */
    }
    if (g->policy == CORRAL_GROUP_COLLECT && g->collecting) {
        corral_task_ref(t); /* its outcome is readable until the body leaves the group */
        g->done[g->done_len++] = t->group_index;
        corral__listener *x = corral__waitlist_pop(&g->done_waiters);
        if (x) {
            corral_task *body = CORRAL__WAITER_TASK(x);
            corral_value v = {.type = CORRAL_VALUE_INT, .as.i = corral__group_take_done(g, body)};
            corral__wake(body, 0, &v, false, NULL);
        }
        return;
    }
    if (failed && reports_failures(g))
        corral__group_report(g, t, t->error);
}

int corral__group_reserve(corral_group *g)
{
    if (g->policy != CORRAL_GROUP_COLLECT || g->nindexed < g->cap_indexed)
        return 0;
    size_t cap = g->cap_indexed ? 2 * g->cap_indexed : 8;
    corral_task **indexed = realloc(g->indexed, cap * sizeof *indexed);
    if (!indexed)
        return CORRAL_ENOMEM;
    g->indexed = indexed;
    uint32_t *done = realloc(g->done, cap * sizeof *done);
    if (!done)
        return CORRAL_ENOMEM;
    g->done = done;
    g->cap_indexed = cap;
    return 0;
}

/* The body left a COLLECT group: failures it did not take go to the handler chain now, in
 * the order they happened, and later ones at completion (R59: delivered or reported). */
static void stop_collecting(corral_group *g)
{
    if (g->policy != CORRAL_GROUP_COLLECT || !g->collecting)
        return;
    g->collecting = 0;
    for (size_t i = g->done_head; i < g->done_len; i++) {
        corral_task *t = g->indexed[g->done[i]];
        if (t->state == CORRAL_TASK_FAILED && !corral_error_is_fatal(t->error))
            corral__group_report(g, t, t->error);
    }
    /* Drop the references taken when the members ended: a member and its group no longer
     * keep each other alive (the caller holds g across this). */
    size_t n = g->done_len;
    g->done_head = g->done_len = 0;
    for (size_t i = 0; i < n; i++)
        corral_task_unref(g->indexed[g->done[i]]);
}

void corral__group_forget_member(corral_task *t)
{
    corral_group *g = t->group;
    if (g->policy == CORRAL_GROUP_COLLECT && t->group_index < g->nindexed &&
        g->indexed[t->group_index] == t)
        g->indexed[t->group_index] = NULL;
}

int64_t corral__group_take_done(corral_group *g, corral_task *body)
{
    corral_group_unref(body->rollback_group);
    body->rollback_group = corral_group_ref(g); /* until the body observes it */
    return g->done[g->done_head++];
}

void corral__group_untake_done(corral_group *g)
{
    if (g->collecting && g->done_head > 0)
        g->done_head--;
}

corral_task *corral_group_member(const corral_group *g, int64_t index)
{
    if (!g || index < 0 || (size_t)index >= g->nindexed)
        return NULL;
    return g->indexed[index];
}

int corral_group_next_done(corral_group *g, int64_t deadline)
{
    corral_op op = {.kind = CORRAL_OP_GROUP_NEXT_DONE, .target = g, .deadline = deadline};
    corral_value v = {0};
    int rc = corral_await(&op, &v);
    return rc < 0 ? rc : (int)v.as.i;
}

corral_group *corral_task_current_group(const corral_task *t)
{
    t = t ? t : corral__tls_current;
    while (t) {
        for (const corral_scope *s = t->scope; s && s != &t->root_scope; s = s->parent) {
            corral_group *g = s->task ? NULL : CORRAL__CONTAINER(s, corral_group, scope);
            if (g && g->policy != CORRAL_GROUP_COLLECT) /* helper groups are not spawned into */
                return g;
        }
        corral_group *g = t->group;
        if (g->policy != CORRAL_GROUP_COLLECT)
            return g->is_root ? NULL : g;
        t = g->host; /* a helper's member: the group of the code that called the helper */
    }
    return NULL;
}

corral_scope *corral_group_scope(corral_group *g)
{
    return g ? &g->scope : NULL;
}

int corral_group_set_cleanup_timeout(corral_group *g, int64_t timeout)
{
    int rc = usable(g);
    if (rc < 0)
        return rc;
    if (timeout < -1)
        return corral__fail(CORRAL_EINVALIDARG, "group_set_cleanup_timeout: negative timeout");
    g->cleanup_timeout = timeout;
    return 0;
}

int64_t corral__group_cleanup_timeout(const corral_group *g)
{
    for (; g; g = g->parent)
        if (g->cleanup_timeout >= 0)
            return g->cleanup_timeout;
    return -1;
}

int64_t corral_group_cleanup_timeout(const corral_group *g)
{
    return g ? corral__group_cleanup_timeout(g) : corral__fail(CORRAL_EINVALIDARG, "group is NULL");
}

void corral__group_member_done(corral_group *g, corral_error *failure)
{
    g->nmembers--;
    if (failure && g->policy == CORRAL_GROUP_FAIL_FAST && !corral_error_is_fatal(failure))
        fail_fast(g, failure);
    if (g->scoped && g->body_ended && g->nmembers == 0)
        exit_finished(g);
    else
        maybe_closed(g);
}

/* R45 (1)-(2): OPEN -> CLOSING for g, then its subgroups in pre-order. */
static void enter_closing(corral_group *g)
{
    if (g->state == CORRAL__GROUP_OPEN) {
        g->state = CORRAL__GROUP_CLOSING;
        if (traced(g))
            corral__trace(g->rt, g->name, "CLOSING");
        wake_all(&g->closing_waiters);
    }
    for (corral_group *c = g->first_child; c; c = c->next_sibling)
        enter_closing(c);
}

/* R45 (3): mark every scope of the subtree cancelled; the abort pass runs once afterwards. */
static void mark_cancelled(corral_group *g, int cause)
{
    g->cancelled = 1;
    if (!g->scope.cancel_called) {
        g->scope.cancel_called = 1;
        g->rt->cancel_epoch++;
        g->scope.cause = (uint8_t)cause;
    }
    for (corral_group *c = g->first_child; c; c = c->next_sibling)
        mark_cancelled(c, cause);
}

/* R45 (4): deepest first. */
static void close_finished(corral_group *g)
{
    corral_group_ref(g);
    for (corral_group *c = g->first_child, *next; c; c = next) {
        next = c->next_sibling;
        close_finished(c);
    }
    maybe_closed(g);
    corral_group_unref(g);
}

void corral__group_close(corral_group *g, bool cancel, int cause)
{
    if (g->state == CORRAL__GROUP_CLOSED)
        return;
    if (g->state != CORRAL__GROUP_OPEN && (!cancel || g->cancelled))
        return; /* R46: only an escalation to cancel does anything */
    enter_closing(g);
    if (cancel) {
        mark_cancelled(g, cause);
        corral__abort_cancelled(g->rt, NULL);
    }
    close_finished(g);
}

int corral_group_close(corral_group *g, int cancel)
{
    int rc = usable(g);
    if (rc < 0)
        return rc;
    corral__group_close(g, cancel != 0, CORRAL_CAUSE_GROUP_CLOSE);
    return 0;
}

bool corral__group_contains_task(const corral_group *g, const corral_task *t)
{
    for (const corral_group *x = t->group; x; x = x->parent)
        if (x == g)
            return true;
    return false;
}

static corral_group *chain_from(corral_group *g);
static corral_group *chain_parent(const corral_group *g);
static int queue_report(corral_rt *rt, corral_group *h, corral_task *task, const char *actor,
                        corral_error *err, bool next);

int corral_rt_report_error(corral_rt *rt, corral_group *g, const char *actor, corral_error *e)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!actor || !e || corral_error_code(e) == CORRAL_ECANCELLED)
        return corral__fail(CORRAL_EINVALIDARG,
                            "report_error: actor and an error other than Cancelled are required");
    if (!g)
        g = rt->root;
    if (g->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "report_error: group of another runtime");
    rc = queue_report(rt, chain_from(g), NULL, actor, e, false);
    if (rc < 0)
        return rc;
    return 0;
}

/* ---- scoped groups (R42, R49) ---- */

int corral_group_enter(corral_group **out, corral_task *t, const char *name, int policy,
                       int exit_mode)
{
    t = t ? t : corral__tls_current;
    if (!out || !t)
        return corral__fail(CORRAL_EINVALIDARG, "group_enter: out and a task are required");
    int rc = corral__rt_usable(t->rt);
    if (rc < 0)
        return rc;
    if ((policy != CORRAL_GROUP_SUPERVISE && policy != CORRAL_GROUP_FAIL_FAST &&
         policy != CORRAL_GROUP_COLLECT) ||
        (exit_mode != CORRAL_GROUP_JOIN && exit_mode != CORRAL_GROUP_CANCEL))
        return corral__fail(CORRAL_EINVALIDARG, "group_enter: unknown policy or exit mode");
    if (corral__task_terminal(t))
        return corral__fail(CORRAL_EINVALIDSTATE, "group_enter: task %s is done",
                            corral__task_name(t));
    corral_group *g;
    rc = corral__group_new(&g, t->rt, t->group, name, false);
    if (rc < 0)
        return rc;
    g->scoped = 1;
    g->policy = (uint8_t)policy;
    g->collecting = policy == CORRAL_GROUP_COLLECT;
    g->exit_mode = (uint8_t)exit_mode;
    g->handler = NULL;
    g->host = t;
    g->scope.parent = t->scope; /* the body runs inside the group scope */
    t->scope = &g->scope;
    t->hosted_groups++;
    corral__task_update_cancel(t);
    *out = g;
    return 0;
}

/* The error object that goes with an exit's status: the ErrorGroup, or the body's own error
 * when the body's error is what propagates. */
static corral_error *exit_error(corral_group *g, corral_task *t, int status, corral_error *eg)
{
    if (eg)
        return eg;
    bool body_error = status == g->body_status && status != 0 && status != CORRAL_ECANCELLED;
    return body_error ? t->pending_error : NULL;
}

/* Leave the host's scope stack and compute what the exit raises (R49, R54, R28). */
/* The host left the group (its exit completed, or its body was dropped): the host's scopes
 * can go away now, so the group scope hangs from its parent group's scope from here on, as a
 * free group's does; what is left in it (subgroups) never reaches into a dead task's scope
 * stack. Returns the host scope the group hung from. */
static corral_scope *leave_host(corral_group *g, corral_task *t)
{
    corral_scope *host_scope = g->scope.parent;
    t->scope = host_scope;
    t->hosted_groups--;
    g->host = NULL;
    g->scope.parent = g->parent ? &g->parent->scope : NULL;
    g->rt->cancel_epoch++; /* visibility memos below g's scope may have changed */
    return host_scope;
}

static int exit_outcome(corral_group *g, corral_task *t, corral_error **err)
{
    *err = NULL;
    corral_scope *host_scope = leave_host(g, t);
    corral__task_update_cancel(t);
    int status = g->body_status;
    if (g->fatal) { /* R58: raised as itself, before anything else */
        *err = corral_error_ref(g->fatal);
        return corral_error_code(g->fatal);
    }
    if (g->policy == CORRAL_GROUP_FAIL_FAST && g->nerrors) {
        if (corral_error_new_group(err, g->errors, g->nerrors) == 0)
            return CORRAL_EERRORGROUP; /* errors beat a pending cancellation */
        return CORRAL_ENOMEM;
    }
    if (status == CORRAL_ECANCELLED && g->scope.cancel_called &&
        !corral__scope_cancel_visible(host_scope)) {
        g->scope.cancelled_caught = 1;
        status = 0; /* the group scope owned that Cancelled */
    }
    if (status == 0 && corral__task_cancel_pending(t))
        status = CORRAL_ECANCELLED; /* exit is a cancel point after the wait */
    return status;
}

/* The last member is gone after the body ended: JOIN's OPEN -> CLOSING -> CLOSED in this step,
 * then the host's exit completes. */
static void exit_finished(corral_group *g)
{
    corral_group_ref(g);
    enter_closing(g);
    maybe_closed(g);
    corral__listener *x = corral__waitlist_pop(&g->exit_waiters);
    if (x) {
        corral_task *t = CORRAL__WAITER_TASK(x);
        corral_error *err;
        int status = exit_outcome(g, t, &err);
        corral__wake(t, status, NULL, false, exit_error(g, t, status, err));
        corral_error_unref(err);
    }
    corral_group_unref(g);
}

int corral__group_exit_op(corral_task *t, corral_group *g, int body_status)
{
    if (!g->scoped || g->host != t || t->scope != &g->scope || g->body_ended)
        return corral__fail(CORRAL_EINVALIDSTATE,
                            "group_exit: not the innermost group this task entered");
    if (body_status > 0)
        return corral__fail(CORRAL_EINVALIDARG, "group_exit: status must be 0 or negative");
    corral__task_clear_resume(t->rt, t);
    corral_group_ref(g); /* releasing the ended members below may drop their references */
    g->body_ended = 1;
    g->body_status = body_status;
    stop_collecting(g);
    corral_error *body_error =
        body_status != 0 && body_status != CORRAL_ECANCELLED ? t->pending_error : NULL;
    if (body_error && corral_error_is_fatal(body_error)) {
        if (!g->fatal) /* R58: raised by the exit as itself, never wrapped */
            g->fatal = corral_error_ref(body_error);
    } else if (body_error && g->policy == CORRAL_GROUP_FAIL_FAST) {
        record_error(g, body_error); /* a body error counts when it reaches the exit */
    }
    if (body_status != 0 || g->exit_mode == CORRAL_GROUP_CANCEL) {
        if (g->exit_mode == CORRAL_GROUP_CANCEL)
            enter_closing(g);
        mark_cancelled(g, body_status == CORRAL_ECANCELLED ? CORRAL_CAUSE_PARENT
                                                           : CORRAL_CAUSE_GROUP_CLOSE);
        corral__abort_cancelled(g->rt, NULL);
    }
    if (g->nmembers == 0) {
        enter_closing(g);
        maybe_closed(g);
        corral_error *err;
        int status = exit_outcome(g, t, &err);
        corral__finish_now(t, status, exit_error(g, t, status, err));
        corral_error_unref(err);
    } else {
        corral__park(t, CORRAL__WAIT_GROUP_EXIT, corral_group_ref(g), &g->exit_waiters);
    }
    corral_group_unref(g);
    return CORRAL_PENDING;
}

void corral__group_drop_body(corral_task *t, corral_scope *group_scope)
{
    corral_group *g = corral_group_ref(CORRAL__CONTAINER(group_scope, corral_group, scope));
    g->body_ended = 1;
    g->body_status = CORRAL_ECANCELLED;
    stop_collecting(g);
    leave_host(g, t);
    corral__group_close(g, true, CORRAL_CAUSE_PARENT);
    corral_group_unref(g);
}

int corral_group_exit(corral_group *g, int status)
{
    corral_op op = {.kind = CORRAL_OP_GROUP_EXIT,
                    .target = g,
                    .deadline = CORRAL__NO_DEADLINE,
                    .value = {.type = CORRAL_VALUE_INT, .as.i = status}};
    return corral_await(&op, NULL);
}

int corral_group_set_handler(corral_group *g, corral_group_handler_fn fn, void *ud)
{
    int rc = usable(g);
    if (rc < 0)
        return rc;
    g->handler = fn;
    g->handler_ud = ud;
    return 0;
}

int corral_group_is_open(const corral_group *g)
{
    return g ? g->state == CORRAL__GROUP_OPEN : corral__fail(CORRAL_EINVALIDARG, "group is NULL");
}

int corral_group_is_closing(const corral_group *g)
{
    return g ? g->state != CORRAL__GROUP_OPEN : corral__fail(CORRAL_EINVALIDARG, "group is NULL");
}

int corral_group_is_closed(const corral_group *g)
{
    return g ? g->state == CORRAL__GROUP_CLOSED : corral__fail(CORRAL_EINVALIDARG, "group is NULL");
}

const char *corral_group_name(const corral_group *g)
{
    return g ? (g->is_root ? "root" : g->name ? g->name : "") : "";
}

int64_t corral_group_size(const corral_group *g)
{
    return g ? g->nmembers : corral__fail(CORRAL_EINVALIDARG, "group is NULL");
}

/* ---- handler chain ---- */

void corral__group_report(corral_group *g, corral_task *member, corral_error *err)
{
    queue_report(g->rt, chain_from(g), member, NULL, err, false);
}

/* R56: the nearest group with an exception callback (C or host), ending at the root. */
/* The group whose handler chain follows g's: its parent, also after g CLOSED and left it. */
static corral_group *chain_parent(const corral_group *g)
{
    return g->parent ? g->parent : g->former_parent;
}

static corral_group *chain_from(corral_group *g)
{
    while (g && !g->handler && !g->host_handler && !g->is_root)
        g = chain_parent(g);
    return g;
}

static void root_handler(corral_rt *rt, const char *who, corral_error *err)
{
    rt->unhandled++;
    const char *msg = corral_error_message(err);
    corral__log_diag(rt, "unhandled error in task %s: %s%s%s", who, corral_error_kind(err),
                     *msg ? ": " : "", msg);
    if ((rt->flags & CORRAL_RT_STRICT) && !rt->strict_error && rt->main) {
        rt->strict_error = corral_error_ref(err); /* R57 strict mode */
        if (!corral__task_terminal(rt->main))
            corral__scope_cancel(&rt->main->root_scope, CORRAL_CAUSE_FAIL_FAST);
    }
}

/* Queue a report for the chain starting at h (already resolved). A host handler's report is
 * a host entry; `next` puts it first in the current batch (a raise inside the chain goes on
 * at once, R56). */
static int queue_report(corral_rt *rt, corral_group *h, corral_task *task, const char *actor,
                        corral_error *err, bool next)
{
    if (!h)
        h = rt->root;
    corral__job *j =
        corral__job_new(rt, h->host_handler ? CORRAL__ENTRY_HOST_HANDLER : CORRAL__ENTRY_HANDLER);
    if (!j || (actor && !(j->actor = strdup(actor)))) {
        if (j)
            corral__job_free(j);
        return CORRAL_ENOMEM;
    }
    j->group = corral_group_ref(h);
    j->task = task ? corral_task_ref(task) : NULL;
    j->error = corral_error_ref(err);
    if (next) {
        j->entry.next = rt->batch.head;
        rt->batch.head = &j->entry;
        if (!rt->batch.tail)
            rt->batch.tail = &j->entry;
    } else {
        corral__ready_job(rt, j);
    }
    return 0;
}

static const char *job_who(const corral__job *job)
{
    return job->task ? corral__task_name(job->task) : job->actor;
}

static void trace_handler(corral_rt *rt, corral_group *h, const char *who, corral_error *err)
{
    if (!corral__tracing(rt))
        return;
    char buf[512], *heap;
    const char *text = corral__error_text(err, buf, sizeof buf, &heap);
    corral__trace(rt, h ? display_name(h) : "root", "handler %s %s", who, text);
    free(heap);
}

/* Run the chain from h: C callbacks inline, the root handler at the end; a host callback
 * stops the walk by queueing its record next. */
static void run_chain(corral_rt *rt, corral_group *h, corral_task *task, const char *who,
                      corral_error *err_in)
{
    corral_error *err = corral_error_ref(err_in);
    for (;;) {
        if (h && h->host_handler) {
            queue_report(rt, h, task, who, err, true);
            break;
        }
        trace_handler(rt, h, who, err);
        if (!h || !h->handler) {
            root_handler(rt, who, err);
            break;
        }
        corral_error *raised = NULL;
        int rc = h->handler(h, task, err, &raised, h->handler_ud);
        if (rc >= 0) {
            corral_error_unref(raised);
            break;
        }
        if (!raised)
            raised = corral__error_from_code(rc, NULL);
        if (!raised)
            break;
        if (!corral_error_context(raised))
            corral_error_set_context(raised, err);
        corral_error_unref(err);
        err = raised;
        h = chain_from(chain_parent(h));
    }
    corral_error_unref(err);
}

void corral__group_run_handler(corral__job *job)
{
    run_chain(job->group->rt, job->group, job->task, job_who(job), job->error);
}

void corral__group_host_handler_record(corral__job *job, corral_record *rec)
{
    corral_group *h = job->group;
    trace_handler(h->rt, h, job_who(job), job->error);
    rec->kind = CORRAL_RECORD_HANDLER;
    rec->binding = h->handler_binding;
    rec->token = h->handler_token;
    rec->source = h;
    rec->task = job->task;
    rec->error = job->error;
}

int corral_group_set_host_handler(corral_group *g, uint32_t binding, uint64_t token)
{
    int rc = usable(g);
    if (rc < 0)
        return rc;
    g->host_handler = token != 0;
    g->handler_binding = binding;
    g->handler_token = token;
    if (token) {
        g->handler = NULL;
        g->handler_ud = NULL;
    }
    return 0;
}

int corral_group_handler_raised(const corral_record *rec, corral_error *raised)
{
    if (!rec || rec->kind != CORRAL_RECORD_HANDLER || !rec->source || !raised ||
        corral_error_code(raised) == CORRAL_ECANCELLED)
        return corral__fail(CORRAL_EINVALIDARG,
                            "group_handler_raised: a HANDLER record and an error are required");
    corral_group *g = rec->source;
    int rc = usable(g);
    if (rc < 0)
        return rc;
    if (!corral_error_context(raised))
        corral_error_set_context(raised, rec->error);
    const char *who = rec->task ? corral__task_name(rec->task) : NULL;
    corral__job *j = NULL;
    if (!who) /* a reported error: the actor is in the job handed out with this record */
        for (j = g->rt->handed_jobs; j && j->error != rec->error; j = (corral__job *)j->entry.next)
            ;
    run_chain(g->rt, chain_from(chain_parent(g)), rec->task,
              who ? who
              : j ? j->actor
                  : "?",
              raised);
    return 0;
}

void corral__group_discard_tree(corral_group *g)
{
    while (g->first_child) {
        corral_group *c = g->first_child;
        corral__group_discard_tree(c);
        detach_from_parent(c);
        corral_group_unref(g);
        corral_group_unref(c);
    }
    g->state = CORRAL__GROUP_CLOSED;
}

/* ---- fiber shorthands ---- */

static int wait_group(corral_group *g, uint32_t kind, int64_t deadline)
{
    corral_op op = {.kind = kind, .target = g, .deadline = deadline};
    return corral_await(&op, NULL);
}

int corral_group_wait_closing(corral_group *g, int64_t deadline)
{
    return wait_group(g, CORRAL_OP_GROUP_WAIT_CLOSING, deadline);
}

int corral_group_wait_closed(corral_group *g, int64_t deadline)
{
    return wait_group(g, CORRAL_OP_GROUP_WAIT_CLOSED, deadline);
}

int corral_group_async_close(corral_group *g, int cancel, int64_t deadline)
{
    int rc = corral_group_close(g, cancel);
    return rc < 0 ? rc : corral_group_wait_closed(g, deadline);
}
