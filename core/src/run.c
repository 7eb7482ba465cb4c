/* run.c - run(): main, root shutdown, deadlock handling and signals (R10, R51). */
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void on_signal(evutil_socket_t signo, short what, void *arg)
{
    (void)what;
    corral__run_signal(arg, (int)signo);
}

static void install_signals(corral_rt *rt)
{
    static const int signals[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        rt->sig_events[i] = evsignal_new(rt->base, signals[i], on_signal, rt);
        if (rt->sig_events[i] && event_add(rt->sig_events[i], NULL) == 0)
            rt->internal_sources++;
    }
}

/* Deleting libevent's signal events restores the handlers that were there before (R51). */
static void remove_signals(corral_rt *rt)
{
    for (int i = 0; i < 2; i++) {
        if (!rt->sig_events[i])
            continue;
        event_free(rt->sig_events[i]);
        rt->sig_events[i] = NULL;
        rt->internal_sources--;
    }
}

/* The second signal with CORRAL_RT_ESCALATE_SIGNALS (R51): every shield of every live task
 * (explicit shields, uncancellable sections, managed cleanup) is cancelled, and so is every
 * shield entered afterwards, so cleanup that waits is cut short, also cleanup that only
 * starts later (a group's, when the root group closes). Each shield absorbs its own cancellation at
 * its exit (R28); the cancellation outside it is still there and goes on unwinding the task. */
static void escalate(corral_rt *rt)
{
    rt->signals_escalated = true; /* and every shield entered from now on (scope.c) */
    for (corral_task *t = rt->live_head; t; t = t->live_next)
        for (corral_scope *s = t->scope; s; s = s->parent)
            if (s->shield == 1) /* (not a guard: the runtime's own wait, CORRAL_SHIELD_GUARD) */
                corral__scope_cancel(s, CORRAL_CAUSE_SIGNAL);
}

void corral__run_signal(corral_rt *rt, int signo)
{
    (void)signo;
    int seen = rt->signals_seen++;
    if (seen == 1 && (rt->flags & CORRAL_RT_ESCALATE_SIGNALS))
        escalate(rt);
    if (seen > 0)
        return; /* later signals are ignored */
    if (rt->main && !corral__task_terminal(rt->main))
        corral__scope_cancel(&rt->main->root_scope, CORRAL_CAUSE_SIGNAL);
}

int corral_rt_inject_signal(corral_rt *rt, int signo)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (signo != SIGINT && signo != SIGTERM)
        return corral__fail(CORRAL_EINVALIDARG, "inject_signal: only SIGINT and SIGTERM");
    corral__run_signal(rt, signo);
    return 0;
}

int corral_rt_shutdown(corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    corral_task *main = rt->main;
    if (!main || corral__task_terminal(main) || main->root_scope.cancel_called)
        return 0;
    corral__scope_cancel(&main->root_scope, CORRAL_CAUSE_SHUTDOWN);
    return 1;
}

int corral__run_start(corral_rt *rt, corral_task *main)
{
    if (rt->phase != CORRAL__RUN_IDLE)
        return corral__fail(CORRAL_EINVALIDSTATE, "run: the runtime already ran");
    rt->main = corral_task_ref(main);
    rt->phase = CORRAL__RUN_MAIN;
    if (rt->flags & CORRAL_RT_SIGNALS)
        install_signals(rt);
    if (corral__task_terminal(main))
        corral__main_finished(rt);
    return 0;
}

void corral__main_finished(corral_rt *rt)
{
    if (rt->phase != CORRAL__RUN_MAIN)
        return;
    rt->main_cause = corral__scope_visible_cause(&rt->main->root_scope);
    rt->phase = CORRAL__RUN_SHUTDOWN;
    corral__group_close(rt->root, true, CORRAL_CAUSE_GROUP_CLOSE);
}

