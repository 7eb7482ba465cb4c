/* S37 - Self-wait rejection (R17). */
#include "scenario.h"

static corral_group *G;

/* with shield(): try: await G.wait_closed() except InvalidState: log("self wait rejected")
 * try: await join(current_task()) except InvalidState: log("self join rejected") */
FIBER(task_t)
{
    corral_scope *shield;
    int rc;

    CHECK(corral_shield(&shield, self));
    rc = corral_group_wait_closed(G, -1); /* T is a member of G: this could never finish */
    if (rc == CORRAL_EINVALIDSTATE) {
        slog(self, "self wait rejected");
        rc = 0;
    }
    rc = corral_scope_exit(shield, rc);
    corral_scope_unref(shield);
    if (rc < 0)
        return rc;

    rc = corral_join(corral_current(), NULL, -1);
    if (rc == CORRAL_EINVALIDSTATE) {
        slog(self, "self join rejected");
        rc = 0;
    }
    return rc;
}

FIBER(main_fiber)
{
    G = scn_group("G");
    corral_task *t = scn_spawn(G, "T", task_t, NULL);
    scn_join_quiet(t);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
