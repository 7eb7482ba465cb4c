/* S33 - race (R70). */
#include "scenario.h"

/* a: await sleep(10); return "a" */
FIBER(member_a)
{
    int rc = corral_sleep_for(corral_ms(10));
    if (rc < 0)
        return rc;
    *result = scn_str("a");
    return 0;
}

/* b: await sleep(5); return "b" */
FIBER(member_b)
{
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    *result = scn_str("b");
    return 0;
}

/* c: try: await sleep(20) except Cancelled: with shield(): await sleep(3); log("c cleanup"); raise
 */
FIBER(member_c)
{
    int rc = corral_sleep_for(corral_ms(20));
    if (rc == CORRAL_ECANCELLED) {
        corral_scope *sh;
        CHECK(corral_shield(&sh, self));
        int r2 = corral_scope_exit(sh, corral_sleep_for(corral_ms(3)));
        corral_scope_unref(sh);
        if (r2 < 0)
            return r2;
        slog(self, "c cleanup");
    }
    return rc;
}

/* (v, errs) = await race([a, b, c]); log("race=" + v + " errors=" + errs) */
FIBER(main_fiber)
{
    const corral_member members[] = {
        {"ra", member_a, NULL}, {"rb", member_b, NULL}, {"rc", member_c, NULL}};
    corral_value v;
    corral_error *errs = NULL;
    CHECK(corral_race(members, 3, 0, &v, NULL, &errs));
    slog(self, "race=%s errors=%s", scn_text(&v), scn_errors(errs));
    corral_value_clear(&v);
    corral_error_unref(errs);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
