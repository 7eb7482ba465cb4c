/* S72 - Cleanup grace expiries reach a group's exception callback (R56, R66, R73). */
#include "scenario.h"

/* cb(err, member): log("cb " + text(err) + " member=" + member.name) as actor G.cb */
static int cb(corral_group *g, corral_task *member, corral_error *err, corral_error **raised,
              void *ud)
{
    (void)g, (void)raised, (void)ud;
    slog_as("G.cb", "cb %s member=%s", scn_err(err), member ? corral_task_name(member) : "none");
    return 0;
}

/* slow(): await sleep(20); log("unreachable") */
static int slow(corral_task *self, void *ud, corral_error *current)
{
    (void)ud, (void)current;
    int rc = corral_sleep_for(corral_ms(20));
    if (rc < 0)
        return rc;
    slog(self, "unreachable");
    return 0;
}

/* late(): await sleep(10); log("late ran"); return "late" */
FIBER(late)
{
    int rc = corral_sleep_for(corral_ms(10));
    if (rc < 0)
        return rc;
    slog(self, "late ran");
    *result = scn_str("late");
    return 0;
}

FIBER(task_a)
{
    corral_exitstack *st;
    CHECK(corral_exitstack_new(&st, scn_rt()));
    CHECK(corral_exitstack_push_fiber(st, slow, NULL));
    int rc = corral_sleep_for(corral_ms(100));
    rc = corral_exitstack_close(st, rc);
    corral_exitstack_unref(st);
    return rc;
}

FIBER(task_b)
{
    corral_value v = {0};
    int rc = corral_call_on_cancel(late, NULL, &v);
    slog(self, "call_on_cancel rc=%s", rc ? corral_error_name(rc) : "ok");
    if (rc == 0)
        *result = v;
    return rc;
}

FIBER(main_fiber)
{
    corral_group *g = scn_group("G");
    CHECK(corral_group_set_handler(g, cb, NULL));
    CHECK(corral_group_set_cleanup_timeout(g, corral_ms(3)));
    scn_spawn(g, "A", task_a, NULL);
    scn_spawn(g, "B", task_b, NULL);
    CHECK(corral_sleep_for(corral_ms(1)));
    CHECK(corral_group_async_close(g, 1, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
