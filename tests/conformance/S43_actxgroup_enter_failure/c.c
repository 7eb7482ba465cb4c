/* S43 - actxgroup strict enter failure (R69): a corral_ctxgroup whose enter and exit tasks
 * are named e<i> and x<i>. */
#include "scenario.h"

static int cm1_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)ud, (void)value;
    int rc = corral_sleep_for(corral_ms(2));
    if (rc == 0)
        slog(self, "cm1 entered");
    return rc;
}

static int cm2_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)ud, (void)value;
    int rc = corral_sleep_for(corral_ms(1));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "cm2");
}

static int cm3_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)ud;
    slog(self, "cm3 entered");
    *value = scn_str("v3");
    return 0;
}

/* exit: log("<name> exited") */
static int log_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)status, (void)current;
    slog(self, "%s exited", (const char *)ud);
    return 0;
}

static const corral_acm cm1 = {cm1_enter, log_exit};
static const corral_acm cm2 = {cm2_enter, log_exit};
static const corral_acm cm3 = {cm3_enter, log_exit};

FIBER(main_fiber)
{
    corral_ctxgroup *g;
    CHECK(corral_ctxgroup_new(&g, scn_rt()));
    CHECK(corral_ctxgroup_set_task_names(g, "e", "x"));
    CHECK(corral_ctxgroup_add(g, &cm1, "cm1"));
    CHECK(corral_ctxgroup_add(g, &cm2, "cm2"));
    CHECK(corral_ctxgroup_add(g, &cm3, "cm3"));
    int rc = corral_ctxgroup_enter(g, 0);
    if (rc == 0)
        slog(self, "body");
    rc = corral_ctxgroup_exit(g, rc);
    if (rc == CORRAL_EERRORGROUP)
        slog(self, "eg=%s", scn_errors(corral_task_last_error(self)));
    corral_ctxgroup_unref(g);
    return rc == CORRAL_EERRORGROUP ? 0 : rc;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
