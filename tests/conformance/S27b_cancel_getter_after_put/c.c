/* S27 run 2 - A getter cancelled after the hand-off keeps the item (R27, R64). */
#include "scenario.h"

static corral_queue *q;

/* G1: log("G1 got " + await q.get()); await checkpoint() */
FIBER(task_g1)
{
    corral_value v = {0};
    int rc = corral_queue_get(q, &v, -1);
    if (rc < 0)
        return rc;
    slog(self, "G1 got %s", scn_text(&v));
    corral_value_clear(&v);
    return corral_checkpoint();
}

/* G2: log("G2 got " + await q.get()) */
FIBER(task_g2)
{
    corral_value v = {0};
    int rc = corral_queue_get(q, &v, -1);
    if (rc < 0)
        return rc;
    slog(self, "G2 got %s", scn_text(&v));
    corral_value_clear(&v);
    return 0;
}

FIBER(main_fiber)
{
    q = scn_queue();
    corral_task *g1 = scn_spawn(NULL, "G1", task_g1, NULL);
    corral_task *g2 = scn_spawn(NULL, "G2", task_g2, NULL);
    CHECK(corral_sleep_for(corral_ms(1)));
    corral_value five = scn_int(5);
    CHECK(corral_queue_put_nowait(q, &five)); /* handed to G1: completion wins */
    CHECK(corral_task_cancel(g1));
    CHECK(corral_sleep_for(corral_ms(1)));
    slog(self, "qsize=%lld G2 done=%s", (long long)CHECK(corral_queue_size(q)),
         scn_bool(corral_task_done(g2)));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
