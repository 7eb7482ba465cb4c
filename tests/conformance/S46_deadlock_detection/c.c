/* S46 - Deadlock detection on the virtual clock (R10).
 * Compared through the final "rt run" line. */
#include "scenario.h"

/* main: f = Future(); log("waiting"); await f */
FIBER(main_fiber)
{
    corral_future *f = scn_future();
    slog(self, "waiting");
    return corral_future_await(f, NULL, -1); /* nothing can complete f: Cancelled (SHUTDOWN) */
}

int main(void)
{
    return scn_run(main_fiber, CORRAL_EDEADLOCK);
}
