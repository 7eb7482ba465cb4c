/*
 * scenario.h - tiny helpers shared by the C conformance programs (tests/conformance/S* /c.c).
 *
 * Every program follows semantics.md section 3.0: a fresh runtime on the VIRTUAL clock, trace
 * lines on standard output, the fiber "main" spawned first (id 1), then corral_rt_run.
 * The helpers keep the programs close to the scenario pseudocode:
 *
 *   scn_run(main_fn, want)   create the runtime, run main, release everything, return the
 *                            process exit status (0 when corral_rt_run returned `want`)
 *   scn_spawn(g, name, fn, arg)  spawn a fiber (g NULL = root group); the handle is released
 *                            by scn_run after the run, so programs need no unref calls
 *   scn_queue(), scn_future(), scn_group(name)   likewise, created and released for you
 *   scn_queue_kind(maxsize, kind)   a queue of a CORRAL_QUEUE_* kind, likewise
 *   scn_lock(), scn_event(), scn_condition(), scn_watch(initial)   likewise (corral/sync.h)
 *   scn_keep(p, unref)       release any other handle after the run (unref takes void *)
 *   scn_subgroup(parent, name)  G.create_subgroup(name=...), released likewise
 *   scn_keep_task(t)         hand a task reference obtained elsewhere (wrap, gather_safe) to
 *                            the same release list
 *   scn_err(e), scn_errors(eg)  "Kind:msg" of an error; "[Kind:msg, ...]" of an ErrorGroup's
 *                            members ("[]" for NULL), for log lines
 *   slog(self, fmt, ...)     log("...") from a task:   "<t> <task name> log <text>"
 *   slog_as(actor, fmt, ...) log("...") from a callback actor
 *   CHECK(expr)              the call must not fail (result >= 0), else the program stops
 *   EXPECT(expr, code)       the call must return exactly `code`, else the program stops
 *
 * A program stops (exit status 3, message on standard error) on an unexpected API result:
 * the conformance runner judges the trace, the exit status only flags broken programs.
 */
#ifndef CONFORMANCE_SCENARIO_H
#define CONFORMANCE_SCENARIO_H

#include <corral.h>

/* The runtime of the current scenario (valid inside scn_run). */
corral_rt *scn_rt(void);
/* Current virtual time in ns. */
int64_t scn_now(void);

int scn_run(corral_fiber_fn main_fn, int want_status);
/* scn_run with more corral_rt_new flags (the virtual clock is always on). */
int scn_run_flags(corral_fiber_fn main_fn, int want_status, uint32_t flags);

/* A fiber body: `self` is the task, `arg` its spawn argument, `result` its value (NONE unless
 * set). Return 0 to complete, or a negative code (CORRAL_ECANCELLED ends CANCELLED, R14). */
#define SCN_UNUSED __attribute__((unused))
#define FIBER(name)                                                                                \
    static int name(corral_task *self SCN_UNUSED, void *arg SCN_UNUSED,                            \
                    corral_value *result SCN_UNUSED)

/* join as in section 3.0 ("joins the tasks in spawn order, catching their errors silently"):
 * returns 0, or CORRAL_ECANCELLED if the joiner itself is cancelled. */
int scn_join_quiet(corral_task *t);

corral_task *scn_spawn(corral_group *g, const char *name, corral_fiber_fn fn, void *arg);
corral_queue *scn_queue(void);
corral_future *scn_future(void);
corral_group *scn_group(const char *name);
corral_queue *scn_queue_kind(int64_t maxsize, int kind);
corral_lock *scn_lock(void);
corral_event *scn_event(void);
corral_condition *scn_condition(void); /* with a lock of its own */
corral_watch *scn_watch(const corral_value *initial);
/* Keep handle p until the run is over, then release it with unref(p); returns p. */
void *scn_keep(void *p, void (*unref)(void *));
corral_group *scn_subgroup(corral_group *parent, const char *name);
corral_task *scn_keep_task(corral_task *t);

/* Canonical text of an error ("ValueError:x", "Kind:msg <- Context:msg"); static buffer. */
const char *scn_err(const corral_error *e);
/* The members of an ErrorGroup as "[ValueError:a, ValueError:b]"; "[]" for NULL; static
 * buffer (distinct from scn_err's). */
const char *scn_errors(const corral_error *eg);

void slog(corral_task *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void slog_as(const char *actor, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Values. */
corral_value scn_int(int64_t i);
corral_value scn_str(const char *s); /* BYTES; the core copies them when it takes the value */
/* Canonical text of a value for log lines (integers, strings); static buffer. */
const char *scn_text(const corral_value *v); /* canonical text: ints, bytes, doubles */
/* "true" / "false" (negative codes are API errors: the program stops). */
const char *scn_bool(int flag);

int scn_check(int64_t rc, const char *what, const char *file, int line);
int scn_expect(int64_t rc, int want, const char *what, const char *file, int line);
#define CHECK(expr) scn_check((expr), #expr, __FILE__, __LINE__)
#define EXPECT(expr, code) scn_expect((expr), (code), #expr, __FILE__, __LINE__)

#endif /* CONFORMANCE_SCENARIO_H */
