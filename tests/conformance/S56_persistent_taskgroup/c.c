/* S56 - PersistentTaskGroup used as an object: listing and shutdown() (R52, R42, R48).
 * In C a PersistentTaskGroup used as an object is a named free group; the program keeps the
 * list of live ones, as aiotools' all_ptaskgroups() does. */
#include "scenario.h"

#include <string.h>

static corral_group *live[4];
static size_t nlive;

static corral_group *persistent_group(const char *name)
{
    corral_group *g = scn_group(name);
    live[nlive++] = g;
    return g;
}

/* shutdown(): cancel the members, wait until closed, and leave the list */
static int shutdown(corral_group *g)
{
    int rc = corral_group_async_close(g, 1, -1);
    for (size_t i = 0; i < nlive; i++)
        if (live[i] == g) {
            memmove(&live[i], &live[i + 1], (nlive - i - 1) * sizeof live[0]);
            nlive--;
            break;
        }
    return rc;
}

static const char *names(void)
{
    static char buf[128];
    size_t used = 0;
    buf[used++] = '[';
    for (size_t i = 0; i < nlive; i++) {
        const char *n = corral_group_name(live[i]);
        if (i)
            buf[used++] = ',', buf[used++] = ' ';
        memcpy(buf + used, n, strlen(n));
        used += strlen(n);
    }
    buf[used++] = ']';
    buf[used] = '\0';
    return buf;
}

/* W1: try: await sleep(100) except Cancelled: log("W1 cancelled"); raise */
FIBER(task_w1)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "W1 cancelled");
    return rc;
}

/* W2: await sleep(5); raise ValueError("f") */
FIBER(task_w2)
{
    int rc = corral_sleep_for(corral_ms(5));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "f");
}

FIBER(main_fiber)
{
    corral_group *pg = persistent_group("P");
    scn_spawn(pg, "W1", task_w1, NULL);
    scn_spawn(pg, "W2", task_w2, NULL);
    slog(self, "live=%s", names());
    CHECK(corral_sleep_for(corral_ms(10)));
    CHECK(shutdown(pg));
    slog(self, "live after=%s", names());
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
