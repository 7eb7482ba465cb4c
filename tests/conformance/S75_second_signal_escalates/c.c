/* S75 - The second signal escalates: shields are cancelled (R51, R28, R32). */
#include <signal.h>

#include "scenario.h"

/* H (root): await sleep(10); inject_signal(SIGINT); await sleep(2); inject_signal(SIGINT);
 * log("H sent two") */
FIBER(task_h)
{
    int rc = corral_sleep_for(corral_ms(10));
    if (rc < 0)
        return rc;
    CHECK(corral_rt_inject_signal(scn_rt(), SIGINT)); /* cancels main (cause SIGNAL) */
    rc = corral_sleep_for(corral_ms(2));
    if (rc < 0)
        return rc;
    CHECK(corral_rt_inject_signal(scn_rt(), SIGINT)); /* escalates: every shield is cancelled */
    slog(self, "H sent two");
    return 0;
}

/* main: try: await sleep(100)
 *       finally: with shield(): try: await sleep(5); log("cleanup done")
 *                               except Cancelled: log("cleanup cut"); raise
 *                log("after shield") */
FIBER(main_fiber)
{
    corral_scope *shield;
    scn_spawn(NULL, "H", task_h, NULL);
    int rc = corral_sleep_for(corral_ms(100));
    CHECK(corral_shield(&shield, self));
    int rc2 = corral_sleep_for(corral_ms(5));
    if (rc2 == 0)
        slog(self, "cleanup done");
    else if (rc2 == CORRAL_ECANCELLED)
        slog(self, "cleanup cut");
    rc2 = corral_scope_exit(shield, rc2); /* the shield absorbs its own cancellation (R28) */
    corral_scope_unref(shield);
    if (rc2 < 0)
        return rc2;
    slog(self, "after shield");
    return rc;
}

int main(void)
{
    return scn_run_flags(main_fiber, CORRAL_ECANCELLED, CORRAL_RT_ESCALATE_SIGNALS);
}
