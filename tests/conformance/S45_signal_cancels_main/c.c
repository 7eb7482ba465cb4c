/* S45 - First signal cancels main, later signals are ignored (R51, R32).
 * Compared through the final "rt run" line. */
#include <signal.h>

#include "scenario.h"

/* H (root): await sleep(10); rt.inject_signal(SIGINT); await sleep(2); rt.inject_signal(SIGINT) */
FIBER(task_h)
{
    int rc = corral_sleep_for(corral_ms(10));
    if (rc < 0)
        return rc;
    CHECK(corral_rt_inject_signal(scn_rt(), SIGINT)); /* cancels main (cause SIGNAL) */
    rc = corral_sleep_for(corral_ms(2));
    if (rc < 0)
        return rc;
    CHECK(corral_rt_inject_signal(scn_rt(), SIGINT)); /* ignored */
    return 0;
}

/* main: try: await sleep(100) finally: with shield(): await sleep(5); log("main cleanup") */
FIBER(main_fiber)
{
    corral_scope *shield;
    scn_spawn(NULL, "H", task_h, NULL);
    int rc = corral_sleep_for(corral_ms(100));
    CHECK(corral_shield(&shield, self));
    int rc2 = corral_sleep_for(corral_ms(5));
    if (rc2 == 0)
        slog(self, "main cleanup");
    rc2 = corral_scope_exit(shield, rc2);
    corral_scope_unref(shield);
    return rc2 < 0 ? rc2 : rc;
}

int main(void)
{
    return scn_run(main_fiber, CORRAL_ECANCELLED);
}
