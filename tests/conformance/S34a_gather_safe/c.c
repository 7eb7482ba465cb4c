/* S34 run 1 - gather_safe (R59, R71): every outcome is a value, in input order. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

/* x: await sleep(5); return 1 */
FIBER(member_x)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    *result = scn_int(1);
    return 0;
}

/* y: await sleep(3); raise ValueError("y") */
FIBER(member_y)
{
    int rc = corral_sleep_for(corral_ms(3));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "y");
}

/* z: await sleep(1); return 3 */
FIBER(member_z)
{
    int rc = corral_sleep_for(corral_ms(1));
    if (rc < 0)
        return rc;
    *result = scn_int(3);
    return 0;
}

/* log("r=" + await gather_safe([x, y, z])) */
FIBER(main_fiber)
{
    const corral_member members[] = {
        {"gx", member_x, NULL}, {"gy", member_y, NULL}, {"gz", member_z, NULL}};
    corral_task *tasks[3];
    CHECK(corral_gather_safe(members, 3, tasks));
    char text[256] = "[";
    for (size_t i = 0; i < 3; i++) {
        corral_value v;
        int rc = corral_task_result(tasks[i], &v);
        const char *one = rc == 0 ? scn_text(&v) : scn_err(corral_task_error(tasks[i]));
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i ? ", " : "", one);
        corral_task_unref(tasks[i]);
    }
    slog(self, "r=%s]", text);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
