/* sync: Event, Lock, Semaphore / BoundedSemaphore, Condition and the watch cell (R23, R27,
 * R31, R41, R65, S64-S66): FIFO wake-ups, direct hand-off (no barging), per-call deadlines,
 * cancellation of every kind of waiter with no lost wake-up, the condition's shielded
 * re-acquire, the watch cell's version protocol, step-task users, abandon, bad input. */
#include "cu.h"

#include <stdio.h>
#include <stdlib.h>

static int dtor_calls;
static void counting_free(void *p)
{
    dtor_calls++;
    free(p);
}

static corral_value ptr_value(void)
{
    corral_value v = cu_none();
    v.type = CORRAL_VALUE_PTR;
    v.as.p = malloc(16);
    v.dtor = counting_free;
    return v;
}

static corral_op op_of(uint32_t kind, void *target, int64_t deadline)
{
    corral_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.target = target;
    op.deadline = deadline;
    return op;
}

static corral_event *new_event(void)
{
    corral_event *e = NULL;
    ck_assert_int_eq(corral_event_new(&e, cu.rt), 0);
    return cu_keep_event(e);
}

static corral_lock *new_lock(void)
{
    corral_lock *l = NULL;
    ck_assert_int_eq(corral_lock_new(&l, cu.rt), 0);
    return cu_keep_lock(l);
}

static corral_semaphore *new_sem(int64_t value, int64_t bound)
{
    corral_semaphore *s = NULL;
    ck_assert_int_eq(corral_semaphore_new(&s, cu.rt, value, bound), 0);
    return cu_keep_semaphore(s);
}

static corral_condition *new_cond(corral_lock *l)
{
    corral_condition *c = NULL;
    ck_assert_int_eq(corral_condition_new(&c, cu.rt, l), 0);
    return cu_keep_condition(c);
}

static corral_watch *new_watch(int64_t initial)
{
    corral_watch *w = NULL;
    corral_value v = cu_int(initial);
    ck_assert_int_eq(corral_watch_new(&w, cu.rt, &v), 0);
    return cu_keep_watch(w);
}

/* The objects of the running test (set on the test thread before cu_run). */
static struct {
    corral_event *e;
    corral_lock *l;
    corral_semaphore *s;
    corral_condition *c;
    corral_watch *w;
    int64_t deadline;
    int rc[8];
    int order[8];
    int norder;
} T;

static void reset(void)
{
    memset(&T, 0, sizeof T);
    dtor_calls = 0;
}

/* ==== Event ================================================================================ */

/* EW: log("waiting"); rc = wait(e, T.deadline); log(rc) */
static int event_waiter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int64_t deadline = arg ? *(int64_t *)arg : -1;
    int rc = corral_event_wait(T.e, deadline);
    cu_log("wait %s", rc == 0 ? "ok" : corral_error_name(rc));
    return rc == CORRAL_ECANCELLED ? rc : 0;
}

static int event_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_event_is_set(T.e), 0);
    corral_task *a = cu_spawn("A", event_waiter, NULL);
    corral_task *b = cu_spawn("B", event_waiter, NULL);
    corral_task *c = cu_spawn("C", event_waiter, NULL);
    FCHECK(a && b && c);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_event_set(T.e), 3); /* every waiter, FIFO, none runs inline */
    FCHECK_EQ(corral_event_set(T.e), 0); /* idempotent */
    FCHECK_EQ(corral_event_is_set(T.e), 1);
    cu_log("set");
    FCHECK_EQ(cu_sleep_ms(1), 0);
    /* sticky: a wait on a set event completes, but still passes through the ready queue */
    corral_task *d = cu_spawn("D", event_waiter, NULL);
    FCHECK(d);
    FCHECK_EQ(corral_event_wait(T.e, -1), 0);
    cu_log("main passed");
    FCHECK_EQ(corral_join(d, NULL, -1), 0);
    /* clear: later waits park again; a past deadline means "do not block" */
    FCHECK_EQ(corral_event_clear(T.e), 0);
    FCHECK_EQ(corral_event_is_set(T.e), 0);
    FCHECK_EQ(corral_event_wait(T.e, 0), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_event_wait(T.e, cu_at_ms(5)), CORRAL_ETIMEOUT);
    FCHECK_EQ(cu_now_ms(), 7);
    /* cancellation pending: Cancelled at once even though the event is set (R23a) */
    FCHECK_EQ(corral_event_set(T.e), 0);
    FCHECK_EQ(corral_task_cancel(self), 1);
    FCHECK_EQ(corral_event_wait(T.e, -1), CORRAL_ECANCELLED);
    return 0;
}

START_TEST(test_event_sticky_fifo_clear)
{
    reset();
    T.e = new_event();
    ck_assert_int_eq(cu_run(event_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 main log set\n"
                                      "1 A log wait ok\n"
                                      "1 A done\n"
                                      "1 B log wait ok\n"
                                      "1 B done\n"
                                      "1 C log wait ok\n"
                                      "1 C done\n"
                                      "2 main log main passed\n"
                                      "2 D log wait ok\n"
                                      "2 D done\n");
}
END_TEST

static int event_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    static int64_t dl;
    dl = cu_at_ms(3);
    corral_task *a = cu_spawn("A", event_waiter, NULL);
    corral_task *b = cu_spawn("B", event_waiter, &dl);
    corral_task *c = cu_spawn("C", event_waiter, NULL);
    FCHECK(a && b && c);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_cancel(a), 1); /* leaves the list: no wake-up is spent on it */
    FCHECK_EQ(cu_sleep_ms(4), 0);        /* B times out at 3 */
    FCHECK_EQ(corral_event_set(T.e), 1); /* only C is left */
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    return 0;
}

START_TEST(test_event_cancel_and_deadline)
{
    reset();
    T.e = new_event();
    ck_assert_int_eq(cu_run(event_cancel_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 A log wait Cancelled\n"
                                      "1 A cancelled\n"
                                      "3 B log wait Timeout\n"
                                      "3 B done\n"
                                      "5 C log wait ok\n"
                                      "5 C done\n");
}
END_TEST

/* ==== Lock ================================================================================= */

/* LW: acquire; log("in"); sleep(arg ms); release */
static int lock_worker(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    int rc = corral_lock_acquire(T.l, T.deadline);
    if (rc < 0) {
        cu_log("acquire %s", corral_error_name(rc));
        return rc == CORRAL_ECANCELLED ? rc : 0;
    }
    FCHECK(corral_lock_owner(T.l) == self);
    cu_log("in");
    rc = cu_sleep_ms((int64_t)(intptr_t)arg);
    FCHECK_EQ(corral_lock_release(T.l, NULL), 0);
    return rc;
}

static int lock_fifo_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_lock_locked(T.l), 0);
    FCHECK_EQ(corral_lock_try_acquire(T.l, NULL), 1);
    FCHECK(corral_lock_owner(T.l) == self);
    FCHECK_EQ(corral_lock_locked(T.l), 1);
    /* not reentrant */
    FCHECK_EQ(corral_lock_try_acquire(T.l, NULL), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_lock_acquire(T.l, -1), CORRAL_EINVALIDSTATE);
    corral_task *a = cu_spawn("A", lock_worker, (void *)(intptr_t)1);
    corral_task *b = cu_spawn("B", lock_worker, (void *)(intptr_t)1);
    corral_task *c = cu_spawn("C", lock_worker, (void *)(intptr_t)1);
    FCHECK(a && b && c);
    FCHECK_EQ(corral_checkpoint(), 0); /* all three park, FIFO */
    FCHECK_EQ(corral_lock_try_acquire(T.l, a), 0);
    /* release by a non-owner */
    FCHECK_EQ(corral_lock_release(T.l, b), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_lock_release(T.l, NULL), 0);
    /* handed to A at once: nobody can barge in before A runs */
    FCHECK(corral_lock_owner(T.l) == a);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_READY);
    FCHECK_EQ(corral_lock_try_acquire(T.l, NULL), 0);
    FCHECK_EQ(corral_lock_release(T.l, NULL), CORRAL_EINVALIDSTATE);
    cu_log("released");
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    FCHECK_EQ(corral_lock_locked(T.l), 0);
    FCHECK(corral_lock_owner(T.l) == NULL);
    FCHECK_EQ(corral_lock_release(T.l, NULL), CORRAL_EINVALIDSTATE); /* unheld */
    /* the lock is free and nobody waits: acquire completes, through the ready queue */
    FCHECK_EQ(corral_lock_acquire(T.l, 0), 0);
    FCHECK_EQ(corral_lock_release(T.l, self), 0);
    return 0;
}

