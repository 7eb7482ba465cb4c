/* runtime: new/close/unref, flags, clocks, traces and logs, post/hold from threads, signals
 * (simulated and real), deadlock detection, run() outcomes. */
#include "cu.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void sleep_real_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- creation, flags, references ------------------------------------------------------------ */

START_TEST(test_rt_new_flags)
{
    static const uint32_t ok[] = {
        0,
        CORRAL_RT_VIRTUAL_CLOCK,
        CORRAL_RT_SIGNALS,
        CORRAL_RT_STRICT,
        CORRAL_RT_ESCALATE_SIGNALS,
        CORRAL_RT_VIRTUAL_CLOCK | CORRAL_RT_SIGNALS | CORRAL_RT_STRICT | CORRAL_RT_ESCALATE_SIGNALS,
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        corral_rt *rt = NULL;
        ck_assert_int_eq(corral_rt_new(&rt, ok[i]), 0);
        ck_assert_ptr_nonnull(rt);
        corral_rt_unref(rt);
    }
    corral_rt *rt = NULL;
    ck_assert_int_eq(corral_rt_new(&rt, 0x80u), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(rt);
    ck_assert_int_eq(corral_rt_new(&rt, 0x10u), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(rt);
    ck_assert_int_eq(corral_rt_new(NULL, 0), CORRAL_EINVALIDARG);
}
END_TEST

START_TEST(test_rt_refcount)
{
    corral_rt *rt = NULL;
    ck_assert_int_eq(corral_rt_new(&rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
    ck_assert_ptr_eq(corral_rt_ref(rt), rt);
    corral_rt_unref(rt);
    /* still open: one reference left */
    ck_assert_int_eq(corral_rt_now(rt), 0);
    corral_rt_unref(rt);
    ck_assert_ptr_null(corral_rt_ref(NULL));
    corral_rt_unref(NULL);
}
END_TEST

START_TEST(test_root_group)
{
    corral_group *root = corral_rt_root_group(cu.rt);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(corral_group_name(root), "root");
    ck_assert_int_eq(corral_group_is_open(root), 1);
    ck_assert_int_eq(corral_group_is_closing(root), 0);
    ck_assert_int_eq(corral_group_size(root), 0);
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
    ck_assert_ptr_null(corral_rt_root_group(NULL));
}
END_TEST

/* ---- clocks -----------------------------------------------------------------------------------
 */

static int virtual_now_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_rt_now(cu.rt), 0);
    FCHECK_EQ(corral_sleep_for(corral_ms(10)), 0);
    FCHECK_EQ(corral_rt_now(cu.rt), corral_ms(10));
    /* absolute sleep to 2.5 ms past: traces print integer (truncated) milliseconds */
    FCHECK_EQ(corral_sleep(corral_ms(12) + 500000), 0);
    FCHECK_EQ(corral_rt_now(cu.rt), corral_ms(12) + 500000);
    cu_log("t");
    /* sleeping into the past is a schedule point only: time stays */
    FCHECK_EQ(corral_sleep(corral_ms(1)), 0);
    FCHECK_EQ(corral_rt_now(cu.rt), corral_ms(12) + 500000);
    FCHECK_EQ(corral_sleep_for(0), 0);
    FCHECK_EQ(corral_rt_now(cu.rt), corral_ms(12) + 500000);
    return 0;
}

START_TEST(test_now_virtual)
{
    ck_assert_int_eq(corral_rt_now(cu.rt), 0);
    ck_assert_int_eq(cu_run(virtual_now_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "12 main log t\n");
    ck_assert_int_lt(corral_rt_now(NULL), 0);
}
END_TEST

static int real_now_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    int64_t t0 = corral_rt_now(cu.rt);
    FCHECK_INT(t0, >=, 0);
    /* time never advances inside a step, even on the REAL clock */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 3000000L);
    FCHECK_EQ(corral_rt_now(cu.rt), t0);
    /* a sleep never returns early */
    FCHECK_EQ(corral_sleep_for(corral_ms(5)), 0);
    FCHECK_INT(corral_rt_now(cu.rt), >=, t0 + corral_ms(5));
    int64_t t1 = corral_rt_now(cu.rt);
    FCHECK_EQ(corral_sleep(t1 + corral_ms(3)), 0);
    FCHECK_INT(corral_rt_now(cu.rt), >=, t1 + corral_ms(3));
    return 0;
}

START_TEST(test_now_real)
{
    cu_replace_rt(0);
    int64_t t = corral_rt_now(cu.rt);
    ck_assert_int_ge(t, 0);
    /* the REAL clock counts from the runtime's creation */
    ck_assert_int_lt(t, corral_s(60));
    ck_assert_int_eq(cu_run(real_now_main, NULL), 0);
}
END_TEST

/* ---- S03 timer order with equal deadlines (R6, R10) ------------------------------------------ */

static int sleep_then_log(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    FCHECK_EQ(cu_sleep_ms((int64_t)(intptr_t)arg), 0);
    cu_log("woke");
    return 0;
}

static int s03_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", sleep_then_log, (void *)(intptr_t)10);
    corral_task *b = cu_spawn("B", sleep_then_log, (void *)(intptr_t)5);
    corral_task *c = cu_spawn("C", sleep_then_log, (void *)(intptr_t)10);
    FCHECK(a && b && c);
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    return 0;
}

