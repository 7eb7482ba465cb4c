/* S41 - hat-style Group as an async CM cancels on exit (R49, R66). In C the CANCEL exit of a
 * free group is what its context manager does: close(cancel=True), then wait until CLOSED. */
#include "scenario.h"

/* T: try: await sleep(100) except Cancelled: with shield(): await sleep(2); log("T cleanup"); raise
 */
FIBER(task_t)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED) {
        corral_scope *sh;
        CHECK(corral_shield(&sh, self));
        int r2 = corral_sleep_for(corral_ms(2));
        r2 = corral_scope_exit(sh, r2);
        corral_scope_unref(sh);
        if (r2 < 0)
            return r2;
        slog(self, "T cleanup");
    }
    return rc;
}

FIBER(main_fiber)
{
    corral_group *g = scn_group("G");
    scn_spawn(g, "T", task_t, NULL);
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_group_async_close(g, 1, -1)); /* the exit of `async with Group("G")` */
    slog(self, "after");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