START_TEST(test_lock_fifo_handoff)
{
    reset();
    T.l = new_lock();
    T.deadline = -1;
    ck_assert_int_eq(cu_run(lock_fifo_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 main log released\n"
                                      "0 A log in\n"
                                      "1 A done\n"
                                      "1 B log in\n"
                                      "2 B done\n"
                                      "2 C log in\n"
                                      "3 C done\n");
    /* release from outside a task: no owner to match */
    ck_assert_int_eq(corral_lock_try_acquire(T.l, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_lock_release(T.l, NULL), CORRAL_EINVALIDSTATE);
}
END_TEST

static int lock_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    FCHECK_EQ(corral_lock_acquire(T.l, -1), 0);
    T.deadline = cu_at_ms(2);
    corral_task *a = cu_spawn("A", lock_worker, (void *)(intptr_t)0); /* times out at 2 */
    FCHECK(a);
    FCHECK_EQ(corral_checkpoint(), 0);
    T.deadline = -1;
    corral_task *b = cu_spawn("B", lock_worker, (void *)(intptr_t)0); /* cancelled */
    corral_task *c = cu_spawn("C", lock_worker, (void *)(intptr_t)0); /* granted, then cancelled */
    corral_task *d = cu_spawn("D", lock_worker, (void *)(intptr_t)1); /* gets it after C */
    FCHECK(b && c && d);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_cancel(b), 1);
    FCHECK_EQ(cu_sleep_ms(2), 0);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_COMPLETED);
    FCHECK_EQ(corral_task_state(b), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(corral_lock_release(T.l, self), 0); /* to C: the two that left take nothing */
    FCHECK(corral_lock_owner(T.l) == c);
    /* cancelling C now cannot undo the hand-off (R27): C runs owning the lock and is
     * cancelled at its next checkpoint, releasing the lock to D on the way */
    FCHECK_EQ(corral_task_state(c), CORRAL_TASK_READY);
    FCHECK_EQ(corral_task_cancel(c), 1);
    FCHECK_EQ(corral_join(c, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK(corral_lock_owner(T.l) == d);
    FCHECK_EQ(corral_join(d, NULL, -1), 0);
    FCHECK_EQ(corral_lock_locked(T.l), 0);
    return 0;
}

START_TEST(test_lock_cancel_and_deadline)
{
    reset();
    T.l = new_lock();
    T.deadline = -1;
    ck_assert_int_eq(cu_run(lock_cancel_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 B log acquire Cancelled\n"
                                      "1 B cancelled\n"
                                      "2 A log acquire Timeout\n"
                                      "2 A done\n"
                                      "3 C log in\n"
                                      "3 C cancelled\n"
                                      "3 D log in\n"
                                      "4 D done\n");
}
END_TEST

/* ==== Semaphore ============================================================================= */

static int sem_worker(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    int64_t deadline = arg ? *(int64_t *)arg : -1;
    int rc = corral_semaphore_acquire(T.s, deadline);
    cu_log("acquire %s", rc == 0 ? "ok" : corral_error_name(rc));
    return rc == CORRAL_ECANCELLED ? rc : 0;
}

static int sem_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    static int64_t dl;
    FCHECK_EQ(corral_semaphore_value(T.s), 2);
    FCHECK_EQ(corral_semaphore_try_acquire(T.s), 1);
    FCHECK_EQ(corral_semaphore_acquire(T.s, -1), 0);
    FCHECK_EQ(corral_semaphore_value(T.s), 0);
    FCHECK_EQ(corral_semaphore_try_acquire(T.s), 0);
    FCHECK_EQ(corral_semaphore_acquire(T.s, 0), CORRAL_ETIMEOUT);
    dl = cu_at_ms(2);
    corral_task *a = cu_spawn("A", sem_worker, NULL);
    corral_task *b = cu_spawn("B", sem_worker, &dl);
    corral_task *c = cu_spawn("C", sem_worker, NULL);
    corral_task *d = cu_spawn("D", sem_worker, NULL);
    FCHECK(a && b && c && d);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(cu_sleep_ms(2), 0); /* B timed out */
    /* the permit goes straight to C: it is not counted, so nobody barges in */
    FCHECK_EQ(corral_semaphore_release(T.s), 0);
    FCHECK_EQ(corral_semaphore_value(T.s), 0);
    FCHECK_EQ(corral_semaphore_try_acquire(T.s), 0);
    FCHECK_EQ(corral_semaphore_release(T.s), 0); /* to D */
    FCHECK_EQ(corral_semaphore_release(T.s), 0); /* counted */
    FCHECK_EQ(corral_semaphore_value(T.s), 1);
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    FCHECK_EQ(corral_join(d, NULL, -1), 0);
    /* bounded at 2: one more release is fine, the next is refused */
    FCHECK_EQ(corral_semaphore_release(T.s), 0);
    FCHECK_EQ(corral_semaphore_release(T.s), CORRAL_EINVALIDSTATE);
    FCHECK_EQ(corral_semaphore_value(T.s), 2);
    return 0;
}

START_TEST(test_semaphore_bounded)
{
    reset();
    T.s = new_sem(2, 2);
    ck_assert_int_eq(cu_run(sem_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 A log acquire Cancelled\n"
                                      "1 A cancelled\n"
                                      "2 B log acquire Timeout\n"
                                      "2 B done\n"
                                      "3 C log acquire ok\n"
                                      "3 C done\n"
                                      "3 D log acquire ok\n"
                                      "3 D done\n");
}
END_TEST

START_TEST(test_semaphore_plain_and_bad_args)
{
    corral_semaphore *s = NULL;
    ck_assert_int_eq(corral_semaphore_new(&s, cu.rt, -1, -1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_semaphore_new(&s, cu.rt, 3, 2), CORRAL_EINVALIDARG); /* bound < value */
    ck_assert_int_eq(corral_semaphore_new(NULL, cu.rt, 1, -1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_semaphore_new(&s, NULL, 1, -1), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(s);
    s = new_sem(0, -1);
    ck_assert_int_eq(corral_semaphore_try_acquire(s), 0);
    for (int i = 0; i < 5; i++) /* a plain semaphore counts past its initial value */
        ck_assert_int_eq(corral_semaphore_release(s), 0);
    ck_assert_int_eq(corral_semaphore_value(s), 5);
    ck_assert_int_eq(corral_semaphore_try_acquire(s), 1);
    ck_assert_int_eq(corral_semaphore_value(s), 4);
    corral_semaphore *z = new_sem(0, 0); /* bounded at zero: nothing to give back */
    ck_assert_int_eq(corral_semaphore_release(z), CORRAL_EINVALIDSTATE);
    ck_assert_int_lt(corral_semaphore_value(NULL), 0);
    ck_assert_int_eq(corral_semaphore_try_acquire(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_semaphore_release(NULL), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_semaphore_ref(NULL));
    corral_semaphore_unref(NULL);
}
END_TEST

/* ==== Condition ============================================================================= */

/* CW: acquire; log("waiting"); rc = wait(T.deadline); log(rc, owns lock); release */
static int cond_waiter(corral_task *self, void *arg, corral_value *res)
{
    (void)res;
    int64_t deadline = arg ? *(int64_t *)arg : -1;
    corral_lock *l = corral_condition_lock(T.c);
    FCHECK_EQ(corral_lock_acquire(l, -1), 0);
    cu_log("waiting");
    int rc = corral_condition_wait(T.c, deadline);
    FCHECK(corral_lock_owner(l) == self); /* whatever ended the wait */
    cu_log("woken %s", rc == 0 ? "ok" : corral_error_name(rc));
    int rc2 = rc == 0 ? corral_checkpoint() : 0; /* a cancel that lost to the notify */
    if (rc2 < 0)
        cu_log("then %s", corral_error_name(rc2));
    FCHECK_EQ(corral_lock_release(l, self), 0);
    return rc < 0 ? (rc == CORRAL_ETIMEOUT ? 0 : rc) : rc2;
}

static int cond_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_lock *l = corral_condition_lock(T.c);
    FCHECK_EQ(corral_condition_notify(T.c, 1), 0); /* nobody waits */
    /* waiting without owning the lock is refused, at once */
    FCHECK_EQ(corral_condition_wait(T.c, -1), CORRAL_EINVALIDSTATE);
    corral_task *w[4];
    const char *names[4] = {"W1", "W2", "W3", "W4"};
    for (int i = 0; i < 4; i++)
        FCHECK(w[i] = cu_spawn(names[i], cond_waiter, NULL));
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_lock_acquire(l, -1), 0);
    FCHECK_EQ(corral_condition_notify(T.c, 1), 1);
    FCHECK_EQ(corral_task_state(w[0]), CORRAL_TASK_PARKED); /* queued for the lock main holds */
    cu_log("notified 1");
    FCHECK_EQ(corral_lock_release(l, self), 0);
    FCHECK(corral_lock_owner(l) == w[0]);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_lock_acquire(l, -1), 0);
    FCHECK_EQ(corral_condition_notify(T.c, 2), 2);
    /* W2 is notified, then cancelled while it waits for the lock: the notify won (R27), so it
     * gets 0 with the lock, and Cancelled at its next checkpoint */
    FCHECK_EQ(corral_task_cancel(w[1]), 1);
    FCHECK_EQ(corral_task_state(w[1]), CORRAL_TASK_PARKED);
    cu_log("notified 2");
    FCHECK_EQ(corral_lock_release(l, self), 0);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_condition_notify(T.c, -1), 1); /* without the lock: allowed */
    for (int i = 0; i < 4; i++)
        corral_join(w[i], NULL, -1);
    FCHECK_EQ(corral_task_state(w[1]), CORRAL_TASK_CANCELLED);
    FCHECK_EQ(corral_lock_locked(l), 0);
    return 0;
}

START_TEST(test_condition_notify_order)
{
    reset();
    T.c = new_cond(NULL);
    ck_assert_ptr_nonnull(corral_condition_lock(T.c));
    ck_assert_int_eq(cu_run(cond_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 W1 log waiting\n"
                                      "0 W2 log waiting\n"
                                      "0 W3 log waiting\n"
                                      "0 W4 log waiting\n"
                                      "1 main log notified 1\n"
                                      "1 W1 log woken ok\n"
                                      "1 W1 done\n"
                                      "2 main log notified 2\n"
                                      "2 W2 log woken ok\n"
                                      "2 W2 log then Cancelled\n"
                                      "2 W2 cancelled\n"
                                      "2 W3 log woken ok\n"
                                      "2 W3 done\n"
                                      "3 W4 log woken ok\n"
                                      "3 W4 done\n");
}
END_TEST

static int cond_cancel_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    static int64_t dl;
    corral_lock *l = corral_condition_lock(T.c);
    dl = cu_at_ms(2);
    corral_task *x = cu_spawn("X", cond_waiter, NULL); /* cancelled at 1 */
    corral_task *y = cu_spawn("Y", cond_waiter, &dl);  /* times out at 2 */
    corral_task *z = cu_spawn("Z", cond_waiter, NULL); /* notified at 5 */
    FCHECK(x && y && z);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_lock_acquire(l, -1), 0); /* main holds the lock from 1 to 4 */
    FCHECK_EQ(corral_task_cancel(x), 1);
    /* X's wait is over, but it resumes only once it owns the lock again (R65) */
    FCHECK_EQ(corral_task_state(x), CORRAL_TASK_PARKED);
    FCHECK_EQ(cu_sleep_ms(3), 0);
    FCHECK_EQ(corral_task_state(x), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_state(y), CORRAL_TASK_PARKED); /* timed out at 2, waits for the lock */
    cu_log("releasing");
    FCHECK_EQ(corral_lock_release(l, self), 0);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    /* Z is the only waiter left: the cancelled and timed-out ones spent no notify */
    FCHECK_EQ(corral_condition_notify(T.c, 1), 1);
    FCHECK_EQ(corral_join(z, NULL, -1), 0);
    FCHECK_EQ(corral_join(x, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(corral_join(y, NULL, -1), 0);
    /* a past deadline: the lock is released and taken back, Timeout */
    FCHECK_EQ(corral_lock_acquire(l, -1), 0);
    FCHECK_EQ(corral_condition_wait(T.c, 0), CORRAL_ETIMEOUT);
    FCHECK(corral_lock_owner(l) == self);
    /* cancellation pending at entry: nothing happens, the lock stays ours */
    FCHECK_EQ(corral_task_cancel(self), 1);
    FCHECK_EQ(corral_condition_wait(T.c, -1), CORRAL_ECANCELLED);
    FCHECK(corral_lock_owner(l) == self);
    FCHECK_EQ(corral_lock_release(l, self), 0);
    return 0;
}

START_TEST(test_condition_cancel_reacquires)
{
    reset();
    T.c = new_cond(NULL);
    ck_assert_int_eq(cu_run(cond_cancel_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 X log waiting\n"
                                      "0 Y log waiting\n"
                                      "0 Z log waiting\n"
                                      "4 main log releasing\n"
                                      "4 X log woken Cancelled\n"
                                      "4 X cancelled\n"
                                      "4 Y log woken Timeout\n"
                                      "4 Y done\n"
                                      "5 Z log woken ok\n"
                                      "5 Z done\n");
}
END_TEST

/* wait_for(predicate) as a binding builds it: a loop on wait. */
static int counter;

static int cond_consumer(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_lock *l = corral_condition_lock(T.c);
    FCHECK_EQ(corral_lock_acquire(l, -1), 0);
    while (counter < 3)
        FCHECK_EQ(corral_condition_wait(T.c, -1), 0);
    cu_log("counter=%d", counter);
    FCHECK_EQ(corral_lock_release(l, self), 0);
    return 0;
}

static int cond_producer_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_lock *l = corral_condition_lock(T.c);
    corral_task *c = cu_spawn("C", cond_consumer, NULL);
    FCHECK(c);
    for (int i = 0; i < 5; i++) {
        FCHECK_EQ(cu_sleep_ms(1), 0);
        FCHECK_EQ(corral_lock_acquire(l, -1), 0);
        counter++;
        corral_condition_notify(T.c, -1);
        FCHECK_EQ(corral_lock_release(l, self), 0);
    }
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    return 0;
}

START_TEST(test_condition_wait_for_shared_lock)
{
    reset();
    counter = 0;
    corral_lock *l = new_lock();
    T.c = new_cond(l);
    ck_assert_ptr_eq(corral_condition_lock(T.c), l); /* the given lock, not a new one */
    ck_assert_int_eq(cu_run(cond_producer_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "3 C log counter=3\n3 C done\n");
}
END_TEST

/* ==== Watch cell ============================================================================ */

static int64_t watch_int(corral_watch *w, uint64_t *version)
{
    corral_value v = cu_none();
    if (corral_watch_get(w, &v, version) < 0)
        return -999;
    return v.type == CORRAL_VALUE_INT ? v.as.i : -998;
}

static int watch_reader(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    uint64_t seen;
    watch_int(T.w, &seen);
    int rc = corral_watch_next(T.w, &seen, T.deadline);
    if (rc < 0) {
        cu_log("next %s", corral_error_name(rc));
        return rc == CORRAL_ECANCELLED ? rc : 0;
    }
    cu_log("got %" PRId64 " v%" PRIu64, watch_int(T.w, NULL), seen);
    return 0;
}

static int watch_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    uint64_t v0 = 99;
    FCHECK_EQ(watch_int(T.w, &v0), 7);
    FCHECK_EQ(v0, 0);
    corral_task *a = cu_spawn("A", watch_reader, NULL);
    corral_task *b = cu_spawn("B", watch_reader, NULL);
    FCHECK(a && b);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_watch_readers(T.w), 2);
    corral_value one = cu_int(1), two = cu_int(2);
    FCHECK_EQ(corral_watch_set(T.w, &one), 2);
    FCHECK_EQ(corral_watch_set(T.w, &two), 0); /* later write wins: both read 2 */
    FCHECK_EQ(corral_watch_readers(T.w), 0);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    /* a version older than the current one: at once (a write in between is never missed) */
    uint64_t seen = 1;
    FCHECK_EQ(corral_watch_next(T.w, &seen, -1), 0);
    FCHECK_EQ(seen, 2);
    /* a timed-out wait leaves nothing behind (codestare's poisoned awaitable_predicate) */
    FCHECK_EQ(corral_watch_next(T.w, &seen, cu_at_ms(1)), CORRAL_ETIMEOUT);
    FCHECK_EQ(corral_watch_next(T.w, &seen, 0), CORRAL_ETIMEOUT);
    FCHECK_EQ(seen, 2);
    FCHECK_EQ(corral_watch_readers(T.w), 0);
    corral_task *c = cu_spawn("C", watch_reader, NULL);
    FCHECK(c);
    FCHECK_EQ(corral_checkpoint(), 0);
    corral_value three = cu_int(3);
    FCHECK_EQ(corral_watch_set(T.w, &three), 1);
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    /* a cancelled reader leaves the list */
    corral_task *d = cu_spawn("D", watch_reader, NULL);
    FCHECK(d);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_cancel(d), 1);
    FCHECK_EQ(corral_watch_readers(T.w), 0);
    FCHECK_EQ(corral_join(d, NULL, -1), CORRAL_ETASKCANCELLED);
    return 0;
}

START_TEST(test_watch_versions)
{
    reset();
    T.w = new_watch(7);
    T.deadline = -1;
    ck_assert_int_eq(cu_run(watch_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A log got 2 v2\n"
                                      "0 A done\n"
                                      "0 B log got 2 v2\n"
                                      "0 B done\n"
                                      "1 C log got 3 v3\n"
                                      "1 C done\n"
                                      "1 D log next Cancelled\n"
                                      "1 D cancelled\n");
}
END_TEST

static int watch_putter(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)res;
    corral_value *v = arg;
    int rc = corral_watch_put(T.w, v, T.deadline);
    cu_log("put %s", rc == 0 ? "ok" : corral_error_name(rc));
    if (rc < 0)
        corral_value_clear(v); /* the item stayed ours */
    return rc == CORRAL_ECANCELLED ? rc : 0;
}

static int watch_put_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    static corral_value p1, p2, p3;
    /* a put waits for a reader; cancelled, it leaves the item with the caller */
    p1 = ptr_value();
    corral_task *a = cu_spawn("A", watch_putter, &p1);
    FCHECK(a);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_cancel(a), 1);
    FCHECK_EQ(corral_join(a, NULL, -1), CORRAL_ETASKCANCELLED);
    FCHECK_EQ(dtor_calls, 1); /* cleared by A itself */
    uint64_t seen;
    FCHECK_EQ(watch_int(T.w, &seen), 0);
    FCHECK_EQ(seen, 0);
    /* timed out, likewise */
    p2 = ptr_value();
    T.deadline = cu_at_ms(2);
    corral_task *b = cu_spawn("B", watch_putter, &p2);
    FCHECK(b);
    FCHECK_EQ(corral_join(b, NULL, -1), 0);
    FCHECK_EQ(dtor_calls, 2);
    FCHECK_EQ(cu_now_ms(), 3);
    /* with a reader: written when the reader arrives; the reader sees it at once */
    T.deadline = -1;
    p3 = ptr_value();
    const void *raw = p3.as.p;
    corral_task *c = cu_spawn("C", watch_putter, &p3);
    FCHECK(c);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_watch_next(T.w, &seen, -1), 0);
    FCHECK_EQ(seen, 1);
    corral_value cur;
    FCHECK_EQ(corral_watch_get(T.w, &cur, NULL), 0);
    FCHECK(cur.type == CORRAL_VALUE_PTR && cur.as.p == raw);
    FCHECK_EQ(corral_join(c, NULL, -1), 0);
    FCHECK_EQ(dtor_calls, 2);
    /* a reader already waiting: the put writes at once */
    corral_task *r = cu_spawn("R", watch_reader, NULL);
    FCHECK(r);
    FCHECK_EQ(corral_checkpoint(), 0);
    corral_value five = cu_int(5);
    FCHECK_EQ(corral_watch_put(T.w, &five, 0), 0); /* past deadline is fine: no wait needed */
    FCHECK_EQ(dtor_calls, 3);                      /* the PTR value was replaced */
    FCHECK_EQ(corral_join(r, NULL, -1), 0);
    /* no reader and a past deadline: Timeout at once */
    FCHECK_EQ(corral_watch_put(T.w, &five, 0), CORRAL_ETIMEOUT);
    return 0;
}

