/* S64 - Lock hand-off is FIFO; nobody barges in (R60's rule applied to locks, R65). */
#include "scenario.h"

static corral_lock *lock;

/* A: async with lock: log("A in"); await sleep(5)
 *    log("A out") */
FIBER(task_a)
{
    CHECK(corral_lock_acquire(lock, -1));
    slog(self, "A in");
    int rc = corral_sleep_for(corral_ms(5));
    CHECK(corral_lock_release(lock, self));
    if (rc < 0)
        return rc;
    slog(self, "A out");
    return 0;
}

/* B: await sleep(1); async with lock: log("B in"); await sleep(1) */
FIBER(task_b)
{
    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_lock_acquire(lock, -1));
    slog(self, "B in");
    int rc = corral_sleep_for(corral_ms(1));
    CHECK(corral_lock_release(lock, self));
    return rc;
}

/* C: await sleep(2); async with lock: log("C in") */
FIBER(task_c)
{
    CHECK(corral_sleep_for(corral_ms(2)));
    CHECK(corral_lock_acquire(lock, -1));
    slog(self, "C in");
    CHECK(corral_lock_release(lock, self));
    return 0;
}

/* E: await checkpoint(); await sleep(5); log("E try=" + lock.try_acquire()) */
FIBER(task_e)
{
    CHECK(corral_checkpoint());
    CHECK(corral_sleep_for(corral_ms(5)));
    int got = CHECK(corral_lock_try_acquire(lock, self));
    slog(self, "E try=%s", scn_bool(got));
    if (got)
        CHECK(corral_lock_release(lock, self));
    return 0;
}

FIBER(main_fiber)
{
    lock = scn_lock();
    corral_task *t[4];
    t[0] = scn_spawn(NULL, "A", task_a, NULL);
    t[1] = scn_spawn(NULL, "B", task_b, NULL);
    t[2] = scn_spawn(NULL, "C", task_c, NULL);
    t[3] = scn_spawn(NULL, "E", task_e, NULL);
    for (int i = 0; i < 4; i++)
        scn_join_quiet(t[i]);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
