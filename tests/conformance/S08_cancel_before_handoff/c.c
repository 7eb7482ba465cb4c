/* S08 - Cancel before hand-off: the item stays queued (R27, R64). */
#include "scenario.h"

static corral_queue *q;

/* As S07: x = await q.get(); log("got " + x); await checkpoint(); log("unreachable") */
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
    CHECK(corral_task_cancel(a)); /* A leaves the getters' list before the put */
    corral_value seven = scn_int(7);
    CHECK(corral_queue_put_nowait(q, &seven));
    slog(self, "qsize %lld", (long long)CHECK(corral_queue_size(q)));
    if (corral_join(a, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    corral_value x = {0};
    CHECK(corral_queue_get_nowait(q, &x));
    slog(self, "drained %s", scn_text(&x));
    corral_value_clear(&x);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