START_TEST(test_timer_order_S03)
{
    ck_assert_int_eq(cu_run(s03_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 B log woke\n"
                                      "5 B done\n"
                                      "10 A log woke\n"
                                      "10 A done\n"
                                      "10 C log woke\n"
                                      "10 C done\n");
}
END_TEST

/* ---- traces and logs --------------------------------------------------------------------------
 */

static void count_fn(const char *line, size_t len, void *ud)
{
    (void)line;
    (void)len;
    ++*(int *)ud;
}

START_TEST(test_trace_fn_hooks)
{
    ck_assert_int_eq(corral_log(cu.rt, "tester", "hello world"), 0);
    ck_assert_int_eq(corral_trace_emit(cu.rt, "A", "custom thing"), 0);
    ck_assert_str_eq(cu_trace(), "0 tester log hello world\n0 A custom thing\n");

    /* replacing the hook: only the new one receives */
    int n2 = 0;
    ck_assert_int_eq(corral_rt_set_trace_fn(cu.rt, count_fn, &n2), 0);
    ck_assert_int_eq(corral_log(cu.rt, "tester", "x"), 0);
    ck_assert_int_eq(n2, 1);
    ck_assert_str_eq(cu_trace(), "0 tester log hello world\n0 A custom thing\n");

    /* NULL removes it */
    ck_assert_int_eq(corral_rt_set_trace_fn(cu.rt, NULL, NULL), 0);
    ck_assert_int_eq(corral_log(cu.rt, "tester", "y"), 0);
    ck_assert_int_eq(n2, 1);

    ck_assert_int_eq(corral_log(cu.rt, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_log(cu.rt, "x", NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_log(NULL, "x", "y"), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_trace_emit(NULL, "x", "y"), 0);
    ck_assert_int_lt(corral_trace_emit(cu.rt, NULL, "y"), 0);
    ck_assert_int_lt(corral_rt_set_trace_fn(NULL, count_fn, NULL), 0);
    ck_assert_int_lt(corral_rt_set_log_fn(NULL, count_fn, NULL), 0);
    ck_assert_int_eq(n2, 1);
}
END_TEST

START_TEST(test_trace_fd)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(corral_rt_set_trace_fn(cu.rt, NULL, NULL), 0);
    ck_assert_int_eq(corral_rt_set_trace_fd(cu.rt, p[1]), 0);
    ck_assert_int_eq(corral_log(cu.rt, "x", "a"), 0);
    ck_assert_int_eq(corral_trace_emit(cu.rt, "y", "event detail"), 0);
    ck_assert_int_eq(corral_rt_set_trace_fd(cu.rt, -1), 0);
    ck_assert_int_eq(corral_log(cu.rt, "x", "not written"), 0);
    close(p[1]);
    char buf[256];
    size_t got = 0;
    ssize_t r;
    while ((r = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(p[0]);
    buf[got] = '\0';
    ck_assert_str_eq(buf, "0 x log a\n0 y event detail\n");
    ck_assert_int_lt(corral_rt_set_trace_fd(NULL, 1), 0);
}
END_TEST

static int fail_boom(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    return corral_task_raise(self, "ValueError", "boom");
}

static int log_fn_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", fail_boom, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_rt_unhandled_count(cu.rt), 0);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_rt_unhandled_count(cu.rt), 1);
    return 0;
}

START_TEST(test_log_fn_root_handler)
{
    ck_assert_int_eq(cu_run(log_fn_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A fail ValueError:boom\n"
                                      "0 root handler A ValueError:boom\n");
    ck_assert_str_eq(cu_log_text(), "unhandled error in task A: ValueError: boom\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 1);
    /* NULL restores the default (standard error) */
    ck_assert_int_eq(corral_rt_set_log_fn(cu.rt, NULL, NULL), 0);
}
END_TEST

/* ---- post_threadsafe / hold_threadsafe ----------------------------------------------------------
 */

typedef struct post_ctx {
    corral_future *f;
    pthread_t loop_thread;
    int delay_ms;
    int calls;
    int post_rc;
    int hold_rc;
} post_ctx;

static void posted_fn(void *ud)
{
    post_ctx *c = ud;
    c->calls++;
    if (!pthread_equal(pthread_self(), c->loop_thread))
        cu_fail(__FILE__, __LINE__, "posted fn ran on another thread");
    corral_value v = cu_int(99);
    int rc = corral_future_set_result(c->f, &v);
    if (rc != 0)
        cu_fail(__FILE__, __LINE__, "set_result in posted fn: %d", rc);
    rc = corral_rt_hold_threadsafe(cu.rt, -1);
    if (rc != 0)
        cu_fail(__FILE__, __LINE__, "hold -1 in posted fn: %d", rc);
}

static void *poster_thread(void *arg)
{
    post_ctx *c = arg;
    sleep_real_ms(c->delay_ms);
    c->post_rc = corral_rt_post_threadsafe(cu.rt, posted_fn, c);
    return NULL;
}

static int post_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    post_ctx *c = arg;
    c->loop_thread = pthread_self();
    c->f = cu_future();
    FCHECK(c->f);
    FCHECK_EQ(corral_rt_hold_threadsafe(cu.rt, +1), 0);
    pthread_t th;
    FCHECK_EQ(pthread_create(&th, NULL, poster_thread, c), 0);
    corral_value out = cu_none();
    int rc = corral_future_await(c->f, &out, -1);
    pthread_join(th, NULL);
    FCHECK_EQ(rc, 0);
    FCHECK_EQ(c->post_rc, 0);
    FCHECK_EQ(out.type, CORRAL_VALUE_INT);
    FCHECK_EQ(out.as.i, 99);
    FCHECK_EQ(c->calls, 1);
    *res = cu_int(1);
    return 0;
}

START_TEST(test_post_threadsafe_wakes_real_loop)
{
    cu_replace_rt(0); /* REAL clock: the loop really sleeps in the backend */
    post_ctx c = {.delay_ms = 30};
    ck_assert_int_eq(cu_run(post_main, &c), 0);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(cu_trace_count_prefix("0 rt deadlock"), 0);
}
END_TEST

START_TEST(test_hold_prevents_deadlock_virtual)
{
    post_ctx c = {.delay_ms = 20};
    ck_assert_int_eq(cu_run(post_main, &c), 0);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(cu_trace_count_prefix("0 rt deadlock"), 0);
    /* the virtual clock did not move: no timer was pending */
    ck_assert_str_eq(cu_trace_main(), "");
    ck_assert(cu_trace_has("0 main done 1"));
}
END_TEST

typedef struct many_ctx {
    corral_future *f;
    int count;
    int target;
    int post_fail;
} many_ctx;

static void many_fn(void *ud)
{
    many_ctx *c = ud;
    if (++c->count == c->target) {
        corral_future_set_result(c->f, NULL);
        corral_rt_hold_threadsafe(cu.rt, -1);
    }
}

static void *many_thread(void *arg)
{
    many_ctx *c = arg;
    for (int i = 0; i < 200; i++)
        if (corral_rt_post_threadsafe(cu.rt, many_fn, c) != 0)
            __atomic_add_fetch(&c->post_fail, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static int many_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    many_ctx *c = arg;
    c->f = cu_future();
    FCHECK(c->f);
    FCHECK_EQ(corral_rt_hold_threadsafe(cu.rt, +1), 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        FCHECK_EQ(pthread_create(&th[i], NULL, many_thread, c), 0);
    int rc = corral_future_await(c->f, NULL, -1);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    FCHECK_EQ(rc, 0);
    FCHECK_EQ(c->post_fail, 0);
    FCHECK_EQ(c->count, 800);
    return 0;
}

START_TEST(test_post_threadsafe_many_threads)
{
    cu_replace_rt(0);
    many_ctx c = {.target = 800};
    ck_assert_int_eq(cu_run(many_main, &c), 0);
    ck_assert_int_eq(c.count, 800);
}
END_TEST

static int flag_fn_calls;
static void flag_fn(void *ud)
{
    (void)ud;
    flag_fn_calls++;
}

static int post_inline_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    flag_fn_calls = 0;
    FCHECK_EQ(corral_rt_post_threadsafe(cu.rt, flag_fn, NULL), 0);
    FCHECK_EQ(flag_fn_calls, 0); /* never inside the call */
    /* R1: appended to the ready queue at the next tick, i.e. after this task's own
     * checkpoint entry; it has run once the task passed two checkpoints */
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(flag_fn_calls, 1);
    FCHECK_EQ(corral_rt_post_threadsafe(cu.rt, NULL, NULL), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_post_threadsafe_deferred)
{
    ck_assert_int_eq(cu_run(post_inline_main, NULL), 0);
    ck_assert_int_eq(flag_fn_calls, 1);
    /* posting before the run is allowed; it runs at the first tick */
    ck_assert_int_eq(corral_rt_post_threadsafe(NULL, flag_fn, NULL), CORRAL_EINVALIDARG);
    /* after close: ECLOSED and never called */
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    ck_assert_int_eq(corral_rt_post_threadsafe(cu.rt, flag_fn, NULL), CORRAL_ECLOSED);
    ck_assert_int_eq(flag_fn_calls, 1);
}
END_TEST

static int post_before_run_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(flag_fn_calls, 0); /* main's first step was queued first, at spawn */
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(flag_fn_calls, 1); /* posted before the run: it ran in the first tick */
    return 0;
}

START_TEST(test_post_before_run)
{
    flag_fn_calls = 0;
    ck_assert_int_eq(corral_rt_post_threadsafe(cu.rt, flag_fn, NULL), 0);
    ck_assert_int_eq(flag_fn_calls, 0);
    ck_assert_int_eq(cu_run(post_before_run_main, NULL), 0);
    ck_assert_int_eq(flag_fn_calls, 1);
}
END_TEST

START_TEST(test_hold_bad_delta)
{
    ck_assert_int_eq(corral_rt_hold_threadsafe(cu.rt, 0), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_hold_threadsafe(cu.rt, 2), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_hold_threadsafe(cu.rt, -2), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_hold_threadsafe(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_hold_threadsafe(cu.rt, 1), 0);
    ck_assert_int_eq(corral_rt_hold_threadsafe(cu.rt, -1), 0);
}
END_TEST

/* ---- deadlock ----------------------------------------------------------------------------------
 */

static int await_forever(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_future *f = arg;
    if (!f)
        f = cu_future();
    cu_log("waiting");
    int rc = corral_future_await(f, NULL, -1);
    return rc == 0 ? 0 : rc;
}

START_TEST(test_deadlock_S46)
{
    ck_assert_int_eq(cu_run(await_forever, NULL), CORRAL_EDEADLOCK);
    ck_assert_str_eq(cu_trace(), "0 main log waiting\n"
                                 "0 rt deadlock [main]\n"
                                 "0 main cancelled\n"
                                 "0 rt run Deadlock\n");
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EDEADLOCK);
    ck_assert_int_eq(corral_task_state(cu.main), CORRAL_TASK_CANCELLED);
}
END_TEST

static int deadlock_two_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    FCHECK(cu_spawn("A", await_forever, f));
    return corral_future_await(f, NULL, -1);
}

static int deadlock_many_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_future *f = cu_future();
    FCHECK(f);
    for (int i = 0; i < 80; i++) {
        char name[40];
        snprintf(name, sizeof name, "a-rather-long-task-name-%02d", i);
        FCHECK(cu_spawn(name, await_forever, f));
    }
    return corral_future_await(f, NULL, -1);
}

/* The deadlock line names every parked task, however long the list (it was cut at 900 bytes). */
START_TEST(test_deadlock_lists_every_parked_task)
{
    ck_assert_int_eq(cu_run(deadlock_many_main, NULL), CORRAL_EDEADLOCK);
    const char *line = strstr(cu_trace(), "0 rt deadlock [");
    ck_assert_ptr_nonnull(line);
    ck_assert_msg(strstr(line, "a-rather-long-task-name-78, a-rather-long-task-name-79]\n"),
                  "deadlock line: %.200s", line);
}
END_TEST

START_TEST(test_deadlock_lists_parked_tasks)
{
    ck_assert_int_eq(cu_run(deadlock_two_main, NULL), CORRAL_EDEADLOCK);
    ck_assert_msg(cu_trace_has("0 rt deadlock [main, A]"), "trace:\n%s", cu_trace());
    ck_assert(cu_trace_has("0 rt run Deadlock"));
    ck_assert(cu_trace_has("0 A cancelled"));
    ck_assert(cu_trace_has("0 main cancelled"));
}
END_TEST

static int shielded_forever(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *sh = NULL;
    FCHECK_EQ(corral_shield(&sh, self), 0);
    cu_keep_scope(sh);
    corral_future *f = cu_future();
    FCHECK(f);
    int rc = corral_future_await(f, NULL, -1);
    cu_fail(__FILE__, __LINE__, "shielded wait returned %d", rc);
    return rc;
}

START_TEST(test_deadlock_persisting)
{
    /* The shielded wait survives the SHUTDOWN cancellation: run() ends with Deadlock at once;
     * close then discards the parked fiber (valgrind/ASan check that nothing leaks). */
    ck_assert_int_eq(cu_run(shielded_forever, NULL), CORRAL_EDEADLOCK);
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EDEADLOCK);
    ck_assert_int_ge(cu_trace_count_prefix("0 rt deadlock [main]"), 1);
    ck_assert(cu_trace_has("0 rt run Deadlock"));
    ck_assert_int_eq(corral_task_done(cu.main), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
}
END_TEST

/* ---- run() outcomes ------------------------------------------------------------------------ */

static int return_7(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    *res = cu_int(7);
    return 0;
}

START_TEST(test_run_value)
{
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(cu_run(return_7, NULL), 0);
    ck_assert_int_eq(corral_rt_run_status(cu.rt), 0);
    corral_value v;
    ck_assert_int_eq(corral_task_result(cu.main, &v), 0);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_INT);
    ck_assert_int_eq(v.as.i, 7);
    ck_assert_str_eq(cu_trace(), "0 main done 7\n0 rt run 7\n");
    ck_assert_uint_eq(corral_task_id(cu.main), 1);
    /* a runtime runs once */
    ck_assert_int_eq(corral_rt_run(cu.rt, cu.main), CORRAL_EINVALIDSTATE);
}
END_TEST

static int main_raises(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    return corral_task_raise(self, "ValueError", "bad");
}

START_TEST(test_run_error)
{
    ck_assert_int_eq(cu_run(main_raises, NULL), CORRAL_EUSER);
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EUSER);
    ck_assert_str_eq(corral_error_kind(corral_task_error(cu.main)), "ValueError");
    ck_assert(cu_trace_has("0 main fail ValueError:bad"));
    ck_assert(cu_trace_has("0 rt run ValueError:bad"));
    ck_assert_ptr_eq(corral_rt_run_error(cu.rt), corral_task_error(cu.main));
}
END_TEST

static int main_self_cancel(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_task_cancel(self), 1);
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    return corral_checkpoint();
}

