/* S60 - cancel_and_join (R15, R14, R16). */
#include "scenario.h"

#include <string.h>

/* A: try: await sleep(100) except Cancelled: with shield(): await sleep(3); log("A cleanup"); raise
 */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED) {
        corral_scope *sh;
        CHECK(corral_shield(&sh, self));
        int r2 = corral_scope_exit(sh, corral_sleep_for(corral_ms(3)));
        corral_scope_unref(sh);
        if (r2 < 0)
            return r2;
        slog(self, "A cleanup");
    }
    return rc;
}

/* B: try: await sleep(100) except Cancelled: return "b-late" */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED) {
        *result = scn_str("b-late");
        return 0;
    }
    return rc;
}

/* C: await sleep(1); raise ValueError("c") */
FIBER(task_c)
{
    int rc = corral_sleep_for(corral_ms(1));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "c");
}

FIBER(main_fiber)
{
    corral_task *a = scn_spawn(NULL, "A", task_a, NULL);
    corral_task *b = scn_spawn(NULL, "B", task_b, NULL);
    corral_task *c = scn_spawn(NULL, "C", task_c, NULL);
    corral_value v;
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_cancel_and_join(a, &v));
    slog(self, "A joined");
    CHECK(corral_cancel_and_join(b, &v));
    slog(self, "B=%s", scn_text(&v));
    if (corral_cancel_and_join(c, &v) == CORRAL_EUSER &&
        !strcmp(corral_error_kind(corral_task_last_error(self)), "ValueError"))
        slog(self, "C error raised");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
