/* context.c - async context managers for C fibers: enter/exit of one manager under R66/R68,
 * and the context group (R69), whose enters and exits run as child tasks of an internal
 * COLLECT group so their errors are values the group hands back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int check_acm(const corral_acm *cm, const char *who)
{
    if (!cm || !cm->enter || !cm->exit)
        return corral__fail(CORRAL_EINVALIDARG, "%s: context manager %s", who,
                            !cm ? "is NULL" : "lacks enter or exit");
    return 0;
}

int corral_acm_enter(const corral_acm *cm, void *ud, corral_value *value)
{
    if (value)
        *value = (corral_value){0};
    corral_task *self = corral__calling_fiber("acm_enter");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    int rc = check_acm(cm, "acm_enter");
    if (rc < 0)
        return rc;
    if (!value)
        return corral__fail(CORRAL_EINVALIDARG, "acm_enter: value is NULL");
    corral_value raw = {0}; /* borrowed from enter, as a fiber's result is */
    if ((rc = cm->enter(self, ud, &raw)) >= 0) {
        if ((rc = corral__value_take(value, &raw)) == 0)
            return 0;
        corral_acm_exit(cm, ud, rc); /* entered, but the value could not be handed out */
        return rc;
    }
    if (rc != CORRAL_ECANCELLED) /* a failed enter hands nothing out */
        corral__unwind_record(self, corral__unwind_error(self, rc));
    return rc;
}

int corral_acm_exit(const corral_acm *cm, void *ud, int status)
{
    return corral__acm_exit(cm, ud, status, -1);
}

int corral__acm_exit(const corral_acm *cm, void *ud, int status, int64_t grace)
{
    corral_task *self = corral__calling_fiber("acm_exit");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    int rc = check_acm(cm, "acm_exit");
    if (rc < 0)
        return rc;
    if (status > 0)
        return corral__fail(CORRAL_EINVALIDARG, "acm_exit: status must be 0 or a code");
    corral_error *err =
        status < 0 && status != CORRAL_ECANCELLED ? corral__unwind_error(self, status) : NULL;
    corral_scope *scope;
    if ((rc = corral__unwind_begin(&scope, self, grace)) < 0) {
        corral__unwind_record(self, err);
        return rc;
    }
    int r = cm->exit(self, ud, status, err);
    bool cancelled = corral__unwind_apply_exit(self, r, 1, &status, &err);
    return corral__unwind_end(scope, cancelled, &status, err, self);
}

/* ---- Context group ---------------------------------------------------------------------- */

enum {
    CTX_NEW,
    CTX_ENTERING,
    CTX_ENTERED,
    CTX_ENTER_FAILED, /* the failed enter already exited what had entered */
    CTX_EXITING,
    CTX_EXITED
};

struct ctx_member {
    corral_acm cm; /* a copy: the caller's struct need not outlive add */
    void *ud;
    corral_ctxgroup *group;        /* the enter / exit tasks' way back (borrowed) */
    corral_task *enter_task;       /* holds the entered value or the enter error */
    corral_error *enter_cancelled; /* TaskCancelled when the enter ended cancelled */
    corral_error *exit_state;
    bool entered;     /* its enter completed: it must be exited */
    bool exit_failed; /* exit_state is a failure to raise (not a grace cut) */
};

struct corral_ctxgroup {
    atomic_int refs;
    corral_rt *rt;
    int state; /* CTX_* */
    char *enter_prefix, *exit_prefix;
    struct ctx_member *members;
    size_t n, cap;
    /* what the body ended with, for the exits */
    int exit_status;
    corral_error *exit_error;
};

