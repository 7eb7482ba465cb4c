/* groups: close with/without cancel, escalation, subgroups, wait_closing/wait_closed,
 * async_close, GroupClosed on spawn, handler chain and unhandled_count (R42-R57). */
#include "cu.h"

#include <stdio.h>
#include <stdlib.h>

static int w_body(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(100);
    if (rc == CORRAL_ECANCELLED)
        cu_log("cancelled");
    return rc;
}

static int raise_after(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    const char **spec = arg; /* {ms, kind, msg} with ms as a decimal string */
    FCHECK_EQ(cu_sleep_ms(atoi(spec[0])), 0);
    return corral_task_raise(self, spec[1], spec[2]);
}

/* ---- basics ------------------------------------------------------------------------------------
 */

START_TEST(test_group_basic)
{
    corral_group *g = NULL;
    ck_assert_int_eq(corral_group_new(&g, cu.rt, NULL, "G"), 0);
    cu_keep_group(g);
    ck_assert_str_eq(corral_group_name(g), "G");
    ck_assert_int_eq(corral_group_is_open(g), 1);
    ck_assert_int_eq(corral_group_is_closing(g), 0);
    ck_assert_int_eq(corral_group_is_closed(g), 0);
    ck_assert_int_eq(corral_group_size(g), 0);
    ck_assert_ptr_eq(corral_group_ref(g), g);
    corral_group_unref(g);
    corral_group *u = NULL;
    ck_assert_int_eq(corral_group_new(&u, cu.rt, g, NULL), 0); /* unnamed subgroup */
    cu_keep_group(u);
    ck_assert_int_eq(corral_group_is_open(u), 1);
    corral_group *bad = NULL;
    ck_assert_int_eq(corral_group_new(NULL, cu.rt, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_group_new(&bad, NULL, NULL, "x"), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(bad);
    ck_assert_str_eq(cu_trace(), "");
}
END_TEST

static int never_called_calls;
static int never_called(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    never_called_calls++;
    return 0;
}
static int gfree_calls;
static void gfree(void *p)
{
    gfree_calls++;
    free(p);
}

START_TEST(test_close_empty_and_spawn_rejected)
{
    corral_group *g = cu_group(NULL, "G");
    corral_group *u = cu_group(NULL, NULL);
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(corral_group_close(g, 1), 0);
    /* no members, no subgroups: CLOSED inside close() (R45 step 4) */
    ck_assert_int_eq(corral_group_is_open(g), 0);
    ck_assert_int_eq(corral_group_is_closing(g), 1);
    ck_assert_int_eq(corral_group_is_closed(g), 1);
    ck_assert_int_eq(corral_group_close(g, 1), 0); /* no-op */
    ck_assert_int_eq(corral_group_close(g, 0), 0);
    ck_assert_str_eq(cu_trace(), "0 G CLOSING\n0 G CLOSED\n");
    ck_assert_int_eq(corral_group_close(u, 0), 0);
    ck_assert_int_eq(corral_group_is_closed(u), 1);
    ck_assert_str_eq(cu_trace(), "0 G CLOSING\n0 G CLOSED\n"); /* unnamed: no lines */

    /* R44: nothing is created, nothing called, arg not freed */
    never_called_calls = gfree_calls = 0;
    corral_task *t = NULL;
    void *arg = malloc(8);
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, g, "x", never_called, arg, gfree),
                     CORRAL_EGROUPCLOSED);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(corral_spawn_host(&t, cu.rt, g, "x", 1, 2), CORRAL_EGROUPCLOSED);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(gfree_calls, 0);
    free(arg);
    corral_group *sub = NULL;
    ck_assert_int_eq(corral_group_new(&sub, cu.rt, g, "S"), CORRAL_EGROUPCLOSED);
    ck_assert_ptr_null(sub);
    ck_assert_int_eq(never_called_calls, 0);
}
END_TEST

/* ---- S20 close(cancel=True) with a subgroup -----------------------------------------------------
 */

