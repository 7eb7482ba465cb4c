/* scopes: move_on/fail (R37-R40), shields (R32), absorption (R28), causes (R29),
 * set_deadline, uncancellable raise_cancel true/false (R33, R34). */
#include "cu.h"

#include <stdlib.h>

static corral_scope *enter_kept(int rc, corral_scope **sp)
{
    corral_scope *s = *sp;
    if (rc != 0 || s == NULL) {
        cu_fail(__FILE__, __LINE__, "scope enter failed: %d", rc);
        return NULL;
    }
    return cu_keep_scope(s);
}

static corral_scope *MOVE_ON_AFTER(corral_task *t, int64_t ms)
{
    corral_scope *s = NULL;
    int rc = corral_move_on_after(&s, t, corral_ms(ms));
    return enter_kept(rc, &s);
}
static corral_scope *FAIL_AFTER(corral_task *t, int64_t ms)
{
    corral_scope *s = NULL;
    int rc = corral_fail_after(&s, t, corral_ms(ms));
    return enter_kept(rc, &s);
}
static corral_scope *MOVE_ON_AT(corral_task *t, int64_t ms)
{
    corral_scope *s = NULL;
    int rc = corral_move_on_at(&s, t, corral_ms(ms));
    return enter_kept(rc, &s);
}
static corral_scope *FAIL_AT(corral_task *t, int64_t ms)
{
    corral_scope *s = NULL;
    int rc = corral_fail_at(&s, t, corral_ms(ms));
    return enter_kept(rc, &s);
}
static corral_scope *SHIELD(corral_task *t)
{
    corral_scope *s = NULL;
    int rc = corral_shield(&s, t);
    return enter_kept(rc, &s);
}
static corral_scope *PLAIN(corral_task *t)
{
    corral_scope *s = NULL;
    int rc = corral_scope_enter(&s, t, CORRAL_SCOPE_MOVE_ON, -1, 0);
    return enter_kept(rc, &s);
}

static const char *tf(int b)
{
    return b == 1 ? "true" : b == 0 ? "false" : "error";
}

/* a "main" that spawns one task A running arg, then (optionally) cancels it at cancel_ms and
 * joins it, logging "join TaskCancelled" like the corpus scenarios */
typedef struct one_ctx {
    corral_fiber_fn a;
    int64_t cancel_ms; /* -1: no cancel */
} one_ctx;

static int one_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    one_ctx *c = arg;
    corral_task *a = cu_spawn("A", c->a, NULL);
    FCHECK(a);
    if (c->cancel_ms >= 0) {
        FCHECK_EQ(cu_sleep_ms(c->cancel_ms), 0);
        FCHECK_EQ(corral_task_cancel(a), 1);
    }
    int rc = corral_join(a, NULL, -1);
    if (rc == CORRAL_ETASKCANCELLED)
        cu_log("join TaskCancelled");
    else if (rc < 0)
        cu_log("join %s", cu_fmt_error(corral_task_last_error(self)));
    return 0;
}

static int run_one(corral_fiber_fn a, int64_t cancel_ms)
{
    one_ctx c = {a, cancel_ms};
    return cu_run(one_main, &c);
}

/* ---- S12 move_on_after ---------------------------------------------------------------------- */

static int s12_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    corral_scope *s = MOVE_ON_AFTER(self, 10);
    FCHECK(s);
    FCHECK_EQ(corral_scope_deadline(s), corral_ms(10));
    int rc = cu_sleep_ms(5);
    FCHECK_EQ(rc, 0);
    cu_log("slept 5");
    rc = cu_sleep_ms(20);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    if (rc == 0)
        cu_log("unreachable");
    FCHECK_EQ(corral_scope_exit(s, rc), 0);
    cu_log("caught=%s", tf(corral_scope_cancelled_caught(s)));
    FCHECK_EQ(corral_scope_cancel_called(s), 1);
    FCHECK_EQ(corral_scope_cause(s), CORRAL_CAUSE_DEADLINE);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    *res = cu_bytes("ok");
    return 0;
}

