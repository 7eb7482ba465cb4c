/* S12 - move_on_after (R37). */
#include "scenario.h"

/* with move_on_after(10) as s:
 *     await sleep(5); log("slept 5"); await sleep(20); log("unreachable")
 * log("caught=" + s.cancelled_caught); return "ok" */
FIBER(task_a)
{
    corral_scope *s;
    int rc;

    CHECK(corral_move_on_after(&s, self, corral_ms(10)));
    rc = corral_sleep_for(corral_ms(5));
    if (rc == 0) {
        slog(self, "slept 5");
        rc = corral_sleep_for(corral_ms(20));
        if (rc == 0)
            slog(self, "unreachable");
    }
    rc = corral_scope_exit(s, rc); /* the deadline's Cancelled is absorbed */
    if (rc == 0)
        slog(self, "caught=%s", scn_bool(corral_scope_cancelled_caught(s)));
    corral_scope_unref(s);
    if (rc < 0)
        return rc;
    *result = scn_str("ok");
    return 0;
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