static int s20_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK(cu_spawn_in(g, "g1", w_body, NULL));
    corral_group *s = cu_group(g, "S");
    FCHECK(s);
    FCHECK(cu_spawn_in(s, "s1", w_body, NULL));
    FCHECK_EQ(corral_group_size(g), 1);
    FCHECK_EQ(corral_group_size(s), 1);
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_group_close(g, 1), 0);
    FCHECK_EQ(corral_group_is_closing(s), 1);
    FCHECK_EQ(corral_group_is_closed(g), 0);
    cu_log("closing");
    corral_task *x = NULL;
    if (corral_spawn_fiber(&x, cu.rt, g, "x", w_body, NULL, NULL) == CORRAL_EGROUPCLOSED)
        cu_log("spawn rejected");
    FCHECK(x == NULL);
    FCHECK_EQ(corral_group_wait_closed(g, -1), 0);
    cu_log("closed");
    FCHECK_EQ(corral_group_is_closed(s), 1);
    FCHECK_EQ(corral_group_size(g), 0);
    return 0;
}

START_TEST(test_close_cancel_subgroup_S20)
{
    ck_assert_int_eq(cu_run(s20_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 G CLOSING\n"
                                      "10 S CLOSING\n"
                                      "10 main log closing\n"
                                      "10 main log spawn rejected\n"
                                      "10 g1 log cancelled\n"
                                      "10 g1 cancelled\n"
                                      "10 s1 log cancelled\n"
                                      "10 s1 cancelled\n"
                                      "10 S CLOSED\n"
                                      "10 G CLOSED\n"
                                      "10 main log closed\n");
}
END_TEST

/* ---- S21 close(cancel=False) then escalation --------------------------------------------------
 */

static int s21_a(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(50), 0);
    cu_log("finished");
    return 0;
}

static int s21_b(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(200);
    if (rc == CORRAL_ECANCELLED)
        cu_log("cancelled");
    return rc;
}

static int s21_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK(cu_spawn_in(g, "A", s21_a, NULL));
    FCHECK(cu_spawn_in(g, "B", s21_b, NULL));
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_group_close(g, 0), 0);
    cu_log("closing");
    FCHECK_EQ(corral_group_close(g, 0), 0); /* repeat: no-op */
    FCHECK_EQ(corral_group_is_closing(g), 1);
    FCHECK_EQ(cu_sleep_ms(50), 0);
    FCHECK_EQ(corral_group_size(g), 1);
    FCHECK_EQ(corral_group_close(g, 1), 0); /* escalates */
    FCHECK_EQ(corral_group_wait_closed(g, -1), 0);
    cu_log("closed");
    return 0;
}

START_TEST(test_close_escalation_S21)
{
    ck_assert_int_eq(cu_run(s21_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "10 G CLOSING\n"
                                      "10 main log closing\n"
                                      "50 A log finished\n"
                                      "50 A done\n"
                                      "60 B log cancelled\n"
                                      "60 B cancelled\n"
                                      "60 G CLOSED\n"
                                      "60 main log closed\n");
}
END_TEST

/* ---- S18 handler (hat Group with exception_cb) --------------------------------------------------
 */

typedef struct handler_ctx {
    corral_group *g;
    corral_task *expect_member;
    int calls;
    int raise; /* 1: raise RuntimeError("cb") */
} handler_ctx;

static int log_handler(corral_group *g, corral_task *member, corral_error *err,
                       corral_error **raised, void *ud)
{
    handler_ctx *c = ud;
    c->calls++;
    if (g != c->g)
        cu_fail(__FILE__, __LINE__, "handler got another group");
    if (c->expect_member && member != c->expect_member)
        cu_fail(__FILE__, __LINE__, "handler got another member");
    if (raised == NULL)
        cu_fail(__FILE__, __LINE__, "handler got raised == NULL");
    if (corral_error_code(err) == CORRAL_ECANCELLED)
        cu_fail(__FILE__, __LINE__, "handler called for Cancelled");
    char actor[64];
    snprintf(actor, sizeof actor, "%s.cb", corral_group_name(g));
    cu_log_as(actor, "cb %s", cu_fmt_error(err));
    if (c->raise && raised) {
        corral_error *e = NULL;
        if (corral_error_new(&e, CORRAL_EUSER, "RuntimeError", "cb") != 0)
            cu_fail(__FILE__, __LINE__, "error_new in handler");
        *raised = e;
        return CORRAL_EUSER;
    }
    return 0;
}

static int ret_b_after_20(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    FCHECK_EQ(cu_sleep_ms(20), 0);
    *res = cu_bytes("b");
    return 0;
}

static int s18_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    handler_ctx *c = arg;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    c->g = g;
    FCHECK_EQ(corral_group_set_handler(g, log_handler, c), 0);
    static const char *spec_a[] = {"5", "ValueError", "x"};
    corral_task *a = cu_spawn_in(g, "A", raise_after, spec_a);
    corral_task *b = cu_spawn_in(g, "B", ret_b_after_20, NULL);
    FCHECK(a && b);
    c->expect_member = a;
    if (corral_join(a, NULL, -1) == CORRAL_EUSER)
        cu_log("join A %s", cu_fmt_error(corral_task_last_error(self)));
    corral_value v;
    FCHECK_EQ(corral_join(b, &v, -1), 0);
    cu_log("join B %.*s", (int)v.len, (const char *)v.as.p);
    cu_log("open=%s", corral_group_is_open(g) == 1 ? "true" : "false");
    FCHECK_EQ(cu_sleep_ms(10), 0);
    FCHECK_EQ(corral_group_async_close(g, 1, -1), 0);
    cu_log("closed");
    return 0;
}

