/* S29 - Every exit callback runs; the last error wins (R67). */
#include "scenario.h"

/* raiser(name): log("raising " + name); raise ValueError(name) */
static int raiser(corral_task *self, void *ud, corral_error *current)
{
    (void)current;
    slog(self, "raising %s", (const char *)ud);
    return corral_task_raise(self, "ValueError", (const char *)ud);
}

/* async with ExitStack() as st:
 *     st.push_async_callback(raiser, "E1"); st.push_async_callback(raiser, "E2")
 *     log("body done") */
FIBER(task_a)
{
    corral_exitstack *st;
    CHECK(corral_exitstack_new(&st, scn_rt()));
    CHECK(corral_exitstack_push_fiber(st, raiser, "E1"));
    CHECK(corral_exitstack_push_fiber(st, raiser, "E2"));
    slog(self, "body done");
    int rc = corral_exitstack_close(st, 0);
    corral_exitstack_unref(st);
    return rc; /* fails with corral_task_last_error: ValueError:E1 <- ValueError:E2 */
}

FIBER(main_fiber)
{
    scn_join_quiet(scn_spawn(NULL, "A", task_a, NULL));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
