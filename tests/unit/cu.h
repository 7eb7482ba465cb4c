/*
 * cu.h - shared helpers for the corral Check suites.
 *
 * Rules the helpers follow (style.md section 3):
 *   - runtimes are created in the checked fixture (cu_setup) or inside a test, never in an
 *     unchecked fixture;
 *   - ck_assert is used only on the test thread, never inside a fiber, a step callback, a
 *     core callback or another thread: those record the first failure with the F* / S*
 *     macros below, and the test asserts it afterwards (cu_assert_no_failure);
 *   - every object a test creates is released, either explicitly or through the keep pool
 *     that cu_teardown empties (so valgrind sees no leak).
 */
#ifndef CORRAL_TESTS_CU_H
#define CORRAL_TESTS_CU_H

#include <check.h>
#include <corral.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

/* ---- suites ---------------------------------------------------------------------------- */

Suite *cu_suite_errors_values(void);
Suite *cu_suite_runtime(void);
Suite *cu_suite_tasks(void);
void cu_add_step_cases(Suite *tasks); /* the step-driver cases of the tasks suite */
Suite *cu_suite_futures(void);
Suite *cu_suite_scopes(void);
Suite *cu_suite_groups(void);
Suite *cu_suite_queues(void);
Suite *cu_suite_sync(void);
Suite *cu_suite_host(void);
Suite *cu_suite_bad_input(void);
Suite *cu_suite_helpers(void);
Suite *cu_suite_exitstack(void);
Suite *cu_suite_context(void);
/* more cases of the groups suite, one file per subject */
void cu_add_group_collect_cases(Suite *groups);
void cu_add_group_fatal_cases(Suite *groups);
void cu_add_group_scope_wrap_cases(Suite *groups);

/* ---- growable text ----------------------------------------------------------------------- */

typedef struct cu_text {
    char *buf;
    size_t len, cap;
} cu_text;

void cu_text_append(cu_text *t, const char *s, size_t n);
void cu_text_free(cu_text *t);
const char *cu_text_str(const cu_text *t); /* "" when empty */

/* A corral_trace_fn appending "line\n" to the cu_text passed as ud. */
void cu_capture_fn(const char *line, size_t len, void *ud);

/* ---- global test state ------------------------------------------------------------------- */

struct cu_keep; /* pool entry */

typedef struct cu_state {
    corral_rt *rt;     /* the test's runtime (virtual clock unless replaced) */
    corral_task *main; /* set by cu_run */
    cu_text trace;     /* trace lines of cu.rt */
    cu_text log;       /* log-hook lines of cu.rt (root handler diagnostics) */
    int failed;        /* a check outside the test thread failed */
    char failmsg[1024];
    struct cu_keep *keep;
    size_t nkeep, capkeep;
} cu_state;

extern cu_state cu;

/* Checked fixtures. cu_setup: fresh VIRTUAL-clock runtime with trace and log capture.
 * cu_setup_bare: no runtime. cu_teardown: releases the pool, closes and drops cu.rt. */
void cu_setup(void);
void cu_setup_bare(void);
void cu_teardown(void);

/* Replace cu.rt by a new runtime with `flags` (trace/log captured). Test thread only. */
void cu_replace_rt(uint32_t flags);
/* Attach trace and log capture to any runtime. */
void cu_capture(corral_rt *rt);

/* Record a failure (any thread; the first one wins). */
void cu_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* On the test thread: fail the test if something recorded a failure. */
#define cu_assert_no_failure() ck_assert_msg(!cu.failed, "%s", cu.failmsg)

/* ---- checks usable in fibers (return CU_EFAIL from the fiber) and in void callbacks ----- */

#define CU_EFAIL CORRAL_EINVALIDSTATE

#define CU_CHECK_(ret, cond)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            cu_fail(__FILE__, __LINE__, "check failed: %s", #cond);                                \
            ret;                                                                                   \
        }                                                                                          \
    } while (0)
#define CU_CHECK_INT_(ret, X, OP, Y)                                                               \
    do {                                                                                           \
        intmax_t cu_x_ = (intmax_t)(X), cu_y_ = (intmax_t)(Y);                                     \
        if (!(cu_x_ OP cu_y_)) {                                                                   \
            cu_fail(__FILE__, __LINE__, "check failed: %s %s %s (%jd vs %jd)", #X, #OP, #Y, cu_x_, \
                    cu_y_);                                                                        \
            ret;                                                                                   \
        }                                                                                          \
    } while (0)
#define CU_CHECK_STR_(ret, X, Y)                                                                   \
    do {                                                                                           \
        const char *cu_x_ = (X), *cu_y_ = (Y);                                                     \
        if (cu_x_ == NULL || cu_y_ == NULL || strcmp(cu_x_, cu_y_) != 0) {                         \
            cu_fail(__FILE__, __LINE__, "check failed: %s == %s (\"%s\" vs \"%s\")", #X, #Y,       \
                    cu_x_ ? cu_x_ : "(null)", cu_y_ ? cu_y_ : "(null)");                           \
            ret;                                                                                   \
        }                                                                                          \
    } while (0)

