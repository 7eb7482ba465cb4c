/* S69 - adefer order with an async and a sync callback (R67, R66). C's adefer is an exit
 * stack the function closes on every path: push = defer, push_fiber = an async deferred call. */
#include "scenario.h"

/* note(name): log("deferred " + name) */
static int note(void *ud, corral_error *current)
{
    (void)current;
    slog(corral_current(), "deferred %s", (const char *)ud);
    return 0;
}

/* anote(name): await sleep(5); log("deferred " + name) */
static int anote(corral_task *self, void *ud, corral_error *current)
{
    (void)current;
    int rc = corral_sleep_for(corral_ms(5));
    if (rc == 0)
        slog(self, "deferred %s", (const char *)ud);
    return rc;
}

FIBER(task_a)
{
    corral_exitstack *defer;
    CHECK(corral_exitstack_new(&defer, scn_rt()));
    CHECK(corral_exitstack_push(defer, note, "first"));
    CHECK(corral_exitstack_push_fiber(defer, anote, "second"));
    CHECK(corral_exitstack_push(defer, note, "third"));
    slog(self, "body");
    int rc = corral_sleep_for(corral_ms(10));
    rc = corral_exitstack_close(defer, rc);
    corral_exitstack_unref(defer);
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(3)));
    CHECK(corral_task_cancel(a));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
