/* S50 - Spawning while a JOIN exit waits, and into a closing group (R44, R49). */
#include "scenario.h"

static corral_group *tg;

/* B: await sleep(5); log("B done") */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    slog(self, "B done");
    return 0;
}

/* A: await sleep(5); tg.spawn("B", b); log("spawned B") */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    scn_spawn(tg, "B", task_b, NULL);
    slog(self, "spawned B");
    return 0;
}

/* C: await sleep(10); log("C finished") */
FIBER(task_c)
{
    int rc = corral_sleep_for(corral_ms(10));
    if (rc < 0)
        return rc;
    slog(self, "C finished");
    return 0;
}

/* D: log("D ran") - never called */
FIBER(task_d)
{
    slog(self, "D ran");
    return 0;
}

FIBER(main_fiber)
{
    /* Part 1: async with TaskGroup() as tg: tg.spawn("A", a); log("body done") */
    CHECK(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    scn_spawn(tg, "A", task_a, NULL);
    slog(self, "body done");
    CHECK(corral_group_exit(tg, 0));
    corral_group_unref(tg);
    slog(self, "tg done");

    /* Part 2 */
    corral_group *G = scn_group("G");
    scn_spawn(G, "C", task_c, NULL);
    CHECK(corral_group_close(G, 0));
    corral_task *d = NULL;
    if (corral_spawn_fiber(&d, scn_rt(), G, "D", task_d, NULL, NULL) == CORRAL_EGROUPCLOSED)
        slog(self, "spawn rejected");
    else
        corral_task_unref(d);
    CHECK(corral_group_wait_closed(G, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
