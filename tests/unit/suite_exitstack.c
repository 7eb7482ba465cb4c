/* exitstack: the C exit stack of exitstack.h - LIFO unwinding inside one managed-cleanup
 * scope, every callback runs, the last error wins with context (R66, R67), and bad input. */
#include "cu.h"

#include <stdio.h>

/* A callback script: log "<tag>" with the current error, optionally sleep, optionally fail. */
typedef struct step {
    const char *tag;
    int64_t sleep_ms; /* fiber callbacks only */
    const char *fail; /* raise ValueError(fail) */
} step;

static int plain_cb(void *ud, corral_error *current)
{
    const step *s = ud;
    cu_log("%s cur=%s", s->tag, current ? cu_fmt_error(current) : "-");
    if (s->fail)
        return corral_task_raise(corral_current(), "ValueError", s->fail);
    return 0;
}

static int fiber_cb(corral_task *self, void *ud, corral_error *current)
{
    const step *s = ud;
    cu_log("%s cur=%s", s->tag, current ? cu_fmt_error(current) : "-");
    if (s->sleep_ms) {
        int rc = cu_sleep_ms(s->sleep_ms);
        if (rc < 0) {
            cu_log("%s sleep rc=%d", s->tag, rc);
            return rc;
        }
        cu_log("%s slept", s->tag);
    }
    if (s->fail)
        return corral_task_raise(self, "ValueError", s->fail);
    return 0;
}

/* ---- LIFO, every callback runs, last error wins (R67) --------------------------------------- */

static int lifo_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    step s1 = {"s1", 0, NULL}, s2 = {"s2", 2, "e2"}, s3 = {"s3", 0, NULL}, s4 = {"s4", 0, "e4"};
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s1), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s2), 0);
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s3), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s4), 0);
    FCHECK_EQ(corral_exitstack_size(st), 4);
    FCHECK_EQ(corral_exitstack_closed(st), 0);
    FCHECK_EQ(corral_exitstack_close(st, 0), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:e2 <- ValueError:e4");
    FCHECK_EQ(corral_exitstack_closed(st), 1);
    FCHECK_EQ(corral_exitstack_size(st), 0);
    FCHECK_EQ(cu_now_ms(), 2);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_lifo_every_callback_runs_last_error_wins)
{
    ck_assert_int_eq(cu_run(lifo_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log s4 cur=-\n"
                                      "0 main log s3 cur=ValueError:e4\n"
                                      "0 main log s2 cur=ValueError:e4\n"
                                      "2 main log s2 slept\n"
                                      "2 main log s1 cur=ValueError:e2 <- ValueError:e4\n");
}
END_TEST

/* The body's error is the first current error; a body error survives callbacks that succeed. */
static int body_error_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    step s1 = {"s1", 1, NULL}, s2 = {"s2", 0, "e2"};
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s1), 0);
    int rc = corral_task_raise(self, "ValueError", "body");
    FCHECK_EQ(corral_exitstack_close(st, rc), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:body");
    corral_exitstack_unref(st);

    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s2), 0);
    rc = corral_task_raise(self, "ValueError", "body2");
    FCHECK_EQ(corral_exitstack_close(st, rc), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:e2 <- ValueError:body2");
    corral_exitstack_unref(st);

    /* a code without a recorded error: one is made from the code */
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_close(st, CORRAL_ETIMEOUT), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_error_code(corral_task_last_error(self)), CORRAL_ETIMEOUT);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_body_error_is_current_and_kept)
{
    ck_assert_int_eq(cu_run(body_error_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log s1 cur=ValueError:body\n"
                                      "1 main log s1 slept\n"
                                      "1 main log s2 cur=ValueError:body2\n");
}
END_TEST

/* A task body returning close's code fails with the last error (S29's pattern). */
static int failing_body(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, ((step *)arg) + 0), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, ((step *)arg) + 1), 0);
    int rc = corral_exitstack_close(st, 0);
    corral_exitstack_unref(st);
    return rc;
}

static int task_fails_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    static step s[] = {{"E1", 0, "E1"}, {"E2", 0, "E2"}};
    corral_task *a = cu_spawn("A", failing_body, s);
    FCHECK(a);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_error(a)), "ValueError:E1 <- ValueError:E2");
    return 0;
}

START_TEST(test_task_fails_with_last_error)
{
    ck_assert_int_eq(cu_run(task_fails_main, NULL), 0);
    ck_assert(cu_trace_has("0 A fail ValueError:E1 <- ValueError:E2"));
}
END_TEST

/* ---- cancellation (R66, S28) ------------------------------------------------------------- */