START_TEST(test_move_on_after_S12)
{
    ck_assert_int_eq(run_one(s12_a, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A log slept 5\n"
                                      "10 A log caught=true\n"
                                      "10 A done ok\n");
}
END_TEST

/* ---- S13 nested deadlines in one tick: outermost wins -----------------------------------------
 */

static int s13_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *outer = MOVE_ON_AT(self, 10);
    corral_scope *inner = FAIL_AT(NULL, 10);
    FCHECK(outer && inner);
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    rc = corral_scope_exit(inner, rc);
    FCHECK_EQ(rc, CORRAL_ECANCELLED); /* not absorbed, no Timeout */
    rc = corral_scope_exit(outer, rc);
    FCHECK_EQ(rc, 0);
    cu_log("outer=%s inner=%s", tf(corral_scope_cancelled_caught(outer)),
           tf(corral_scope_cancelled_caught(inner)));
    FCHECK_EQ(corral_scope_cause(inner), CORRAL_CAUSE_DEADLINE);
    return 0;
}

START_TEST(test_nested_deadlines_S13)
{
    ck_assert_int_eq(run_one(s13_a, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log outer=true inner=false\n"
                                      "10 A done\n");
}
END_TEST

/* ---- S14 fail_after: Timeout only when the deadline is the cause ----------------------------- */

static int s14_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *s = FAIL_AFTER(self, 10);
    FCHECK(s);
    int rc = cu_sleep_ms(100);
    rc = corral_scope_exit(s, rc);
    if (rc == CORRAL_ETIMEOUT)
        cu_log("timeout");
    FCHECK_EQ(rc, CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    return 0;
}

static int s14_b(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *s = FAIL_AFTER(self, 10);
    FCHECK(s);
    FCHECK_EQ(corral_scope_cancel(s), 1);
    FCHECK_EQ(corral_scope_cancel(s), 0);
    int rc = corral_checkpoint();
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    rc = corral_scope_exit(s, rc);
    FCHECK_EQ(rc, 0);
    cu_log("no timeout, caught=%s cause=%s", tf(corral_scope_cancelled_caught(s)),
           corral_cause_name(corral_scope_cause(s)));
    return 0;
}

static int s14_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_task *a = cu_spawn("A", s14_a, NULL);
    corral_task *b = cu_spawn("B", s14_b, NULL);
    FCHECK(a && b);
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    return 0;
}

START_TEST(test_fail_after_S14)
{
    ck_assert_int_eq(cu_run(s14_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 B log no timeout, caught=true cause=EXPLICIT\n"
                                      "0 B done\n"
                                      "10 A log timeout\n"
                                      "10 A done\n");
}
END_TEST

/* ---- S15 past deadlines, checkpoint-free bodies -----------------------------------------------
 */

static int s15_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *s1 = FAIL_AFTER(self, 0);
    FCHECK(s1);
    /* cancelled synchronously at entry (R40) */
    FCHECK_EQ(corral_scope_cancel_called(s1), 1);
    FCHECK_EQ(corral_scope_cause(s1), CORRAL_CAUSE_DEADLINE);
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    cu_log("sync only");
    FCHECK_EQ(corral_scope_exit(s1, 0), 0);
    cu_log("s1 caught=%s", tf(corral_scope_cancelled_caught(s1)));
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    corral_scope *s2 = FAIL_AFTER(self, 0);
    FCHECK(s2);
    int rc = corral_checkpoint();
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    if (corral_scope_exit(s2, rc) == CORRAL_ETIMEOUT)
        cu_log("timeout");
    /* a past absolute deadline behaves the same */
    corral_scope *s3 = NULL;
    FCHECK_EQ(corral_move_on_at(&s3, self, 0), 0);
    cu_keep_scope(s3);
    FCHECK_EQ(corral_scope_cancel_called(s3), 1);
    FCHECK_EQ(corral_sleep_for(corral_ms(5)), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(s3, CORRAL_ECANCELLED), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(s3), 1);
    FCHECK_EQ(cu_now_ms(), 0);
    return 0;
}

