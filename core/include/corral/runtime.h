/*
 * corral/runtime.h - the runtime: one libevent loop, one FIFO ready queue, one timer heap,
 * a REAL or VIRTUAL clock, the root group, the trace hook and the run() state machine.
 *
 * A runtime belongs to the thread that runs it (semantics R1). Everything but the
 * *_threadsafe functions must be called from that thread.
 */
#ifndef CORRAL_RUNTIME_H
#define CORRAL_RUNTIME_H

#include "common.h"

CORRAL_BEGIN_DECLS

typedef struct corral_rt corral_rt;
typedef struct corral_task corral_task;
typedef struct corral_group corral_group;
typedef struct corral_future corral_future;

/* corral_rt_new flags. */
#define CORRAL_RT_VIRTUAL_CLOCK 0x1u /* time starts at 0 and jumps only when idle (R10) */
#define CORRAL_RT_SIGNALS 0x2u       /* corral_rt_run/host_poll handle SIGINT/SIGTERM (R51) */
#define CORRAL_RT_STRICT 0x4u        /* first unhandled error cancels main and is raised (R57) */
/* The second SIGINT/SIGTERM (real or injected) cancels every shield of every live task:
 * explicit shields, uncancellable sections and managed cleanup (R51, R66), and every shield
 * entered after it, so cleanup that waits is cut short ("press Ctrl-C again to force"), also
 * cleanup that starts later. Without it later signals are ignored. */
#define CORRAL_RT_ESCALATE_SIGNALS 0x8u

/* Create a runtime. The REAL clock counts from this call. The root group ("root", free,
 * SUPERVISE) exists from the start. The caller owns one reference.
 * Errors: CORRAL_EINVALIDARG (out NULL, unknown flag), CORRAL_ENOMEM. Thread: any (the
 * runtime then belongs to the thread that first runs it). */
CORRAL_API int corral_rt_new(corral_rt **out, uint32_t flags);
CORRAL_API corral_rt *corral_rt_ref(corral_rt *rt);
/* Drop a reference. When the last user reference goes, the runtime is closed (see
 * corral_rt_close); its memory goes when the last object of it is released. NULL-safe. */
CORRAL_API void corral_rt_unref(corral_rt *rt);
/* Close: tasks that are not terminal are discarded without running further (fiber stacks are
 * unmapped, not unwound; host tokens are released), and every later call on the runtime or
 * its objects returns CORRAL_ECLOSED. Idempotent. Errors: CORRAL_EINVALIDSTATE when called
 * from inside the runtime's own loop. Thread: loop. */
CORRAL_API int corral_rt_close(corral_rt *rt);

/* Current time in ns: the time of the current tick (time never advances inside a step).
 * Returns a negative code for a NULL or closed runtime. Thread: loop. */
CORRAL_API int64_t corral_rt_now(corral_rt *rt);
/* The runtime's root group (borrowed). NULL for NULL. Thread: loop. */
CORRAL_API corral_group *corral_rt_root_group(corral_rt *rt);
/* Errors reported to the root handler so far (R57). Thread: loop. */
CORRAL_API int64_t corral_rt_unhandled_count(corral_rt *rt);

/* Stack size for fibers spawned later: between 16 KiB and 1 GiB, rounded up to whole pages;
 * default 256 KiB. Errors: CORRAL_EINVALIDARG (out of range). Thread: loop. */
CORRAL_API int corral_rt_set_fiber_stack_size(corral_rt *rt, size_t bytes);

/* ---- Running --------------------------------------------------------------------------- */

/* Run `main` (a task of this runtime, normally the first spawned, id 1) as in R51: drive the
 * loop until main ends, then close the root group with cancellation and wait for it, then
 * emit "rt run <outcome>" and return main's outcome: 0 (value via corral_task_result),
 * main's error code, CORRAL_ECANCELLED, or CORRAL_EDEADLOCK. With CORRAL_RT_SIGNALS the first
 * SIGINT/SIGTERM cancels main (cause SIGNAL), the second escalates with
 * CORRAL_RT_ESCALATE_SIGNALS, later ones are ignored, and the previous
 * handlers are restored on return. Only C-driven tasks (fibers, step callbacks) may exist;
 * a runtime with host tasks is driven by corral_host_poll instead. Returns CORRAL_ESTOPPED
 * when corral_rt_stop was called; calling it again with the same main continues the run.
 * Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (already running / already ran / host
 * tasks present), CORRAL_ECLOSED. Thread: loop (this call makes it so). */
CORRAL_API int corral_rt_run(corral_rt *rt, corral_task *main);
/* Drive the loop until future f is done, or task t is terminal, without the run() shutdown
 * of R51: no root-group close, no "rt run" line, other tasks stay as they are. Returns 0
 * when the target is done (read it with corral_future_result / corral_task_result),
 * CORRAL_ESTOPPED after corral_rt_stop, or CORRAL_EDEADLOCK when nothing can make progress
 * (after emitting "rt deadlock [...]"); the call may be repeated. Not while a main run is
 * underway. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (inside the loop, or a main
 * run underway), CORRAL_ECLOSED. Thread: loop (this call makes it so). */
