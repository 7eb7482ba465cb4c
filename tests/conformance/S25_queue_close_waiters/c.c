/* S25 - Queue close with parked putters and getters (R60-R63). */
#include "scenario.h"

static corral_queue *q, *q2;

/* P1, P2: try: await q.put(item) except QueueClosed: log("put <item> QueueClosed") */
FIBER(putter)
{
    const char *item = arg;
    corral_value v = scn_str(item);
    int rc = corral_queue_put(q, &v, -1);
    if (rc == CORRAL_EQUEUECLOSED)
        slog(self, "put %s QueueClosed", item);
    else
        CHECK(rc);
    return 0;
}

/* G1, G2: try: await q2.get() except QueueClosed: log("get QueueClosed") */
FIBER(getter)
{
    corral_value v = {0};
    int rc = corral_queue_get(q2, &v, -1);
    if (rc == CORRAL_EQUEUECLOSED)
        slog(self, "get QueueClosed");
    else
        CHECK(rc);
    corral_value_clear(&v);
    return 0;
}

FIBER(main_fiber)
{
    q = scn_queue_kind(1, CORRAL_QUEUE_FIFO);
    corral_value x = scn_str("x");
    CHECK(corral_queue_put_nowait(q, &x));
    q2 = scn_queue();
    scn_spawn(NULL, "P1", putter, "y");
    scn_spawn(NULL, "P2", putter, "z");
    scn_spawn(NULL, "G1", getter, NULL);
    scn_spawn(NULL, "G2", getter, NULL);

    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_queue_close(q)); /* the parked putters fail, FIFO; "x" stays gettable */
    corral_value v = {0};
    CHECK(corral_queue_get(q, &v, -1));
    slog(self, "get %s", scn_text(&v));
    corral_value_clear(&v);
    if (EXPECT(corral_queue_get(q, &v, -1), CORRAL_EQUEUECLOSED) == CORRAL_EQUEUECLOSED)
        slog(self, "get QueueClosed");
    corral_value w = scn_str("w");
    if (EXPECT(corral_queue_put_nowait(q, &w), CORRAL_EQUEUECLOSED) == CORRAL_EQUEUECLOSED)
        slog(self, "put_nowait QueueClosed");

    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_queue_close(q2)); /* empty: the parked getters fail, FIFO */

    CHECK(corral_sleep_for(corral_ms(1)));
    corral_queue *q3 = scn_queue_kind(1, CORRAL_QUEUE_FIFO);
    if (EXPECT(corral_queue_get_nowait(q3, &v), CORRAL_EQUEUEEMPTY) == CORRAL_EQUEUEEMPTY)
        slog(self, "QueueEmpty");
    corral_value one = scn_int(1), two = scn_int(2);
    CHECK(corral_queue_put_nowait(q3, &one));
    if (EXPECT(corral_queue_put_nowait(q3, &two), CORRAL_EQUEUEFULL) == CORRAL_EQUEUEFULL)
        slog(self, "QueueFull");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
