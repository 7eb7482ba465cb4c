/*
 * queue_demo.c - a producer/consumer pipeline on a bounded corral queue (REAL clock, ~50 ms).
 *
 *   producer        a fiber: puts 8 items into a queue of maxsize 2 (parking while it is full),
 *                   one every 5 ms, then closes the queue
 *   fiber-consumer  a fiber: `corral_queue_get` until CORRAL_EQUEUECLOSED (the C form of
 *                   `async for item in queue`)
 *   step-consumer   a step task: awaits CORRAL_OP_QUEUE_GET with corral_task_await, the
 *                   contract a language binding's host task follows (corral/host.h)
 *   monitor         a fiber: follows a watch cell the consumers bump, with the version
 *                   protocol (no update is missed), until every item is accounted for
 *
 * The items are the values every binding understands, so the same queue could be handed to a
 * Python, Lua or Rust consumer in this process: integers, doubles, byte strings (copied by the
 * core) and pointers with a destructor (run by whoever ends up owning the item). Both consumers
 * take items in FIFO order of their gets; a put hands its item straight to a waiting consumer.
 */
#include <corral.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ITEMS = 8 };

typedef struct pipeline {
    corral_queue *q;
    corral_watch *progress; /* INT: items consumed so far */
    int step_started;
    int64_t consumed;
} pipeline;

static void say(corral_task *self, const char *fmt, ...)
{
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    corral_log(corral_task_rt(self), corral_task_name(self), text);
}

/* A payload passed by pointer; the consumer that gets it frees it (corral_value_clear). */
typedef struct order {
    int id;
    char what[16];
} order;

static void order_free(void *p)
{
    free(p);
}

static corral_value make_item(int i)
{
    corral_value v;
    memset(&v, 0, sizeof v);
    switch (i % 4) {
    case 0:
        v.type = CORRAL_VALUE_INT;
        v.as.i = 100 + i;
        break;
    case 1:
        v.type = CORRAL_VALUE_DOUBLE;
        v.as.d = i + 0.5;
        break;
    case 2:
        v.type = CORRAL_VALUE_BYTES; /* the queue copies the bytes */
        v.as.p = "hello";
        v.len = 5;
        break;
    default: {
        order *o = malloc(sizeof *o);
        if (o) {
            o->id = i;
            snprintf(o->what, sizeof o->what, "order-%d", i);
        }
        v.type = CORRAL_VALUE_PTR;
        v.as.p = o;
        v.dtor = order_free;
        break;
    }
    }
    return v;
}

static const char *describe(const corral_value *v, char *buf, size_t cap)
{
    switch (v->type) {
    case CORRAL_VALUE_INT:
        snprintf(buf, cap, "int %lld", (long long)v->as.i);
        break;
    case CORRAL_VALUE_DOUBLE:
        snprintf(buf, cap, "double %g", v->as.d);
        break;
    case CORRAL_VALUE_BYTES:
        snprintf(buf, cap, "bytes \"%.*s\"", (int)v->len, (const char *)v->as.p);
        break;
    case CORRAL_VALUE_PTR:
        snprintf(buf, cap, "pointer to %s", v->as.p ? ((const order *)v->as.p)->what : "?");
        break;
    default:
        snprintf(buf, cap, "value of type %u", v->type);
        break;
    }
    return buf;
}

/* One item consumed: report it, bump the progress cell. */
static void consumed(pipeline *p, corral_task *self, const corral_value *item)
{
    char buf[64];
    say(self, "got %s", describe(item, buf, sizeof buf));
    corral_value n = {.type = CORRAL_VALUE_INT, .as.i = ++p->consumed};
    corral_watch_set(p->progress, &n);
}

static int producer(corral_task *self, void *arg, corral_value *result)
{
    pipeline *p = arg;
    int rc = 0;
    (void)result;
    for (int i = 0; i < ITEMS && rc == 0; i++) {
        corral_value item = make_item(i);
        rc = corral_queue_put(p->q, &item, -1); /* parks while the queue is full */
        if (rc < 0)
            corral_value_clear(&item); /* not put: still ours */
        else
            rc = corral_sleep_for(corral_ms(5));
    }
    corral_queue_close(p->q); /* the consumers drain what is left, then stop */
    say(self, "closed the queue");
    return rc;
}