/* F*: in fibers (int-returning bodies): record and return CU_EFAIL. */
#define FCHECK(c) CU_CHECK_(return CU_EFAIL, c)
#define FCHECK_INT(X, OP, Y) CU_CHECK_INT_(return CU_EFAIL, X, OP, Y)
#define FCHECK_EQ(X, Y) CU_CHECK_INT_(return CU_EFAIL, X, ==, Y)
#define FCHECK_STR(X, Y) CU_CHECK_STR_(return CU_EFAIL, X, Y)
/* S*: in void callbacks: record and return. */
#define SCHECK(c) CU_CHECK_(return, c)
#define SCHECK_EQ(X, Y) CU_CHECK_INT_(return, X, ==, Y)
#define SCHECK_STR(X, Y) CU_CHECK_STR_(return, X, Y)

/* ---- keep pool: released (unref) in reverse order by cu_teardown ------------------------ */

corral_task *cu_keep_task(corral_task *t);
corral_future *cu_keep_future(corral_future *f);
corral_group *cu_keep_group(corral_group *g);
corral_queue *cu_keep_queue(corral_queue *q);
corral_scope *cu_keep_scope(corral_scope *s);
corral_error *cu_keep_error(corral_error *e);
corral_rt *cu_keep_rt(corral_rt *rt); /* closed and unref'd */
corral_event *cu_keep_event(corral_event *e);
corral_lock *cu_keep_lock(corral_lock *l);
corral_semaphore *cu_keep_semaphore(corral_semaphore *s);
corral_condition *cu_keep_condition(corral_condition *c);
corral_watch *cu_keep_watch(corral_watch *w);

/* ---- conveniences ------------------------------------------------------------------------- */

corral_value cu_none(void);
corral_value cu_int(int64_t i);
corral_value cu_bytes(const char *s); /* BYTES pointing at s (not owned) */
corral_value cu_host(uint32_t binding, uint64_t token);

/* Spawn a fiber into `g` (NULL = root) of cu.rt; kept in the pool. Returns NULL and records a
 * failure if spawning fails. */
corral_task *cu_spawn(const char *name, corral_fiber_fn fn, void *arg);
corral_task *cu_spawn_in(corral_group *g, const char *name, corral_fiber_fn fn, void *arg);
corral_task *cu_spawn_step(const char *name, corral_step_fn fn, void *arg);
corral_future *cu_future(void);
corral_queue *cu_queue(int64_t maxsize);
corral_group *cu_group(corral_group *parent, const char *name);

/* Spawn `fn` as "main" (id 1) and corral_rt_run it; asserts no recorded failure; returns the
 * run's status. */
int cu_run(corral_fiber_fn fn, void *arg);

/* "<t> <actor> log <text>" through cu.rt with the current task's name as actor. */
void cu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cu_log_as(const char *actor, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Virtual now in ms. */
int64_t cu_now_ms(void);
/* Sleep for n ms (fiber). */
int cu_sleep_ms(int64_t n);
/* Absolute deadline now + n ms. */
int64_t cu_at_ms(int64_t n);

/* Trace inspection. cu_trace(): whole trace. cu_trace_main(): the trace up to (excluding)
 * main's terminal line, as the conformance corpus compares it. cu_trace_has(line): 1 if a
 * line equals `line`. cu_trace_count_prefix(p): number of lines starting with p. */
const char *cu_trace(void);
const char *cu_trace_main(void);
int cu_trace_has(const char *line);
int cu_trace_count_prefix(const char *prefix);
const char *cu_log_text(void);

/* A scripted member body (cu_member, arg = a cu_member_spec): sleep `ms`, then return INT
 * `value` or raise ValueError(fail). When cancelled: an optional shielded cleanup of
 * `cleanup_ms` (logged "cleanup"), then re-raise, raise ValueError(fail_on_cancel), or return
 * INT value_on_cancel when it is not 0. */
typedef struct cu_member_spec {
    int ms;
    int64_t value;
    const char *fail;
    int cleanup_ms;
    const char *fail_on_cancel;
    int64_t value_on_cancel;
} cu_member_spec;
int cu_member(corral_task *self, void *arg, corral_value *res);
/* Spawn cu_member with a copy of `spec` (owned by the task) into g (NULL = root); kept in the
 * pool. The copy frees callers from the lifetime of compound literals. */
corral_task *cu_spawn_member(corral_group *g, const char *name, cu_member_spec spec);
/* A corral_member (helpers.h) running cu_member with an inline spec; the array must outlive the
 * helper call (declare it in the function that calls the helper). */
#define CU_MEMBER(name, ...)                                                                       \
    {                                                                                              \
        name, cu_member, &(cu_member_spec)                                                         \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }

/* Record a fatal error (R58) User(kind, msg) as the task's error: `return cu_raise_fatal(...)`. */
int cu_raise_fatal(corral_task *self, const char *kind, const char *msg);

/* Format an error for messages (static buffer). */
const char *cu_fmt_error(const corral_error *e);

#endif /* CORRAL_TESTS_CU_H */