START_TEST(test_watch_put_waits_for_reader)
{
    reset();
    T.w = new_watch(0);
    T.deadline = -1;
    ck_assert_int_eq(cu_run(watch_put_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "1 A log put Cancelled\n"
                                      "1 A cancelled\n"
                                      "3 B log put Timeout\n"
                                      "3 B done\n"
                                      "4 C log put ok\n"
                                      "4 C done\n"
                                      "4 R log got 5 v2\n"
                                      "4 R done\n");
}
END_TEST

START_TEST(test_watch_values_owned)
{
    dtor_calls = 0;
    corral_watch *w = NULL;
    ck_assert_int_eq(corral_watch_new(&w, cu.rt, NULL), 0); /* NONE, version 0 */
    corral_value v = cu_int(1);
    uint64_t ver = 9;
    ck_assert_int_eq(corral_watch_get(w, &v, &ver), 0);
    ck_assert_uint_eq(v.type, CORRAL_VALUE_NONE);
    ck_assert_uint_eq(ver, 0);
    char buf[8] = "abc";
    corral_value b = cu_bytes(buf);
    ck_assert_int_eq(corral_watch_set(w, &b), 0);
    buf[0] = 'x'; /* copied */
    ck_assert_int_eq(corral_watch_get(w, &v, &ver), 0);
    ck_assert_uint_eq(ver, 1);
    ck_assert(v.type == CORRAL_VALUE_BYTES && v.len == 3 && memcmp(v.as.p, "abc", 3) == 0);
    corral_value p = ptr_value();
    ck_assert_int_eq(corral_watch_set(w, &p), 0); /* the cell owns it now */
    ck_assert_int_eq(dtor_calls, 0);
    p = ptr_value();
    ck_assert_int_eq(corral_watch_set(w, &p), 0); /* the old value is dropped */
    ck_assert_int_eq(dtor_calls, 1);
    corral_watch_unref(w); /* the last value goes with the cell */
    ck_assert_int_eq(dtor_calls, 2);
}
END_TEST

/* ==== step tasks: corral_task_await with every new op ====================================== */

static struct {
    int calls;
    int statuses[16];
    char buf[16];
} ST;

/* Runs through EVENT_WAIT, LOCK_ACQUIRE, SEM_ACQUIRE, COND_WAIT (timeout), WATCH_NEXT and
 * WATCH_PUT, checking each outcome, then finishes. */
static void sync_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)arg;
    int call = ST.calls++;
    if (call < 16)
        ST.statuses[call] = status;
    corral_op op;
    switch (call) {
    case 0:
        op = op_of(CORRAL_OP_EVENT_WAIT, T.e, -1);
        break;
    case 1:
        SCHECK_EQ(status, 0);
        op = op_of(CORRAL_OP_LOCK_ACQUIRE, corral_condition_lock(T.c), -1);
        break;
    case 2:
        SCHECK_EQ(status, 0);
        SCHECK(corral_lock_owner(corral_condition_lock(T.c)) == self);
        /* a step task acquires again: not reentrant, refused at once (no step follows) */
        op = op_of(CORRAL_OP_LOCK_ACQUIRE, corral_condition_lock(T.c), -1);
        SCHECK_EQ(corral_task_await(self, &op), CORRAL_EINVALIDSTATE);
        op = op_of(CORRAL_OP_SEM_ACQUIRE, T.s, -1);
        break;
    case 3:
        SCHECK_EQ(status, 0);
        op = op_of(CORRAL_OP_COND_WAIT, T.c, corral_rt_now(cu.rt) + corral_ms(2));
        break;
    case 4:
        SCHECK_EQ(status, CORRAL_ETIMEOUT);
        SCHECK(corral_lock_owner(corral_condition_lock(T.c)) == self);
        SCHECK_EQ(corral_lock_release(corral_condition_lock(T.c), self), 0);
        op = op_of(CORRAL_OP_WATCH_NEXT, T.w, -1);
        op.value = cu_int(0); /* the version seen */
        break;
    case 5:
        SCHECK_EQ(status, 0);
        SCHECK_EQ(value->type, CORRAL_VALUE_INT);
        SCHECK_EQ(value->as.i, 1); /* the new version */
        /* a BYTES item in a stack buffer that is gone when the step returns */
        op = op_of(CORRAL_OP_WATCH_PUT, T.w, -1);
        memcpy(ST.buf, "put-me", 6);
        op.value = cu_none();
        op.value.type = CORRAL_VALUE_BYTES;
        op.value.as.p = ST.buf;
        op.value.len = 6;
        break;
    case 6: {
        SCHECK_EQ(status, 0);
        corral_value v = cu_int(6);
        SCHECK_EQ(corral_task_finish(self, 0, &v, NULL, NULL), 0);
        return;
    }
    default:
        cu_fail(__FILE__, __LINE__, "step called after finish (call %d)", call);
        return;
    }
    SCHECK_EQ(corral_task_await(self, &op), CORRAL_PENDING);
    if (call == 5)
        memset(ST.buf, 'x', sizeof ST.buf); /* the core copied the bytes when it parked */
}