static void trace_parked(corral_rt *rt)
{
    if (!corral__tracing(rt))
        return;
    size_t len = 1; /* every parked task's name, however many (texts are never cut) */
    for (corral_task *t = rt->live_head; t; t = t->live_next)
        if (t->state == CORRAL_TASK_PARKED)
            len += strlen(corral__task_name(t)) + 2;
    char small[900], *list = len <= sizeof small ? small : malloc(len);
    if (!list) { /* out of memory: as many names as fit */
        list = small;
        len = sizeof small;
    }
    size_t used = 0;
    list[0] = '\0';
    for (corral_task *t = rt->live_head; t; t = t->live_next) {
        if (t->state != CORRAL_TASK_PARKED)
            continue;
        int n = snprintf(list + used, len - used, "%s%s", used ? ", " : "", corral__task_name(t));
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    corral__trace(rt, "rt", "deadlock [%s]", list);
    if (list != small)
        free(list);
}

static void finish_run(corral_rt *rt)
{
    rt->phase = CORRAL__RUN_DONE;
    remove_signals(rt);
    char buf[600], *heap = NULL;
    const char *text = buf;
    corral_task *m = rt->main;
    if (rt->deadlocked) {
        rt->run_status = CORRAL_EDEADLOCK;
        snprintf(buf, sizeof buf, "Deadlock");
    } else if (rt->strict_error) {
        rt->run_status = corral_error_code(rt->strict_error);
        text = corral__error_text(rt->strict_error, buf, sizeof buf, &heap);
    } else if (m->state == CORRAL_TASK_COMPLETED) {
        rt->run_status = 0;
        text = m->repr ? m->repr : corral__value_text(&m->resume_value, buf, sizeof buf, &heap);
    } else if (m->state == CORRAL_TASK_FAILED) {
        rt->run_status = corral_error_code(m->error);
        text = corral__error_text(m->error, buf, sizeof buf, &heap);
    } else {
        rt->run_status = CORRAL_ECANCELLED;
        snprintf(buf, sizeof buf, "Cancelled(%s)", corral_cause_name(rt->main_cause));
    }
    corral__trace(rt, "rt", "run%s%s", *text ? " " : "", text);
    free(heap);
}

/* R10: report, cancel the root group (cause SHUTDOWN) so tasks unwind; a second deadlock
 * ends the run at once. */
static void on_deadlock(corral_rt *rt)
{
    trace_parked(rt);
    if (rt->deadlocked || rt->phase != CORRAL__RUN_MAIN) {
        rt->deadlocked = 1;
        finish_run(rt);
        return;
    }
    rt->deadlocked = 1;
    corral__group_close(rt->root, true, CORRAL_CAUSE_SHUTDOWN);
}

corral_task *corral__next_fiber(corral_rt *rt)
{
    /* The drive loop must see stops, run_until targets and released tasks. */
    if (rt->graveyard || rt->stop_requested || rt->until_future || rt->until_task)
        return NULL;
    if (!rt->batch.head) {
        /* Start the next tick here only when it cannot block, deadlock or end the run:
         * something is ready and main is still running. */
        if (rt->phase != CORRAL__RUN_MAIN || !rt->ready.head || !corral__tick_begin(rt))
            return NULL;
    }
    corral__entry *e = rt->batch.head;
    if (e->kind != CORRAL__ENTRY_TASK || ((corral_task *)e)->driver != CORRAL__DRIVER_FIBER)
        return NULL;
    corral__fifo_pop(&rt->batch);
    return (corral_task *)e;
}

int corral__drive(corral_rt *rt, corral_record *recs, size_t cap, size_t *n)
{
    int rc = 0;
    *n = 0;
    rt->in_loop = 1;
    corral_rt *outer = corral__tls_loop;
    corral__tls_loop = rt;
    corral__host_check_handed(rt);
    corral__flush_graveyard(rt);
    bool until = rt->until_future || rt->until_task;
    for (;;) {
        if (rt->stop_requested) {
            rt->stop_requested = 0;
            rc = CORRAL_ESTOPPED;
            break;
        }
        if (until && ((rt->until_future && rt->until_future->state != CORRAL_FUTURE_PENDING) ||
                      (rt->until_task && corral__task_terminal(rt->until_task))))
            break;
        corral__entry *e = rt->batch.head;
        if (!e) {
            if (*n)
                break; /* the host runs its records before the next tick starts */
            /* The run ends once the root group is CLOSED and every entry queued by the last
             * steps (done callbacks, host callbacks, releases) has run. */
            if (rt->phase == CORRAL__RUN_SHUTDOWN && rt->root->state == CORRAL__GROUP_CLOSED &&
                !rt->ready.head)
                finish_run(rt);
            if (rt->phase == CORRAL__RUN_DONE) {
                rc = CORRAL_DONE;
                break;
            }
            if (!corral__tick_begin(rt)) {
                if (until) {
                    trace_parked(rt);
                    rc = CORRAL_EDEADLOCK;
                    break;
                }
                on_deadlock(rt);
            }
            continue;
        }
        if (corral__entry_is_host(e)) {
            if (cap == 0) {
                rc = corral__fail(CORRAL_EINVALIDSTATE,
                                  "run: a host task needs corral_host_poll to drive it");
                break;
            }
            if (*n == cap)
                break;
            /* A host exception callback is a batch of its own. It starts one: its handler
             * line is traced when its record is made, and must follow what the host does
             * with the records before it (a task finishing there traces its end when the
             * host submits that, R56: the line is emitted when the entry runs). And it ends
             * one: what it raises goes on next, and later entries' trace lines follow the
             * callback's own. */
            if (e->kind == CORRAL__ENTRY_HOST_HANDLER && *n)
                break;
            corral__fifo_pop(&rt->batch);
            corral__host_record(rt, e, &recs[(*n)++]);
            if (e->kind == CORRAL__ENTRY_HOST_HANDLER)
                break;
            continue;
        }
        if (*n)
            break; /* C entries run after the host has processed the records before them */
        corral__fifo_pop(&rt->batch);
        corral__run_entry(rt, e);
    }
    corral__tls_loop = outer;
    rt->in_loop = 0;
    return rc;
}

int corral_rt_run(corral_rt *rt, corral_task *main)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!main)
        return corral__fail(CORRAL_EINVALIDARG, "run: main is NULL");
    if (main->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "run: main belongs to another runtime");
    if (rt->in_loop || corral__tls_current)
        return corral__fail(CORRAL_EINVALIDSTATE, "run: called from inside a loop");
    if (rt->phase == CORRAL__RUN_IDLE)
        rc = corral__run_start(rt, main);
    else if (rt->phase == CORRAL__RUN_DONE || rt->main != main)
        rc = corral__fail(CORRAL_EINVALIDSTATE, "run: the runtime already ran");
    if (rc < 0)
        return rc;
    size_t n;
    do
        rc = corral__drive(rt, NULL, 0, &n);
    while (rc == 0);
    return rc < 0 ? rc : rt->run_status;
}

