/* exitstack.c - the exit stack for C fibers (R66, R67): callbacks run LIFO at close inside one
 * managed-cleanup scope; every callback runs; the last error wins with the previous one as
 * context. */
#include <stdlib.h>

#include "internal.h"

struct exit_entry {
    corral_exit_fn fn;             /* plain callback, or NULL */
    corral_exit_fiber_fn fiber_fn; /* fiber callback, or NULL */
    corral_acm cm;                 /* an entered context manager (a copy), when cm.exit */
    void *ud;
};

struct corral_exitstack {
    atomic_int refs;
    corral_rt *rt;
    int64_t timeout; /* -1 = the task's group chain */
    int state;       /* 0 open, 1 closing, 2 closed */
    struct exit_entry *entries;
    size_t n, cap;
};

static int check(const corral_exitstack *st, const char *who)
{
    if (!st)
        return corral__fail(CORRAL_EINVALIDARG, "%s: exit stack is NULL", who);
    return corral__rt_usable(st->rt);
}

int corral_exitstack_new(corral_exitstack **out, corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_new: out is NULL");
    corral_exitstack *st = calloc(1, sizeof *st);
    if (!(*out = st))
        return CORRAL_ENOMEM;
    atomic_init(&st->refs, 1);
    st->rt = rt;
    st->timeout = -1;
    corral__rt_obj_ref(rt);
    return 0;
}

corral_exitstack *corral_exitstack_ref(corral_exitstack *st)
{
    if (st)
        atomic_fetch_add_explicit(&st->refs, 1, memory_order_relaxed);
    return st;
}

void corral_exitstack_unref(corral_exitstack *st)
{
    if (!st || atomic_fetch_sub_explicit(&st->refs, 1, memory_order_acq_rel) != 1)
        return;
    corral_rt *rt = st->rt;
    free(st->entries);
    free(st);
    corral__rt_obj_unref(rt);
}

int corral_exitstack_set_cleanup_timeout(corral_exitstack *st, int64_t timeout)
{
    int rc = check(st, "exitstack_set_cleanup_timeout");
    if (rc < 0)
        return rc;
    if (timeout < -1)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_set_cleanup_timeout: timeout < -1");
    if (st->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "exitstack_set_cleanup_timeout: closed");
    st->timeout = timeout;
    return 0;
}

int64_t corral_exitstack_cleanup_timeout(const corral_exitstack *st)
{
    if (!st)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_cleanup_timeout: NULL");
    return st->timeout;
}

/* Make room for one more entry. */
static int reserve(corral_exitstack *st)
{
    if (st->n < st->cap)
        return 0;
    size_t cap = st->cap ? st->cap * 2 : 4;
    struct exit_entry *p = realloc(st->entries, cap * sizeof *p);
    if (!p)
        return CORRAL_ENOMEM;
    st->entries = p;
    st->cap = cap;
    return 0;
}

static int push(corral_exitstack *st, struct exit_entry e, const char *who)
{
    int rc = check(st, who);
    if (rc < 0)
        return rc;
    if (!e.fn && !e.fiber_fn && !e.cm.exit)
        return corral__fail(CORRAL_EINVALIDARG, "%s: fn is NULL", who);
    if (st->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "%s: exit stack is closed", who);
    if ((rc = reserve(st)) < 0)
        return rc;
    st->entries[st->n++] = e;
    return 0;
}

int corral_exitstack_push(corral_exitstack *st, corral_exit_fn fn, void *ud)
{
    return push(st, (struct exit_entry){.fn = fn, .ud = ud}, "exitstack_push");
}

int corral_exitstack_push_fiber(corral_exitstack *st, corral_exit_fiber_fn fn, void *ud)
{
    return push(st, (struct exit_entry){.fiber_fn = fn, .ud = ud}, "exitstack_push_fiber");
}