START_TEST(test_run_cancelled)
{
    ck_assert_int_eq(cu_run(main_self_cancel, NULL), CORRAL_ECANCELLED);
    ck_assert_str_eq(cu_trace(), "0 main cancelled\n0 rt run Cancelled(EXPLICIT)\n");
}
END_TEST

static int lingering(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    corral_scope *sh = NULL;
    FCHECK_EQ(corral_shield(&sh, self), 0);
    cu_keep_scope(sh);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    cu_log("cleanup");
    FCHECK_EQ(corral_scope_exit(sh, 0), 0);
    return rc;
}

static int main_leaves_task(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK(cu_spawn("A", lingering, NULL));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    return 0;
}

START_TEST(test_run_closes_root_group)
{
    /* R51: when main ends, the root group is closed with cancellation and waited for */
    ck_assert_int_eq(cu_run(main_leaves_task, NULL), 0);
    const char *want = "1 main done\n"
                       "6 A log cleanup\n"
                       "6 A cancelled\n"
                       "6 rt run";
    ck_assert_msg(strncmp(cu_trace(), want, strlen(want)) == 0, "trace:\n%s", cu_trace());
    ck_assert_int_eq(cu_trace_count_prefix("6 rt run"), 1);
    ck_assert_int_eq(corral_rt_run_status(cu.rt), 0);
}
END_TEST

