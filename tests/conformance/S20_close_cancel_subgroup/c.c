/* S20 - close(cancel=True) with a subgroup (R45, R47, R48, R44). */
#include "scenario.h"

/* w(): try: await sleep(100) except Cancelled: log("cancelled"); raise */
FIBER(w)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "cancelled");
    return rc;
}

FIBER(main_fiber)
{
    corral_group *G = scn_group("G");
    corral_group *S = NULL;
    corral_task *x = NULL;

    scn_spawn(G, "g1", w, NULL);
    CHECK(corral_group_new(&S, scn_rt(), G, "S")); /* G.create_subgroup(name="S") */
    scn_spawn(S, "s1", w, NULL);

    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_close(G, 1));
    slog(self, "closing");
    if (corral_spawn_fiber(&x, scn_rt(), G, "x", w, NULL, NULL) == CORRAL_EGROUPCLOSED)
        slog(self, "spawn rejected");
    else
        corral_task_unref(x);
    CHECK(corral_group_wait_closed(G, -1));
    slog(self, "closed");
    corral_group_unref(S);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
