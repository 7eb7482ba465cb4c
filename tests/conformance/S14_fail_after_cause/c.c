/* S14 - fail_after: Timeout only when the deadline is the cause (R38, R29). */
#include "scenario.h"

/* try: with fail_after(10): await sleep(100) except Timeout: log("timeout") */
FIBER(task_a)
{
    corral_scope *s;
    CHECK(corral_fail_after(&s, self, corral_ms(10)));
    int rc = corral_sleep_for(corral_ms(100));
    rc = corral_scope_exit(s, rc);
    corral_scope_unref(s);
    if (rc == CORRAL_ETIMEOUT) {
        slog(self, "timeout");
        rc = 0;
    }
    return rc;
}

/* with fail_after(10) as s: s.cancel(); await checkpoint(); log("unreachable")
 * log("no timeout, caught=" + s.cancelled_caught + " cause=" + s.cause) */
FIBER(task_b)
{
    corral_scope *s;
    CHECK(corral_fail_after(&s, self, corral_ms(10)));
    EXPECT(corral_scope_cancel(s), 1);
    int rc = corral_checkpoint();
    if (rc == 0)
        slog(self, "unreachable");
    rc = corral_scope_exit(s, rc); /* explicit cancel: absorbed like move_on, no Timeout */
    if (rc == 0)
        slog(self, "no timeout, caught=%s cause=%s", scn_bool(corral_scope_cancelled_caught(s)),
             corral_cause_name(corral_scope_cause(s)));
    corral_scope_unref(s);
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    corral_task *b = scn_spawn(NULL, "B", task_b, NULL);
    scn_join_quiet(a);
    scn_join_quiet(b);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