static int strict_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK(cu_spawn("A", fail_boom, NULL));
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    return rc;
}

START_TEST(test_strict_mode)
{
    cu_replace_rt(CORRAL_RT_VIRTUAL_CLOCK | CORRAL_RT_STRICT);
    ck_assert_int_eq(cu_run(strict_main, NULL), CORRAL_EUSER);
    ck_assert(cu_trace_has("0 A fail ValueError:boom"));
    ck_assert(cu_trace_has("0 main cancelled"));
    ck_assert_msg(cu_trace_has("0 rt run ValueError:boom"), "trace:\n%s", cu_trace());
    ck_assert_int_eq(corral_task_state(cu.main), CORRAL_TASK_CANCELLED);
    /* the run's error is the unhandled error itself, not one made from the code */
    corral_error *e = corral_rt_run_error(cu.rt);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(corral_error_kind(e), "ValueError");
    ck_assert_str_eq(corral_error_message(e), "boom");
}
END_TEST

START_TEST(test_run_bad_args)
{
    ck_assert_int_eq(corral_rt_run(cu.rt, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_run(NULL, NULL), CORRAL_EINVALIDARG);
    corral_rt *other = NULL;
    ck_assert_int_eq(corral_rt_new(&other, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(other);
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, other, NULL, "x", return_7, NULL, NULL), 0);
    cu_keep_task(t);
    ck_assert_int_eq(corral_rt_run(cu.rt, t), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_run_status(NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_rt_run_error(NULL));
    ck_assert_ptr_null(corral_rt_run_error(cu.rt)); /* not run */
}
END_TEST

/* ---- close / unref --------------------------------------------------------------------------- */

static int close_inside_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_rt_close(cu.rt), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_rt_now(cu.rt), 0); /* still open */
    return 0;
}

START_TEST(test_close_inside_loop)
{
    ck_assert_int_eq(cu_run(close_inside_main, NULL), 0);
}
END_TEST

static int arg_freed;
static void free_arg(void *p)
{
    arg_freed++;
    free(p);
}

static int never_runs(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    cu_fail(__FILE__, __LINE__, "body of a discarded task ran");
    return 0;
}

START_TEST(test_close_discards_unstarted)
{
    arg_freed = 0;
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, NULL, "A", never_runs, malloc(16), free_arg), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0); /* idempotent */
    ck_assert_int_lt(corral_rt_now(cu.rt), 0);
    ck_assert_int_eq(corral_rt_now(cu.rt), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_task_cancel(t), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_rt_run(cu.rt, t), CORRAL_ECLOSED);
    corral_task_unref(t);
    /* the task's memory went with our last reference: arg_free ran once */
    ck_assert_int_eq(arg_freed, 1);
    cu_assert_no_failure();
}
END_TEST

