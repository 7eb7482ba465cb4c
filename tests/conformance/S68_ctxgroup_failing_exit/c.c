/* S68 - Context group with one failing exit (R69, R67). */
#include <stdio.h>
#include <string.h>

#include "scenario.h"

static int cm1_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)ud;
    slog(self, "cm1 entered");
    *value = scn_str("v1");
    return 0;
}

static int cm1_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)ud, (void)status, (void)current;
    int rc = corral_sleep_for(corral_ms(2));
    if (rc == 0)
        slog(self, "cm1 exited");
    return rc;
}

static int cm2_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)self, (void)ud;
    int rc = corral_sleep_for(corral_ms(1));
    if (rc == 0)
        *value = scn_str("v2");
    return rc;
}

static int cm2_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)ud, (void)status, (void)current;
    int rc = corral_sleep_for(corral_ms(1));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "x2");
}

static int cm3_enter(corral_task *self, void *ud, corral_value *value)
{
    (void)self, (void)ud;
    *value = scn_str("v3");
    return 0;
}

static int cm3_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)ud, (void)status, (void)current;
    slog(self, "cm3 exited");
    return 0;
}

static const corral_acm cms[] = {
    {cm1_enter, cm1_exit}, {cm2_enter, cm2_exit}, {cm3_enter, cm3_exit}};

FIBER(main_fiber)
{
    corral_ctxgroup *g;
    CHECK(corral_ctxgroup_new(&g, scn_rt()));
    CHECK(corral_ctxgroup_set_task_names(g, "e", "x"));
    for (size_t i = 0; i < 3; i++)
        CHECK(corral_ctxgroup_add(g, &cms[i], NULL));
    int rc = corral_ctxgroup_enter(g, 0);
    if (rc == 0) {
        char body[64] = "";
        for (size_t i = 0; i < 3; i++) {
            corral_value v;
            CHECK(corral_ctxgroup_value(g, i, &v));
            strcat(body, i ? "," : "");
            strcat(body, scn_text(&v));
        }
        slog(self, "body %s", body);
    }
    rc = corral_ctxgroup_exit(g, rc);
    if (rc == CORRAL_EERRORGROUP)
        slog(self, "eg=%s", scn_errors(corral_task_last_error(self)));
    char states[128] = "";
    for (size_t i = 0; i < 3; i++) {
        const corral_error *st = corral_ctxgroup_exit_state(g, i);
        strcat(states, i ? "," : "");
        strcat(states, st ? scn_err(st) : "none");
    }
    slog(self, "states=%s", states);
    corral_ctxgroup_unref(g);
    return rc == CORRAL_EERRORGROUP ? 0 : rc;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
