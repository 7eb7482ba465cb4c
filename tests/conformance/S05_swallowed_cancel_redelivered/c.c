/* S05 - A swallowed cancellation is re-delivered (R24). */
#include "scenario.h"

/* try: await sleep(100) except Cancelled: log("swallowed")
 * log("continuing"); await sleep(1); log("unreachable") */
FIBER(task_a)
{
    if (corral_sleep_for(corral_ms(100)) == CORRAL_ECANCELLED)
        slog(self, "swallowed"); /* ignore the code, as careless C code does */
    slog(self, "continuing");
    int rc = corral_sleep_for(corral_ms(1)); /* level-triggered: Cancelled again */
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
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
