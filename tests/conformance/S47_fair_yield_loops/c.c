/* S47 - Yielding loops interleave fairly (R5). */
#include "scenario.h"

/* for i in 0..2: log(<name> + i); await checkpoint() */
FIBER(looper)
{
    for (int i = 0; i <= 2; i++) {
        slog(self, "%s%d", corral_task_name(self), i);
        int rc = corral_checkpoint();
        if (rc < 0)
            return rc;
    }
    return 0;
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", looper, NULL);
    corral_task *b = scn_spawn(NULL, "B", looper, NULL);
    scn_join_quiet(a);
    scn_join_quiet(b);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
