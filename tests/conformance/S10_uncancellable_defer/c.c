/* S10 - uncancellable(raise_cancel=False) defers, never swallows (R34). */
#include "scenario.h"

/* work(): await sleep(20); log("work done"); return "w"   (runs inline in the caller) */
static int work(corral_task *self, void *arg, corral_value *result)
{
    (void)arg;
    int rc = corral_sleep_for(corral_ms(20));
    if (rc < 0)
        return rc;
    slog(self, "work done");
    *result = scn_str("w");
    return 0;
}

/* r = await uncancellable(work(), raise_cancel=False); log("r=" + r);
 * await sleep(1); log("unreachable") */
FIBER(task_a)
{
    corral_value r = {0}; /* work()'s own value, handed back as is: nothing to free */
    int rc = corral_uncancellable(work, NULL, &r, 0);
    if (rc < 0)
        return rc;
    slog(self, "r=%s", scn_text(&r));
    rc = corral_sleep_for(corral_ms(1)); /* the deferred cancellation arrives here */
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_task_cancel(a));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