int corral_ctxgroup_new(corral_ctxgroup **out, corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "ctxgroup_new: out is NULL");
    corral_ctxgroup *g = calloc(1, sizeof *g);
    if (g) {
        g->enter_prefix = strdup("enter");
        g->exit_prefix = strdup("exit");
    }
    if (!g || !g->enter_prefix || !g->exit_prefix) {
        if (g) {
            free(g->enter_prefix);
            free(g->exit_prefix);
        }
        free(g);
        return CORRAL_ENOMEM;
    }
    atomic_init(&g->refs, 1);
    g->rt = rt;
    corral__rt_obj_ref(rt);
    *out = g;
    return 0;
}

corral_ctxgroup *corral_ctxgroup_ref(corral_ctxgroup *g)
{
    if (g)
        atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

void corral_ctxgroup_unref(corral_ctxgroup *g)
{
    if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < g->n; i++) {
        corral_task_unref(g->members[i].enter_task);
        corral__error_unref(g->members[i].enter_cancelled);
        corral__error_unref(g->members[i].exit_state);
    }
    corral_rt *rt = g->rt;
    free(g->members);
    free(g->enter_prefix);
    free(g->exit_prefix);
    free(g);
    corral__rt_obj_unref(rt);
}

static int check_group(const corral_ctxgroup *g, const char *who)
{
    if (!g)
        return corral__fail(CORRAL_EINVALIDARG, "%s: context group is NULL", who);
    return corral__rt_usable(g->rt);
}

int corral_ctxgroup_set_task_names(corral_ctxgroup *g, const char *enter_prefix,
                                   const char *exit_prefix)
{
    int rc = check_group(g, "ctxgroup_set_task_names");
    if (rc < 0)
        return rc;
    if (!enter_prefix || !exit_prefix)
        return corral__fail(CORRAL_EINVALIDARG, "ctxgroup_set_task_names: a prefix is NULL");
    if (g->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "ctxgroup_set_task_names: already entered");
    char *a = strdup(enter_prefix), *b = strdup(exit_prefix);
    if (!a || !b) {
        free(a);
        free(b);
        return CORRAL_ENOMEM;
    }
    free(g->enter_prefix);
    free(g->exit_prefix);
    g->enter_prefix = a;
    g->exit_prefix = b;
    return 0;
}

int corral_ctxgroup_add(corral_ctxgroup *g, const corral_acm *cm, void *ud)
{
    int rc = check_group(g, "ctxgroup_add");
    if (rc < 0 || (rc = check_acm(cm, "ctxgroup_add")) < 0)
        return rc;
    if (g->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "ctxgroup_add: already entered");
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4;
        struct ctx_member *p = realloc(g->members, cap * sizeof *p);
        if (!p)
            return CORRAL_ENOMEM;
        g->members = p;
        g->cap = cap;
    }
    g->members[g->n] = (struct ctx_member){.cm = *cm, .ud = ud, .group = g};
    g->n++;
    return 0;
}

int64_t corral_ctxgroup_size(const corral_ctxgroup *g)
{
    if (!g)
        return corral__fail(CORRAL_EINVALIDARG, "ctxgroup_size: NULL");
    return (int64_t)g->n;
}

static int enter_task(corral_task *self, void *arg, corral_value *result)
{
    struct ctx_member *m = arg;
    int rc = m->cm.enter(self, m->ud, result);
    if (rc >= 0)
        return 0;
    *result = (corral_value){0}; /* borrowed, as a fiber's result: nothing to free here */
    return rc;
}

static int exit_task(corral_task *self, void *arg, corral_value *result)
{
    (void)result; /* an exit task ends with no value: a suppression flag is not one */
    struct ctx_member *m = arg;
    corral_ctxgroup *g = m->group;
    int rc = m->cm.exit(self, m->ud, g->exit_status, g->exit_error);
    return rc < 0 ? rc : 0;
}

/* "<prefix><i>" for member index i (0-based), or NULL (out of memory). */
static char *task_name(const char *prefix, size_t i)
{
    size_t cap = strlen(prefix) + 24;
    char *name = malloc(cap);
    if (name)
        snprintf(name, cap, "%s%zu", prefix, i + 1);
    return name;
}

