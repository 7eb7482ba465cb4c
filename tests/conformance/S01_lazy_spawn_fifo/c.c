/* S01 - Lazy spawn and FIFO round-robin (R4, R5, R7, R23). */
#include "scenario.h"

/* f(): log("start"); await checkpoint(); log("after"); return <own name> */
FIBER(f)
{
    slog(self, "start");
    int rc = corral_checkpoint();
    if (rc < 0)
        return rc;
    slog(self, "after");
    *result = scn_str(corral_task_name(self));
    return 0;
}

FIBER(main_fiber)
{
    corral_group *g = scn_group("G");
    corral_task *a = scn_spawn(g, "A", f, NULL);
    corral_task *b = scn_spawn(g, "B", f, NULL);
    corral_task *c = scn_spawn(g, "C", f, NULL);
    slog(self, "spawned"); /* spawn is lazy: no task has run yet */
    CHECK(corral_join(a, NULL, -1));
    CHECK(corral_join(b, NULL, -1));
    CHECK(corral_join(c, NULL, -1));
    slog(self, "joined");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
