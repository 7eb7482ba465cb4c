/* S59 - call_on_done and call (R73, R21). C has no keyword arguments (report gets x and tag
 * in one struct) and no `call`: it calls the function. */
#include "scenario.h"

typedef struct report_args {
    corral_future *f;
    const char *x, *tag;
} report_args;

/* report(x, tag): log("report " + x + " " + tag); return x */
static int report(corral_task *self, void *arg, corral_value *result)
{
    const report_args *a = arg;
    slog(self, "report %s %s", a->x, a->tag);
    *result = scn_str(a->x);
    return 0;
}

/* D / E: call_on_done(f, report, x, tag=...) */
FIBER(on_done)
{
    report_args *a = arg;
    return corral_call_on_done(a->f, report, a, result);
}

static int64_t twice(int64_t x) /* double(x) and, in C, adouble(x) too */
{
    return 2 * x;
}

FIBER(main_fiber)
{
    static report_args d_args = {NULL, "x", "t"}, e_args = {NULL, "y", "u"};
    d_args.f = scn_future();
    e_args.f = scn_future();
    corral_task *d = scn_spawn(NULL, "D", on_done, &d_args);
    corral_task *e = scn_spawn(NULL, "E", on_done, &e_args);
    CHECK(corral_sleep_for(corral_ms(2)));
    corral_error *err;
    CHECK(corral_error_new(&err, CORRAL_EUSER, "ValueError", "ignored"));
    CHECK(corral_future_set_error(d_args.f, err));
    corral_error_unref(err);
    corral_value v;
    CHECK(corral_join(d, &v, -1));
    slog(self, "D=%s", scn_text(&v));
    CHECK(corral_sleep_for(corral_ms(3)));
    CHECK(corral_task_cancel(e));
    EXPECT(corral_join(e, NULL, -1), CORRAL_ETASKCANCELLED);
    slog(self, "E cancelled g pending=%s",
         scn_bool(corral_future_state(e_args.f) == CORRAL_FUTURE_PENDING));
    slog(self, "call=%lld,%lld", (long long)twice(21), (long long)twice(21));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
