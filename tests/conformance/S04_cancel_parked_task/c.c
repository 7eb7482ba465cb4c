/* S04 - Cancelling a parked task (R15, R16, R26). */
#include "scenario.h"

/* log("start"); try: await sleep(100) except Cancelled: log("caught"); raise */
FIBER(task_a)
{
    slog(self, "start");
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "caught");
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(10)));
    EXPECT(corral_task_cancel(a), 1);
    slog(self, "requested");
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