START_TEST(test_unref_last_reference_closes)
{
    arg_freed = 0;
    corral_rt *rt = NULL;
    ck_assert_int_eq(corral_rt_new(&rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
    corral_task *t = NULL;
    corral_queue *q = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, rt, NULL, "A", never_runs, malloc(8), free_arg), 0);
    ck_assert_int_eq(corral_queue_new(&q, rt, 0), 0);
    corral_rt_unref(rt); /* last user reference: closes */
    ck_assert_int_eq(corral_task_cancel(t), CORRAL_ECLOSED);
    corral_value v = cu_int(1);
    ck_assert_int_eq(corral_queue_put_nowait(q, &v), CORRAL_ECLOSED);
    ck_assert_ptr_eq(corral_task_rt(t), rt); /* memory still valid while objects live */
    corral_queue_unref(q);
    corral_task_unref(t);
    ck_assert_int_eq(arg_freed, 1);
    cu_assert_no_failure();
}
END_TEST

/* ---- signals ----------------------------------------------------------------------------------
 */

static volatile sig_atomic_t my_handler_calls;
static void my_handler(int sig)
{
    (void)sig;
    my_handler_calls++;
}

static void install_my_handler(int sig, struct sigaction *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = my_handler;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(sig, &sa, saved), 0);
}

static int handler_is_mine(int sig)
{
    struct sigaction cur;
    sigaction(sig, NULL, &cur);
    return !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == my_handler;
}

static int s45_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(100);
    corral_scope *sh = NULL;
    FCHECK_EQ(corral_shield(&sh, self), 0);
    cu_keep_scope(sh);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    cu_log("main cleanup");
    FCHECK_EQ(corral_scope_exit(sh, 0), 0);
    return rc;
}

static int s45_h(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_rt_inject_signal(cu.rt, SIGINT), 0);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    FCHECK_EQ(corral_rt_inject_signal(cu.rt, SIGINT), 0);
    return 0;
}

START_TEST(test_inject_signal_S45)
{
    ck_assert_int_eq(corral_spawn_fiber(&cu.main, cu.rt, NULL, "main", s45_main, NULL, NULL), 0);
    ck_assert_ptr_nonnull(cu_spawn("H", s45_h, NULL));
    ck_assert_int_eq(corral_rt_run(cu.rt, cu.main), CORRAL_ECANCELLED);
    cu_assert_no_failure();
    ck_assert_str_eq(cu_trace(), "12 H done\n"
                                 "15 main log main cleanup\n"
                                 "15 main cancelled\n"
                                 "15 rt run Cancelled(SIGNAL)\n");
}
END_TEST

/* corral_rt_shutdown (R52's escalation): main unwinds with cause SHUTDOWN, the root group is
 * closed after it, the run ends Cancelled(SHUTDOWN); a second call does nothing. */
static int shutdown_member(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_rt_shutdown(cu.rt), 1);
    FCHECK_EQ(corral_rt_shutdown(cu.rt), 0); /* already cancelled */
    return cu_sleep_ms(100);                 /* cancelled by the root group's close */
}

static int shutdown_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    return cu_sleep_ms(1000);
}

START_TEST(test_shutdown_cancels_main_and_root)
{
    ck_assert_int_eq(corral_rt_shutdown(cu.rt), 0); /* no run yet */
    ck_assert_int_eq(corral_spawn_fiber(&cu.main, cu.rt, NULL, "main", shutdown_main, NULL, NULL),
                     0);
    ck_assert_ptr_nonnull(cu_spawn("W", shutdown_member, NULL));
    ck_assert_int_eq(corral_rt_run(cu.rt, cu.main), CORRAL_ECANCELLED);
    ck_assert_str_eq(cu_trace(), "5 main cancelled\n"
                                 "5 W cancelled\n"
                                 "5 rt run Cancelled(SHUTDOWN)\n");
    ck_assert_int_eq(corral_rt_shutdown(NULL), CORRAL_EINVALIDARG);
}
END_TEST

/* CORRAL_RT_ESCALATE_SIGNALS (R51): the second signal cancels every shield of every live
 * task - an explicit shield in another task and main's managed cleanup - with cause SIGNAL;
 * each shield absorbs it at its exit and the first cancellation goes on; a third signal is
 * ignored. */
static corral_scope *esc_shield, *esc_cleanup;

static int esc_b(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_shield(&esc_shield, self), 0);
    int rc = cu_sleep_ms(30);
    cu_log("b slept %s", corral_error_name(rc));
    return corral_scope_exit(esc_shield, rc);
}

static int esc_h(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_rt_inject_signal(cu.rt, SIGINT), 0); /* cancels main */
    FCHECK_EQ(cu_sleep_ms(2), 0);
    FCHECK_EQ(corral_rt_inject_signal(cu.rt, SIGTERM), 0); /* escalates */
    FCHECK_EQ(corral_rt_inject_signal(cu.rt, SIGINT), 0);  /* ignored */
    return 0;
}

static int esc_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_enter(&esc_cleanup, self, CORRAL_SCOPE_CLEANUP, -1, 1), 0);
    int rc2 = cu_sleep_ms(20);
    cu_log("cleanup slept %s", corral_error_name(rc2));
    FCHECK_EQ(corral_scope_exit(esc_cleanup, rc2), 0); /* absorbed */
    corral_scope *late;                                /* entered after the escalation */
    FCHECK_EQ(corral_shield(&late, self), 0);
    FCHECK_EQ(cu_sleep_ms(50), CORRAL_ECANCELLED); /* cut at once */
    FCHECK_EQ(corral_scope_cause(late), CORRAL_CAUSE_SIGNAL);
    FCHECK_EQ(corral_scope_exit(late, CORRAL_ECANCELLED), 0);
    corral_scope_unref(late);
    FCHECK_EQ(cu_sleep_ms(1), CORRAL_ECANCELLED); /* the signal's cancellation remains */
    return rc;
}

