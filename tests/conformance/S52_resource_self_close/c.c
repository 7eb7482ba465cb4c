/* S52 - A Resource closed from inside its own task (R50, R45, R24). In C the Resource is its
 * group: is_closing, wait_closing, close... are the group's calls. */
#include "scenario.h"

/* loop: await sleep(5); log("closing self"); self.close();
 *       try: await sleep(1) except Cancelled: log("cancelled inside"); raise */
FIBER(server_loop)
{
    corral_group *srv = arg;
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    slog(self, "closing self");
    CHECK(corral_group_close(srv, 1));
    rc = corral_sleep_for(corral_ms(1));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "cancelled inside");
    return rc;
}

FIBER(main_fiber)
{
    corral_group *srv = scn_group("srv"); /* srv = Server() */
    scn_spawn(srv, "loop", server_loop, srv);
    CHECK(corral_group_wait_closing(srv, -1));
    slog(self, "closing=%s closed=%s", scn_bool(corral_group_is_closing(srv)),
         scn_bool(corral_group_is_closed(srv)));
    CHECK(corral_group_wait_closed(srv, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
