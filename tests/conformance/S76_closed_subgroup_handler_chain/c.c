/* S76 - A closed subgroup's exception callback still hands on to its parent (R56, R47, R55). */
#include "scenario.h"
#include <string.h>
static int cb_l(corral_group *g, corral_task *m, corral_error *err, corral_error **raised, void *ud)
{
    (void)g;
    (void)ud;
    slog_as("L.cb", "cbL %s %s:%s", corral_task_name(m), corral_error_kind(err),
            corral_error_message(err));
    CHECK(corral_error_new(raised, CORRAL_EUSER, "RuntimeError", "l"));
    return CORRAL_EUSER;
}
static int cb_g(corral_group *g, corral_task *m, corral_error *err, corral_error **raised, void *ud)
{
    (void)g;
    (void)ud;
    slog_as("G.cb", "cbG %s %s:%s", corral_task_name(m), corral_error_kind(err),
            corral_error_message(err));
    if (!strcmp(corral_error_kind(err), "RuntimeError")) {
        CHECK(corral_error_new(raised, CORRAL_EUSER, "KeyErr", "g"));
        return CORRAL_EUSER;
    }
    return 0;
}
FIBER(ff)
{
    const char *m = arg;
    int rc = corral_sleep_for(corral_ms(m[0] == 'a' ? 1 : 2));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", m);
}
FIBER(fw)
{
    const char *tag = arg;
    int rc = corral_sleep_for(corral_ms(100));
    if (rc < 0) {
        slog(self, "%s cancelled", tag);
        if (!strcmp(tag, "c"))
            return corral_task_raise(self, "ValueError", "c");
    }
    return rc;
}
FIBER(main_fiber)
{
    corral_group *G = scn_group("G");
    CHECK(corral_group_set_handler(G, cb_g, NULL));
    corral_group *M = scn_subgroup(G, "M");
    corral_group *L = scn_subgroup(M, "L");
    CHECK(corral_group_set_handler(L, cb_l, NULL));
    scn_spawn(L, "a", ff, "a");
    scn_spawn(M, "b", ff, "b");
    scn_spawn(L, "c", fw, "c");
    scn_spawn(G, "d", fw, "d");
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_group_close(M, 1));
    CHECK(corral_group_wait_closed(M, -1));
    slog(self, "M closed");
    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_group_async_close(G, 1, -1));
    slog(self, "G closed unhandled=%lld", (long long)corral_rt_unhandled_count(scn_rt()));
    return 0;
}
int main(void)
{
    return scn_run(main_fiber, 0);
}