START_TEST(test_escalate_signals_cancels_every_shield)
{
    cu_replace_rt(CORRAL_RT_VIRTUAL_CLOCK | CORRAL_RT_ESCALATE_SIGNALS);
    ck_assert_int_eq(corral_spawn_fiber(&cu.main, cu.rt, NULL, "main", esc_main, NULL, NULL), 0);
    ck_assert_ptr_nonnull(cu_spawn("B", esc_b, NULL));
    ck_assert_ptr_nonnull(cu_spawn("H", esc_h, NULL));
    ck_assert_int_eq(corral_rt_run(cu.rt, cu.main), CORRAL_ECANCELLED);
    cu_assert_no_failure();
    ck_assert_int_eq(corral_scope_cause(esc_shield), CORRAL_CAUSE_SIGNAL);
    ck_assert_int_eq(corral_scope_cancelled_caught(esc_shield), 1);
    ck_assert_int_eq(corral_scope_cause(esc_cleanup), CORRAL_CAUSE_SIGNAL);
    ck_assert_int_eq(corral_scope_cancelled_caught(esc_cleanup), 1);
    corral_scope_unref(esc_shield);
    corral_scope_unref(esc_cleanup);
    /* the shields are cancelled walking the live tasks in spawn order: main wakes first */
    ck_assert_str_eq(cu_trace(), "12 H done\n"
                                 "12 main log cleanup slept Cancelled\n"
                                 "12 main cancelled\n"
                                 "12 B log b slept Cancelled\n"
                                 "12 B done\n"
                                 "12 rt run Cancelled(SIGNAL)\n");
}
END_TEST

/* Long texts reach the trace whole (differential test round 5: log lines were cut at 1023
 * bytes, done values and error texts at 511): a log line, a done value and a failure. */
static char long_text[3001];

static int long_task(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    if (arg) {
        corral_error *e = NULL;
        FCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "ValueError", long_text), 0);
        int rc = corral_task_set_error(self, e);
        corral_error_unref(e);
        return rc;
    }
    *res = cu_bytes(long_text);
    return 0;
}

static int long_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_log(cu.rt, "main", long_text), 0);
    corral_task *a = cu_spawn("A", long_task, NULL), *b = cu_spawn("B", long_task, self);
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), CORRAL_EUSER);
    return 0;
}

START_TEST(test_long_texts_are_traced_whole)
{
    for (size_t i = 0; i < sizeof long_text - 1; i++)
        long_text[i] = (char)('a' + i % 26);
    long_text[1500] = '\n'; /* escaped: the line gets longer, still whole */
    ck_assert_int_eq(cu_run(long_main, NULL), 0);
    const char *t = cu_trace();
    char want[3200];
    snprintf(want, sizeof want, "%.1500s\\n%s", long_text, long_text + 1501);
    const char *p = strstr(t, "0 main log ");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(strncmp(p + 11, want, strlen(want)), 0);
    ck_assert_int_eq(p[11 + strlen(want)], '\n');
    p = strstr(t, "0 A done ");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(strncmp(p + 9, want, strlen(want)), 0);
    p = strstr(t, "0 B fail ValueError:");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(strncmp(p + 20, want, strlen(want)), 0);
    ck_assert_int_eq(p[20 + strlen(want)], '\n');
}
END_TEST

/* A NUL inside a BYTES value is written \0 in its done line, as the bindings write one in any
 * text (it used to end the text there). */
static int nul_task(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    static const char with_nul[] = {'a', '\0', 'b'};
    res->type = CORRAL_VALUE_BYTES;
    res->as.p = (void *)with_nul;
    res->len = sizeof with_nul;
    return 0;
}

static int nul_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    return corral_join(cu_spawn("N", nul_task, NULL), NULL, -1);
}

START_TEST(test_a_nul_in_a_value_is_written_escaped)
{
    ck_assert_int_eq(cu_run(nul_main, NULL), 0);
    ck_assert_str_eq(cu_trace(), "0 N done a\\0b\n0 main done\n0 rt run\n");
}
END_TEST

START_TEST(test_inject_signal_bad)
{
    ck_assert_int_eq(corral_rt_inject_signal(cu.rt, SIGUSR1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_inject_signal(cu.rt, 0), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_inject_signal(cu.rt, -1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_inject_signal(NULL, SIGINT), CORRAL_EINVALIDARG);
}
END_TEST

typedef struct sig_ctx {
    int signo;
    int use_thread; /* kill() from another thread after a delay instead of raise() */
    int mine_during_run;
    int await_rc;
} sig_ctx;

static void *killer_thread(void *arg)
{
    sig_ctx *c = arg;
    sleep_real_ms(30);
    kill(getpid(), c->signo);
    return NULL;
}

static int real_signal_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    sig_ctx *c = arg;
    c->mine_during_run = handler_is_mine(c->signo);
    corral_future *f = cu_future();
    FCHECK(f);
    FCHECK_EQ(corral_rt_hold_threadsafe(cu.rt, +1), 0);
    pthread_t th;
    if (c->use_thread)
        FCHECK_EQ(pthread_create(&th, NULL, killer_thread, c), 0);
    else
        FCHECK_EQ(raise(c->signo), 0);
    c->await_rc = corral_future_await(f, NULL, -1);
    if (c->use_thread)
        pthread_join(th, NULL);
    /* later signals are ignored while the run lasts */
    FCHECK_EQ(raise(c->signo), 0);
    FCHECK_EQ(corral_rt_hold_threadsafe(cu.rt, -1), 0);
    return c->await_rc;
}

static void run_real_signal(uint32_t flags, int signo, int use_thread)
{
    struct sigaction saved;
    install_my_handler(signo, &saved);
    my_handler_calls = 0;
    cu_replace_rt(flags);
    sig_ctx c = {.signo = signo, .use_thread = use_thread};
    int rc = cu_run(real_signal_main, &c);
    int mine_after = handler_is_mine(signo);
    int calls_during = my_handler_calls;
    raise(signo);
    int calls_after = my_handler_calls;
    sigaction(signo, &saved, NULL);
    ck_assert_msg(!c.mine_during_run, "run() did not install its own handler");
    ck_assert_int_eq(c.await_rc, CORRAL_ECANCELLED);
    ck_assert_int_eq(rc, CORRAL_ECANCELLED);
    ck_assert_int_eq(calls_during, 0);
    ck_assert_msg(mine_after, "previous handler not restored after run()");
    ck_assert_int_eq(calls_after, 1);
    ck_assert_msg(strstr(cu_trace(), "rt run Cancelled(SIGNAL)") != NULL, "trace:\n%s", cu_trace());
}

START_TEST(test_real_sigint_raise)
{
    run_real_signal(CORRAL_RT_VIRTUAL_CLOCK | CORRAL_RT_SIGNALS, SIGINT, 0);
}
END_TEST

START_TEST(test_real_sigterm_kill_from_thread)
{
    run_real_signal(CORRAL_RT_SIGNALS, SIGTERM, 1);
}
END_TEST

static int no_signals_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int *mine = arg;
    *mine = handler_is_mine(SIGINT) && handler_is_mine(SIGTERM);
    return 0;
}