START_TEST(test_past_deadlines_S15)
{
    ck_assert_int_eq(run_one(s15_a, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log sync only\n"
                                      "0 A log s1 caught=false\n"
                                      "0 A log timeout\n"
                                      "0 A done\n");
}
END_TEST

/* ---- S11 shield with an inner deadline ----------------------------------------------------------
 */

static int s11_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *sh = SHIELD(self);
    corral_scope *inner = MOVE_ON_AFTER(self, 10);
    FCHECK(sh && inner);
    int rc = cu_sleep_ms(50);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(corral_scope_exit(inner, rc), 0);
    cu_log("inner caught=%s", tf(corral_scope_cancelled_caught(inner)));
    /* the task was cancelled at t=2, but the shield hides it */
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    FCHECK_EQ(*corral_task_cancel_flag(self), 0);
    FCHECK_EQ(corral_scope_exit(sh, 0), 0); /* leaving a shield does not raise */
    cu_log("left shield");
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    FCHECK_EQ(*corral_task_cancel_flag(self), 1);
    rc = cu_sleep_ms(1);
    if (rc == 0)
        cu_log("unreachable");
    return rc;
}

START_TEST(test_shield_inner_deadline_S11)
{
    ck_assert_int_eq(run_one(s11_a, 2), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log inner caught=true\n"
                                      "10 A log left shield\n"
                                      "10 A cancelled\n"
                                      "10 main log join TaskCancelled\n");
}
END_TEST

/* ---- R28 absorption; status pass-through ---------------------------------------------------- */

static int absorb_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    /* outer cancelled: the inner scope does not absorb, the outer does */
    corral_scope *so = PLAIN(self);
    corral_scope *si = PLAIN(self);
    FCHECK(so && si);
    FCHECK_EQ(corral_scope_cancel(so), 1);
    FCHECK_EQ(corral_scope_cause(so), CORRAL_CAUSE_EXPLICIT);
    FCHECK_EQ(corral_scope_cancel_called(si), 0);
    int rc = corral_checkpoint();
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_checkpoint(), CORRAL_ECANCELLED); /* sticky */
    FCHECK_EQ(corral_scope_exit(si, rc), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_cancelled_caught(si), 0);
    FCHECK_EQ(corral_scope_exit(so, CORRAL_ECANCELLED), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(so), 1);
    FCHECK_EQ(corral_checkpoint(), 0); /* cleared by leaving the scope */

    /* both cancelled: the outermost cancelled scope absorbs */
    so = PLAIN(self);
    si = PLAIN(self);
    FCHECK(so && si);
    FCHECK_EQ(corral_scope_cancel(si), 1);
    FCHECK_EQ(corral_scope_cancel(so), 1);
    rc = corral_checkpoint();
    FCHECK_EQ(corral_scope_exit(si, rc), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(so, CORRAL_ECANCELLED), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(si), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(so), 1);

    /* only the inner cancelled: it absorbs, the outer sees nothing */
    so = PLAIN(self);
    si = PLAIN(self);
    FCHECK(so && si);
    FCHECK_EQ(corral_scope_cancel(si), 1);
    rc = corral_checkpoint();
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(si, rc), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(si), 1);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_scope_exit(so, 0), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(so), 0);
    FCHECK_EQ(corral_scope_cancel_called(so), 0);

    /* errors pass through a cancelled scope (errors beat cancellation) */
    so = PLAIN(self);
    FCHECK(so);
    FCHECK_EQ(corral_scope_cancel(so), 1);
    FCHECK_EQ(corral_scope_exit(so, CORRAL_EUSER), CORRAL_EUSER);
    FCHECK_EQ(corral_scope_cancelled_caught(so), 0);

    /* a cancelled scope whose body made no checkpoint: caught stays false */
    so = PLAIN(self);
    FCHECK(so);
    FCHECK_EQ(corral_scope_cancel(so), 1);
    FCHECK_EQ(corral_scope_exit(so, 0), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(so), 0);

    /* a Cancelled that is not the scope's own passes through it */
    so = PLAIN(self);
    FCHECK(so);
    FCHECK_EQ(corral_scope_exit(so, CORRAL_ECANCELLED), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_cancelled_caught(so), 0);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    return 0;
}

