/* S24 - Awaiting a cancelled future (R22). */
#include "scenario.h"

static corral_future *f;

/* try: await f except FutureCancelled: log("future cancelled")
 * await sleep(1); log("alive"); return "ok" */
FIBER(task_t)
{
    int rc = corral_future_await(f, NULL, -1);
    if (rc == CORRAL_EFUTURECANCELLED)
        slog(self, "future cancelled"); /* an ordinary error: T is not cancelled */
    else if (rc < 0)
        return rc;
    rc = corral_sleep_for(corral_ms(1));
    if (rc < 0)
        return rc;
    slog(self, "alive");
    *result = scn_str("ok");
    return 0;
}

FIBER(main_fiber)
{
    f = scn_future();
    corral_task *t = scn_spawn(NULL, "T", task_t, NULL);
    CHECK(corral_sleep_for(corral_ms(1)));
    EXPECT(corral_future_cancel(f), 1);
    corral_value v;
    CHECK(corral_join(t, &v, -1));
    slog(self, "join %s", scn_text(&v));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
