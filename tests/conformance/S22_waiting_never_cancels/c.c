/* S22 - Waiting never cancels the awaited object (R16, R21, R48). */
#include "scenario.h"

static corral_group *G;
static corral_task *T;
static corral_future *f;

/* T (in G): await sleep(100); return "t" */
FIBER(task_t)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc < 0)
        return rc;
    *result = scn_str("t");
    return 0;
}

/* W1: await G.wait_closed() */
FIBER(task_w1)
{
    return corral_group_wait_closed(G, -1);
}

/* W2: await join(T) */
FIBER(task_w2)
{
    return corral_join(T, NULL, -1);
}

/* F1: await f */
FIBER(task_f1)
{
    return corral_future_await(f, NULL, -1);
}

/* F2: v = await f; log("got " + v) */
FIBER(task_f2)
{
    corral_value v;
    int rc = corral_future_await(f, &v, -1);
    if (rc < 0)
        return rc;
    slog(self, "got %s", scn_text(&v));
    return 0;
}

FIBER(main_fiber)
{
    G = scn_group("G");
    T = scn_spawn(G, "T", task_t, NULL);
    f = scn_future();
    corral_task *w1 = scn_spawn(NULL, "W1", task_w1, NULL);
    corral_task *w2 = scn_spawn(NULL, "W2", task_w2, NULL);
    corral_task *f1 = scn_spawn(NULL, "F1", task_f1, NULL);
    corral_task *f2 = scn_spawn(NULL, "F2", task_f2, NULL);

    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_task_cancel(w1));
    CHECK(corral_task_cancel(w2));
    CHECK(corral_task_cancel(f1));
    EXPECT(corral_join(w1, NULL, -1), CORRAL_ETASKCANCELLED);
    EXPECT(corral_join(w2, NULL, -1), CORRAL_ETASKCANCELLED);
    EXPECT(corral_join(f1, NULL, -1), CORRAL_ETASKCANCELLED);
    slog(self, "G open=%s T done=%s f pending=%s", scn_bool(corral_group_is_open(G)),
         scn_bool(corral_task_done(T)),
         scn_bool(CHECK(corral_future_state(f)) == CORRAL_FUTURE_PENDING));

    CHECK(corral_sleep_for(corral_ms(2)));
    corral_value three = scn_int(3);
    CHECK(corral_future_set_result(f, &three));
    CHECK(corral_join(f2, NULL, -1));
    CHECK(corral_group_async_close(G, 1, -1));
    slog(self, "end");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