START_TEST(test_absorption_R28)
{
    ck_assert_int_eq(run_one(absorb_a, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A done\n");
}
END_TEST

/* ---- shields --------------------------------------------------------------------------------- */

static int shield_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_scope *sh = SHIELD(NULL);
    FCHECK(sh);
    FCHECK_EQ(cu_sleep_ms(10), 0); /* cancelled at t=3, shielded: sleeps on */
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    /* an inner scope's cancellation still applies inside the shield */
    corral_scope *in = PLAIN(self);
    FCHECK(in);
    FCHECK_EQ(corral_scope_cancel(in), 1);
    FCHECK_EQ(corral_checkpoint(), CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(in, CORRAL_ECANCELLED), 0);
    /* the shield's own cancel applies too, and the shield absorbs it */
    FCHECK_EQ(corral_scope_cancel(sh), 1);
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    int rc = corral_checkpoint();
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(sh, rc), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(sh), 1);
    /* outside the shield the task's cancellation is visible again */
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    cu_log("out");
    return corral_checkpoint();
}

START_TEST(test_shield_blocks_outer)
{
    ck_assert_int_eq(run_one(shield_a, 3), 0);
    ck_assert_str_eq(cu_trace_main(), "10 A log out\n"
                                      "10 A cancelled\n"
                                      "10 main log join TaskCancelled\n");
}
END_TEST

/* ---- uncancellable (S09, S10, S39) --------------------------------------------------------------
 */

static int work_ok(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    int rc = cu_sleep_ms(20);
    FCHECK_EQ(rc, 0);
    cu_log("work done");
    *res = cu_int(7);
    return 0;
}

static int work_fail(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(20), 0);
    return corral_task_raise(self, "ValueError", "w");
}

static int s09_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_value out = cu_none();
    int rc = corral_uncancellable(work_ok, NULL, &out, 1);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    corral_value_clear(&out);
    if (rc == 0)
        cu_log("after");
    return rc;
}

START_TEST(test_uncancellable_raise_S09)
{
    ck_assert_int_eq(run_one(s09_a, 5), 0);
    ck_assert_str_eq(cu_trace_main(), "20 A log work done\n"
                                      "20 A cancelled\n"
                                      "20 main log join TaskCancelled\n");
}
END_TEST

static int s10_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_value out = cu_none();
    int rc = corral_uncancellable(work_ok, NULL, &out, 0);
    FCHECK_EQ(rc, 0);
    FCHECK_EQ(out.type, CORRAL_VALUE_INT);
    cu_log("r=%" PRId64, out.as.i);
    FCHECK_EQ(corral_task_cancel_pending(self), 1); /* deferred, not swallowed */
    rc = cu_sleep_ms(1);
    if (rc == 0)
        cu_log("unreachable");
    return rc;
}

START_TEST(test_uncancellable_defer_S10)
{
    ck_assert_int_eq(run_one(s10_a, 5), 0);
    ck_assert_str_eq(cu_trace_main(), "20 A log work done\n"
                                      "20 A log r=7\n"
                                      "20 A cancelled\n"
                                      "20 main log join TaskCancelled\n");
}
END_TEST

static int s39_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_value out = cu_none();
    int rc = corral_uncancellable(work_fail, NULL, &out, 1);
    FCHECK_EQ(rc, CORRAL_EUSER);
    FCHECK_EQ(corral_task_cancel_pending(self), 1); /* stays pending */
    return rc;
}

