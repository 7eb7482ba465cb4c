/* S26 - Direct hand-off, no barging (R60). */
#include "scenario.h"

static corral_queue *q, *q2;

/* P: await q.put("b"); log("put b done") */
FIBER(task_p)
{
    corral_value b = scn_str("b");
    CHECK(corral_queue_put(q, &b, -1));
    slog(self, "put b done");
    return 0;
}

/* G1, G2: log("got " + await q2.get()) */
FIBER(getter)
{
    corral_value v = {0};
    CHECK(corral_queue_get(q2, &v, -1));
    slog(self, "got %s", scn_text(&v));
    corral_value_clear(&v);
    return 0;
}

FIBER(main_fiber)
{
    q = scn_queue_kind(1, CORRAL_QUEUE_FIFO);
    corral_value a = scn_str("a");
    CHECK(corral_queue_put_nowait(q, &a));
    q2 = scn_queue();
    corral_task *p = scn_spawn(NULL, "P", task_p, NULL);
    corral_task *g1 = scn_spawn(NULL, "G1", getter, NULL);
    corral_task *g2 = scn_spawn(NULL, "G2", getter, NULL);

    CHECK(corral_sleep_for(corral_ms(1)));
    corral_value v = {0};
    CHECK(corral_queue_get_nowait(q, &v)); /* P's "b" moves into the buffer at once */
    slog(self, "got %s", scn_text(&v));
    corral_value_clear(&v);
    corral_value c = scn_str("c");
    if (EXPECT(corral_queue_put_nowait(q, &c), CORRAL_EQUEUEFULL) == CORRAL_EQUEUEFULL)
        slog(self, "c QueueFull");
    corral_value one = scn_int(1), two = scn_int(2);
    CHECK(corral_queue_put_nowait(q2, &one)); /* handed to G1 */
    CHECK(corral_queue_put_nowait(q2, &two)); /* handed to G2 */
    scn_join_quiet(p);
    scn_join_quiet(g1);
    scn_join_quiet(g2);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