START_TEST(test_no_signal_flag_keeps_handlers)
{
    struct sigaction s1, s2;
    install_my_handler(SIGINT, &s1);
    install_my_handler(SIGTERM, &s2);
    int mine = 0;
    int rc = cu_run(no_signals_main, &mine);
    sigaction(SIGINT, &s1, NULL);
    sigaction(SIGTERM, &s2, NULL);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(mine, "run() without CORRAL_RT_SIGNALS replaced the signal handlers");
}
END_TEST

/* ---- run_until and stop ------------------------------------------------------------------- */

static int sleep_then_set(corral_task *self, void *arg, corral_value *out)
{
    (void)self;
    (void)out;
    FCHECK_EQ(cu_sleep_ms(7), 0);
    corral_value v = cu_int(5);
    FCHECK_EQ(corral_future_set_result(arg, &v), 0);
    return 0;
}

static int sleeper_forever(corral_task *self, void *arg, corral_value *out)
{
    (void)self;
    (void)arg;
    (void)out;
    return corral_sleep(-1);
}

START_TEST(test_run_until_future)
{
    corral_future *f = cu_future();
    corral_task *a = cu_spawn("A", sleep_then_set, f);
    corral_task *b = cu_spawn("B", sleeper_forever, NULL);
    ck_assert_int_eq(corral_rt_run_until_future(cu.rt, f), 0);
    corral_value v;
    ck_assert_int_eq(corral_future_result(f, &v), 0);
    ck_assert_int_eq(v.as.i, 5);
    ck_assert_int_eq(cu_now_ms(), 7);
    /* no R51 shutdown: B still parked, no "rt run" line */
    ck_assert_int_eq(corral_task_state(b), CORRAL_TASK_PARKED);
    ck_assert_int_eq(cu_trace_count_prefix("7 rt run"), 0);
    /* again: A ends, then nothing but B is left -> deadlock reported, not a hang */
    ck_assert_int_eq(corral_rt_run_until_task(cu.rt, a), 0);
    ck_assert_int_eq(corral_task_state(a), CORRAL_TASK_COMPLETED);
    ck_assert_int_eq(corral_rt_run_until_task(cu.rt, b), CORRAL_EDEADLOCK);
    ck_assert(cu_trace_has("7 rt deadlock [B]"));
    cu_assert_no_failure();
}
END_TEST

static int stopper(corral_task *self, void *arg, corral_value *out)
{
    (void)self;
    (void)arg;
    (void)out;
    FCHECK_EQ(cu_sleep_ms(3), 0);
    FCHECK_EQ(corral_rt_stop(corral_task_rt(self)), 0);
    FCHECK_EQ(cu_sleep_ms(3), 0);
    cu_log("after stop");
    return 0;
}

START_TEST(test_stop_and_resume_run)
{
    corral_task *m = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&m, cu.rt, NULL, "main", stopper, NULL, NULL), 0);
    cu_keep_task(m);
    ck_assert_int_eq(corral_rt_run(cu.rt, m), CORRAL_ESTOPPED);
    ck_assert_int_eq(cu_now_ms(), 3);
    ck_assert_int_eq(corral_task_done(m), 0);
    ck_assert_int_eq(corral_rt_run_status(cu.rt), CORRAL_EINVALIDSTATE);
    /* the same main continues; another main is refused */
    corral_task *other = cu_spawn("other", sleeper_forever, NULL);
    ck_assert_int_eq(corral_rt_run(cu.rt, other), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_rt_run_until_task(cu.rt, m), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_rt_run(cu.rt, m), 0);
    ck_assert(cu_trace_has("6 main log after stop"));
    ck_assert_int_eq(corral_rt_run(cu.rt, m), CORRAL_EINVALIDSTATE);
    cu_assert_no_failure();
}
END_TEST

