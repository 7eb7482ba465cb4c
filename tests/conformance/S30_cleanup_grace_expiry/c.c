/* S30 - Cleanup grace expiry (R66). */
#include "scenario.h"

/* slow(): await sleep(20); log("unreachable") */
static int slow(corral_task *self, void *ud, corral_error *current)
{
    (void)ud, (void)current;
    int rc = corral_sleep_for(corral_ms(20));
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

/* async with ExitStack(cleanup_timeout=5) as st: st.push_async_callback(slow); await sleep(100) */
FIBER(task_a)
{
    corral_exitstack *st;
    CHECK(corral_exitstack_new(&st, scn_rt()));
    CHECK(corral_exitstack_set_cleanup_timeout(st, corral_ms(5)));
    CHECK(corral_exitstack_push_fiber(st, slow, NULL));
    int rc = corral_sleep_for(corral_ms(100));
    rc = corral_exitstack_close(st, rc); /* the grace expires; Cancelled stays the outcome */
    corral_exitstack_unref(st);
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_task_cancel(a));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