START_TEST(test_uncancellable_error_S39)
{
    ck_assert_int_eq(run_one(s39_a, 5), 0);
    ck_assert_str_eq(cu_trace_main(), "20 A fail ValueError:w\n"
                                      "20 root handler A ValueError:w\n"
                                      "20 main log join ValueError:w\n");
}
END_TEST

static int manual_uncancellable(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    /* not cancelled: plain result */
    corral_scope *s = SHIELD(self);
    FCHECK(s);
    FCHECK_EQ(corral_scope_exit_uncancellable(s, 0, 1), 0);
    FCHECK_EQ(corral_task_cancel(self), 1);
    /* cancel pending, body succeeded: raise_cancel=1 -> Cancelled */
    s = SHIELD(self);
    FCHECK(s);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_scope_exit_uncancellable(s, 0, 1), CORRAL_ECANCELLED);
    /* raise_cancel=0 -> 0, still pending */
    s = SHIELD(self);
    FCHECK(s);
    FCHECK_EQ(corral_scope_exit_uncancellable(s, 0, 0), 0);
    FCHECK_EQ(corral_task_cancel_pending(self), 1);
    /* an error beats the pending cancellation */
    s = SHIELD(self);
    FCHECK(s);
    FCHECK_EQ(corral_scope_exit_uncancellable(s, CORRAL_EQUEUEFULL, 1), CORRAL_EQUEUEFULL);
    FCHECK_EQ(corral_scope_exit_uncancellable(s, 0, 1), CORRAL_EINVALIDSTATE); /* exited */
    return corral_checkpoint();
}

START_TEST(test_scope_exit_uncancellable)
{
    ck_assert_int_eq(run_one(manual_uncancellable, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A cancelled\n0 main log join TaskCancelled\n");
}
END_TEST

/* ---- set_deadline -------------------------------------------------------------------------- */

static int deadline_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    /* extend before expiry */
    corral_scope *s = MOVE_ON_AFTER(self, 10);
    FCHECK(s);
    FCHECK_EQ(corral_scope_set_deadline(s, corral_ms(20)), 0);
    FCHECK_EQ(corral_scope_deadline(s), corral_ms(20));
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(cu_now_ms(), 20);
    FCHECK_EQ(corral_scope_exit(s, rc), 0);
    FCHECK_EQ(corral_scope_set_deadline(s, corral_ms(500)), CORRAL_EINVALIDSTATE); /* exited */

    /* shorten while parked elsewhere: at t=25 move a 50 ms deadline to t=26 */
    s = MOVE_ON_AFTER(self, 50);
    FCHECK(s);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_scope_set_deadline(s, cu_at_ms(1)), 0);
    rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(cu_now_ms(), 26);
    FCHECK_EQ(corral_scope_exit(s, rc), 0);

    /* no deadline; a deadline <= now cancels synchronously; extending never un-cancels */
    s = PLAIN(self);
    FCHECK(s);
    FCHECK_EQ(corral_scope_deadline(s), -1);
    FCHECK_EQ(corral_scope_set_deadline(s, corral_rt_now(cu.rt)), 0);
    FCHECK_EQ(corral_scope_cancel_called(s), 1);
    FCHECK_EQ(corral_scope_cause(s), CORRAL_CAUSE_DEADLINE);
    FCHECK_EQ(corral_scope_set_deadline(s, cu_at_ms(100)), 0);
    FCHECK_EQ(corral_scope_cancel_called(s), 1);
    FCHECK_EQ(corral_scope_cancel(s), 0);
    FCHECK_EQ(corral_scope_cause(s), CORRAL_CAUSE_DEADLINE); /* first cause sticks */
    rc = corral_checkpoint();
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(s, rc), 0);

    /* removing the deadline before expiry */
    s = MOVE_ON_AFTER(self, 5);
    FCHECK(s);
    FCHECK_EQ(corral_scope_set_deadline(s, -1), 0);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_scope_cancel_called(s), 0);
    FCHECK_EQ(corral_scope_exit(s, 0), 0);

    /* an explicit cancel first: the cause stays EXPLICIT after the deadline passes */
    s = MOVE_ON_AFTER(self, 5);
    FCHECK(s);
    FCHECK_EQ(corral_scope_cancel(s), 1);
    FCHECK_EQ(corral_scope_exit(s, corral_sleep_for(corral_ms(10))), 0);
    FCHECK_EQ(corral_scope_cause(s), CORRAL_CAUSE_EXPLICIT);
    FCHECK_EQ(cu_now_ms(), 36);
    return 0;
}

