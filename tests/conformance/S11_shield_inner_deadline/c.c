/* S11 - Shield with an inner deadline (R25, R28, R32). */
#include "scenario.h"

/* with shield():
 *     with move_on_after(10) as inner:
 *         await sleep(50)
 *     log("inner caught=" + inner.cancelled_caught)
 * log("left shield")
 * await sleep(1)
 * log("unreachable") */
FIBER(task_a)
{
    corral_scope *shield, *inner;
    int rc;

    CHECK(corral_shield(&shield, self));
    CHECK(corral_move_on_after(&inner, self, corral_ms(10)));
    rc = corral_sleep_for(corral_ms(50)); /* the task's cancel at t=2 is held off by the shield */
    rc = corral_scope_exit(inner, rc);    /* inner's own deadline fired: absorbed here */
    if (rc == 0)
        slog(self, "inner caught=%s", scn_bool(corral_scope_cancelled_caught(inner)));
    corral_scope_unref(inner);
    rc = corral_scope_exit(shield, rc);
    corral_scope_unref(shield);
    if (rc < 0)
        return rc;
    slog(self, "left shield");
    rc = corral_sleep_for(corral_ms(1));
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
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
