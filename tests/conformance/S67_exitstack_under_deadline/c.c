/* S67 - Exit stack unwinding under a deadline (R66, R67, R12). */
#include "scenario.h"

/* cleanup(name): await sleep(3); log(name + " done") */
static int cleanup(corral_task *self, void *ud, corral_error *current)
{
    (void)current;
    int rc = corral_sleep_for(corral_ms(3));
    if (rc < 0)
        return rc;
    slog(self, "%s done", (const char *)ud);
    return 0;
}

/* note(name): log(name + " ran"), a plain callback */
static int note(void *ud, corral_error *current)
{
    (void)current;
    slog(corral_current(), "%s ran", (const char *)ud);
    return 0;
}

/* with move_on_after(10) as s:
 *     async with ExitStack() as st:
 *         st.push_async_callback(cleanup, "c1"); st.callback(note, "c2"); await sleep(100)
 * log("caught=" + s.cancelled_caught) */
FIBER(task_a)
{
    corral_scope *s;
    corral_exitstack *st;
    CHECK(corral_move_on_after(&s, self, corral_ms(10)));
    CHECK(corral_exitstack_new(&st, scn_rt()));
    CHECK(corral_exitstack_push_fiber(st, cleanup, "c1"));
    CHECK(corral_exitstack_push(st, note, "c2"));
    int rc = corral_sleep_for(corral_ms(100));
    rc = corral_exitstack_close(st, rc);
    corral_exitstack_unref(st);
    rc = corral_scope_exit(s, rc);
    if (rc == 0)
        slog(self, "caught=%s", scn_bool(corral_scope_cancelled_caught(s)));
    corral_scope_unref(s);
    return rc;
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
