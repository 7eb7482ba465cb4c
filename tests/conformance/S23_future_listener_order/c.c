/* S23 - Future listener order and deferral (R8, R19, R20). */
#include "scenario.h"

static corral_future *f;

/* cbN logs "cbN" (actor cbN); ud is the callback's name. */
static void cb(corral_future *fut, void *ud)
{
    (void)fut;
    slog_as(ud, "%s", (const char *)ud);
}

/* T: log("T got " + await f) */
FIBER(task_t)
{
    corral_value v;
    int rc = corral_future_await(f, &v, -1);
    if (rc < 0)
        return rc;
    slog(self, "T got %s", scn_text(&v));
    return 0;
}

FIBER(main_fiber)
{
    f = scn_future();
    CHECK(corral_future_add_callback(f, cb, "cb1"));
    corral_task *t = scn_spawn(NULL, "T", task_t, NULL);
    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_future_add_callback(f, cb, "cb2"));
    corral_value one = scn_int(1), two = scn_int(2);
    CHECK(corral_future_set_result(f, &one)); /* listeners are queued, none runs here */
    slog(self, "after set");
    if (corral_future_set_result(f, &two) == CORRAL_EINVALIDSTATE)
        slog(self, "invalid");
    CHECK(corral_checkpoint());
    CHECK(corral_future_add_callback(f, cb, "cb3")); /* already done: queued at the tail */
    CHECK(corral_join(t, NULL, -1));
    slog(self, "end");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
