/* S35 - as_completed_safe with early break (R71). C has no async for: the helper's own pattern
 * is written out - a COLLECT group, members handed out in completion order by
 * corral_group_next_done, and leaving the loop = close(cancel) + the group exit, which awaits
 * the remaining members before control goes on. */
#include "scenario.h"

static int sleep_then(corral_value *result, int ms, const char *v)
{
    int rc = corral_sleep_for(corral_ms(ms));
    if (rc < 0)
        return rc;
    *result = scn_str(v);
    return 0;
}

FIBER(member_p) /* await sleep(10); return "p" */
{
    return sleep_then(result, 10, "p");
}

FIBER(member_q) /* await sleep(5); return "q" */
{
    return sleep_then(result, 5, "q");
}

FIBER(member_r) /* await sleep(20); return "r" */
{
    return sleep_then(result, 20, "r");
}

/* async for h in as_completed_safe([p, q, r]): log("first=" + await h); break
 * log("after loop") */
FIBER(main_fiber)
{
    static const char *const names[] = {"ap", "aq", "ar"};
    const corral_fiber_fn fns[] = {member_p, member_q, member_r};
    corral_group *g;
    CHECK(corral_group_enter(&g, self, NULL, CORRAL_GROUP_COLLECT, CORRAL_GROUP_JOIN));
    for (int i = 0; i < 3; i++) {
        corral_task *t;
        CHECK(corral_spawn_fiber(&t, scn_rt(), g, names[i], fns[i], NULL, NULL));
        corral_task_unref(t); /* the group keeps its members by index */
    }
    int body = 0;
    int idx = corral_group_next_done(g, -1);
    if (idx < 0) {
        body = idx;
    } else {
        corral_value v;
        body = corral_join(corral_group_member(g, idx), &v, -1); /* await h */
        if (body == 0)
            slog(self, "first=%s", scn_text(&v));
    }
    /* break: cancel and await the rest before leaving the loop */
    CHECK(corral_group_close(g, 1));
    EXPECT(corral_group_exit(g, body), 0);
    corral_group_unref(g);
    slog(self, "after loop");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
