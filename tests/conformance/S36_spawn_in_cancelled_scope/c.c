/* S36 - Spawning inside an already-cancelled outer scope (R13, R44, R49). */
#include "scenario.h"

/* C: log("C start"); await checkpoint(); log("unreachable") */
FIBER(task_c)
{
    slog(self, "C start");
    int rc = corral_checkpoint();
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

FIBER(main_fiber)
{
    corral_scope *cs;
    CHECK(corral_move_on_at(&cs, self, -1)); /* cancel_scope() */
    CHECK(corral_scope_cancel(cs));
    corral_group *tg;
    CHECK(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    corral_task *c;
    CHECK(corral_spawn_fiber(&c, scn_rt(), tg, "C", task_c, NULL, NULL));
    slog(self, "body");
    int rc = corral_group_exit(tg, 0); /* waits for C, then a cancel point */
    rc = corral_scope_exit(cs, rc);
    EXPECT(rc, 0);
    slog(self, "cs caught=%s", scn_bool(corral_scope_cancelled_caught(cs)));
    corral_scope_unref(cs);
    corral_task_unref(c);
    corral_group_unref(tg);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
