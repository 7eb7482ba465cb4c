/*
 * cproducer.c - C tasks working on queues a Python program created (examples/cross_language.py).
 *
 * A corral queue is an ordinary handle: Python passes `Queue.handle` (a corral_queue *) and
 * `corral.runtime_handle()` (the corral_rt *) to these functions, which spawn C fibers on the
 * same runtime. Items are corral_values every binding reads: INT, DOUBLE and BYTES.
 *
 * Build (the example does it for you):
 *   cc -shared -fPIC -I<repo>/core/include cproducer.c -L<libdir> -lcorral \
 *      -Wl,-rpath,<libdir> -o libcproducer.so
 */
#include <corral.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
    corral_queue *in, *out; /* references of our own, dropped with the task (job_free) */
    int n;
};

static void job_free(void *p)
{
    struct job *j = p;
    corral_queue_unref(j->in);
    corral_queue_unref(j->out);
    free(j);
}

/* cproducer: puts n items - i (INT), i + 0.5 (DOUBLE), "item-i" (BYTES), in turn - parking
 * while the queue is full, then closes it. */
static int producer(corral_task *self, void *arg, corral_value *result)
{
    struct job *j = arg;
    int rc = 0;
    (void)self;
    (void)result;
    for (int i = 0; i < j->n && rc == 0; i++) {
        char buf[32];
        corral_value v = {0};
        switch (i % 3) {
        case 0:
            v.type = CORRAL_VALUE_INT;
            v.as.i = i;
            break;
        case 1:
            v.type = CORRAL_VALUE_DOUBLE;
            v.as.d = i + 0.5;
            break;
        default:
            snprintf(buf, sizeof buf, "item-%d", i);
            v.type = CORRAL_VALUE_BYTES;
            v.as.p = buf; /* copied by the core when the put is called */
            v.len = strlen(buf);
        }
        rc = corral_queue_put(j->out, &v, -1);
    }
    corral_queue_close(j->out);
    return rc;
}

/* cdoubler: gets from `in` until it is closed and drained, puts each item "doubled" into `out`
 * (2 * INT, 2 * DOUBLE, BYTES twice), then closes `out`. */
static int doubler(corral_task *self, void *arg, corral_value *result)
{
    struct job *j = arg;
    corral_value v = {0};
    int rc;
    (void)self;
    (void)result;
    while ((rc = corral_queue_get(j->in, &v, -1)) == 0) {
        corral_value w = {0};
        char *twice = NULL;
        if (v.type == CORRAL_VALUE_INT) {
            w.type = CORRAL_VALUE_INT;
            w.as.i = 2 * v.as.i;
        } else if (v.type == CORRAL_VALUE_DOUBLE) {
            w.type = CORRAL_VALUE_DOUBLE;
            w.as.d = 2 * v.as.d;
        } else if (v.type == CORRAL_VALUE_BYTES) {
            twice = malloc(2 * v.len + 1);
            if (!twice) {
                corral_value_clear(&v);
                return CORRAL_ENOMEM;
            }
            memcpy(twice, v.as.p, v.len);
            memcpy(twice + v.len, v.as.p, v.len);
            w.type = CORRAL_VALUE_BYTES;
            w.as.p = twice;
            w.len = 2 * v.len;
        } /* anything else (a HOST value of another binding) becomes NONE */
        corral_value_clear(&v);
        rc = corral_queue_put(j->out, &w, -1);
        free(twice);
        if (rc < 0)
            break;
    }
    corral_queue_close(j->out);
    return rc == CORRAL_EQUEUECLOSED ? 0 : rc;
}

static int start(corral_rt *rt, const char *name, corral_fiber_fn fn, corral_queue *in,
                 corral_queue *out, int n)
{
    struct job *j = calloc(1, sizeof *j);
    corral_task *t;
    if (!j)
        return CORRAL_ENOMEM;
    j->in = corral_queue_ref(in);
    j->out = corral_queue_ref(out);
    j->n = n;
    int rc = corral_spawn_fiber(&t, rt, NULL, name, fn, j, job_free);
    if (rc < 0) {
        job_free(j);
        return rc;
    }
    corral_task_unref(t); /* the runtime keeps the task until it ends */
    return 0;
}

/* Spawn "cproducer" putting n items into q. Returns 0 or a CORRAL_E* code. */
int cproducer_start(corral_rt *rt, corral_queue *q, int n)
{
    return start(rt, "cproducer", producer, NULL, q, n);
}

/* Spawn "cdoubler" from `in` to `out`. Returns 0 or a CORRAL_E* code. */
int cdoubler_start(corral_rt *rt, corral_queue *in, corral_queue *out)
{
    return start(rt, "cdoubler", doubler, in, out, 0);
}
