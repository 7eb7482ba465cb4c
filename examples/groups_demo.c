/*
 * groups_demo.c - a race and a supervisor on the REAL clock (about 40 ms).
 *
 * 1. race: three mirrors answer the same request. "flaky" fails after 5 ms, "fast" answers
 *    after 10 ms, "slow" would answer after 30 ms. With continue_on_error the first answer
 *    wins, the failure before it comes back as a value, and "slow" is cancelled and awaited
 *    before corral_race returns.
 * 2. supervisor (aiotools' Supervisor: a scoped SUPERVISE group with a JOIN exit): "steady"
 *    ticks three times, "crashy" fails after 15 ms. The failure goes to the supervisor's
 *    exception callback; the sibling runs on and the exit waits for it.
 *
 * Trace lines are "<ms> <actor> <event> [detail]"; "log" lines are this program's own.
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

/* A mirror: answer `ms` milliseconds later, or fail if ms is negative. */
static int mirror(corral_task *self, void *arg, corral_value *result)
{
    long ms = (long)(intptr_t)arg;
    int rc = corral_sleep_for(corral_ms(ms < 0 ? -ms : ms));
    if (rc < 0)
        return rc; /* cancelled: this mirror lost the race */
    if (ms < 0)
        return corral_task_raise(self, "ConnectionError", "reset by peer");
    result->type = CORRAL_VALUE_INT;
    result->as.i = ms;
    return 0;
}

static int race_phase(void)
{
    const corral_member mirrors[] = {
        {"flaky", mirror, (void *)(intptr_t)-5},
        {"fast", mirror, (void *)(intptr_t)10},
        {"slow", mirror, (void *)(intptr_t)30},
    };
    corral_value answer;
    size_t winner;
    corral_error *errors = NULL;
    char text[200];

    int rc = corral_race(mirrors, 3, 1, &answer, &winner, &errors);
    if (rc < 0)
        return rc;
    corral_error_format(errors, text, sizeof text);
    say("race: %s answered after %lld ms; errors before it: %s", mirrors[winner].name,
        (long long)answer.as.i, errors ? text : "none");
    corral_error_unref(errors);
    corral_value_clear(&answer);
    return 0;
}

static int steady(corral_task *self, void *arg, corral_value *result)
{
    (void)self, (void)arg, (void)result;
    for (int n = 1; n <= 3; n++) {
        int rc = corral_sleep_for(corral_ms(10));
        if (rc < 0)
            return rc;
        say("tick %d", n);
    }
    return 0;
}

static int crashy(corral_task *self, void *arg, corral_value *result)
{
    (void)arg, (void)result;
    int rc = corral_sleep_for(corral_ms(15));
    return rc < 0 ? rc : corral_task_raise(self, "RuntimeError", "out of coffee");
}

/* The supervisor's exception callback: runs as its own entry, after the "handler" line. */
static int on_failure(corral_group *g, corral_task *member, corral_error *err,
                      corral_error **raised, void *ud)
{
    char text[200], line[300];
    (void)g, (void)raised, (void)ud;
    corral_error_format(err, text, sizeof text);
    snprintf(line, sizeof line, "%s failed (%s); its sibling runs on", corral_task_name(member),
             text);
    corral_log(corral_task_rt(member), "supervisor", line);
    return 0; /* handled: nothing goes further up the chain */
}

static int supervisor_phase(corral_task *self)
{
    corral_rt *rt = corral_task_rt(self);
    corral_group *sv = NULL;
    corral_task *a = NULL, *b = NULL;
    int rc;

    if ((rc = corral_group_enter(&sv, self, "supervisor", CORRAL_GROUP_SUPERVISE,
                                 CORRAL_GROUP_JOIN)) < 0)
        return rc;
    if ((rc = corral_group_set_handler(sv, on_failure, NULL)) == 0 &&
        (rc = corral_spawn_fiber(&a, rt, sv, "steady", steady, NULL, NULL)) == 0)
        rc = corral_spawn_fiber(&b, rt, sv, "crashy", crashy, NULL, NULL);
    say("supervisor: 2 children started; the body ends, the exit waits for them");
    rc = corral_group_exit(sv, rc); /* JOIN: returns when every child has ended */
    say("supervisor: all children ended (%s)", rc == 0 ? "ok" : corral_error_name(rc));
    corral_task_unref(a);
    corral_task_unref(b);
    corral_group_unref(sv);
    return rc;
}

static int main_task(corral_task *self, void *arg, corral_value *result)
{
    int rc;

    (void)arg, (void)result;
    if ((rc = race_phase()) < 0)
        return rc;
    return supervisor_phase(self);
}

static void print_trace(const char *line, size_t len, void *ud)
{
    (void)ud;
    printf("  %.*s\n", (int)len, line);
}

static void print_log(const char *line, size_t len, void *ud)
{
    (void)ud;
    printf("  (log) %.*s\n", (int)len, line);
}

int main(void)
{
    corral_rt *rt = NULL;
    corral_task *main_t = NULL;
    int rc;

    printf("corral %s - race and supervisor on the real clock\n", corral_version_string());
    if ((rc = corral_rt_new(&rt, 0)) < 0 ||
        (rc = corral_rt_set_trace_fn(rt, print_trace, NULL)) < 0 ||
        (rc = corral_rt_set_log_fn(rt, print_log, NULL)) < 0 ||
        (rc = corral_spawn_fiber(&main_t, rt, NULL, "main", main_task, NULL, NULL)) < 0 ||
        (rc = corral_rt_run(rt, main_t)) < 0) {
        fprintf(stderr, "groups_demo: %s: %s %s\n", corral_error_name(rc), corral_strerror(rc),
                corral_last_error_message());
    } else {
        printf("run finished at %lld ms: ok\n", (long long)(corral_rt_now(rt) / 1000000));
    }
    corral_task_unref(main_t);
    corral_rt_unref(rt);
    return rc < 0 ? 1 : 0;
}
