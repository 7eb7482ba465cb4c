/* S58 - trio-style nursery and its cancel scope (R49, R53, R28). A nursery is a scoped
 * FAIL_FAST group with a JOIN exit; n.cancel_scope is corral_group_scope(n). */
#include "scenario.h"

static corral_group *n;

/* A: try: await sleep(100) except Cancelled: log("A cancelled"); raise */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "A cancelled");
    return rc;
}

/* B: await sleep(5); n.cancel_scope.cancel(); log("B cancelled scope") */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    CHECK(corral_scope_cancel(corral_group_scope(n)));
    slog(self, "B cancelled scope");
    return 0;
}

FIBER(main_fiber)
{
    CHECK(corral_group_enter(&n, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    scn_spawn(n, "A", task_a, NULL);
    scn_spawn(n, "B", task_b, NULL);
    int body = corral_sleep_for(corral_ms(50));
    EXPECT(corral_group_exit(n, body), 0);
    slog(self, "caught=%s", scn_bool(corral_scope_cancelled_caught(corral_group_scope(n))));
    corral_group_unref(n);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
