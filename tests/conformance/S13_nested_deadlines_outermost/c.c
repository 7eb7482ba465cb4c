/* S13 - Nested deadlines expiring in one tick: outermost wins (R39, R28). */
#include "scenario.h"

/* with move_on_at(10) as outer:
 *     with fail_at(10) as inner:
 *         await sleep(100)
 * log("outer=" + outer.cancelled_caught + " inner=" + inner.cancelled_caught) */
FIBER(task_a)
{
    corral_scope *outer, *inner;
    int rc;

    CHECK(corral_move_on_at(&outer, self, corral_ms(10)));
    CHECK(corral_fail_at(&inner, self, corral_ms(10)));
    rc = corral_sleep_for(corral_ms(100));
    rc = corral_scope_exit(inner, rc); /* outer's cancellation is visible: not absorbed */
    rc = corral_scope_exit(outer, rc); /* absorbed by the outermost cancelled scope */
    if (rc == 0)
        slog(self, "outer=%s inner=%s", scn_bool(corral_scope_cancelled_caught(outer)),
             scn_bool(corral_scope_cancelled_caught(inner)));
    corral_scope_unref(inner);
    corral_scope_unref(outer);
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
