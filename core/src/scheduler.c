/* scheduler.c - the FIFO ready queue and the tick (R4, R5, R6, R10). */
#include <event2/event.h>
#include <stdlib.h>

#include "internal.h"

/* Poll I/O at most every this many busy ticks when sources exist (design.md). */
#define POLL_EVERY_TICKS 64

void corral__ready_job(corral_rt *rt, corral__job *j)
{
    corral__fifo_push(&rt->ready, &j->entry);
}

/* rt may be NULL for jobs made off the loop thread (post_threadsafe). */
corral__job *corral__job_new(corral_rt *rt, uint8_t kind)
{
    corral__job *j = rt ? corral__block_get(rt, CORRAL__POOL_JOB, sizeof *j) : calloc(1, sizeof *j);
    if (j) {
        j->entry.kind = kind;
        j->rt = rt;
    }
    return j;
}

void corral__job_free(corral__job *j)
{
    corral_future_unref(j->future);
    corral_group_unref(j->group);
    corral_task_unref(j->task);
    free(j->actor);
    corral__error_unref(j->error);
    if (j->rt)
        corral__block_put(j->rt, CORRAL__POOL_JOB, j);
    else
        free(j);
}

bool corral__entry_is_host(const corral__entry *e)
{
    if (e->kind == CORRAL__ENTRY_TASK)
        return ((const corral_task *)e)->driver == CORRAL__DRIVER_HOST;
    return e->kind == CORRAL__ENTRY_HOST_CB || e->kind == CORRAL__ENTRY_RELEASE ||
           e->kind == CORRAL__ENTRY_HOST_HANDLER;
}

/* R26 with R9a: wake every parked task that scope s's cancellation (s NULL: any scope's) made
 * cancel-pending, in ascending task id. The live list is kept in spawn order, which is id order. */
void corral__abort_cancelled(corral_rt *rt, const corral_scope *s)
{
    if (s && s->task && s->task->hosted_groups == 0) {
        corral_task *t = s->task; /* nothing else hangs below a task's own scopes */
        corral__task_update_cancel(t);
        if (t->state == CORRAL_TASK_PARKED && corral__task_cancel_pending(t) &&
            corral__wait_abortable(t->wait.kind))
            corral__abort(t, CORRAL_ECANCELLED);
        return;
    }
    for (corral_task *t = rt->live_head; t; t = t->live_next) {
        corral__task_update_cancel(t);
        /* a group exit's wait cannot be abandoned (R49) */
        if (t->state == CORRAL_TASK_PARKED && corral__task_cancel_pending(t) &&
            corral__wait_abortable(t->wait.kind))
            corral__abort(t, CORRAL_ECANCELLED);
    }
}

void corral__timer_arm(corral_rt *rt, corral__timer *t, int64_t deadline, uint8_t kind)
{
    corral__timer_disarm(rt, t);
    t->deadline = deadline;
    t->seq = rt->timer_seq++;
    t->kind = kind;
    if (corral__heap_push(&rt->timers, t) < 0)
        t->index = CORRAL__TIMER_IDLE; /* out of memory: the timer never fires */
}

void corral__timer_disarm(corral_rt *rt, corral__timer *t)
{
    if (t->index != CORRAL__TIMER_IDLE)
        corral__heap_remove(&rt->timers, t);
}

static void fire_due_timers(corral_rt *rt)
{
    corral__timer *t;
    while ((t = corral__heap_top(&rt->timers)) && t->deadline <= rt->now) {
        corral__heap_remove(&rt->timers, t);
        switch (t->kind) {
        case CORRAL__TIMER_SLEEP: {
            corral_task *task = CORRAL__CONTAINER(t, corral_task, wait.timer);
            corral__wake(task, 0, NULL, false, NULL);
        } break;
        case CORRAL__TIMER_CALL:
            corral__wait_timer_fired(CORRAL__CONTAINER(t, corral_task, wait.timer));
            break;
        default:
            corral__scope_timer_fired(CORRAL__CONTAINER(t, corral_scope, timer));
            break;
        }
    }
}

static void poll_io(corral_rt *rt, bool block)
{
    if (block) {
        atomic_store(&rt->sleeping, 1);
        if (!atomic_load(&rt->posted_flag)) {
            corral__timer *top = corral__heap_top(&rt->timers);
            if (top) {
                int64_t wait = top->deadline - corral__clock_read(rt);
                if (wait < 0)
                    wait = 0;
                struct timeval tv = {.tv_sec = wait / 1000000000,
                                     .tv_usec = (wait % 1000000000 + 999) / 1000};
                evtimer_add(rt->timer_ev, &tv);
            }
            event_base_loop(rt->base, EVLOOP_ONCE);
            evtimer_del(rt->timer_ev);
        }
        atomic_store(&rt->sleeping, 0);
    } else {
        event_base_loop(rt->base, EVLOOP_NONBLOCK);
    }
    corral__drain_posted(rt);
}

