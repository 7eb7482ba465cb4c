/* S63 - Priority, LIFO and rendezvous queues (R60, R62). */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

static corral_queue *ch;

/* "[x, y, ...]" of n get_nowait results. */
static const char *drain(corral_queue *q, int n)
{
    static char buf[128];
    size_t len = 0;
    buf[len++] = '[';
    for (int i = 0; i < n; i++) {
        corral_value v = {0};
        CHECK(corral_queue_get_nowait(q, &v));
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", scn_text(&v));
        corral_value_clear(&v);
    }
    snprintf(buf + len, sizeof buf - len, "]");
    return buf;
}

/* P: await ch.put("x"); log("put returned") */
FIBER(task_p)
{
    corral_value x = scn_str("x");
    CHECK(corral_queue_put(ch, &x, -1));
    slog(self, "put returned");
    return 0;
}

FIBER(main_fiber)
{
    corral_queue *pq = scn_queue_kind(0, CORRAL_QUEUE_PRIORITY);
    static const struct {
        const char *item;
        int32_t priority;
    } items[] = {{"c", 3}, {"a", 1}, {"b", 2}, {"a2", 1}};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        corral_value v = scn_str(items[i].item);
        CHECK(corral_queue_put_nowait_priority(pq, &v, items[i].priority));
    }
    slog(self, "priority=%s", drain(pq, 4)); /* smallest first, equal priorities FIFO */

    corral_queue *lq = scn_queue_kind(0, CORRAL_QUEUE_LIFO);
    for (int i = 1; i <= 3; i++) {
        corral_value v = scn_int(i);
        CHECK(corral_queue_put_nowait(lq, &v));
    }
    slog(self, "lifo=%s", drain(lq, 3));

    ch = scn_queue_kind(0, CORRAL_QUEUE_RENDEZVOUS);
    corral_value y = scn_str("y");
    if (EXPECT(corral_queue_put_nowait(ch, &y), CORRAL_EQUEUEFULL) == CORRAL_EQUEUEFULL)
        slog(self, "rendezvous full");
    scn_spawn(NULL, "P", task_p, NULL);
    CHECK(corral_sleep_for(corral_ms(5)));
    corral_value got = {0};
    CHECK(corral_queue_get(ch, &got, -1)); /* takes P's item and completes P first */
    slog(self, "got %s", scn_text(&got));
    corral_value_clear(&got);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
