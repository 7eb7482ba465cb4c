/* S06 - Cancelled before the first step: the body still starts (R13). */
#include "scenario.h"

/* log("start"); try: await checkpoint() finally: log("cleanup") */
FIBER(task_a)
{
    slog(self, "start");
    int rc = corral_checkpoint();
    slog(self, "cleanup");
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
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
