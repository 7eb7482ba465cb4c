/* S09 - uncancellable(raise_cancel=True) (R33). */
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

/* r = await uncancellable(work(), raise_cancel=True); log("after " + r) */
FIBER(task_a)
{
    corral_value r = {0}; /* work()'s own value, handed back as is: nothing to free */
    int rc = corral_uncancellable(work, NULL, &r, 1);
    if (rc < 0)
        return rc; /* cancellation was pending when work() finished: r is discarded */
    slog(self, "after %s", scn_text(&r));
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