/* An exit that could not get a task of its own runs in the calling fiber instead: every
 * entered manager is exited (R67), out of memory or not. */
static void exit_inline(corral_task *self, corral_ctxgroup *g, struct ctx_member *m)
{
    int r = m->cm.exit(self, m->ud, g->exit_status, g->exit_error);
    if (r < 0 && r != CORRAL_ECANCELLED) {
        m->exit_state = corral__unwind_error(self, r);
        m->exit_failed = true;
    }
}

/* Spawn one task per selected member (enter, or exit of the entered ones) into a COLLECT
 * group entered on self, and take every one of them back; `strict` cancels the others at
 * the first FAILED one. tasks[i] receives member i's task (NULL when not spawned). Returns 0,
 * CORRAL_ECANCELLED (self cancelled, or the cleanup grace expired: the group exit cancels
 * and awaits the members), or an error. An enter that cannot be spawned cancels the others
 * and fails the phase; an exit that cannot be spawned runs inline (exit_inline). */
static int run_members(corral_task *self, corral_ctxgroup *g, bool exits, bool strict,
                       corral_task **tasks)
{
    size_t *member_of = calloc(g->n ? g->n : 1, sizeof *member_of); /* spawn index -> member */
    corral_group *grp;
    int rc = member_of
                 ? corral_group_enter(&grp, self, NULL, CORRAL_GROUP_COLLECT, CORRAL_GROUP_JOIN)
                 : CORRAL_ENOMEM;
    if (rc < 0) {
        free(member_of);
        if (exits) /* nothing spawned: every exit runs here */
            for (size_t i = 0; i < g->n; i++)
                if (g->members[i].entered)
                    exit_inline(self, g, &g->members[i]);
        return exits ? 0 : rc;
    }
    size_t spawned = 0;
    for (size_t i = 0; i < g->n && rc == 0; i++) {
        struct ctx_member *m = &g->members[i];
        if (exits && !m->entered)
            continue;
        char *name = task_name(exits ? g->exit_prefix : g->enter_prefix, i);
        rc = name ? corral_spawn_fiber(&tasks[i], g->rt, grp, name, exits ? exit_task : enter_task,
                                       m, NULL)
                  : CORRAL_ENOMEM;
        free(name);
        if (rc == 0) {
            member_of[spawned++] = i;
        } else if (exits) {
            tasks[i] = NULL;
            exit_inline(self, g, m);
            rc = 0;
        }
    }
    if (rc < 0) /* an enter could not start: cancel the others; the group exit awaits them */
        corral__group_close(grp, true, CORRAL_CAUSE_GROUP_CLOSE);
    bool failed = false;
    int status = rc;
    for (size_t left = spawned; left > 0 && status == 0;) {
        int idx = corral_group_next_done(grp, CORRAL__NO_DEADLINE);
        if (idx < 0) {
            status = idx; /* self cancelled (or the cleanup grace expired) */
            break;
        }
        if ((size_t)idx >= spawned)
            continue; /* (a task someone else spawned into our group) */
        left--;
        corral_task *t = tasks[member_of[idx]];
        if (strict && !failed && corral_task_state(t) == CORRAL_TASK_FAILED) {
            failed = true; /* R69: the first enter failure cancels the pending ones */
            for (size_t j = 0; j < g->n; j++)
                if (tasks[j] && !corral_task_done(tasks[j]))
                    corral_task_cancel(tasks[j]);
        }
    }
    free(member_of);
    rc = corral_group_exit(grp, status);
    corral_group_unref(grp);
    return rc;
}

/* R67 for a group of errors: an ErrorGroup of errs (input order) becomes the newer error of
 * the unwinding (*err, with the older one as its context) and *status its code. Out of
 * memory, CORRAL_ENOMEM is what propagates. */
