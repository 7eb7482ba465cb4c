/* S73 - A body's error is a member of its group's ErrorGroup, not its context (R54, R77). */
#include "scenario.h"

/* m(): await sleep(5); log("unreachable") */
FIBER(m)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc == 0)
        slog(self, "unreachable");
    return rc;
}

/* async with TaskGroup() as tg: tg.spawn(m, name="m"); raise ValueError("body") */
FIBER(task_a)
{
    corral_group *tg;
    CHECK(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    scn_spawn(tg, "m", m, NULL);
    int rc = corral_task_raise(self, "ValueError", "body");
    rc = corral_group_exit(tg, rc);
    corral_group_unref(tg);
    return rc; /* CORRAL_EERRORGROUP: corral_task_last_error */
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    if (corral_join(a, NULL, -1) == CORRAL_EERRORGROUP)
        slog(self, "join %s", scn_errors(corral_task_last_error(self)));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
