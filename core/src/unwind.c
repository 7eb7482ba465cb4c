/* unwind.c - the outcome a fiber carries while it unwinds through cleanup (exit stacks,
 * context managers, context groups): the error object behind a status code, R67's chaining
 * of a newer error onto the older one, and recording the final outcome on the task. */
#include "internal.h"

corral_error *corral__unwind_error(corral_task *t, int code)
{
    corral_error *e;
    if (t->pending_error && corral_error_code(t->pending_error) == code)
        e = corral__error_ref(t->pending_error);
    else if (t->last_error && corral_error_code(t->last_error) == code)
        e = corral__error_ref(t->last_error);
    else
        e = corral__error_from_code(code, NULL);
    /* consumed, so a later callback returning the same code cannot pick it up again */
    corral__error_unref(t->pending_error);
    t->pending_error = NULL;
    return e;
}

static bool in_chain(const corral_error *chain, const corral_error *e)
{
    for (; chain; chain = corral_error_context(chain))
        if (chain == e)
            return true;
    return false;
}

corral_error *corral__unwind_chain(corral_error *newer, corral_error *older)
{
    if (newer && older && !in_chain(older, newer))
        corral_error_set_context(newer, older);
    corral__error_unref(older);
    return newer;
}

void corral__unwind_record(corral_task *t, corral_error *err)
{
    corral__error_unref(t->pending_error);
    t->pending_error = err ? corral__error_ref(err) : NULL;
    corral__error_unref(t->last_error);
    t->last_error = err;
}

int corral__unwind_apply_exit(corral_task *t, int r, int suppressible, int *status,
                              corral_error **err)
{
    if (r == 1 && suppressible && *status < 0 && *status != CORRAL_ECANCELLED) {
        corral__error_unref(*err); /* R68: an ordinary error suppressed */
        *err = NULL;
        *status = 0;
        return 0;
    }
    if (r >= 0)
        return 0;
    if (r == CORRAL_ECANCELLED)
        return 1; /* the cleanup scope's own cancellation: its exit decides */
    *err = corral__unwind_chain(corral__unwind_error(t, r), *err);
    *status = r;
    return 0;
}

int corral__unwind_begin(corral_scope **scope, corral_task *self, int64_t grace)
{
    if (grace >= 0)
        return corral_scope_enter(scope, self, CORRAL_SCOPE_CLEANUP,
                                  corral_rt_now(self->rt) + grace, 1);
    return corral_cleanup_enter(scope, self);
}

int corral__unwind_end(corral_scope *scope, bool cancelled, int *status, corral_error *err,
                       corral_task *self)
{
    int rc = corral_scope_exit(scope, cancelled ? CORRAL_ECANCELLED : 0);
    corral_scope_unref(scope);
    if (rc < 0 && *status == 0)
        *status = rc; /* a stray Cancelled the cleanup scope does not own */
    if (*status < 0 && *status != CORRAL_ECANCELLED)
        corral__unwind_record(self, err);
    else
        corral__error_unref(err);
    return *status;
}
