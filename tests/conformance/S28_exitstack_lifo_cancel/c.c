/* S28 - ExitStack LIFO cleanup during cancellation (R66, R67). */
#include "scenario.h"

/* cleanup(name): await sleep(5); log(name + " done") */
static int cleanup(corral_task *self, void *ud, corral_error *current)
{
    (void)current;
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    slog(self, "%s done", (const char *)ud);
    return 0;
}

/* async with ExitStack() as st:
 *     st.push_async_callback(cleanup, "c1"); st.push_async_callback(cleanup, "c2")
 *     await sleep(100) */
FIBER(task_a)
{
    corral_exitstack *st;
    CHECK(corral_exitstack_new(&st, scn_rt()));
    CHECK(corral_exitstack_push_fiber(st, cleanup, "c1"));
    CHECK(corral_exitstack_push_fiber(st, cleanup, "c2"));
    int rc = corral_sleep_for(corral_ms(100));
    rc = corral_exitstack_close(st, rc);
    corral_exitstack_unref(st);
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_task_cancel(a));
    CHECK(corral_sleep_for(corral_ms(2)));
    CHECK(corral_task_cancel(a));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
