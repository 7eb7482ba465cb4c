/* S61 - Cleanup grace expiry in call_on_cancel (R66, R73). */
#include "scenario.h"

/* slow(): await sleep(20); log("unreachable") */
static int slow(corral_task *self, void *arg, corral_value *result)
{
    (void)arg, (void)result;
    int rc = corral_sleep_for(corral_ms(20));
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

/* T = spawn(G, "T", call_on_cancel, slow) */
FIBER(task_t)
{
    return corral_call_on_cancel(slow, NULL, result);
}

FIBER(main_fiber)
{
    corral_group *g = scn_group("G");
    CHECK(corral_group_set_cleanup_timeout(g, corral_ms(5)));
    scn_spawn(g, "T", task_t, NULL);
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_async_close(g, 1, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
