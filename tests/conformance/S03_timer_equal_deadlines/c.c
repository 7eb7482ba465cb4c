/* S03 - Timer ordering with equal deadlines (R6, R10). */
#include "scenario.h"

/* await sleep(<arg> ms); log("woke") */
FIBER(sleeper)
{
    int rc = corral_sleep_for(corral_ms((int64_t)(intptr_t)arg));
    if (rc < 0)
        return rc;
    slog(self, "woke");
    return 0;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", sleeper, (void *)10);
    corral_task *b = scn_spawn(NULL, "B", sleeper, (void *)5);
    corral_task *c = scn_spawn(NULL, "C", sleeper, (void *)10);
    scn_join_quiet(a);
    scn_join_quiet(b);
    scn_join_quiet(c);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
