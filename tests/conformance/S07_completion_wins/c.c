/* S07 - Completion wins over a later cancel (R27). */
#include "scenario.h"

static corral_queue *q;

/* x = await q.get(); log("got " + x); await checkpoint(); log("unreachable") */
FIBER(task_a)
{
    corral_value x = {0};
    int rc = corral_queue_get(q, &x, -1);
    if (rc < 0)
        return rc;
    slog(self, "got %s", scn_text(&x));
    corral_value_clear(&x);
    rc = corral_checkpoint();
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

FIBER(main_fiber)
{
    q = scn_queue();
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    CHECK(corral_sleep_for(corral_ms(1)));
    corral_value seven = scn_int(7);
    CHECK(corral_queue_put_nowait(q, &seven)); /* handed to the parked getter A */
    CHECK(corral_task_cancel(a));              /* too late to undo the hand-off */
    slog(self, "qsize %lld", (long long)CHECK(corral_queue_size(q)));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
