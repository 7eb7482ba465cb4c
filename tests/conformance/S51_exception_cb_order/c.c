/* S51 - exception_cb order, inheritance and a raising handler (R55, R56, R47). */
#include "scenario.h"

/* cb(e, t): log("cb " + t.name + " " + kind(e) + ":" + msg(e))   (actor G.cb) */
static int cb(corral_group *g, corral_task *member, corral_error *err, corral_error **raised,
              void *ud)
{
    (void)g, (void)raised, (void)ud;
    slog_as("G.cb", "cb %s %s:%s", corral_task_name(member), corral_error_kind(err),
            corral_error_message(err));
    return 0;
}

/* cb2(e, t): log("cb2 " + t.name); raise RuntimeError("cb2")   (actor S2.cb) */
static int cb2(corral_group *g, corral_task *member, corral_error *err, corral_error **raised,
               void *ud)
{
    (void)g, (void)err, (void)ud;
    slog_as("S2.cb", "cb2 %s", corral_task_name(member));
    CHECK(corral_error_new(raised, CORRAL_EUSER, "RuntimeError", "cb2"));
    return CORRAL_EUSER;
}

/* f(m): await sleep(5); raise ValueError(m) */
FIBER(f)
{
    int rc = corral_sleep_for(corral_ms(5));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", arg);
}

FIBER(main_fiber)
{
    corral_group *G = scn_group("G");
    CHECK(corral_group_set_handler(G, cb, NULL));
    corral_group *S = scn_subgroup(G, "S"); /* no handler of its own: G's chain */
    corral_group *S2 = scn_subgroup(G, "S2");
    CHECK(corral_group_set_handler(S2, cb2, NULL));
    scn_spawn(G, "A", f, "a");
    scn_spawn(S, "B", f, "b");
    scn_spawn(S2, "C", f, "c");
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_async_close(G, 1, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