static int step_users_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_task *s = cu_spawn_step("S", sync_step, NULL);
    FCHECK(s);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_event_set(T.e), 1); /* S parked on it */
    FCHECK_EQ(cu_sleep_ms(4), 0);        /* S: lock, permit, condition timeout at 3 */
    FCHECK_EQ(ST.calls, 5);
    FCHECK_EQ(corral_semaphore_value(T.s), 0);
    corral_value one = cu_int(1);
    FCHECK_EQ(corral_watch_set(T.w, &one), 1);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(ST.calls, 6); /* parked in WATCH_PUT, waiting for a reader */
    uint64_t seen = 1;
    FCHECK_EQ(corral_watch_next(T.w, &seen, -1), 0);
    corral_value cur;
    FCHECK_EQ(corral_watch_get(T.w, &cur, NULL), 0);
    FCHECK(cur.type == CORRAL_VALUE_BYTES && cur.len == 6 && memcmp(cur.as.p, "put-me", 6) == 0);
    corral_value out;
    FCHECK_EQ(corral_join(s, &out, -1), 0);
    FCHECK_EQ(out.as.i, 6);
    (void)self;
    return 0;
}

START_TEST(test_step_task_users)
{
    reset();
    memset(&ST, 0, sizeof ST);
    T.e = new_event();
    T.c = new_cond(NULL);
    T.s = new_sem(1, -1);
    T.w = new_watch(0);
    ck_assert_int_eq(cu_run(step_users_main, NULL), 0);
    ck_assert_int_eq(ST.calls, 7);
    ck_assert_str_eq(cu_trace_main(), "6 S done 6\n");
}
END_TEST