static void raise_group(corral_error **errs, size_t n, corral_error **err, int *status)
{
    corral_error *eg = NULL;
    int rc = errs ? corral_error_new_group(&eg, errs, n) : CORRAL_ENOMEM;
    if (rc < 0)
        eg = corral__error_from_code(rc, "ctxgroup: could not build the ErrorGroup");
    if (!eg) {
        corral__error_unref(*err);
        *err = NULL;
        *status = CORRAL_ENOMEM;
        return;
    }
    *err = corral__unwind_chain(eg, *err);
    *status = corral_error_code(eg);
}

/* Exit the entered members concurrently inside one managed-cleanup scope; record each
 * exit's state. Returns the status that propagates. */
static int exit_members(corral_task *self, corral_ctxgroup *g, int status)
{
    corral_error *err =
        status < 0 && status != CORRAL_ECANCELLED ? corral__unwind_error(self, status) : NULL;
    corral_task **tasks = calloc(g->n ? g->n : 1, sizeof *tasks);
    corral_scope *scope = NULL;
    int rc = tasks ? corral__unwind_begin(&scope, self, -1) : CORRAL_ENOMEM;
    if (rc < 0) {
        free(tasks);
        corral__unwind_record(self, err);
        return rc;
    }
    g->exit_status = status;
    g->exit_error = err;
    rc = run_members(self, g, true, false, tasks);
    g->exit_error = NULL;
    size_t nfailed = 0;
    for (size_t i = 0; i < g->n; i++) {
        struct ctx_member *m = &g->members[i];
        int state = tasks[i] ? corral_task_state(tasks[i]) : -1;
        if (state == CORRAL_TASK_FAILED) {
            m->exit_state = corral__error_ref(corral_task_error(tasks[i]));
            m->exit_failed = true;
        } else if (state == CORRAL_TASK_CANCELLED) {
            /* cut short by the grace: recorded, not raised (CleanupTimeout was reported) */
            m->exit_state = corral__error_from_code(CORRAL_ETASKCANCELLED, NULL);
        }
        nfailed += m->exit_failed;
        m->entered = false;
        corral_task_unref(tasks[i]);
    }
    free(tasks);
    bool cancelled = rc == CORRAL_ECANCELLED; /* the grace expired */
    if (rc < 0 && rc != CORRAL_ECANCELLED) {
        err = corral__unwind_chain(corral__unwind_error(self, rc), err);
        status = rc;
    } else if (nfailed > 0) {
        corral_error **errs = calloc(nfailed, sizeof *errs);
        size_t k = 0;
        for (size_t i = 0; errs && i < g->n; i++)
            if (g->members[i].exit_failed)
                errs[k++] = g->members[i].exit_state;
        raise_group(errs, nfailed, &err, &status);
        free(errs);
    }
    return corral__unwind_end(scope, cancelled, &status, err, self);
}

/* corral_ctxgroup_enter past its checks. */
static int enter_members(corral_task *self, corral_ctxgroup *g, bool strict, corral_task **tasks)
{
    int status = run_members(self, g, false, strict, tasks);
    size_t nfailed = 0;
    for (size_t i = 0; i < g->n; i++) {
        /* read after the group exit: an enter that completed while being cancelled entered */
        g->members[i].enter_task = tasks[i];
        g->members[i].entered = tasks[i] && corral_task_state(tasks[i]) == CORRAL_TASK_COMPLETED;
        if (tasks[i] && corral_task_state(tasks[i]) == CORRAL_TASK_CANCELLED)
            g->members[i].enter_cancelled = corral__error_from_code(CORRAL_ETASKCANCELLED, NULL);
        nfailed += tasks[i] && corral_task_state(tasks[i]) == CORRAL_TASK_FAILED;
    }
    free(tasks);
    if (status == 0 && (!strict || nfailed == 0)) {
        g->state = CTX_ENTERED;
        return 0;
    }
    /* the body is skipped: exit what entered, then report the enter errors */
    if (status == 0) {
        corral_error **errs = calloc(nfailed, sizeof *errs), *err = NULL;
        size_t k = 0;
        for (size_t i = 0; errs && i < g->n; i++)
            if (g->members[i].enter_task &&
                corral_task_state(g->members[i].enter_task) == CORRAL_TASK_FAILED)
                errs[k++] = corral_task_error(g->members[i].enter_task);
        raise_group(errs, nfailed, &err, &status);
        free(errs);
        corral__unwind_record(self, err);
    }
    g->state = CTX_EXITING;
    status = exit_members(self, g, status);
    g->state = CTX_ENTER_FAILED;
    return status;
}