START_TEST(test_run_until_bad_args)
{
    corral_future *f = cu_future();
    ck_assert_int_eq(corral_rt_run_until_future(NULL, f), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_run_until_future(cu.rt, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_run_until_task(cu.rt, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_stop(NULL), CORRAL_EINVALIDARG);
    corral_rt *other = NULL;
    ck_assert_int_eq(corral_rt_new(&other, CORRAL_RT_VIRTUAL_CLOCK), 0);
    ck_assert_int_eq(corral_rt_run_until_future(other, f), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_rt_close(other), 0);
    ck_assert_int_eq(corral_rt_stop(other), CORRAL_ECLOSED);
    corral_rt_unref(other);
    /* a done future returns at once */
    ck_assert_int_eq(corral_future_cancel(f), 1);
    ck_assert_int_eq(corral_rt_run_until_future(cu.rt, f), 0);
}
END_TEST

/* ---- run cause, reported errors, cancelling an exited scope --------------------------------- */

static int main_waits(corral_task *self, void *arg, corral_value *out)
{
    (void)arg;
    (void)out;
    FCHECK_EQ(corral_rt_inject_signal(corral_task_rt(self), SIGINT), 0);
    return corral_sleep(-1);
}

START_TEST(test_run_cause)
{
    ck_assert_int_eq(corral_rt_run_cause(cu.rt), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(cu_run(main_waits, NULL), CORRAL_ECANCELLED);
    ck_assert_int_eq(corral_rt_run_cause(cu.rt), CORRAL_CAUSE_SIGNAL);
    ck_assert_int_eq(corral_rt_run_cause(NULL), CORRAL_EINVALIDARG);
}
END_TEST

static int report_twice(corral_task *self, void *arg, corral_value *out)
{
    (void)out;
    corral_rt *rt = corral_task_rt(self);
    corral_error *e = NULL;
    FCHECK_EQ(corral_error_new(&e, CORRAL_EUSER, "ValueError", "cb"), 0);
    FCHECK_EQ(corral_rt_report_error(rt, NULL, "cb1", e), 0);
    FCHECK_EQ(corral_rt_report_error(rt, arg, "cb2", e), 0);
    corral_error_unref(e); /* the queued reports hold their own references */
    FCHECK(!cu_trace_has("0 root handler cb1 ValueError:cb")); /* queued, not run inline (R8) */
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_rt_unhandled_count(rt), 2);
    corral_error *c = NULL;
    FCHECK_EQ(corral_error_new(&c, CORRAL_ECANCELLED, NULL, NULL), 0);
    FCHECK_EQ(corral_rt_report_error(rt, NULL, "x", c), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_rt_report_error(rt, NULL, NULL, c), CORRAL_EINVALIDARG);
    corral_error_unref(c);
    return 0;
}

START_TEST(test_report_error)
{
    corral_group *g = cu_group(NULL, "G");
    ck_assert_int_eq(cu_run(report_twice, g), 0);
    ck_assert_str_eq(cu_trace_main(), "0 root handler cb1 ValueError:cb\n"
                                      "0 root handler cb2 ValueError:cb\n");
    ck_assert(strstr(cu_log_text(), "unhandled error in task cb1: ValueError: cb") != NULL);
}
END_TEST

static corral_scope *kept_scope;

static int enter_and_leave(corral_task *self, void *arg, corral_value *out)
{
    (void)arg;
    (void)out;
    FCHECK_EQ(corral_move_on_after(&kept_scope, self, corral_ms(5)), 0);
    FCHECK_EQ(corral_scope_exit(kept_scope, 0), 0);
    return 0;
}

START_TEST(test_cancel_exited_scope_after_task_is_gone)
{
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, NULL, "T", enter_and_leave, NULL, NULL), 0);
    ck_assert_int_eq(corral_rt_run_until_task(cu.rt, t), 0);
    corral_task_unref(t); /* the task's memory goes; the scope handle stays */
    ck_assert_int_eq(corral_scope_cancel(kept_scope), 1);
    ck_assert_int_eq(corral_scope_cancel(kept_scope), 0);
    ck_assert_int_eq(corral_scope_cancel_called(kept_scope), 1);
    ck_assert_int_eq(corral_scope_cancelled_caught(kept_scope), 0);
    ck_assert_int_eq(corral_scope_set_deadline(kept_scope, 0), CORRAL_EINVALIDSTATE);
    corral_scope_unref(kept_scope);
}
END_TEST

Suite *cu_suite_runtime(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("lifecycle");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_rt_new_flags);
    tcase_add_test(tc, test_rt_refcount);
    tcase_add_test(tc, test_root_group);
    tcase_add_test(tc, test_close_inside_loop);
    tcase_add_test(tc, test_close_discards_unstarted);
    tcase_add_test(tc, test_unref_last_reference_closes);
    suite_add_tcase(s, tc);

    tc = tcase_create("clock_trace");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_now_virtual);
    tcase_add_test(tc, test_now_real);
    tcase_add_test(tc, test_timer_order_S03);
    tcase_add_test(tc, test_trace_fn_hooks);
    tcase_add_test(tc, test_trace_fd);
    tcase_add_test(tc, test_log_fn_root_handler);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_post_threadsafe_wakes_real_loop);
    tcase_add_test(tc, test_hold_prevents_deadlock_virtual);
    tcase_add_test(tc, test_post_threadsafe_many_threads);
    tcase_add_test(tc, test_post_threadsafe_deferred);
    tcase_add_test(tc, test_post_before_run);
    tcase_add_test(tc, test_hold_bad_delta);
    suite_add_tcase(s, tc);

    tc = tcase_create("run");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_deadlock_S46);
    tcase_add_test(tc, test_deadlock_lists_parked_tasks);
    tcase_add_test(tc, test_deadlock_lists_every_parked_task);
    tcase_add_test(tc, test_deadlock_persisting);
    tcase_add_test(tc, test_run_value);
    tcase_add_test(tc, test_run_error);
    tcase_add_test(tc, test_run_cancelled);
    tcase_add_test(tc, test_run_closes_root_group);
    tcase_add_test(tc, test_strict_mode);
    tcase_add_test(tc, test_run_bad_args);
    tcase_add_test(tc, test_run_until_future);
    tcase_add_test(tc, test_stop_and_resume_run);
    tcase_add_test(tc, test_run_until_bad_args);
    tcase_add_test(tc, test_run_cause);
    tcase_add_test(tc, test_report_error);
    tcase_add_test(tc, test_cancel_exited_scope_after_task_is_gone);
    suite_add_tcase(s, tc);

    tc = tcase_create("signals");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_inject_signal_S45);
    tcase_add_test(tc, test_inject_signal_bad);
    tcase_add_test(tc, test_escalate_signals_cancels_every_shield);
    tcase_add_test(tc, test_long_texts_are_traced_whole);
    tcase_add_test(tc, test_a_nul_in_a_value_is_written_escaped);
    tcase_add_test(tc, test_real_sigint_raise);
    tcase_add_test(tc, test_real_sigterm_kill_from_thread);
    tcase_add_test(tc, test_no_signal_flag_keeps_handlers);
    tcase_add_test(tc, test_shutdown_cancels_main_and_root);
    suite_add_tcase(s, tc);
    return s;
}
