/* S21 - close(cancel=False) then escalation (R46). */
#include "scenario.h"

/* A: await sleep(50); log("finished") */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(50));
    if (rc < 0)
        return rc;
    slog(self, "finished");
    return 0;
}

/* B: try: await sleep(200) except Cancelled: log("cancelled"); raise */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(200));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "cancelled");
    return rc;
}

FIBER(main_fiber)
{
    corral_group *G = scn_group("G");
    scn_spawn(G, "A", task_a, NULL);
    scn_spawn(G, "B", task_b, NULL);

    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_close(G, 0));
    slog(self, "closing");
    CHECK(corral_sleep_for(corral_ms(50)));
    CHECK(corral_group_close(G, 1));
    CHECK(corral_group_wait_closed(G, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