START_TEST(test_handler_S18)
{
    handler_ctx c = {0};
    ck_assert_int_eq(cu_run(s18_main, &c), 0);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_str_eq(cu_trace_main(), "5 A fail ValueError:x\n"
                                      "5 G handler A ValueError:x\n"
                                      "5 G.cb log cb ValueError:x\n"
                                      "5 main log join A ValueError:x\n"
                                      "20 B done b\n"
                                      "20 main log join B b\n"
                                      "20 main log open=true\n"
                                      "30 G CLOSING\n"
                                      "30 G CLOSED\n"
                                      "30 main log closed\n");
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 0);
    ck_assert_str_eq(cu_log_text(), "");
}
END_TEST

/* ---- S19 errors in unawaited tasks and in handlers are never lost -----------------------------
 */

static int s19_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    handler_ctx *c = arg;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    c->g = g;
    c->raise = 1;
    FCHECK_EQ(corral_group_set_handler(g, log_handler, c), 0);
    static const char *spec_a[] = {"5", "ValueError", "boom"};
    static const char *spec_b[] = {"15", "ValueError", "x"};
    FCHECK(cu_spawn("A", raise_after, spec_a));
    FCHECK(cu_spawn_in(g, "B", raise_after, spec_b));
    FCHECK_EQ(cu_sleep_ms(20), 0);
    cu_log("unhandled=%" PRId64, corral_rt_unhandled_count(cu.rt));
    return 0;
}

START_TEST(test_handler_raises_S19)
{
    handler_ctx c = {0};
    ck_assert_int_eq(cu_run(s19_main, &c), 0);
    ck_assert_str_eq(cu_trace_main(), "5 A fail ValueError:boom\n"
                                      "5 root handler A ValueError:boom\n"
                                      "15 B fail ValueError:x\n"
                                      "15 G handler B ValueError:x\n"
                                      "15 G.cb log cb ValueError:x\n"
                                      "15 root handler B RuntimeError:cb <- ValueError:x\n"
                                      "20 main log unhandled=2\n");
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 2);
    const char *log = cu_log_text();
    ck_assert_msg(strstr(log, "unhandled error in task A: ValueError: boom\n") == log, "log:\n%s",
                  log);
    ck_assert_msg(strstr(log, "unhandled error in task B: RuntimeError: cb") != NULL, "log:\n%s",
                  log);
}
END_TEST

/* ---- handler chain: subgroups inherit, NULL resets, Cancelled never reported -------------------
 */

