/* S65 - Condition: notify order, and a cancelled waiter re-acquires the lock (R65). */
#include "scenario.h"

static corral_condition *cond;
static corral_lock *lock; /* the condition's own lock */

/* W(name): async with cond: log(name + " waiting"); await cond.wait(); log(name + " woken") */
FIBER(task_w)
{
    const char *name = corral_task_name(self);
    CHECK(corral_lock_acquire(lock, -1));
    slog(self, "%s waiting", name);
    int rc = corral_condition_wait(cond, -1); /* returns owning the lock, whatever happened */
    if (rc == 0)
        slog(self, "%s woken", name);
    CHECK(corral_lock_release(lock, self));
    return rc;
}

/* X: async with cond: log("X waiting")
 *      try: await cond.wait() except Cancelled: log("X cancelled owns lock=" + cond.locked());
 * raise */
FIBER(task_x)
{
    CHECK(corral_lock_acquire(lock, -1));
    slog(self, "X waiting");
    int rc = corral_condition_wait(cond, -1);
    if (rc == CORRAL_ECANCELLED)
        slog(self, "X cancelled owns lock=%s",
             scn_bool(corral_lock_locked(lock) && corral_lock_owner(lock) == self));
    CHECK(corral_lock_release(lock, self));
    return rc;
}

FIBER(main_fiber)
{
    cond = scn_condition();
    lock = corral_condition_lock(cond);
    scn_spawn(NULL, "W1", task_w, NULL);
    scn_spawn(NULL, "W2", task_w, NULL);
    scn_spawn(NULL, "W3", task_w, NULL);

    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_lock_acquire(lock, -1));
    EXPECT(corral_condition_notify(cond, 2), 2);
    slog(self, "notified 2");
    CHECK(corral_lock_release(lock, self));

    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_lock_acquire(lock, -1));
    EXPECT(corral_condition_notify(cond, -1), 1);
    slog(self, "notified all");
    CHECK(corral_lock_release(lock, self));

    CHECK(corral_sleep_for(corral_ms(1)));
    corral_task *x = scn_spawn(NULL, "X", task_x, NULL);
    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_lock_acquire(lock, -1));
    CHECK(corral_task_cancel(x));
    slog(self, "cancelled X");
    int rc = corral_sleep_for(corral_ms(1)); /* X cannot resume while main holds the lock */
    CHECK(corral_lock_release(lock, self));
    CHECK(rc);
    scn_join_quiet(x);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