/* ==== abandon (R31): parked waits go without effect, committed grants are given back ====== */

/* A step task that awaits whatever ST_OP says, and records each resumption. */
static corral_op step_op;
static int waiter_resumed;

static void op_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    (void)arg;
    if (waiter_resumed++ == 0) {
        SCHECK_EQ(corral_task_await(self, &step_op), CORRAL_PENDING);
        return;
    }
    cu_fail(__FILE__, __LINE__, "abandoned step resumed with %d", status);
}

/* Spawn a step task awaiting `op` and let it park (or commit). */
static corral_task *spawn_awaiting(const char *name, corral_op op)
{
    step_op = op;
    waiter_resumed = 0;
    corral_task *t = cu_spawn_step(name, op_step, NULL);
    return t;
}

static int abandon_parked_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_task *t;
    corral_value none = cu_none();

    /* EVENT_WAIT */
    FCHECK(t = spawn_awaiting("E", op_of(CORRAL_OP_EVENT_WAIT, T.e, -1)));
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(t), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_abandon(t), 0);
    FCHECK_EQ(corral_event_set(T.e), 0); /* nobody waits any more */
    FCHECK_EQ(corral_task_finish(t, 0, &none, NULL, NULL), 0);

    /* LOCK_ACQUIRE: the lock later goes free, not to the abandoned waiter */
    FCHECK_EQ(corral_lock_acquire(T.l, -1), 0);
    FCHECK(t = spawn_awaiting("L", op_of(CORRAL_OP_LOCK_ACQUIRE, T.l, cu_at_ms(50))));
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_abandon(t), 0);
    FCHECK_EQ(corral_lock_release(T.l, self), 0);
    FCHECK_EQ(corral_lock_locked(T.l), 0);
    FCHECK_EQ(corral_task_finish(t, 0, &none, NULL, NULL), 0);

    /* SEM_ACQUIRE: the permit is not taken */
    FCHECK(t = spawn_awaiting("S", op_of(CORRAL_OP_SEM_ACQUIRE, T.s, -1)));
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_abandon(t), 0);
    FCHECK_EQ(corral_semaphore_release(T.s), 0);
    FCHECK_EQ(corral_semaphore_value(T.s), 1);
    FCHECK_EQ(corral_task_finish(t, 0, &none, NULL, NULL), 0);

    return 0;
}

