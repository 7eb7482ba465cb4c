/* S54 - first with a predicate, on an exhausted and on an empty iterable. C's async iterable
 * is a queue: items(n) is a queue filled with 1..n, then closed. */
#include "scenario.h"

static corral_queue *items(int n)
{
    corral_queue *q = scn_queue();
    for (int i = 1; i <= n; i++) {
        corral_value v = scn_int(i);
        CHECK(corral_queue_put_nowait(q, &v));
    }
    CHECK(corral_queue_close(q));
    return q;
}

/* pred(x): log("check " + x); return x > limit */
static int greater_than(const corral_value *v, void *limit)
{
    slog(corral_current(), "check %lld", (long long)v->as.i);
    return v->as.i > *(const int *)limit;
}

FIBER(main_fiber)
{
    static const int two = 2, ten = 10;
    corral_value v;
    /* first(items(5), pred, default=-1) */
    int found = CHECK(corral_first(items(5), greater_than, (void *)&two, &v, -1));
    slog(self, "first=%s", found ? scn_text(&v) : "-1");
    corral_value_clear(&v);
    /* first(items(2), never, default=-1) */
    found = CHECK(corral_first(items(2), greater_than, (void *)&ten, &v, -1));
    slog(self, "exhausted=%s", found ? scn_text(&v) : "-1");
    corral_value_clear(&v);
    /* first(items(0), None, default="none") */
    found = CHECK(corral_first(items(0), NULL, NULL, &v, -1));
    slog(self, "empty=%s", found ? scn_text(&v) : "none");
    corral_value_clear(&v);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
