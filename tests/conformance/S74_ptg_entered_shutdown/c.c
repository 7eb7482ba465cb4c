/* S74 - shutdown() of an entered PersistentTaskGroup (R52, R42, R49). C writes the preset
 * out: the entered group is a scoped SUPERVISE/JOIN group named P, and shutdown() cancels
 * each member alive now and waits until it has ended (corral_cancel_and_join). */
#include "scenario.h"

/* W1: try: await sleep(100) except Cancelled: log("W1 cancelled"); raise */
FIBER(w1)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "W1 cancelled");
    return rc;
}

/* W2: try: await sleep(100) except Cancelled: with shield(): await sleep(2);
 *     log("W2 cleanup"); raise */
FIBER(w2)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED) {
        corral_scope *sh;
        CHECK(corral_shield(&sh, self));
        CHECK(corral_scope_exit(sh, corral_sleep_for(corral_ms(2))));
        corral_scope_unref(sh);
        slog(self, "W2 cleanup");
    }
    return rc;
}

FIBER(x)
{
    slog(self, "X ran");
    return 0;
}

FIBER(main_fiber)
{
    corral_group *pg;
    CHECK(corral_group_enter(&pg, self, "P", CORRAL_GROUP_SUPERVISE, CORRAL_GROUP_JOIN));
    corral_task *members[2] = {scn_spawn(pg, "W1", w1, NULL), scn_spawn(pg, "W2", w2, NULL)};
    CHECK(corral_sleep_for(corral_ms(5)));
    slog(self, "shutdown");
    for (int i = 0; i < 2; i++) { /* pg.shutdown() */
        corral_value v;
        int rc = corral_cancel_and_join(members[i], &v);
        if (rc == CORRAL_ECANCELLED)
            return corral_group_exit(pg, rc);
    }
    slog(self, "shutdown returned");
    slog(self, "open=%s size=%lld", corral_group_is_open(pg) == 1 ? "true" : "false",
         (long long)corral_group_size(pg));
    scn_spawn(pg, "X", x, NULL);
    slog(self, "spawn ok");
    int body = corral_sleep_for(corral_ms(1));
    if (body == 0)
        slog(self, "body end");
    int rc = corral_group_exit(pg, body);
    corral_group_unref(pg);
    if (rc < 0)
        return rc;
    slog(self, "after");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