static int cancelled_body(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    step *s = arg;
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s[0]), 0);
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s[1]), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s[2]), 0);
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    rc = corral_exitstack_close(st, rc);
    corral_exitstack_unref(st);
    return rc;
}

static int cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)res;
    corral_task *a = cu_spawn("A", cancelled_body, arg);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    corral_task_cancel(a);
    int rc = corral_join(a, NULL, -1);
    cu_log("join %d", rc);
    return 0;
}

START_TEST(test_cleanup_runs_under_cancellation)
{
    step s[] = {{"c1", 5, NULL}, {"p", 0, NULL}, {"c2", 5, NULL}};
    ck_assert_int_eq(cu_run(cancel_main, s), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log c2 cur=-\n"
                                      "15 A log c2 slept\n"
                                      "15 A log p cur=-\n"
                                      "15 A log c1 cur=-\n"
                                      "20 A log c1 slept\n"
                                      "20 A cancelled\n"
                                      "20 main log join -1002\n");
}
END_TEST

/* A callback error beats the cancellation (R67 makes it current); the cancellation stays
 * pending, so the task still cannot complete normally - here it fails with the error. */
START_TEST(test_callback_error_during_cancellation)
{
    step s[] = {{"c1", 0, NULL}, {"p", 0, "boom"}, {"c2", 0, NULL}};
    ck_assert_int_eq(cu_run(cancel_main, s), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log c2 cur=-\n"
                                      "10 A log p cur=-\n"
                                      "10 A log c1 cur=ValueError:boom\n"
                                      "10 A fail ValueError:boom\n"
                                      "10 root handler A ValueError:boom\n"
                                      "12 main log join -1014\n");
}
END_TEST

/* ---- grace expiry (R66, S30) ------------------------------------------------------------- */

static int grace_body(corral_task *self, void *arg, corral_value *res)
{
    (void)arg, (void)res;
    static step slow = {"slow", 20, NULL}, after = {"after", 3, NULL}, plain = {"p", 0, NULL};
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_cleanup_timeout(st), -1);
    FCHECK_EQ(corral_exitstack_set_cleanup_timeout(st, corral_ms(5)), 0);
    FCHECK_EQ(corral_exitstack_cleanup_timeout(st), corral_ms(5));
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &plain), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &after), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &slow), 0);
    int rc = corral_task_raise(self, "ValueError", "orig");
    rc = corral_exitstack_close(st, rc); /* the grace expires: the original outcome is kept */
    FCHECK_EQ(rc, CORRAL_EUSER);
    FCHECK_STR(cu_fmt_error(corral_task_last_error(self)), "ValueError:orig");
    FCHECK_EQ(cu_now_ms(), 5);
    corral_exitstack_unref(st);
    return rc;
}

static int grace_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_task *a = cu_spawn("A", grace_body, NULL);
    FCHECK(a);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_EUSER);
    return 0;
}

START_TEST(test_grace_expiry_reports_cleanup_timeout_keeps_outcome)
{
    ck_assert_int_eq(cu_run(grace_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log slow cur=ValueError:orig\n"
                                      "5 A log slow sleep rc=-1000\n"
                                      "5 A log after cur=ValueError:orig\n"
                                      "5 A log after sleep rc=-1000\n"
                                      "5 A log p cur=ValueError:orig\n"
                                      "5 A fail ValueError:orig\n"
                                      "5 root handler A CleanupTimeout\n"
                                      "5 root handler A ValueError:orig\n");
}
END_TEST

/* -1: the grace of the task's group chain, as corral_cleanup_enter. */
static int chain_body(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    static step slow = {"slow", 20, NULL};
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &slow), 0);
    FCHECK_EQ(corral_exitstack_close(st, 0), 0); /* absorbed; the outcome (0) is kept */
    FCHECK_EQ(cu_now_ms(), 4);
    corral_exitstack_unref(st);
    return 0;
}

static int chain_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK_EQ(corral_group_set_cleanup_timeout(g, corral_ms(4)), 0);
    corral_task *t = cu_spawn_in(g, "T", chain_body, NULL);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    return 0;
}

START_TEST(test_group_chain_cleanup_timeout)
{
    ck_assert_int_eq(cu_run(chain_main, NULL), 0);
    ck_assert(cu_trace_has("4 T log slow sleep rc=-1000"));
    ck_assert_str_eq(cu_trace_main(), "0 T log slow cur=-\n"
                                      "4 T log slow sleep rc=-1000\n"
                                      "4 T done\n"
                                      "4 root handler T CleanupTimeout\n");
}
END_TEST