int corral_ctxgroup_enter(corral_ctxgroup *g, int flags)
{
    corral_task *self = corral__calling_fiber("ctxgroup_enter");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    int rc = check_group(g, "ctxgroup_enter");
    if (rc < 0)
        return rc;
    if (flags & ~CORRAL_CTXGROUP_RETURN_ERRORS)
        return corral__fail(CORRAL_EINVALIDARG, "ctxgroup_enter: unknown flags %#x", flags);
    if (g->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "ctxgroup_enter: entered before");
    corral_task **tasks = calloc(g->n ? g->n : 1, sizeof *tasks);
    if (!tasks)
        return CORRAL_ENOMEM;
    g->state = CTX_ENTERING;
    corral_ctxgroup_ref(g); /* it must outlive the blocking below, whoever drops theirs */
    rc = enter_members(self, g, !(flags & CORRAL_CTXGROUP_RETURN_ERRORS), tasks);
    corral_ctxgroup_unref(g);
    return rc;
}

int corral_ctxgroup_value(const corral_ctxgroup *g, size_t i, corral_value *out)
{
    if (out)
        *out = (corral_value){0};
    if (!g || !out || i >= g->n)
        return corral__fail(CORRAL_EINVALIDARG, "ctxgroup_value: %s",
                            !g || !out ? "NULL argument" : "index out of range");
    if (!g->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "ctxgroup_value: not entered");
    corral_task *t = g->members[i].enter_task;
    if (t && corral_task_state(t) == CORRAL_TASK_COMPLETED)
        return corral_task_result(t, out);
    return 0;
}

corral_error *corral_ctxgroup_enter_error(const corral_ctxgroup *g, size_t i)
{
    if (!g || i >= g->n || !g->members[i].enter_task)
        return NULL;
    const struct ctx_member *m = &g->members[i];
    if (corral_task_state(m->enter_task) == CORRAL_TASK_FAILED)
        return corral_task_error(m->enter_task);
    return m->enter_cancelled;
}

int corral_ctxgroup_exit(corral_ctxgroup *g, int status)
{
    corral_task *self = corral__calling_fiber("ctxgroup_exit");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    int rc = check_group(g, "ctxgroup_exit");
    if (rc < 0)
        return rc;
    if (status > 0)
        return corral__fail(CORRAL_EINVALIDARG, "ctxgroup_exit: status must be 0 or a code");
    static const char *const why[] = {"not entered",     "still entering", "", "",
                                      "already exiting", "exited before"};
    if (g->state == CTX_ENTER_FAILED) {
        g->state = CTX_EXITED;
        return status; /* the failed enter already exited what had entered */
    }
    if (g->state != CTX_ENTERED)
        return corral__fail(CORRAL_EINVALIDSTATE, "ctxgroup_exit: %s", why[g->state]);
    g->state = CTX_EXITING;
    corral_ctxgroup_ref(g); /* it must outlive the blocking exits */
    rc = exit_members(self, g, status);
    g->state = CTX_EXITED;
    corral_ctxgroup_unref(g);
    return rc;
}

corral_error *corral_ctxgroup_exit_state(const corral_ctxgroup *g, size_t i)
{
    if (!g || i >= g->n)
        return NULL;
    return g->members[i].exit_state;
}
