/* S02 - Immediate completion still yields (R23). */
#include "scenario.h"

static corral_queue *q;

/* log("<p>0"); x = await q.get(); log("<p>1 " + x)   (p = "a" for A, "b" for B) */
FIBER(getter)
{
    const char *p = arg;
    corral_value x = {0};
    slog(self, "%s0", p);
    int rc = corral_queue_get(q, &x, -1); /* an item is there, but get still yields once */
    if (rc < 0)
        return rc;
    slog(self, "%s1 %s", p, scn_text(&x));
    corral_value_clear(&x);
    return 0;
}

FIBER(main_fiber)
{
    q = scn_queue();
    corral_value one = scn_int(1), two = scn_int(2);
    CHECK(corral_queue_put_nowait(q, &one));
    CHECK(corral_queue_put_nowait(q, &two));
    corral_task *a = scn_spawn(NULL, "A", getter, "a");
    corral_task *b = scn_spawn(NULL, "B", getter, "b");
    scn_join_quiet(a);
    scn_join_quiet(b);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