static int run_until(corral_rt *rt, corral_future *f, corral_task *t)
{
    if (rt->in_loop || corral__tls_current)
        return corral__fail(CORRAL_EINVALIDSTATE, "run_until: called from inside a loop");
    if (rt->phase != CORRAL__RUN_IDLE)
        return corral__fail(CORRAL_EINVALIDSTATE, "run_until: a main run is underway");
    rt->until_future = f;
    rt->until_task = t;
    size_t n;
    int rc = corral__drive(rt, NULL, 0, &n);
    rt->until_future = NULL;
    rt->until_task = NULL;
    return rc;
}

int corral_rt_run_until_future(corral_rt *rt, corral_future *f)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!f || f->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "run_until_future: a future of this runtime");
    return run_until(rt, f, NULL);
}

int corral_rt_run_until_task(corral_rt *rt, corral_task *t)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    if (!t || t->rt != rt)
        return corral__fail(CORRAL_EINVALIDARG, "run_until_task: a task of this runtime");
    return run_until(rt, NULL, t);
}

int corral_rt_stop(corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    if (rc < 0)
        return rc;
    rt->stop_requested = 1;
    return 0;
}

corral_error *corral_rt_run_error(corral_rt *rt)
{
    if (!rt || rt->phase != CORRAL__RUN_DONE || rt->deadlocked)
        return NULL;
    if (rt->strict_error)
        return rt->strict_error;
    return rt->main && rt->main->state == CORRAL_TASK_FAILED ? rt->main->error : NULL;
}

int corral_rt_run_cause(corral_rt *rt)
{
    if (!rt)
        return corral__fail(CORRAL_EINVALIDARG, "runtime is NULL");
    if (rt->phase != CORRAL__RUN_DONE)
        return corral__fail(CORRAL_EINVALIDSTATE, "run_cause: the run is not over");
    return rt->main_cause;
}

int corral_rt_run_status(corral_rt *rt)
{
    if (!rt)
        return corral__fail(CORRAL_EINVALIDARG, "runtime is NULL");
    if (rt->phase != CORRAL__RUN_DONE)
        return corral__fail(CORRAL_EINVALIDSTATE, "run_status: the run is not over");
    return rt->run_status;
}