/* corral_exitstack_enter past its checks. */
static int enter_and_push(corral_exitstack *st, const corral_acm *cm, void *ud, corral_value *value)
{
    int rc = corral_acm_enter(cm, ud, value);
    if (rc < 0)
        return rc;
    /* enter may block: the stack can have been closed meanwhile */
    rc = st->state ? corral__fail(CORRAL_EINVALIDSTATE, "exitstack_enter: the stack was closed "
                                                        "while the manager entered")
                   : reserve(st);
    if (rc < 0) { /* an entered manager is always exited */
        int exit_rc = corral__acm_exit(cm, ud, rc, st->timeout); /* the stack's grace */
        corral_value_clear(value);
        return exit_rc < 0 ? exit_rc : rc; /* a suppressing exit does not make this a success */
    }
    st->entries[st->n++] = (struct exit_entry){.cm = *cm, .ud = ud};
    return 0;
}

int corral_exitstack_enter(corral_exitstack *st, const corral_acm *cm, void *ud,
                           corral_value *value)
{
    if (value)
        *value = (corral_value){0};
    int rc = check(st, "exitstack_enter");
    if (rc < 0)
        return rc;
    if (st->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "exitstack_enter: exit stack is closed");
    corral_exitstack_ref(st); /* enter may block: st must outlive it */
    rc = enter_and_push(st, cm, ud, value);
    corral_exitstack_unref(st);
    return rc;
}

int64_t corral_exitstack_size(const corral_exitstack *st)
{
    if (!st)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_size: NULL");
    return (int64_t)st->n;
}

int corral_exitstack_closed(const corral_exitstack *st)
{
    if (!st)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_closed: NULL");
    return st->state != 0;
}

int corral_exitstack_pop_all(corral_exitstack *st, corral_exitstack **out)
{
    int rc = check(st, "exitstack_pop_all");
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_pop_all: out is NULL");
    if (st->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "exitstack_pop_all: exit stack is closed");
    corral_exitstack *n;
    if ((rc = corral_exitstack_new(&n, st->rt)) < 0)
        return rc;
    n->timeout = st->timeout;
    n->entries = st->entries;
    n->n = st->n;
    n->cap = st->cap;
    st->entries = NULL;
    st->n = st->cap = 0;
    *out = n;
    return 0;
}

int corral_exitstack_close(corral_exitstack *st, int status)
{
    int rc = check(st, "exitstack_close");
    if (rc < 0)
        return rc;
    corral_task *self = corral__calling_fiber("exitstack_close");
    if (!self)
        return CORRAL_EINVALIDSTATE;
    if (st->state)
        return corral__fail(CORRAL_EINVALIDSTATE, "exitstack_close: already closed");
    if (status > 0)
        return corral__fail(CORRAL_EINVALIDARG, "exitstack_close: status must be 0 or a code");
    corral_scope *scope;
    if ((rc = corral__unwind_begin(&scope, self, st->timeout)) < 0)
        return rc;
    corral_exitstack_ref(st);
    st->state = 1;

    int current = status;
    corral_error *cur_err = NULL; /* the current error's object (NULL for 0 and Cancelled) */
    if (status < 0 && status != CORRAL_ECANCELLED)
        cur_err = corral__unwind_error(self, status);
    bool cancelled = false;
    while (st->n > 0) {
        struct exit_entry e = st->entries[--st->n];
        int r = e.cm.exit ? e.cm.exit(self, e.ud, current, cur_err)
                : e.fn    ? e.fn(e.ud, cur_err)
                          : e.fiber_fn(self, e.ud, cur_err);
        /* only a context manager's exit may suppress (R68); callbacks return 0 or a code */
        if (corral__unwind_apply_exit(self, r, e.cm.exit != NULL, &current, &cur_err))
            cancelled = true;
    }
    corral__unwind_end(scope, cancelled, &current, cur_err, self);
    free(st->entries);
    st->entries = NULL;
    st->cap = 0;
    st->state = 2;
    corral_exitstack_unref(st);
    return current;
}