static int chain_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    handler_ctx *c = arg;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    c->g = g;
    FCHECK_EQ(corral_group_set_handler(g, log_handler, c), 0);
    corral_group *s = cu_group(g, "S");
    FCHECK(s);
    static const char *spec1[] = {"1", "ValueError", "s1"};
    static const char *spec2[] = {"2", "ValueError", "h2"};
    FCHECK(cu_spawn_in(s, "s1", raise_after, spec1));     /* S inherits G's handler */
    corral_task *cx = cu_spawn_in(g, "cx", w_body, NULL); /* cancelled: no handler */
    FCHECK(cx);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_cancel(cx), 1);
    FCHECK_EQ(corral_join(cx, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_group_set_handler(g, NULL, NULL), 0); /* back to the parent's chain */
    FCHECK(cu_spawn_in(s, "h2", raise_after, spec2));
    FCHECK_EQ(cu_sleep_ms(5), 0);
    return 0;
}

START_TEST(test_handler_chain)
{
    handler_ctx c = {0};
    ck_assert_int_eq(cu_run(chain_main, &c), 0);
    /* at t=1 main's timer fires first (registered first): cx is aborted and queued before
     * s1 fails and queues the handler entry */
    ck_assert_str_eq(cu_trace_main(), "1 s1 fail ValueError:s1\n"
                                      "1 cx log cancelled\n"
                                      "1 cx cancelled\n"
                                      "1 G handler s1 ValueError:s1\n"
                                      "1 G.cb log cb ValueError:s1\n"
                                      "4 h2 fail ValueError:h2\n"
                                      "4 root handler h2 ValueError:h2\n");
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(corral_rt_unhandled_count(cu.rt), 1);
}
END_TEST

/* ---- S22 waiting never cancels the awaited object -----------------------------------------------
 */

typedef struct s22_ctx {
    corral_group *g;
    corral_task *t;
    corral_future *f;
} s22_ctx;

static int s22_t(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    int rc = cu_sleep_ms(100);
    FCHECK_EQ(rc, CORRAL_ECANCELLED); /* the group is closed at t=7 */
    *res = cu_bytes("t");
    return rc;
}
static int s22_w1(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    return corral_group_wait_closed(((s22_ctx *)arg)->g, -1);
}
static int s22_w2(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    return corral_join(((s22_ctx *)arg)->t, NULL, -1);
}
static int s22_f1(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    return corral_future_await(((s22_ctx *)arg)->f, NULL, -1);
}
static int s22_f2(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value v;
    int rc = corral_future_await(((s22_ctx *)arg)->f, &v, -1);
    FCHECK_EQ(rc, 0);
    cu_log("got %" PRId64, v.as.i);
    return 0;
}