CORRAL_API int corral_rt_run_until_future(corral_rt *rt, corral_future *f);
CORRAL_API int corral_rt_run_until_task(corral_rt *rt, corral_task *t);
/* Make the running corral_rt_run / corral_rt_run_until_* / corral_host_poll return
 * CORRAL_ESTOPPED after the current step; calling it again resumes where it stopped.
 * Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_rt_stop(corral_rt *rt);

/* After a run ended (corral_rt_run returned, or corral_host_poll returned CORRAL_DONE): main's
 * outcome as corral_rt_run returns it. CORRAL_EINVALIDSTATE before that. Thread: loop. */
CORRAL_API int corral_rt_run_status(corral_rt *rt);

/* After a run ended: the cause (CORRAL_CAUSE_*, corral/scope.h) of the cancellation main saw
 * when it ended (CORRAL_CAUSE_SIGNAL after Ctrl-C, ...), or CORRAL_CAUSE_NONE.
 * CORRAL_EINVALIDSTATE before that. Thread: loop. */
CORRAL_API int corral_rt_run_cause(corral_rt *rt);
/* After a run ended with an error: the error object behind corral_rt_run_status (the first
 * unhandled error in strict mode, R57, else main's own error), so a host can raise that very
 * error; borrowed, valid while the runtime lives. NULL otherwise (success, Cancelled,
 * Deadlock, run not over). Thread: loop. */
CORRAL_API corral_error *corral_rt_run_error(corral_rt *rt);

/* Report an error that has no failed task behind it (a host done callback that raised,
 * R20/R76d) to the handler chain of group g (NULL = the root group): queued as an entry that
 * emits "<group> handler <actor> <err>" and runs the chain (R56, R57); the chain's exception
 * callbacks get a NULL member. A reference to e is taken. Errors: CORRAL_EINVALIDARG (NULL
 * actor or error, a Cancelled error, group of another runtime), CORRAL_ECLOSED,
 * CORRAL_ENOMEM. Thread: loop. */
CORRAL_API int corral_rt_report_error(corral_rt *rt, corral_group *g, const char *actor,
                                      corral_error *e);

/* Deliver a (simulated or real) SIGINT/SIGTERM to the run exactly as the signal handler
 * would: the first one cancels main's root scope (cause SIGNAL); with
 * CORRAL_RT_ESCALATE_SIGNALS the second cancels every shield (cause SIGNAL); later ones are
 * ignored.
 * Works with or without CORRAL_RT_SIGNALS (that flag only installs the real handlers).
 * Errors: CORRAL_EINVALIDARG (other signal numbers). Thread: loop. */
CORRAL_API int corral_rt_inject_signal(corral_rt *rt, int signo);

/* Shut the run down, as codestare's TaskNursery escalation does (R52): cancel main's root scope
 * with cause SHUTDOWN, so main unwinds, the root group is closed with cancellation after it and
 * the run ends Cancelled(SHUTDOWN) (unless main returns a value anyway, R14). Returns 1 if this
 * call cancelled main, 0 if there is no running main or it was already cancelled.
 * Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop. */
CORRAL_API int corral_rt_shutdown(corral_rt *rt);

/* Call fn(ud) on the loop thread as a ready-queue entry of the next tick, waking the loop if
 * it sleeps (R1). fn never runs inside this call. Errors: CORRAL_EINVALIDARG,
 * CORRAL_ECLOSED (fn is then never called), CORRAL_ENOMEM. Thread: any. */
CORRAL_API int corral_rt_post_threadsafe(corral_rt *rt, void (*fn)(void *ud), void *ud);
/* Tell the runtime that work outside it (a thread, an external event) will post back, so an
 * idle loop sleeps instead of reporting a deadlock (R10). `delta` is +1 or -1.
 * Errors: CORRAL_EINVALIDARG. Thread: any. */
CORRAL_API int corral_rt_hold_threadsafe(corral_rt *rt, int delta);

/* ---- Traces (R77) ---------------------------------------------------------------------- */

/* Receives one complete trace line, without the trailing newline. A line never contains a
 * newline: one inside a detail (an error message, a logged text) is written as "\n" (and a
 * carriage return as "\r"). */
typedef void (*corral_trace_fn)(const char *line, size_t len, void *ud);

/* Write trace lines ("<t_ms> <actor> <event> [detail]\n") to fd; -1 turns file tracing off.
 * Thread: loop. */
CORRAL_API int corral_rt_set_trace_fd(corral_rt *rt, int fd);
/* Send trace lines to fn (replaces any previous hook; NULL removes it). Thread: loop. */
CORRAL_API int corral_rt_set_trace_fn(corral_rt *rt, corral_trace_fn fn, void *ud);
/* Diagnostics such as the root handler's "unhandled error in task A: ValueError: boom"
 * (R57) go to fn; default: standard error. NULL restores the default. Thread: loop. */
CORRAL_API int corral_rt_set_log_fn(corral_rt *rt, corral_trace_fn fn, void *ud);
/* Emit "<t> <actor> log <text>". Errors: CORRAL_EINVALIDARG (NULL actor/text). Thread: loop. */
CORRAL_API int corral_log(corral_rt *rt, const char *actor, const char *text);
/* Emit "<t> <actor> <event>" verbatim, for bindings' own lines. Thread: loop. */
CORRAL_API int corral_trace_emit(corral_rt *rt, const char *actor, const char *event);

CORRAL_END_DECLS

#endif /* CORRAL_RUNTIME_H */