START_TEST(test_set_deadline)
{
    ck_assert_int_eq(run_one(deadline_a, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "36 A done\n");
}
END_TEST

static int entry_a(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(5), 0);
    corral_scope *s = MOVE_ON_AFTER(self, 10);
    corral_scope *f = FAIL_AFTER(self, 10);
    FCHECK(s && f);
    FCHECK_EQ(corral_scope_deadline(s), corral_ms(15)); /* computed at entry (R37) */
    FCHECK_EQ(corral_scope_deadline(f), corral_ms(15));
    FCHECK_EQ(corral_scope_exit(f, 0), 0);
    FCHECK_EQ(corral_scope_exit(s, 0), 0);

    /* negative durations are refused and nothing is entered */
    corral_scope *bad = NULL;
    FCHECK_EQ(corral_move_on_after(&bad, self, -1), CORRAL_EINVALIDARG);
    FCHECK(bad == NULL);
    FCHECK_EQ(corral_fail_after(&bad, self, corral_ms(-5)), CORRAL_EINVALIDARG);
    FCHECK(bad == NULL);
    FCHECK_EQ(corral_scope_enter(&bad, self, 7, -1, 0), CORRAL_EINVALIDARG);
    FCHECK(bad == NULL);
    FCHECK_EQ(corral_scope_enter(NULL, self, CORRAL_SCOPE_MOVE_ON, -1, 0), CORRAL_EINVALIDARG);

    /* LIFO exits only */
    corral_scope *o = PLAIN(self);
    corral_scope *i = PLAIN(self);
    FCHECK(o && i);
    FCHECK_EQ(corral_scope_exit(o, 0), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_scope_exit(i, 0), 0);
    FCHECK_EQ(corral_scope_exit(i, 0), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_scope_exit(o, 0), 0);
    FCHECK_EQ(corral_scope_exit(NULL, 0), CORRAL_EINVALIDARG);
    /* a scope stays readable after exit */
    FCHECK_EQ(corral_scope_cancel_called(o), 0);
    FCHECK_EQ(cu_now_ms(), 5);
    return 0;
}

START_TEST(test_scope_entry_and_errors)
{
    ck_assert_int_eq(run_one(entry_a, -1), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A done\n");
    /* outside a task there is no current task */
    corral_scope *s = NULL;
    ck_assert_int_eq(corral_move_on_after(&s, NULL, corral_ms(1)), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_shield(&s, NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(s);
    /* a terminal task cannot enter scopes */
    ck_assert_int_eq(corral_shield(&s, cu.main), CORRAL_EINVALIDSTATE);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(corral_scope_cancel(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_scope_cancel_called(NULL), 0);
    ck_assert_int_lt(corral_scope_cancelled_caught(NULL), 0);
    ck_assert_int_lt(corral_scope_cause(NULL), 0);
    ck_assert_int_eq(corral_scope_set_deadline(NULL, 0), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_scope_ref(NULL));
    corral_scope_unref(NULL);
}
END_TEST

/* ---- cancelling a scope from another task wakes its parked owner ------------------------- */

typedef struct wake_ctx {
    corral_scope *s;
} wake_ctx;

static int parked_in_scope(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    wake_ctx *c = arg;
    c->s = PLAIN(self);
    FCHECK(c->s);
    int rc = cu_sleep_ms(100);
    cu_log("woke %s", corral_error_name(rc));
    FCHECK_EQ(rc, CORRAL_ECANCELLED);
    FCHECK_EQ(corral_scope_exit(c->s, rc), 0);
    return 0;
}

static int wake_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    wake_ctx c = {0};
    corral_task *a = cu_spawn("A", parked_in_scope, &c);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(4), 0);
    FCHECK(c.s);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_scope_cancel(c.s), 1);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_READY);
    FCHECK_EQ(corral_scope_cancel(c.s), 0);
    FCHECK_STR(cu_trace(), ""); /* no user code ran inside cancel */
    FCHECK_EQ(corral_join(a, NULL, -1), 0);
    FCHECK_EQ(corral_scope_cancelled_caught(c.s), 1);
    return 0;
}

