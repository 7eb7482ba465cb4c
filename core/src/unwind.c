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
