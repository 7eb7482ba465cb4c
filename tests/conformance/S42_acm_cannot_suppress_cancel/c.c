/* S42 - An asynccontextmanager cannot suppress Cancelled (R68). C has no generators: each
 * manager is a corral_acm whose exit is the generator's code after its yield. */
#include <string.h>

#include "scenario.h"

static int enter_nothing(corral_task *self, void *ud, corral_value *value)
{
    (void)self, (void)ud, (void)value;
    return 0;
}

/* cm(): try: yield  except Cancelled: log("cm saw cancel")  (then returns: tries to suppress) */
static int cm_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)ud, (void)current;
    if (status != CORRAL_ECANCELLED)
        return 0;
    slog(self, "cm saw cancel");
    return 1;
}

/* cm2(): try: yield  except ValueError: log("cm2 suppressed") */
static int cm2_exit(corral_task *self, void *ud, int status, corral_error *current)
{
    (void)ud, (void)status;
    if (!current || strcmp(corral_error_kind(current), "ValueError") != 0)
        return 0;
    slog(self, "cm2 suppressed");
    return 1;
}

static const corral_acm cm = {enter_nothing, cm_exit};
static const corral_acm cm2 = {enter_nothing, cm2_exit};

FIBER(task_a)
{
    corral_scope *s;
    corral_value v;
    CHECK(corral_move_on_after(&s, self, corral_ms(10)));
    int rc = corral_acm_enter(&cm, NULL, &v);
    if (rc == 0) {
        rc = corral_sleep_for(corral_ms(100));
        rc = corral_acm_exit(&cm, NULL, rc); /* stays Cancelled */
        if (rc == 0)
            slog(self, "unreachable");
    }
    rc = corral_scope_exit(s, rc);
    if (rc == 0)
        slog(self, "caught=%s", scn_bool(corral_scope_cancelled_caught(s)));
    corral_scope_unref(s);
    if (rc < 0)
        return rc;

    CHECK(corral_acm_enter(&cm2, NULL, &v));
    rc = corral_task_raise(self, "ValueError", "v");
    rc = corral_acm_exit(&cm2, NULL, rc); /* suppressed: 0 */
    if (rc < 0)
        return rc;
    slog(self, "after cm2");
    return 0;
}

FIBER(main_fiber)
{
    scn_join_quiet(scn_spawn(NULL, "A", task_a, NULL));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