START_TEST(test_scope_cancel_wakes_parked)
{
    ck_assert_int_eq(cu_run(wake_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "4 A log woke Cancelled\n4 A done\n");
}
END_TEST

/* Cancel-pending answers stay right when scopes nest deeply and outer scopes are cancelled
 * after inner ones were entered (the core memoizes them per scope). */
static int deep_nesting(corral_task *self, void *arg, corral_value *out)
{
    (void)arg;
    (void)out;
    enum { DEPTH = 2000 };
    static corral_scope *st[DEPTH];
    for (int i = 0; i < DEPTH; i++)
        FCHECK_EQ(corral_scope_enter(&st[i], self, CORRAL_SCOPE_MOVE_ON, -1, i == 1500), 0);
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    FCHECK_EQ(corral_scope_cancel(st[10]), 1); /* behind the shield at 1500 */
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    FCHECK_EQ(*corral_task_cancel_flag(self), 0);
    FCHECK_EQ(corral_checkpoint(), 0);
    int status = 0;
    for (int i = DEPTH - 1; i >= 1500; i--)
        status = corral_scope_exit(st[i], status);
    FCHECK_EQ(status, 0);
    FCHECK_EQ(corral_task_cancel_pending(self), 1); /* the shield is gone */
    FCHECK_EQ(corral_checkpoint(), CORRAL_ECANCELLED);
    status = CORRAL_ECANCELLED;
    for (int i = 1499; i >= 0; i--) {
        status = corral_scope_exit(st[i], status);
        if (i == 10) {
            FCHECK_EQ(status, 0); /* absorbed by the cancelled scope */
            FCHECK_EQ(corral_scope_cancelled_caught(st[10]), 1);
        }
    }
    FCHECK_EQ(corral_task_cancel_pending(self), 0);
    for (int i = 0; i < DEPTH; i++)
        corral_scope_unref(st[i]);
    return corral_checkpoint();
}

START_TEST(test_deep_nesting_cancel_visibility)
{
    ck_assert_int_eq(cu_run(deep_nesting, NULL), 0);
}
END_TEST

Suite *cu_suite_scopes(void)
{
    Suite *s = suite_create("scopes");
    TCase *tc = tcase_create("deadlines");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_move_on_after_S12);
    tcase_add_test(tc, test_nested_deadlines_S13);
    tcase_add_test(tc, test_fail_after_S14);
    tcase_add_test(tc, test_past_deadlines_S15);
    tcase_add_test(tc, test_set_deadline);
    tcase_add_test(tc, test_scope_entry_and_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("cancel_shield");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_shield_inner_deadline_S11);
    tcase_add_test(tc, test_absorption_R28);
    tcase_add_test(tc, test_shield_blocks_outer);
    tcase_add_test(tc, test_scope_cancel_wakes_parked);
    suite_add_tcase(s, tc);

    tc = tcase_create("uncancellable");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_uncancellable_raise_S09);
    tcase_add_test(tc, test_uncancellable_defer_S10);
    tcase_add_test(tc, test_uncancellable_error_S39);
    tcase_add_test(tc, test_scope_exit_uncancellable);
    tcase_add_test(tc, test_deep_nesting_cancel_visibility);
    suite_add_tcase(s, tc);
    return s;
}
