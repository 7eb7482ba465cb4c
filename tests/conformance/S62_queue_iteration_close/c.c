/* S62 - Iterating a queue until it is closed and drained (R60, R61, R63). */
#include "scenario.h"

static corral_queue *q;

/* C: async for x in q: log("got " + x); log("loop ended")  -- in C: get until QueueClosed */
FIBER(task_c)
{
    corral_value x = {0};
    int rc;
    while ((rc = corral_queue_get(q, &x, -1)) == 0) {
        slog(self, "got %s", scn_text(&x));
        corral_value_clear(&x);
    }
    if (rc != CORRAL_EQUEUECLOSED)
        return rc;
    slog(self, "loop ended");
    return 0;
}

/* P: for i in 1..4: await q.put(i); log("put " + i); q.close(); log("closed") */
FIBER(task_p)
{
    for (int i = 1; i <= 4; i++) {
        corral_value v = scn_int(i);
        CHECK(corral_queue_put(q, &v, -1));
        slog(self, "put %d", i);
    }
    CHECK(corral_queue_close(q));
    slog(self, "closed");
    return 0;
}

FIBER(main_fiber)
{
    q = scn_queue_kind(2, CORRAL_QUEUE_FIFO);
    corral_task *c = scn_spawn(NULL, "C", task_c, NULL);
    corral_task *p = scn_spawn(NULL, "P", task_p, NULL);
    scn_join_quiet(c);
    scn_join_quiet(p);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
