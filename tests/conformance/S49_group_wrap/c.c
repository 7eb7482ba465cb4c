/* S49 - Group.wrap of a future and of a task (R44, R45, R21). */
#include "scenario.h"

/* X: try: await sleep(30); return "x" except Cancelled: log("X cancelled"); raise */
FIBER(task_x)
{
    int rc = corral_sleep_for(corral_ms(30));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "X cancelled");
    if (rc < 0)
        return rc;
    *result = scn_str("x");
    return 0;
}

static corral_task *wrap(corral_group *g, const char *name, uint32_t kind, void *target)
{
    corral_task *t = NULL;
    CHECK(corral_group_wrap(&t, g, name, kind, target));
    return scn_keep_task(t);
}

FIBER(main_fiber)
{
    corral_group *G = scn_group("G");
    corral_future *f = scn_future();
    corral_task *x = scn_spawn(NULL, "X", task_x, NULL);
    corral_task *wf = wrap(G, "WF", CORRAL_OP_FUTURE, f);
    wrap(G, "WX", CORRAL_OP_JOIN, x);
    CHECK(corral_sleep_for(corral_ms(5)));
    corral_value seven = scn_int(7), v;
    CHECK(corral_future_set_result(f, &seven));
    CHECK(corral_join(wf, &v, -1));
    slog(self, "WF=%s", scn_text(&v));
    corral_future *g = scn_future();
    wrap(G, "WG", CORRAL_OP_FUTURE, g);
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_group_async_close(G, 1, -1));
    slog(self, "g cancelled=%s", scn_bool(corral_future_state(g) == CORRAL_FUTURE_CANCELLED));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