START_TEST(test_abandon_parked_waits)
{
    reset();
    T.e = new_event();
    T.l = new_lock();
    T.s = new_sem(0, -1);
    T.c = new_cond(NULL);
    ck_assert_int_eq(cu_run(abandon_parked_main, NULL), 0);
}
END_TEST

/* A scripted step task for the abandon cases that need several awaits. */
typedef struct script {
    corral_op ops[4];
    int n, next;
    int statuses[4];
} script;

static void script_step(corral_task *self, int status, const corral_value *value, void *arg)
{
    (void)value;
    script *s = arg;
    if (s->next > 0)
        s->statuses[s->next - 1] = status;
    if (s->next < s->n) {
        SCHECK_EQ(corral_task_await(self, &s->ops[s->next++]), CORRAL_PENDING);
        return;
    }
    SCHECK_EQ(corral_task_finish(self, 0, NULL, NULL, NULL), 0);
}

static script sc_cond, sc_watch;

static int abandon_more_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_lock *cl = corral_condition_lock(T.c);
    corral_value none = cu_none();

    /* COND_WAIT parked: abandoned, the task does not own the lock; notify finds nobody */
    sc_cond.ops[0] = op_of(CORRAL_OP_LOCK_ACQUIRE, cl, -1);
    sc_cond.ops[1] = op_of(CORRAL_OP_COND_WAIT, T.c, -1);
    sc_cond.n = 2;
    corral_task *c = cu_spawn_step("C", script_step, &sc_cond);
    FCHECK(c);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(sc_cond.next, 2);
    FCHECK_EQ(corral_task_state(c), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_lock_locked(cl), 0); /* released to wait */
    FCHECK_EQ(corral_task_abandon(c), 0);
    FCHECK_EQ(corral_condition_notify(T.c, -1), 0);
    FCHECK_EQ(corral_lock_locked(cl), 0);
    FCHECK_EQ(corral_task_finish(c, 0, &none, NULL, NULL), 0);

    /* WATCH_NEXT parked: abandoned, it is no reader any more */
    sc_watch.ops[0] = op_of(CORRAL_OP_WATCH_NEXT, T.w, -1);
    sc_watch.ops[0].value = cu_int(0);
    sc_watch.n = 1;
    corral_task *r = cu_spawn_step("R", script_step, &sc_watch);
    FCHECK(r);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_watch_readers(T.w), 1);
    FCHECK_EQ(corral_task_abandon(r), 0);
    FCHECK_EQ(corral_watch_readers(T.w), 0);
    FCHECK_EQ(corral_task_finish(r, 0, &none, NULL, NULL), 0);

    /* WATCH_PUT parked: abandoned, nothing is written and the item stays the caller's */
    static script sc_put;
    static corral_value item;
    item = ptr_value();
    sc_put.ops[0] = op_of(CORRAL_OP_WATCH_PUT, T.w, -1);
    sc_put.ops[0].value = item;
    sc_put.n = 1;
    corral_task *p = cu_spawn_step("P", script_step, &sc_put);
    FCHECK(p);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_task_state(p), CORRAL_TASK_PARKED);
    FCHECK_EQ(corral_task_abandon(p), 0);
    uint64_t seen = 0;
    FCHECK_EQ(corral_watch_next(T.w, &seen, 0), CORRAL_ETIMEOUT); /* no writer left */
    FCHECK_EQ(dtor_calls, 0);
    corral_value_clear(&item);
    FCHECK_EQ(dtor_calls, 1);
    FCHECK_EQ(corral_task_finish(p, 0, &none, NULL, NULL), 0);
    (void)self;
    return 0;
}

START_TEST(test_abandon_parked_condition_watch)
{
    reset();
    memset(&sc_cond, 0, sizeof sc_cond);
    memset(&sc_watch, 0, sizeof sc_watch);
    T.c = new_cond(NULL);
    T.w = new_watch(0);
    ck_assert_int_eq(cu_run(abandon_more_main, NULL), 0);
}
END_TEST

static script sc_a, sc_b, sc_c2, sc_s1, sc_s2, sc_e, sc_wp;

