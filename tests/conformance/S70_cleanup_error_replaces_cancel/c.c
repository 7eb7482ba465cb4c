/* S70 - A cleanup error replaces a cancellation (R67, R39, R66). */
#include "scenario.h"

/* raiser(name): await sleep(1); raise ValueError(name) */
static int raiser(corral_task *self, void *ud, corral_error *current)
{
    (void)current;
    int rc = corral_sleep_for(corral_ms(1));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", (const char *)ud);
}

FIBER(task_a)
{
    corral_exitstack *st;
    CHECK(corral_exitstack_new(&st, scn_rt()));
    CHECK(corral_exitstack_push_fiber(st, raiser, "x"));
    int rc = corral_sleep_for(corral_ms(100));
    rc = corral_exitstack_close(st, rc);
    corral_exitstack_unref(st);
    return rc; /* fails with ValueError:x, no context */
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_task_cancel(a));
    if (corral_join(a, NULL, -1) < 0)
        slog(self, "join %s", scn_err(corral_task_last_error(self)));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