static int fiber_consumer(corral_task *self, void *arg, corral_value *result)
{
    pipeline *p = arg;
    corral_value item;
    int rc;
    (void)result;
    while ((rc = corral_queue_get(p->q, &item, -1)) == 0) {
        consumed(p, self, &item);
        corral_value_clear(&item); /* a fiber owns what it gets: frees bytes, runs the dtor */
    }
    return rc == CORRAL_EQUEUECLOSED ? 0 : rc;
}

/* Each resumption brings the outcome of the previous get; then it awaits the next one. */
static void step_consumer(corral_task *self, int status, const corral_value *value, void *arg)
{
    pipeline *p = arg;
    if (p->step_started) {
        if (status < 0) { /* QueueClosed ends the loop; anything else is the task's outcome */
            corral_task_finish(self, status == CORRAL_EQUEUECLOSED ? 0 : status, NULL, NULL, NULL);
            return;
        }
        consumed(p, self, value); /* borrowed: the core drops it when the step returns */
    }
    p->step_started = 1;
    corral_op op = {.kind = CORRAL_OP_QUEUE_GET, .target = p->q, .deadline = -1};
    if (corral_task_await(self, &op) != CORRAL_PENDING)
        corral_task_finish(self, CORRAL_ECANCELLED, NULL, NULL, NULL);
}

static int monitor(corral_task *self, void *arg, corral_value *result)
{
    pipeline *p = arg;
    corral_value v;
    uint64_t seen;
    (void)result;
    corral_watch_get(p->progress, &v, &seen);
    while (v.as.i < ITEMS) {
        int64_t deadline = corral_rt_now(corral_task_rt(self)) + corral_s(1);
        int rc = corral_watch_next(p->progress, &seen, deadline);
        if (rc < 0)
            return rc;
        corral_watch_get(p->progress, &v, NULL); /* the latest value: several writes may
                                                  * have happened since the one that woke us */
        say(self, "progress %lld/%d (version %llu)", (long long)v.as.i, ITEMS,
            (unsigned long long)seen);
    }
    return 0;
}

static int run(corral_task *self, void *arg, corral_value *result)
{
    pipeline *p = arg;
    corral_rt *rt = corral_task_rt(self);
    corral_task *t[4] = {NULL, NULL, NULL, NULL};
    int rc;
    (void)result;
    corral_value zero = {.type = CORRAL_VALUE_INT, .as.i = 0};
    if ((rc = corral_queue_new(&p->q, rt, 2)) < 0 ||
        (rc = corral_watch_new(&p->progress, rt, &zero)) < 0)
        return rc;
    if ((rc = corral_spawn_fiber(&t[0], rt, NULL, "monitor", monitor, p, NULL)) == 0 &&
        (rc = corral_spawn_fiber(&t[1], rt, NULL, "fiber-consumer", fiber_consumer, p, NULL)) ==
            0 &&
        (rc = corral_spawn_step(&t[2], rt, NULL, "step-consumer", step_consumer, p, NULL)) == 0)
        rc = corral_spawn_fiber(&t[3], rt, NULL, "producer", producer, p, NULL);
    for (int i = 0; i < 4; i++) {
        if (t[i] && rc == 0)
            rc = corral_join(t[i], NULL, -1);
        corral_task_unref(t[i]);
    }
    corral_queue_unref(p->q);
    corral_watch_unref(p->progress);
    return rc;
}

int main(void)
{
    pipeline p;
    corral_rt *rt;
    corral_task *main_task;
    int rc;

    memset(&p, 0, sizeof p);
    if ((rc = corral_rt_new(&rt, 0)) < 0) {
        fprintf(stderr, "corral_rt_new: %s\n", corral_strerror(rc));
        return 1;
    }
    corral_rt_set_trace_fd(rt, 1); /* "<ms> <actor> <event> [detail]" lines on stdout */
    if ((rc = corral_spawn_fiber(&main_task, rt, NULL, "main", run, &p, NULL)) == 0) {
        rc = corral_rt_run(rt, main_task);
        corral_task_unref(main_task);
    }
    corral_rt_unref(rt);
    if (rc != 0)
        fprintf(stderr, "queue_demo: %s\n", corral_strerror(rc));
    return rc == 0 && p.consumed == ITEMS ? 0 : 1;
}