static int abandon_committed_main(corral_task *self, void *arg, corral_value *res)
{
    (void)arg;
    (void)res;
    corral_value none = cu_none();

    /* LOCK_ACQUIRE granted by a release, not yet observed: abandoning releases the lock to the
     * next waiter (R31), who may drop it too: then the lock is free */
    FCHECK_EQ(corral_lock_acquire(T.l, -1), 0);
    sc_a.ops[0] = op_of(CORRAL_OP_LOCK_ACQUIRE, T.l, -1);
    sc_a.n = 1;
    sc_b = sc_a;
    corral_task *a = cu_spawn_step("A", script_step, &sc_a);
    corral_task *b = cu_spawn_step("B", script_step, &sc_b);
    FCHECK(a && b);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_lock_release(T.l, self), 0);
    FCHECK(corral_lock_owner(T.l) == a);
    FCHECK_EQ(corral_task_abandon(a), 1);
    FCHECK(corral_lock_owner(T.l) == b);
    FCHECK_EQ(corral_task_state(b), CORRAL_TASK_READY);
    FCHECK_EQ(corral_task_abandon(b), 1);
    FCHECK_EQ(corral_lock_locked(T.l), 0);
    FCHECK_EQ(corral_task_finish(a, 0, &none, NULL, NULL), 0);
    FCHECK_EQ(corral_task_finish(b, 0, &none, NULL, NULL), 0);

    /* LOCK_ACQUIRE completed at once (free lock): abandoned before the step saw it */
    sc_a.next = 0;
    a = cu_spawn_step("A2", script_step, &sc_a);
    FCHECK(a);
    FCHECK_EQ(corral_checkpoint(), 0); /* A2 started and took the free lock */
    FCHECK(corral_lock_owner(T.l) == a);
    FCHECK_EQ(corral_task_state(a), CORRAL_TASK_READY);
    FCHECK_EQ(corral_task_abandon(a), 1);
    FCHECK_EQ(corral_lock_locked(T.l), 0);
    FCHECK_EQ(corral_task_finish(a, 0, &none, NULL, NULL), 0);

    /* COND_WAIT notified and re-acquired, not observed: the lock is released */
    corral_lock *cl = corral_condition_lock(T.c);
    sc_c2.ops[0] = op_of(CORRAL_OP_LOCK_ACQUIRE, cl, -1);
    sc_c2.ops[1] = op_of(CORRAL_OP_COND_WAIT, T.c, -1);
    sc_c2.n = 2;
    corral_task *c = cu_spawn_step("C", script_step, &sc_c2);
    FCHECK(c);
    FCHECK_EQ(cu_sleep_ms(1), 0);
    FCHECK_EQ(corral_condition_notify(T.c, 1), 1); /* lock free: re-acquired at once */
    FCHECK(corral_lock_owner(cl) == c);
    FCHECK_EQ(corral_task_abandon(c), 1);
    FCHECK_EQ(corral_lock_locked(cl), 0);
    FCHECK_EQ(corral_task_finish(c, 0, &none, NULL, NULL), 0);

    /* SEM_ACQUIRE: a permit handed over by release goes to the next waiter, then back to the
     * count */
    sc_s1.ops[0] = op_of(CORRAL_OP_SEM_ACQUIRE, T.s, -1);
    sc_s1.n = 1;
    sc_s2 = sc_s1;
    corral_task *s1 = cu_spawn_step("S1", script_step, &sc_s1);
    corral_task *s2 = cu_spawn_step("S2", script_step, &sc_s2);
    FCHECK(s1 && s2);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_semaphore_release(T.s), 0);
    FCHECK_EQ(corral_task_abandon(s1), 1);
    FCHECK_EQ(corral_task_state(s2), CORRAL_TASK_READY);
    FCHECK_EQ(corral_semaphore_value(T.s), 0);
    FCHECK_EQ(corral_task_abandon(s2), 1);
    FCHECK_EQ(corral_semaphore_value(T.s), 1);
    FCHECK_EQ(corral_task_finish(s1, 0, &none, NULL, NULL), 0);
    FCHECK_EQ(corral_task_finish(s2, 0, &none, NULL, NULL), 0);
    /* ... and a permit taken at once */
    sc_s1.next = 0;
    s1 = cu_spawn_step("S3", script_step, &sc_s1);
    FCHECK(s1);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_semaphore_value(T.s), 0);
    FCHECK_EQ(corral_task_abandon(s1), 1);
    FCHECK_EQ(corral_semaphore_value(T.s), 1);
    FCHECK_EQ(corral_task_finish(s1, 0, &none, NULL, NULL), 0);

    /* EVENT_WAIT and WATCH_PUT committed: nothing to undo (a delivered write stays) */
    sc_e.ops[0] = op_of(CORRAL_OP_EVENT_WAIT, T.e, -1);
    sc_e.n = 1;
    corral_task *e = cu_spawn_step("E", script_step, &sc_e);
    sc_wp.ops[0] = op_of(CORRAL_OP_WATCH_PUT, T.w, -1);
    sc_wp.ops[0].value = cu_int(42);
    sc_wp.n = 1;
    corral_task *wp = cu_spawn_step("WP", script_step, &sc_wp);
    FCHECK(e && wp);
    FCHECK_EQ(corral_checkpoint(), 0);
    FCHECK_EQ(corral_event_set(T.e), 1);
    FCHECK_EQ(corral_task_abandon(e), 1);
    T.deadline = -1;
    corral_task *r = cu_spawn("R", watch_reader, NULL);
    FCHECK(r);
    FCHECK_EQ(corral_checkpoint(), 0); /* R arrives: WP's write happens */
    FCHECK_EQ(corral_task_state(wp), CORRAL_TASK_READY);
    FCHECK_EQ(corral_task_abandon(wp), 1);
    FCHECK_EQ(watch_int(T.w, NULL), 42);
    FCHECK_EQ(corral_task_finish(e, 0, &none, NULL, NULL), 0);
    FCHECK_EQ(corral_task_finish(wp, 0, &none, NULL, NULL), 0);
    FCHECK_EQ(corral_join(r, NULL, -1), 0);
    return 0;
}

START_TEST(test_abandon_committed_grants)
{
    reset();
    memset(&sc_a, 0, sizeof sc_a);
    memset(&sc_c2, 0, sizeof sc_c2);
    memset(&sc_s1, 0, sizeof sc_s1);
    memset(&sc_e, 0, sizeof sc_e);
    memset(&sc_wp, 0, sizeof sc_wp);
    T.l = new_lock();
    T.c = new_cond(NULL);
    T.s = new_sem(0, 1);
    T.e = new_event();
    T.w = new_watch(0);
    ck_assert_int_eq(cu_run(abandon_committed_main, NULL), 0);
    ck_assert_str_eq(cu_trace_main(), "0 A done\n"
                                      "0 B done\n"
                                      "0 A2 done\n"
                                      "1 C done\n"
                                      "1 S1 done\n"
                                      "1 S2 done\n"
                                      "1 S3 done\n"
                                      "1 E done\n"
                                      "1 WP done\n"
                                      "1 R log got 42 v1\n"
                                      "1 R done\n");
}
END_TEST

/* ==== bad input ============================================================================= */

