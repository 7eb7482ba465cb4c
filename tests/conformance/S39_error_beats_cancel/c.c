/* S39 - An error beats a pending cancellation (R14, R33, R54). */
#include "scenario.h"

/* work(): await sleep(20); raise ValueError("w")   (runs inline in the caller) */
static int work(corral_task *self, void *arg, corral_value *result)
{
    (void)arg, (void)result;
    int rc = corral_sleep_for(corral_ms(20));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "w");
}

/* A: await uncancellable(work(), raise_cancel=True) */
FIBER(task_a)
{
    corral_value r = {0};
    return corral_uncancellable(work, NULL, &r, 1);
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_task_cancel(a));
    if (corral_join(a, NULL, -1) == CORRAL_EUSER)
        slog(self, "join %s", scn_err(corral_task_last_error(self)));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
