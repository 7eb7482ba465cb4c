/* S19 - Errors in unawaited tasks and in handlers are never lost (R56, R57). */
#include "scenario.h"

/* exception_cb = lambda e, t: raise RuntimeError("cb") */
static int cb(corral_group *g, corral_task *member, corral_error *err, corral_error **raised,
              void *ud)
{
    (void)g, (void)member, (void)err, (void)ud;
    CHECK(corral_error_new(raised, CORRAL_EUSER, "RuntimeError", "cb"));
    return CORRAL_EUSER;
}

/* A (root group): await sleep(5); raise ValueError("boom") */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    return corral_task_raise(self, "ValueError", "boom");
}

/* B (in G): await sleep(15); raise ValueError("x") */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(15));
    if (rc < 0)
        return rc;
    return corral_task_raise(self, "ValueError", "x");
}

FIBER(main_fiber)
{
    corral_group *G = scn_group("G");
    CHECK(corral_group_set_handler(G, cb, NULL));
    scn_spawn(NULL, "A", task_a, NULL);
    scn_spawn(G, "B", task_b, NULL);
    CHECK(corral_sleep_for(corral_ms(20)));
    slog(self, "unhandled=%lld", (long long)CHECK(corral_rt_unhandled_count(scn_rt())));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