static int s22_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    s22_ctx c;
    c.g = cu_group(NULL, "G");
    FCHECK(c.g);
    c.t = cu_spawn_in(c.g, "T", s22_t, NULL);
    c.f = cu_future();
    FCHECK(c.t && c.f);
    corral_task *w1 = cu_spawn("W1", s22_w1, &c);
    corral_task *w2 = cu_spawn("W2", s22_w2, &c);
    corral_task *f1 = cu_spawn("F1", s22_f1, &c);
    corral_task *f2 = cu_spawn("F2", s22_f2, &c);
    FCHECK(w1 && w2 && f1 && f2);
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_task_cancel(w1), 1);
    FCHECK_EQ(corral_task_cancel(w2), 1);
    FCHECK_EQ(corral_task_cancel(f1), 1);
    FCHECK_EQ(corral_join(w1, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_join(w2, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_join(f1, NULL, -1), CORRAL_ETASKCANCELLED);
    cu_log("G open=%s T done=%s f pending=%s", corral_group_is_open(c.g) == 1 ? "true" : "false",
           corral_task_done(c.t) == 1 ? "true" : "false",
           corral_future_state(c.f) == CORRAL_FUTURE_PENDING ? "true" : "false");
    FCHECK_EQ(cu_sleep_ms(2), 0);
    corral_value three = cu_int(3);
    FCHECK_EQ(corral_future_set_result(c.f, &three), 0);
    FCHECK_EQ(corral_join(f2, NULL, -1), 0);
    FCHECK_EQ(corral_group_async_close(c.g, 1, -1), 0);
    cu_log("end");
    return 0;
}

START_TEST(test_waiters_S22)
{
    ck_assert_int_eq(cu_run(s22_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 W1 cancelled\n"
                                      "5 W2 cancelled\n"
                                      "5 F1 cancelled\n"
                                      "5 main log G open=true T done=false f pending=true\n"
                                      "7 F2 log got 3\n"
                                      "7 F2 done\n"
                                      "7 G CLOSING\n"
                                      "7 T cancelled\n"
                                      "7 G CLOSED\n"
                                      "7 main log end\n");
}
END_TEST

/* ---- S37 self-wait rejection ---------------------------------------------------------------- */

static int s37_t(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    corral_group *g = arg;
    corral_scope *sh = NULL;
    FCHECK_EQ(corral_shield(&sh, self), 0);
    cu_keep_scope(sh);
    if (corral_group_wait_closed(g, -1) == CORRAL_EINVALIDSTATE)
        cu_log("self wait rejected");
    FCHECK_EQ(corral_group_wait_closing(g, -1), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_scope_exit(sh, 0), 0);
    if (corral_join(self, NULL, -1) == CORRAL_EINVALIDSTATE)
        cu_log("self join rejected");
    return 0;
}

static int s37_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    corral_task *t = cu_spawn_in(g, "T", s37_t, g);
    FCHECK(t);
    FCHECK_EQ(corral_join(t, NULL, -1), 0);
    return 0;
}

START_TEST(test_self_wait_S37)
{
    ck_assert_int_eq(cu_run(s37_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 T log self wait rejected\n"
                                      "0 T log self join rejected\n"
                                      "0 T done\n");
}
END_TEST

/* ---- async_close from outside and a shielded member cleanup (S41 shape)
 * -------------------------- */

static int s41_t(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(100);
    if (rc == CORRAL_ECANCELLED) {
        corral_scope *sh = NULL;
        FCHECK_EQ(corral_shield(&sh, self), 0);
        cu_keep_scope(sh);
        FCHECK_EQ(cu_sleep_ms(2), 0);
        cu_log("T cleanup");
        FCHECK_EQ(corral_scope_exit(sh, 0), 0);
    }
    return rc;
}

static int s41_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK(cu_spawn_in(g, "T", s41_t, NULL));
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_group_async_close(g, 1, -1), 0);
    cu_log("after");
    FCHECK_EQ(corral_group_async_close(g, 1, -1), 0); /* already closed */
    return 0;
}

START_TEST(test_async_close_S41)
{
    ck_assert_int_eq(cu_run(s41_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 G CLOSING\n"
                                      "7 T log T cleanup\n"
                                      "7 T cancelled\n"
                                      "7 G CLOSED\n"
                                      "7 main log after\n");
}
END_TEST

/* ---- wait_closing / wait_closed with deadlines ------------------------------------------------
 */

static int sleeper_ms(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    return cu_sleep_ms((int64_t)(intptr_t)arg);
}

static int waits_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    FCHECK(cu_spawn_in(g, "M", sleeper_ms, (void *)(intptr_t)20));
    FCHECK_EQ(corral_group_wait_closing(g, 0), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 0);
    FCHECK_EQ(corral_group_wait_closing(g, cu_at_ms(5)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 5);
    FCHECK_EQ(corral_group_is_open(g), 1);
    FCHECK_EQ(corral_group_close(g, 0), 0);
    FCHECK_EQ(corral_group_wait_closing(g, 0), 0); /* satisfied: past deadline is fine */
    FCHECK_EQ(corral_group_wait_closed(g, cu_at_ms(5)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(corral_group_is_closed(g), 0);
    FCHECK_EQ(corral_group_wait_closed(g, -1), 0);
    FCHECK_EQ(cu_now_ms(), 20);
    FCHECK_EQ(corral_group_wait_closed(NULL, -1), CORRAL_EINVALIDARG);
    return 0;
}

START_TEST(test_wait_deadlines)
{
    ck_assert_int_eq(cu_run(waits_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "5 G CLOSING\n20 M done\n20 G CLOSED\n");
}
END_TEST

/* ---- multi-wake in ascending id order on close (R9a, R45) ---------------------------------- */

static int late_waiter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(1), 0);
    int rc = corral_future_await(arg, NULL, -1);
    cu_log("c");
    return rc;
}
static int early_waiter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int rc = corral_future_await(arg, NULL, -1);
    cu_log("c");
    return rc;
}

static int order_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    corral_future *f = cu_future();
    FCHECK(g && f);
    FCHECK(cu_spawn_in(g, "x", late_waiter, f));  /* id 2, waits second */
    FCHECK(cu_spawn_in(g, "y", early_waiter, f)); /* id 3, waits first */
    FCHECK_EQ(cu_sleep_ms(2), 0);
    FCHECK_EQ(corral_group_close(g, 1), 0);
    FCHECK_EQ(corral_group_wait_closed(g, -1), 0);
    FCHECK_EQ(corral_future_state(f), CORRAL_FUTURE_PENDING);
    return 0;
}

