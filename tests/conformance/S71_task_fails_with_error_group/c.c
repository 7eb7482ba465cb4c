/* S71 - A task that fails with its group's ErrorGroup (R54, R77). */
#include "scenario.h"

FIBER(bad)
{
    return corral_task_raise(self, "ValueError", "v");
}

/* async with TaskGroup() as tg: tg.spawn(bad, name="m") */
FIBER(task_a)
{
    corral_group *tg;
    CHECK(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    scn_spawn(tg, "m", bad, NULL);
    int rc = corral_group_exit(tg, 0);
    corral_group_unref(tg);
    return rc; /* fails with the ErrorGroup (corral_task_last_error) */
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
