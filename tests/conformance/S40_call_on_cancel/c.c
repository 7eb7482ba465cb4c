/* S40 - call_on_cancel runs fn shielded, with keyword arguments (R73, R66). C has no keyword
 * arguments: fn gets x and tag through one argument struct. */
#include "scenario.h"

typedef struct fn_args {
    int64_t x;
    const char *tag;
} fn_args;

/* fn(x, tag): await sleep(5); log("fn " + x + " " + tag); return x */
static int fn(corral_task *self, void *arg, corral_value *result)
{
    const fn_args *a = arg;
    int rc = corral_sleep_for(corral_ms(5));
    if (rc < 0)
        return rc;
    slog(self, "fn %lld %s", (long long)a->x, a->tag);
    *result = scn_int(a->x);
    return 0;
}

/* T = spawn(G, "T", call_on_cancel, fn, 123, tag="k") */
FIBER(task_t)
{
    static fn_args args = {123, "k"};
    return corral_call_on_cancel(fn, &args, result);
}

FIBER(main_fiber)
{
    corral_group *g = scn_group("G");
    corral_task *t = scn_spawn(g, "T", task_t, NULL);
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(corral_group_async_close(g, 1, -1));
    corral_value v;
    CHECK(corral_join(t, &v, -1));
    slog(self, "T result=%s", scn_text(&v));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