START_TEST(test_close_wakes_in_id_order)
{
    ck_assert_int_eq(cu_run(order_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "2 G CLOSING\n"
                                      "2 x log c\n"
                                      "2 x cancelled\n"
                                      "2 y log c\n"
                                      "2 y cancelled\n"
                                      "2 G CLOSED\n");
}
END_TEST

/* ---- subgroups: closing a child never affects the parent ---------------------------------- */

static int sub_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    corral_group *s = cu_group(g, "S");
    FCHECK(s);
    FCHECK(cu_spawn_in(s, "s1", w_body, NULL));
    FCHECK(cu_spawn_in(g, "g1", sleeper_ms, (void *)(intptr_t)3));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_group_close(s, 1), 0);
    FCHECK_EQ(corral_group_is_open(g), 1);
    FCHECK_EQ(corral_group_wait_closed(s, -1), 0);
    FCHECK_EQ(corral_group_is_open(g), 1);
    FCHECK_EQ(corral_group_size(g), 1);
    /* the CLOSED subgroup is detached: closing G waits only for g1 */
    FCHECK_EQ(corral_group_close(g, 0), 0);
    FCHECK_EQ(corral_group_wait_closed(g, -1), 0);
    FCHECK_EQ(cu_now_ms(), 3);
    return 0;
}

START_TEST(test_subgroup_close_isolated)
{
    ck_assert_int_eq(cu_run(sub_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 S CLOSING\n"
                                      "1 s1 log cancelled\n"
                                      "1 s1 cancelled\n"
                                      "1 S CLOSED\n"
                                      "1 G CLOSING\n"
                                      "3 g1 done\n"
                                      "3 G CLOSED\n");
}
END_TEST

/* ---- a member that returns after the group cancelled it is COMPLETED --------------------------
 */

static int returns_after_cancel(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    if (cu_sleep_ms(100) == CORRAL_ECANCELLED)
        *res = cu_int(11);
    return 0;
}

static int member_value_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_group *g = cu_group(NULL, "G");
    FCHECK(g);
    corral_task *m = cu_spawn_in(g, "m", returns_after_cancel, NULL);
    FCHECK(m);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_group_async_close(g, 1, -1), 0);
    corral_value v;
    FCHECK_EQ(corral_join(m, &v, -1), 0);
    FCHECK_EQ(v.as.i, 11);
    return 0;
}