/* ---- close twice, pop_all, bad input ------------------------------------------------------ */

static int pop_all_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    step s1 = {"s1", 0, NULL}, s2 = {"s2", 0, NULL}, s3 = {"s3", 0, NULL};
    corral_exitstack *st, *moved = NULL;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_set_cleanup_timeout(st, corral_ms(7)), 0);
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s1), 0);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s2), 0);
    FCHECK_EQ(corral_exitstack_pop_all(st, &moved), 0);
    FCHECK_EQ(corral_exitstack_size(st), 0);
    FCHECK_EQ(corral_exitstack_size(moved), 2);
    FCHECK_EQ(corral_exitstack_cleanup_timeout(moved), corral_ms(7));
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s3), 0); /* st stays open */
    FCHECK_EQ(corral_exitstack_close(st, 0), 0);
    FCHECK_EQ(corral_exitstack_close(st, 0), CORRAL_EINVALIDSTATE); /* twice */
    FCHECK_EQ(corral_exitstack_push(st, plain_cb, &s3), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_exitstack_push_fiber(st, fiber_cb, &s3), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_exitstack_set_cleanup_timeout(st, 0), CORRAL_EINVALIDSTATE);
    corral_exitstack *again = NULL;
    FCHECK_EQ(corral_exitstack_pop_all(st, &again), CORRAL_EINVALIDSTATE);
    FCHECK(again == NULL);
    FCHECK_EQ(corral_exitstack_close(moved, CORRAL_ECANCELLED), CORRAL_ECANCELLED);
    corral_exitstack_unref(moved);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_pop_all_and_close_twice)
{
    ck_assert_int_eq(cu_run(pop_all_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log s3 cur=-\n"
                                      "0 main log s2 cur=-\n"
                                      "0 main log s1 cur=-\n");
}
END_TEST

static int bad_status_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self, (void)arg, (void)res;
    corral_exitstack *st;
    FCHECK_EQ(corral_exitstack_new(&st, cu.rt), 0);
    FCHECK_EQ(corral_exitstack_close(st, 1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_exitstack_closed(st), 0); /* rejected before anything ran */
    FCHECK_EQ(corral_exitstack_close(NULL, 0), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_exitstack_close(st, 0), 0);
    corral_exitstack_unref(st);
    return 0;
}

START_TEST(test_bad_input)
{
    corral_exitstack *st = NULL, *out = NULL;
    step s = {"s", 0, NULL};
    ck_assert_int_eq(corral_exitstack_new(NULL, cu.rt), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_exitstack_new(&st, NULL), 0);
    ck_assert_int_eq(corral_exitstack_new(&st, cu.rt), 0);
    ck_assert_int_eq(corral_exitstack_push(NULL, plain_cb, &s), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_push(st, NULL, &s), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_push_fiber(NULL, fiber_cb, &s), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_push_fiber(st, NULL, &s), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_set_cleanup_timeout(NULL, 0), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_set_cleanup_timeout(st, -2), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_cleanup_timeout(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_size(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_closed(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_pop_all(NULL, &out), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_exitstack_pop_all(st, NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_exitstack_ref(NULL));
    corral_exitstack_unref(NULL);
    /* close outside a fiber */
    ck_assert_int_eq(corral_exitstack_push(st, plain_cb, &s), 0);
    ck_assert_int_eq(corral_exitstack_close(st, 0), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_exitstack_closed(st), 0);
    /* ref/unref; the last unref drops callbacks that never ran */
    ck_assert_ptr_eq(corral_exitstack_ref(st), st);
    corral_exitstack_unref(st);
    corral_exitstack_unref(st);
    ck_assert_int_eq(cu_run(bad_status_main, NULL), 0);
    ck_assert_int_eq(cu_trace_count_prefix("0 main log s"), 0);
}
END_TEST

Suite *cu_suite_exitstack(void)
{
    Suite *s = suite_create("exitstack");
    TCase *tc = tcase_create("unwind");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_lifo_every_callback_runs_last_error_wins);
    tcase_add_test(tc, test_body_error_is_current_and_kept);
    tcase_add_test(tc, test_task_fails_with_last_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("cleanup");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_cleanup_runs_under_cancellation);
    tcase_add_test(tc, test_callback_error_during_cancellation);
    tcase_add_test(tc, test_grace_expiry_reports_cleanup_timeout_keeps_outcome);
    tcase_add_test(tc, test_group_chain_cleanup_timeout);
    suite_add_tcase(s, tc);

    tc = tcase_create("api");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_pop_all_and_close_twice);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
