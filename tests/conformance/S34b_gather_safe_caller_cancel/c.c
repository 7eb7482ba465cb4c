/* S34 run 2 - gather_safe when its caller is cancelled (R71): the members are cancelled and
 * awaited, then Cancelled propagates. */
#include "scenario.h"

FIBER(member_x)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    *result = scn_int(1);
    return 0;
}

FIBER(member_y)
{
    int rc = corral_sleep_for(corral_ms(3));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "y");
}

FIBER(member_z)
{
    int rc = corral_sleep_for(corral_ms(1));
    if (rc < 0)
        return rc;
    *result = scn_int(3);
    return 0;
}

/* W: gather_safe([x, y, z]) */
FIBER(task_w)
{
    const corral_member members[] = {
        {"gx", member_x, NULL}, {"gy", member_y, NULL}, {"gz", member_z, NULL}};
    corral_task *tasks[3];
    int rc = corral_gather_safe(members, 3, tasks);
    EXPECT(rc, CORRAL_ECANCELLED); /* the tasks are stored even then */
    for (size_t i = 0; i < 3; i++)
        corral_task_unref(tasks[i]);
    return rc;
}

/* w = spawn("W", gather_safe, [x, y, z]); await sleep(2); w.cancel(); join -> log */
FIBER(main_fiber)
{
    corral_task *w = scn_spawn(NULL, "W", task_w, NULL);
    CHECK(corral_sleep_for(corral_ms(2)));
    CHECK(corral_task_cancel(w));
    if (corral_join(w, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
