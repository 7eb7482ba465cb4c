/* S44 - Per-call deadline vs cancellation (R41, R64). */
#include "scenario.h"

static corral_queue *q;
static int64_t x_deadline;

/* X: q.get(deadline=x_deadline) */
FIBER(task_x)
{
    corral_value v = {0};
    int rc = corral_queue_get(q, &v, x_deadline);
    corral_value_clear(&v);
    return rc;
}

FIBER(main_fiber)
{
    corral_value v = {0};
    q = scn_queue();
    if (corral_queue_get(q, &v, scn_now() + corral_ms(10)) == CORRAL_ETIMEOUT)
        slog(self, "get Timeout");
    x_deadline = scn_now() + corral_ms(10); /* computed by main at spawn time: t=20 */
    corral_task *x = scn_spawn(NULL, "X", task_x, NULL);
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_task_cancel(x)); /* cancellation, not the deadline, ends X's get */
    if (corral_join(x, NULL, -1) == CORRAL_ETASKCANCELLED)
        slog(self, "join TaskCancelled");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