bool corral__tick_begin(corral_rt *rt)
{
    bool virtual_clock = rt->flags & CORRAL_RT_VIRTUAL_CLOCK;
    if (!virtual_clock)
        rt->now_valid = false;
    if (rt->timers.len) {
        corral__now(rt);
        fire_due_timers(rt);
    }
    corral__drain_posted(rt);
    while (!rt->ready.head) {
        /* Sources that can wake an idle loop. Installed signal handlers count on the REAL
         * clock only: a program waiting for Ctrl-C is idle, not deadlocked. */
        bool external = rt->user_sources > 0 || atomic_load(&rt->holds) > 0 ||
                        (!virtual_clock && rt->sig_events[0]);
        if (virtual_clock) {
            if (rt->user_sources > 0) {
                poll_io(rt, false);
                if (rt->ready.head)
                    break;
            }
            corral__timer *top = corral__heap_top(&rt->timers);
            if (top) {
                /* R10: time jumps only when nothing else can run */
                if (top->deadline > rt->now)
                    rt->now = top->deadline;
                fire_due_timers(rt);
                continue;
            }
            if (!external)
                return false;
            poll_io(rt, true);
        } else {
            if (!rt->timers.len && !external)
                return false;
            poll_io(rt, true);
            rt->now_valid = false;
            corral__now(rt);
            fire_due_timers(rt);
        }
    }
    if (rt->ready.head && rt->user_sources + rt->internal_sources > 0 &&
        ++rt->tick_count % POLL_EVERY_TICKS == 0)
        poll_io(rt, false);
    rt->batch = rt->ready;
    rt->ready.head = rt->ready.tail = NULL;
    return true;
}

static void run_step_task(corral_task *t)
{
    corral__task_outcome_delivered(t);
    int status = t->resume_status;
    corral_value value = t->resume_value;
    bool owned = t->resume_owned;
    corral__error_unref(t->last_error);
    t->last_error = t->resume_error;
    t->resume_error = NULL;
    t->resume_status = 0;
    t->resume_owned = 0;
    t->resume_value = (corral_value){0};
    t->in_step = 1;
    corral_rt *rt = t->rt;
    rt->step_task = t;
    rt->step_value = &value;
    rt->step_owned = &owned;
    t->d.step(t, status, &value, t->arg);
    rt->step_task = NULL;
    t->in_step = 0;
    if (owned)
        corral__value_drop(t->rt, &value);
    if (t->state == CORRAL_TASK_RUNNING) {
        corral_error *e = corral__error_from_code(CORRAL_EINVALIDSTATE,
                                                  "step returned without awaiting or finishing");
        corral__task_finish(t, CORRAL_EINVALIDSTATE, NULL, NULL, e);
        corral__error_unref(e);
    }
}

void corral__run_entry(corral_rt *rt, corral__entry *e)
{
    corral__job *j = (corral__job *)e;
    switch (e->kind) {
    case CORRAL__ENTRY_TASK: {
        corral_task *t = (corral_task *)e;
        t->state = CORRAL_TASK_RUNNING;
        rt->current = t;
        corral__tls_current = t;
        if (t->driver == CORRAL__DRIVER_FIBER) {
            corral__fiber_resume(t);
            /* Fibers may hand over to each other directly: the one that came back to the
             * scheduler is the current one. */
            corral_task *last = rt->current;
            if (corral__task_terminal(last))
                corral__fiber_release(last);
        } else {
            run_step_task(t);
        }
        rt->current = NULL;
        corral__tls_current = NULL;
        break;
    }
    case CORRAL__ENTRY_FUTURE_CB:
        j->fn(j->future, j->ud);
        corral__job_free(j);
        break;
    case CORRAL__ENTRY_HANDLER:
        corral__group_run_handler(j);
        corral__job_free(j);
        break;
    case CORRAL__ENTRY_POSTED:
        j->posted(j->ud);
        corral__job_free(j);
        break;
    default:
        corral__job_free(j); /* host entries never reach here */
        break;
    }
    corral__flush_graveyard(rt);
}

void corral__flush_graveyard(corral_rt *rt)
{
    while (rt->graveyard) {
        corral_task *t = rt->graveyard;
        rt->graveyard = t->live_next;
        t->live_next = NULL;
        corral_task_unref(t);
    }
}
