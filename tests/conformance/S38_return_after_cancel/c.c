/* S38 - A body that returns after cancellation is COMPLETED (R14). */
#include "scenario.h"

/* try: await sleep(100) except Cancelled: log("returning 42"); return 42 */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED) {
        slog(self, "returning 42");
        *result = scn_int(42);
        return 0;
    }
    return rc;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_task_cancel(a));
    corral_value v;
    CHECK(corral_join(a, &v, -1));
    slog(self, "join=%s", scn_text(&v));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
