/* S15 - Past deadlines and checkpoint-free bodies (R40). */
#include "scenario.h"

/* with fail_after(0) as s1:
 *     log("sync only")
 * log("s1 caught=" + s1.cancelled_caught)
 * try:
 *     with fail_after(0):
 *         await checkpoint()
 * except Timeout:
 *     log("timeout") */
FIBER(task_a)
{
    corral_scope *s1, *s2;
    int rc;

    CHECK(corral_fail_after(&s1, self, 0)); /* cancelled at entry, but nothing observes it */
    slog(self, "sync only");
    rc = corral_scope_exit(s1, 0);
    if (rc == 0)
        slog(self, "s1 caught=%s", scn_bool(corral_scope_cancelled_caught(s1)));
    corral_scope_unref(s1);
    if (rc < 0)
        return rc;

    CHECK(corral_fail_after(&s2, self, 0));
    rc = corral_checkpoint(); /* observes the cancellation */
    rc = corral_scope_exit(s2, rc);
    corral_scope_unref(s2);
    if (rc == CORRAL_ETIMEOUT) {
        slog(self, "timeout");
        rc = 0;
    }
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    scn_join_quiet(a);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