START_TEST(test_sync_null_args)
{
    corral_event *e = NULL;
    corral_lock *l = NULL;
    corral_condition *c = NULL;
    corral_watch *w = NULL;
    ck_assert_int_eq(corral_event_new(NULL, cu.rt), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_event_new(&e, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_lock_new(NULL, cu.rt), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_lock_new(&l, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_condition_new(NULL, cu.rt, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_condition_new(&c, NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_watch_new(NULL, cu.rt, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_watch_new(&w, NULL, NULL), CORRAL_EINVALIDARG);
    corral_value bad = cu_none();
    bad.type = 99;
    ck_assert_int_eq(corral_watch_new(&w, cu.rt, &bad), CORRAL_EINVALIDARG);
    ck_assert(!e && !l && !c && !w);

    ck_assert_int_eq(corral_event_set(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_event_clear(NULL), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_event_is_set(NULL), 0);
    ck_assert_int_eq(corral_lock_try_acquire(NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_lock_release(NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_lock_locked(NULL), 0);
    ck_assert_ptr_null(corral_lock_owner(NULL));
    ck_assert_int_eq(corral_condition_notify(NULL, 1), CORRAL_EINVALIDARG);
    ck_assert_ptr_null(corral_condition_lock(NULL));
    ck_assert_int_eq(corral_watch_get(NULL, &bad, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_watch_set(NULL, &bad), CORRAL_EINVALIDARG);
    ck_assert_int_lt(corral_watch_readers(NULL), 0);
    ck_assert_ptr_null(corral_event_ref(NULL));
    ck_assert_ptr_null(corral_lock_ref(NULL));
    ck_assert_ptr_null(corral_condition_ref(NULL));
    ck_assert_ptr_null(corral_watch_ref(NULL));
    corral_event_unref(NULL);
    corral_lock_unref(NULL);
    corral_condition_unref(NULL);
    corral_watch_unref(NULL);

    corral_watch *w2 = new_watch(1);
    ck_assert_int_eq(corral_watch_get(w2, NULL, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_watch_set(w2, NULL), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_watch_set(w2, &bad), CORRAL_EINVALIDARG);
    corral_value nullbytes = cu_none();
    nullbytes.type = CORRAL_VALUE_BYTES;
    nullbytes.len = 3;
    ck_assert_int_eq(corral_watch_set(w2, &nullbytes), CORRAL_EINVALIDARG);
    uint64_t ver;
    corral_value cur;
    ck_assert_int_eq(corral_watch_get(w2, &cur, &ver), 0);
    ck_assert_int_eq(cur.as.i, 1); /* no failed write took effect */
    ck_assert_uint_eq(ver, 0);
    /* the fiber shorthands outside a fiber */
    ck_assert_int_eq(corral_event_wait(new_event(), -1), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_lock_acquire(new_lock(), -1), CORRAL_EINVALIDSTATE);
    ck_assert_int_eq(corral_watch_next(w2, NULL, -1), CORRAL_EINVALIDARG);
    ck_assert_int_eq(corral_watch_put(w2, NULL, -1), CORRAL_EINVALIDARG);
}
END_TEST

/* Ops with bad targets and values from a fiber. */
static corral_rt *other_rt;

static int bad_ops_main(corral_task *self, void *arg, corral_value *res)
{
    (void)self;
    (void)arg;
    (void)res;
    corral_event *oe = NULL;
    corral_lock *ol = NULL;
    FCHECK_EQ(corral_event_new(&oe, other_rt), 0);
    FCHECK_EQ(corral_lock_new(&ol, other_rt), 0);
    /* a target of another runtime */
    FCHECK_EQ(corral_event_wait(oe, -1), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_lock_acquire(ol, -1), CORRAL_EINVALIDARG);
    corral_condition *c = NULL;
    FCHECK_EQ(corral_condition_new(&c, cu.rt, ol), CORRAL_EINVALIDARG);
    FCHECK(c == NULL);
    /* a task of this runtime cannot own a lock of another */
    FCHECK_EQ(corral_lock_try_acquire(ol, NULL), CORRAL_EINVALIDARG);
    corral_event_unref(oe);
    corral_lock_unref(ol);
    /* NULL targets, unknown kinds, negative deadlines */
    corral_op op = op_of(CORRAL_OP_EVENT_WAIT, NULL, -1);
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    op = op_of(CORRAL_OP_WATCH_PUT + 1, T.e, -1);
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_event_wait(T.e, -5), CORRAL_EINVALIDARG);
    /* a bad item for WATCH_PUT: refused before anything happens */
    op = op_of(CORRAL_OP_WATCH_PUT, T.w, -1);
    op.value.type = 42;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    op.value.type = CORRAL_VALUE_BYTES;
    op.value.len = 4;
    op.value.as.p = NULL;
    FCHECK_EQ(corral_await(&op, NULL), CORRAL_EINVALIDARG);
    FCHECK_EQ(corral_watch_readers(T.w), 0);
    return 0;
}

START_TEST(test_sync_wrong_runtime_and_bad_ops)
{
    reset();
    ck_assert_int_eq(corral_rt_new(&other_rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
    cu_keep_rt(other_rt);
    T.e = new_event();
    T.w = new_watch(0);
    ck_assert_int_eq(cu_run(bad_ops_main, NULL), 0);
}
END_TEST

START_TEST(test_sync_use_after_close)
{
    dtor_calls = 0;
    corral_event *e = new_event();
    corral_lock *l = new_lock();
    corral_semaphore *s = new_sem(1, 1);
    corral_condition *c = new_cond(NULL);
    corral_watch *w = new_watch(0);
    corral_value p = ptr_value();
    ck_assert_int_eq(corral_watch_set(w, &p), 0);
    ck_assert_int_eq(corral_rt_close(cu.rt), 0);
    ck_assert_int_eq(corral_event_set(e), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_event_clear(e), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_lock_try_acquire(l, NULL), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_lock_release(l, NULL), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_semaphore_try_acquire(s), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_semaphore_release(s), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_condition_notify(c, -1), CORRAL_ECLOSED);
    corral_value v = cu_int(1);
    ck_assert_int_eq(corral_watch_set(w, &v), CORRAL_ECLOSED);
    corral_event *e2 = NULL;
    corral_lock *l2 = NULL;
    corral_semaphore *s2 = NULL;
    corral_condition *c2 = NULL;
    corral_watch *w2 = NULL;
    ck_assert_int_eq(corral_event_new(&e2, cu.rt), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_lock_new(&l2, cu.rt), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_semaphore_new(&s2, cu.rt, 1, -1), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_condition_new(&c2, cu.rt, NULL), CORRAL_ECLOSED);
    ck_assert_int_eq(corral_watch_new(&w2, cu.rt, NULL), CORRAL_ECLOSED);
    ck_assert(!e2 && !l2 && !s2 && !c2 && !w2);
    /* queries still answer; the memory goes with the last reference (teardown) */
    ck_assert_int_eq(corral_event_is_set(e), 0);
    ck_assert_int_eq(corral_semaphore_value(s), 1);
    ck_assert_int_eq(dtor_calls, 0);
}
END_TEST

Suite *cu_suite_sync(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("primitives");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_event_sticky_fifo_clear);
    tcase_add_test(tc, test_event_cancel_and_deadline);
    tcase_add_test(tc, test_lock_fifo_handoff);
    tcase_add_test(tc, test_lock_cancel_and_deadline);
    tcase_add_test(tc, test_semaphore_bounded);
    tcase_add_test(tc, test_semaphore_plain_and_bad_args);
    tcase_add_test(tc, test_condition_notify_order);
    tcase_add_test(tc, test_condition_cancel_reacquires);
    tcase_add_test(tc, test_condition_wait_for_shared_lock);
    tcase_add_test(tc, test_watch_versions);
    tcase_add_test(tc, test_watch_put_waits_for_reader);
    tcase_add_test(tc, test_watch_values_owned);
    suite_add_tcase(s, tc);

    tc = tcase_create("drivers");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_step_task_users);
    tcase_add_test(tc, test_abandon_parked_waits);
    tcase_add_test(tc, test_abandon_parked_condition_watch);
    tcase_add_test(tc, test_abandon_committed_grants);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_input");
    tcase_add_checked_fixture(tc, cu_setup, cu_teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_sync_null_args);
    tcase_add_test(tc, test_sync_wrong_runtime_and_bad_ops);
    tcase_add_test(tc, test_sync_use_after_close);
    suite_add_tcase(s, tc);
    return s;
}
