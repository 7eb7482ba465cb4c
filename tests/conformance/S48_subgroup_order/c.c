/* S48 - Subgroup ordering on close (R45, R47, R48, R44). */
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
    corral_group *A = scn_subgroup(G, "A");
    corral_group *A1 = scn_subgroup(A, "A1");
    corral_group *B = scn_subgroup(G, "B");
    scn_spawn(B, "b", w, NULL);
    scn_spawn(A1, "a1", w, NULL);
    scn_spawn(G, "g", w, NULL);
    scn_spawn(A, "a", w, NULL);

    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_close(G, 1));
    corral_group *C = NULL;
    if (corral_group_new(&C, scn_rt(), G, "C") == CORRAL_EGROUPCLOSED)
        slog(self, "subgroup rejected");
    else
        corral_group_unref(C);
    CHECK(corral_group_wait_closed(G, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
