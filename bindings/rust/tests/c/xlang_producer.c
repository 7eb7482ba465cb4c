/*
 * xlang_producer.c - a C producer for a queue made by another language (the Rust test
 * tests/cross_language.rs compiles it into a shared object and loads it into its process
 * when libcorral is a shared library there, so both sides use the same core).
 *
 * xlang_spawn_producer(rt, q, n, &task) spawns the fiber "C-producer", which puts n items
 * into q - INT i, DOUBLE i + 0.5, BYTES "item <i>" in turn, parking while q is full - and
 * then closes q. The bytes live on the fiber's stack: the core copies them at the put.
 */
#include <corral.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    corral_queue *q;
    int n;
} job;

static void job_free(void *p)
{
    job *j = p;
    corral_queue_unref(j->q);
    free(j);
}

static int produce(corral_task *self, void *arg, corral_value *result)
{
    job *j = arg;
    (void)self;
    for (int i = 0; i < j->n; i++) {
        char text[32];
        corral_value v;
        memset(&v, 0, sizeof v);
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
            snprintf(text, sizeof text, "item %d", i);
            v.type = CORRAL_VALUE_BYTES;
            v.as.p = text;
            v.len = strlen(text);
            break;
        }
        int rc = corral_queue_put(j->q, &v, -1);
        if (rc < 0)
            return rc;
    }
    result->type = CORRAL_VALUE_INT;
    result->as.i = j->n;
    return corral_queue_close(j->q);
}

int xlang_spawn_producer(corral_rt *rt, corral_queue *q, int n, corral_task **out)
{
    job *j = malloc(sizeof *j);
    if (!j)
        return CORRAL_ENOMEM;
    j->q = corral_queue_ref(q);
    j->n = n;
    int rc = corral_spawn_fiber(out, rt, NULL, "C-producer", produce, j, job_free);
    if (rc < 0)
        job_free(j);
    return rc;
}
