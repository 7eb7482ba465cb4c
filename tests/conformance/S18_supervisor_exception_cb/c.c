/* S18 - Supervisor with exception_cb (hat Group) (R18, R55, R56). */
#include "scenario.h"

static corral_group *G;

/* cb(e, t): log("cb " + kind(e))   (actor G.cb) */
static int cb(corral_group *g, corral_task *member, corral_error *err, corral_error **raised,
              void *ud)
{
    (void)g, (void)member, (void)raised, (void)ud;
    char text[256];
    CHECK(corral_error_format(err, text, sizeof text));
    slog_as("G.cb", "cb %s", text);
    return 0;
}

/* A (in G): await sleep(5); raise ValueError("x") */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    return corral_task_raise(self, "ValueError", "x");
}

/* B (in G): await sleep(20); return "b" */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(20));
    if (rc < 0)
        return rc;
    *result = scn_str("b");
    return 0;
}

FIBER(main_fiber)
{
    char text[256];
    corral_value v;

    G = scn_group("G");
    CHECK(corral_group_set_handler(G, cb, NULL));
    corral_task *a = scn_spawn(G, "A", task_a, NULL);
    corral_task *b = scn_spawn(G, "B", task_b, NULL);

    EXPECT(corral_join(a, NULL, -1), CORRAL_EUSER);
    CHECK(corral_error_format(corral_task_last_error(self), text, sizeof text));
    slog(self, "join A %s", text);
    CHECK(corral_join(b, &v, -1));
    slog(self, "join B %s", scn_text(&v));
    slog(self, "open=%s", scn_bool(corral_group_is_open(G)));
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_async_close(G, 1, -1));
    slog(self, "closed");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
