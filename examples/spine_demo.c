/*
 * spine_demo.c - a tour of the corral spine on the REAL clock (about 0.1 s).
 *
 * main opens a group "workers" and spawns five fibers into it:
 *   producer  sleeps 30 ms, then resolves a future with 42
 *   consumer  awaits that future inside fail_after(80 ms) and returns its value
 *   sleeper   sleeps 1 s inside move_on_after(50 ms) (absorbed: it just moves on), then
 *             1 s inside fail_after(20 ms) (raises Timeout, which it handles)
 *   guard     sleeps 60 ms inside a shield; main cancels it at 30 ms: the shield holds, and
 *             the first checkpoint after the shield delivers the (still pending) cancellation
 *   ticker    ticks every 25 ms until main closes the group, which cancels it
 *
 * Every line printed during the run is a trace line "<ms> <actor> <event> [detail]": "log" lines
 * are this program's commentary, the others (done, cancelled, CLOSING, ...) come from the runtime.
 * Fibers read like sequential code: a blocking call returns 0 or a negative CORRAL_E* code.
 */
#include <corral.h>

#include <stdarg.h>
#include <stdio.h>

/* Emit "<ms> <task> log <text>" as the running task. */
static void say(const char *fmt, ...)
{
    corral_task *self = corral_current();
    char text[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    corral_log(corral_task_rt(self), corral_task_name(self), text);
}

static int producer(corral_task *self, void *arg, corral_value *result)
{
    corral_future *answer = arg;
    corral_value v = {.type = CORRAL_VALUE_INT, .as.i = 42};
    int rc;

    (void)self;
    (void)result;
    if ((rc = corral_sleep_for(corral_ms(30))) < 0)
        return rc;
    say("resolving the future with 42");
    return corral_future_set_result(answer, &v);
}

static int consumer(corral_task *self, void *arg, corral_value *result)
{
    corral_future *answer = arg;
    corral_scope *limit;
    corral_value v;
    int rc;

    if ((rc = corral_fail_after(&limit, self, corral_ms(80))) < 0)
        return rc;
    rc = corral_future_await(answer, &v, -1);
    rc = corral_scope_exit(limit, rc); /* CORRAL_ETIMEOUT if the 80 ms ran out first */
    corral_scope_unref(limit);
    if (rc < 0)
        return rc;
    say("the future gave %lld", (long long)v.as.i);
    *result = v; /* an INT is a plain copy; the trace shows "done 42" */
    return 0;
}

static int sleeper(corral_task *self, void *arg, corral_value *result)
{
    corral_scope *s;
    int rc;

    (void)arg;
    (void)result;
    if ((rc = corral_move_on_after(&s, self, corral_ms(50))) < 0)
        return rc;
    rc = corral_scope_exit(s, corral_sleep_for(corral_s(1)));
    say("move_on_after(50 ms): moved on, cancelled_caught=%d", corral_scope_cancelled_caught(s));
    corral_scope_unref(s);
    if (rc < 0)
        return rc;

    if ((rc = corral_fail_after(&s, self, corral_ms(20))) < 0)
        return rc;
    rc = corral_scope_exit(s, corral_sleep_for(corral_s(1)));
    corral_scope_unref(s);
    if (rc != CORRAL_ETIMEOUT)
        return rc;
    say("fail_after(20 ms): %s (%s), handled", corral_error_name(rc), corral_strerror(rc));
    return 0;
}

static int guard(corral_task *self, void *arg, corral_value *result)
{
    corral_scope *shield;
    int rc;

    (void)arg;
    (void)result;
    if ((rc = corral_shield(&shield, self)) < 0)
        return rc;
    say("shielded cleanup: 60 ms that must not be interrupted");
    rc = corral_scope_exit(shield, corral_sleep_for(corral_ms(60)));
    corral_scope_unref(shield);
    if (rc < 0)
        return rc;
    say("cleanup finished; cancel pending=%d", corral_task_cancel_pending(self));
    return corral_checkpoint(); /* CORRAL_ECANCELLED: the task ends "cancelled" */
}

static int ticker(corral_task *self, void *arg, corral_value *result)
{
    (void)self;
    (void)arg;
    (void)result;
    for (int n = 1;; n++) {
        int rc = corral_sleep_for(corral_ms(25));
        if (rc < 0)
            return rc; /* CORRAL_ECANCELLED once the group closes */
        say("tick %d", n);
    }
}

static int main_task(corral_task *self, void *arg, corral_value *result)
{
    corral_rt *rt = corral_task_rt(self);
    corral_group *workers = NULL;
    corral_future *answer = NULL;
    corral_task *prod = NULL, *cons = NULL, *slp = NULL, *grd = NULL, *tick = NULL;
    corral_value v;
    int rc;

    (void)arg;
    (void)result;
    if ((rc = corral_group_new(&workers, rt, NULL, "workers")) < 0 ||
        (rc = corral_future_new(&answer, rt)) < 0 ||
        (rc = corral_spawn_fiber(&prod, rt, workers, "producer", producer, answer, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&cons, rt, workers, "consumer", consumer, answer, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&slp, rt, workers, "sleeper", sleeper, NULL, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&grd, rt, workers, "guard", guard, NULL, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&tick, rt, workers, "ticker", ticker, NULL, NULL)) < 0)
        goto out;
    say("spawned 5 workers into group 'workers' (they start at the next tick)");

    if ((rc = corral_sleep_for(corral_ms(30))) < 0)
        goto out;
    say("cancelling guard (it is inside its shield)");
    corral_task_cancel(grd);

    if ((rc = corral_join(cons, &v, -1)) < 0)
        goto out;
    say("join consumer: %lld", (long long)v.as.i);
    if ((rc = corral_join(slp, NULL, -1)) < 0)
        goto out;
    say("join sleeper: ok");
    rc = corral_join(grd, NULL, -1);
    say("join guard: %s", corral_error_name(rc)); /* TaskCancelled */

    say("closing the group with cancel: ticker is cancelled");
    rc = corral_group_async_close(workers, 1, -1);
out:
    corral_task_unref(prod);
    corral_task_unref(cons);
    corral_task_unref(slp);
    corral_task_unref(grd);
    corral_task_unref(tick);
    corral_future_unref(answer);
    corral_group_unref(workers);
    return rc;
}

static void print_trace(const char *line, size_t len, void *ud)
{
    (void)ud;
    printf("  %.*s\n", (int)len, line);
}

int main(void)
{
    corral_rt *rt = NULL;
    corral_task *main_t = NULL;
    int rc;

    printf("corral %s - spine demo on the real clock (trace: <ms> <actor> <event>)\n",
           corral_version_string());
    if ((rc = corral_rt_new(&rt, 0)) < 0 ||
        (rc = corral_rt_set_trace_fn(rt, print_trace, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&main_t, rt, NULL, "main", main_task, NULL, NULL)) < 0 ||
        (rc = corral_rt_run(rt, main_t)) < 0) {
        fprintf(stderr, "spine_demo: %s: %s %s\n", corral_error_name(rc), corral_strerror(rc),
                corral_last_error_message());
    } else {
        printf("run finished at %lld ms: ok\n", (long long)(corral_rt_now(rt) / 1000000));
    }
    corral_task_unref(main_t);
    corral_rt_unref(rt);
    return rc < 0 ? 1 : 0;
}
