/* S66 - Watch cell: a later write wins, predicates, a write that waits for a reader (R65). */
#include "scenario.h"

static corral_watch *w;

/* The current value as an int, and its version. */
static int64_t current(uint64_t *version)
{
    corral_value v = {0};
    CHECK(corral_watch_get(w, &v, version));
    return v.as.i;
}

/* w.next(): wait for a version newer than the current one, return the value current then. */
static int next(int64_t *out)
{
    uint64_t seen;
    current(&seen);
    int rc = corral_watch_next(w, &seen, -1);
    if (rc == 0)
        *out = current(NULL);
    return rc;
}

/* w.wait_for(lambda x: x >= min): returns at once if the value matches. */
static int wait_at_least(int64_t min, int64_t *out)
{
    uint64_t seen;
    for (;;) {
        int64_t x = current(&seen);
        if (x >= min) {
            *out = x;
            return 0;
        }
        int rc = corral_watch_next(w, &seen, -1);
        if (rc < 0)
            return rc;
    }
}

static void set(int64_t x)
{
    corral_value v = scn_int(x);
    CHECK(corral_watch_set(w, &v));
}

/* R: log("R got " + await w.next()); log("R matched " + await w.wait_for(lambda x: x >= 3)) */
FIBER(task_r)
{
    int64_t x;
    CHECK(next(&x));
    slog(self, "R got %lld", (long long)x);
    CHECK(wait_at_least(3, &x));
    slog(self, "R matched %lld", (long long)x);
    return 0;
}

/* W: await sleep(1); w.set(1); log("set 1"); w.set(2); log("set 2"); await sleep(1);
 *    w.set(3); log("set 3") */
FIBER(task_w)
{
    CHECK(corral_sleep_for(corral_ms(1)));
    set(1);
    slog(self, "set 1");
    set(2);
    slog(self, "set 2");
    CHECK(corral_sleep_for(corral_ms(1)));
    set(3);
    slog(self, "set 3");
    return 0;
}

/* P: await sleep(3); await w.put(10); log("put done") */
FIBER(task_p)
{
    CHECK(corral_sleep_for(corral_ms(3)));
    corral_value ten = scn_int(10);
    CHECK(corral_watch_put(w, &ten, -1));
    slog(self, "put done");
    return 0;
}

/* T: await sleep(1); w.set(12) */
FIBER(task_t)
{
    CHECK(corral_sleep_for(corral_ms(1)));
    set(12);
    return 0;
}

FIBER(main_fiber)
{
    corral_value zero = scn_int(0);
    w = scn_watch(&zero);
    scn_spawn(NULL, "R", task_r, NULL);
    scn_spawn(NULL, "W", task_w, NULL);
    scn_spawn(NULL, "P", task_p, NULL);

    CHECK(corral_sleep_for(corral_ms(4)));
    int64_t x;
    CHECK(next(&x)); /* P's write happens now: a reader waits */
    slog(self, "main got %lld", (long long)x);

    corral_scope *s;
    CHECK(corral_move_on_after(&s, self, corral_ms(1)));
    int rc = corral_scope_exit(s, next(&x));
    int caught = corral_scope_cancelled_caught(s);
    corral_scope_unref(s);
    CHECK(rc);
    slog(self, "timed out=%s", scn_bool(caught));

    scn_spawn(NULL, "T", task_t, NULL);
    CHECK(next(&x)); /* the timed-out wait left nothing behind */
    slog(self, "after timeout got %lld", (long long)x);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
