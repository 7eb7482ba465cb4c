/* watch.c - a watch cell: one value and a version that counts writes (R65, codestare's
 * `accessor` without its lost-write and poisoned-timeout bugs).
 *
 * A reader waits for "a version newer than the one I saw", so it never misses a write that
 * happened between two waits, and a wait that timed out leaves nothing behind. Readers are
 * woken without the value: they read the current one when they run (a later write wins). */
#include <stdlib.h>

#include "internal.h"

int corral_watch_new(corral_watch **out, corral_rt *rt, const corral_value *initial)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!out)
        return corral__fail(CORRAL_EINVALIDARG, "watch_new: out is NULL");
    corral_watch *w = calloc(1, sizeof *w);
    if (!w)
        return CORRAL_ENOMEM;
    if ((rc = corral__value_take(&w->value, initial)) < 0) {
        free(w);
        return rc;
    }
    atomic_init(&w->refs, 1);
    w->rt = rt;
    corral__rt_obj_ref(rt);
    *out = w;
    return 0;
}

corral_watch *corral_watch_ref(corral_watch *w)
{
    if (w)
        atomic_fetch_add_explicit(&w->refs, 1, memory_order_relaxed);
    return w;
}

void corral_watch_unref(corral_watch *w)
{
    if (!w || atomic_fetch_sub_explicit(&w->refs, 1, memory_order_acq_rel) != 1)
        return;
    corral_rt *rt = w->rt;
    corral__value_drop(rt, &w->value);
    free(w);
    corral__rt_obj_unref(rt);
}

int corral_watch_get(const corral_watch *w, corral_value *out, uint64_t *version)
{
    if (!w || !out)
        return corral__fail(CORRAL_EINVALIDARG, "watch_get: watch and out are required");
    *out = w->value;
    if (version)
        *version = w->version;
    return 0;
}

/* Store an item the cell now owns (moved), drop the old value, wake every reader. */
static int store_owned(corral_watch *w, corral_value *item)
{
    corral__value_drop(w->rt, &w->value);
    w->value = *item;
    *item = (corral_value){0};
    w->version++;
    int woken = 0;
    corral_value version = {.type = CORRAL_VALUE_INT, .as.i = (int64_t)w->version};
    corral__listener *x;
    while ((x = corral__waitlist_pop(&w->readers))) {
        corral__wake(CORRAL__WAITER_TASK(x), 0, &version, false, NULL);
        woken++;
    }
    return woken;
}

/* Store v (copied as the core copies values). */
static int store(corral_watch *w, const corral_value *v)
{
    corral_value next;
    int rc = corral__value_take(&next, v);
    return rc < 0 ? rc : store_owned(w, &next);
}

int corral_watch_set(corral_watch *w, const corral_value *v)
{
    if (!w || !v || v->type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "watch_set: watch and a value are required");
    int rc = corral__rt_usable(w->rt);
    return rc < 0 ? rc : store(w, v);
}

int64_t corral_watch_readers(const corral_watch *w)
{
    if (!w)
        return corral__fail(CORRAL_EINVALIDARG, "watch is NULL");
    int64_t n = 0;
    for (const corral__listener *x = w->readers.head; x; x = x->next)
        n++;
    return n;
}

int corral__watch_next_op(corral_task *t, corral_watch *w, const corral_op *op)
{
    uint64_t seen = op->value.type == CORRAL_VALUE_INT ? (uint64_t)op->value.as.i : 0;
    corral__listener *x = w->version <= seen ? w->writers.head : NULL;
    if (x) { /* a writer was waiting for a reader: its write happens now */
        corral_task *writer = CORRAL__WAITER_TASK(x);
        corral__waitlist_pop(&w->writers);
        store_owned(w, &writer->resume_value); /* BYTES were copied when the writer parked */
        corral__wake(writer, 0, NULL, false, NULL);
    }
    if (w->version > seen) {
        corral_value version = {.type = CORRAL_VALUE_INT, .as.i = (int64_t)w->version};
        corral__finish_now_value(t, 0, &version);
        return CORRAL_PENDING;
    }
    if (corral__past(t->rt, op->deadline)) {
        corral__finish_now_value(t, CORRAL_ETIMEOUT, NULL);
        return CORRAL_PENDING;
    }
    corral__park_until(t, CORRAL__WAIT_WATCH_NEXT, corral_watch_ref(w), &w->readers, op->deadline);
    return CORRAL_PENDING;
}

int corral__watch_put_op(corral_task *t, corral_watch *w, const corral_op *op)
{
    if (op->value.type > CORRAL_VALUE_HOST)
        return corral__fail(CORRAL_EINVALIDARG, "watch_put: bad value");
    if (w->readers.head) {
        int rc = store(w, &op->value);
        corral__finish_now_value(t, rc < 0 ? rc : 0, NULL);
        return CORRAL_PENDING;
    }
    if (corral__past(t->rt, op->deadline)) {
        corral__finish_now_value(t, CORRAL_ETIMEOUT, NULL);
        return CORRAL_PENDING;
    }
    /* still the caller's until a reader arrives (BYTES: the core's copy) */
    int rc = corral__value_take(&t->resume_value, &op->value);
    if (rc < 0) {
        corral__finish_now_value(t, rc, NULL);
        return CORRAL_PENDING;
    }
    corral__park_until(t, CORRAL__WAIT_WATCH_PUT, corral_watch_ref(w), &w->writers, op->deadline);
    return CORRAL_PENDING;
}

int corral_watch_next(corral_watch *w, uint64_t *seen, int64_t deadline)
{
    if (!seen)
        return corral__fail(CORRAL_EINVALIDARG, "watch_next: seen is NULL");
    corral_op op = {.kind = CORRAL_OP_WATCH_NEXT,
                    .target = w,
                    .deadline = deadline,
                    .value = {.type = CORRAL_VALUE_INT, .as.i = (int64_t)*seen}};
    int rc = corral__await(&op, NULL);
    if (rc == 0) /* the version of the value corral_watch_get returns now (a later write may
                  * have followed the one that woke us: it wins, and is not seen twice) */
        *seen = w->version;
    return rc;
}

int corral_watch_put(corral_watch *w, const corral_value *v, int64_t deadline)
{
    if (!v)
        return corral__fail(CORRAL_EINVALIDARG, "watch_put: value is NULL");
    corral_op op = {.kind = CORRAL_OP_WATCH_PUT, .target = w, .deadline = deadline, .value = *v};
    return corral__await(&op, NULL);
}