START_TEST(test_member_completes_after_close)
{
    ck_assert_int_eq(cu_run(member_value_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 G CLOSING\n0 m done 11\n0 G CLOSED\n");
}
END_TEST

START_TEST(test_group_null_args)
{
    ck_assert_int_eq(corral_group_close(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_group_is_open(NULL), 0);
    ck_assert_int_lt(corral_group_is_closing(NULL), 0);
    ck_assert_int_lt(corral_group_is_closed(NULL), 0);
    ck_assert_int_lt(corral_group_size(NULL), 0);
    ck_assert_int_eq(corral_group_set_handler(NULL, log_handler, NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_group_ref(NULL));
    corral_group_unref(NULL);
    /* a group of another runtime cannot host this runtime's tasks or subgroups */
    corral_rt *other = NULL;
    ck_assert_int_eq(corral_rt_new(&other, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(other);
    corral_group *og = NULL;
    ck_assert_int_eq(corral_group_new(&og, other, NULL, "O"), 0);
    cu_keep_group(og);
    corral_task *t = NULL;
    ck_assert_int_eq(corral_spawn_fiber(&t, cu.rt, og, "x", never_called, NULL, NULL),
                     CORRAL_EINVALIDARG);
    ck_assert_ptr_null(t);
    corral_group *sub = NULL;
    ck_assert_int_eq(corral_group_new(&sub, cu.rt, og, "S"), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(sub);
}
END_TEST

/* ---- scoped groups (corral_group_enter / exit) ---------------------------------------------- */

static int sleeper_10(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    return cu_sleep_ms(10);
}

static int raiser_5(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    int rc = cu_sleep_ms(5);
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "m");
}

/* SUPERVISE + JOIN: a member failure goes to the handler chain, the exit waits for everyone,
 * the group is CLOSED afterwards, and a body error propagates as itself (R55). */
static int supervise_join(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_group *g;
    FCHECK_EQ(corral_group_enter(&g, self, "S", CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(g);
    FCHECK(cu_spawn_in(g, "R", raiser_5, NULL));
    FCHECK(cu_spawn_in(g, "W", sleeper_10, NULL));
    FCHECK_EQ(corral_group_is_open(g), 1);
    FCHECK_EQ(corral_group_exit(g, 0), 0);
    FCHECK_EQ(cu_now_ms(), 10);
    FCHECK_EQ(corral_group_is_closed(g), 1);
    FCHECK_EQ(corral_group_exit(g, 0), CORRAL_EINVALIDSTATE); /* already left */
    /* a body error propagates as itself and cancels the members */
    corral_group *g2;
    FCHECK_EQ(corral_group_enter(&g2, self, NULL, CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(g2);
    corral_task *w = cu_spawn_in(g2, "W2", sleeper_10, NULL);
    int rc = corral_task_raise(self, "KeyError", "body");
    FCHECK_EQ(corral_group_exit(g2, rc), CORRAL_EUSER);
    FCHECK_STR(corral_error_kind(corral_task_last_error(self)), "KeyError");
    FCHECK_EQ(corral_task_state(w), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(cu_now_ms(), 10);
    return 0;
}

START_TEST(test_scoped_supervise_join)
{
    ck_assert_int_eq(cu_run(supervise_join, NULL), 0);
    ck_assert(cu_trace_has("5 R fail ValueError:m"));
    ck_assert(cu_trace_has("5 root handler R ValueError:m"));
    ck_assert(cu_trace_has("10 S CLOSING"));
    ck_assert(cu_trace_has("10 S CLOSED"));
}
END_TEST

/* FAIL_FAST: spawning after a failure is refused; the exit wait is not abandoned when the
 * host is cancelled; errors beat cancellation. */
static corral_task *scoped_host;

static int fail_fast_host(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_group *g;
    FCHECK_EQ(corral_group_enter(&g, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(g);
    FCHECK(cu_spawn_in(g, "R", raiser_5, NULL));
    FCHECK(cu_spawn_in(g, "W", sleeper_10, NULL));
    int body = cu_sleep_ms(100);
    FCHECK_EQ(body, CORRAL_ECANCELLED); /* fail-fast cancelled the body at 5 */
    corral_task *late = NULL;
    FCHECK_EQ(corral_spawn_fiber(&late, corral_task_rt(self), g, "late", sleeper_10, NULL, NULL),
              CORRAL_EGROUPCLOSED);
    int rc = corral_group_exit(g, body);
    FCHECK_EQ(rc, CORRAL_EERRORGROUP);
    corral_error *eg = corral_task_last_error(self);
    FCHECK_EQ(corral_error_group_size(eg), 1);
    FCHECK_STR(corral_error_message(corral_error_group_get(eg, 0)), "m");
    FCHECK(corral_error_group_get(eg, 1) == NULL);
    return 0;
}

static int cancel_host_at_5(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    FCHECK_EQ(cu_sleep_ms(5), 0);
    FCHECK_EQ(corral_task_cancel(scoped_host), 1);
    return 0;
}

static int main_fail_fast(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    scoped_host = cu_spawn("H", fail_fast_host, NULL);
    FCHECK(cu_spawn("X", cancel_host_at_5, NULL));
    FCHECK_EQ(corral_join(scoped_host, NULL, -1), 0);
    return 0;
}

START_TEST(test_scoped_fail_fast)
{
    ck_assert_int_eq(cu_run(main_fail_fast, NULL), 0);
    ck_assert(cu_trace_has("5 R fail ValueError:m"));
    ck_assert(cu_trace_has("5 W cancelled"));
    ck_assert(cu_trace_has("5 H done"));
    ck_assert_int_eq(cu_trace_count_prefix("5 root handler"), 0); /* fail-fast: no handler */
}
END_TEST

/* A task that ends with its group still entered leaves it as cancelled; bad input. */
static int leaves_group_entered(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_group *g;
    FCHECK_EQ(corral_group_enter(&g, self, "L", CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN), 0);
    cu_keep_group(g);
    FCHECK(cu_spawn_in(g, "W", sleeper_10, NULL));
    corral_scope *s;
    FCHECK_EQ(corral_move_on_after(&s, self, corral_ms(1)), 0);
    cu_keep_scope(s);
    FCHECK_EQ(corral_group_exit(g, 0), CORRAL_EINVALIDSTATE); /* s is inside the group */
    FCHECK_EQ(corral_scope_exit(s, 0), 0);
    FCHECK_EQ(corral_group_enter(&g, self, NULL, 7, CORRAL_GROUP_JOIN), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_group_enter(&g, self, NULL, CORRAL_GROUP_FAIL_FAST, 9), CORRAL_EINVALIDARG);
    return 0; /* returns without leaving L */
}

START_TEST(test_scoped_left_entered)
{
    ck_assert_int_eq(cu_run(leaves_group_entered, NULL), 0);
    ck_assert(cu_trace_has("0 L CLOSING"));
    ck_assert(cu_trace_has("0 W cancelled"));
    ck_assert(cu_trace_has("0 L CLOSED"));
    corral_group *g = NULL;
    ck_assert_int_eq(corral_group_enter(&g, NULL, NULL, 0, 0), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_group_exit(NULL, 0), CORRAL_EINVALIDSTATE); /* not in a fiber */
}
END_TEST

Suite *cu_suite_groups(void)
{
    Suite *s = suite_create("groups");
    TCase *tc = tcase_create("close");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_group_basic);
    tcase_add_test(tc, test_close_empty_and_spawn_rejected);
    tcase_add_test(tc, test_close_cancel_subgroup_S20);
    tcase_add_test(tc, test_close_escalation_S21);
    tcase_add_test(tc, test_async_close_S41);
    tcase_add_test(tc, test_close_wakes_in_id_order);
    tcase_add_test(tc, test_subgroup_close_isolated);
    tcase_add_test(tc, test_member_completes_after_close);
    tcase_add_test(tc, test_group_null_args);
    suite_add_tcase(s, tc);

    tc = tcase_create("waits");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_waiters_S22);
    tcase_add_test(tc, test_self_wait_S37);
    tcase_add_test(tc, test_wait_deadlines);
    suite_add_tcase(s, tc);

    tc = tcase_create("handlers");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_handler_S18);
    tcase_add_test(tc, test_handler_raises_S19);
    tcase_add_test(tc, test_handler_chain);
    tcase_add_test(tc, test_scoped_supervise_join);
    tcase_add_test(tc, test_scoped_fail_fast);
    tcase_add_test(tc, test_scoped_left_entered);
    suite_add_tcase(s, tc);

    cu_add_group_collect_cases(s);
    cu_add_group_fatal_cases(s);
    cu_add_group_scope_wrap_cases(s);
    return s;
}
