/* S57 - TaskNursery (codestare): exit callbacks run by its sentinel, name registry
 * (R52, R66, R67). In C the nursery is a free group "N" whose first member, "N.sentinel",
 * waits in corral_call_on_cancel and runs the pushed callbacks LIFO as managed cleanup. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

typedef struct exit_cb {
    corral_fiber_fn fn; /* sync callbacks simply never park */
    const char *tag;
} exit_cb;

typedef struct nursery {
    corral_group *group;
    exit_cb callbacks[4];
    size_t ncallbacks;
} nursery;

static struct {
    const char *name;
    nursery *n;
} registry[4];
static size_t nregistry;

/* The exit callbacks, LIFO; each one runs even when an earlier one failed (R67). */
static int run_exit_callbacks(corral_task *self, void *arg, corral_value *result)
{
    nursery *n = arg;
    int status = 0;
    (void)result;
    while (n->ncallbacks > 0) {
        exit_cb *cb = &n->callbacks[--n->ncallbacks];
        corral_value ignored = {0};
        int rc = cb->fn(self, (void *)cb->tag, &ignored);
        corral_value_clear(&ignored);
        if (rc < 0)
            status = rc;
    }
    return status;
}

FIBER(sentinel)
{
    return corral_call_on_cancel(run_exit_callbacks, arg, result);
}

static void nursery_open(nursery *n, const char *name)
{
    char sentinel_name[64];
    n->group = scn_group(name);
    snprintf(sentinel_name, sizeof sentinel_name, "%s.sentinel", name);
    scn_spawn(n->group, sentinel_name, sentinel, n);
    registry[nregistry].name = name;
    registry[nregistry++].n = n;
}

static nursery *registry_get(const char *name)
{
    for (size_t i = 0; i < nregistry; i++)
        if (!strcmp(registry[i].name, name))
            return registry[i].n;
    return NULL;
}

static void push_callback(nursery *n, corral_fiber_fn fn, const char *tag)
{
    n->callbacks[n->ncallbacks].fn = fn;
    n->callbacks[n->ncallbacks++].tag = tag;
}

/* cleanup(tag): await sleep(1); log(tag + " cleaned") */
static int cleanup(corral_task *self, void *tag, corral_value *result)
{
    (void)result;
    int rc = corral_sleep_for(corral_ms(1));
    if (rc < 0)
        return rc;
    slog(self, "%s cleaned", (const char *)tag);
    return 0;
}

/* say(tag): log(tag) */
static int say(corral_task *self, void *tag, corral_value *result)
{
    (void)result;
    slog(self, "%s", (const char *)tag);
    return 0;
}

/* T: try: await sleep(100) except Cancelled: log("T cancelled"); raise */
FIBER(task_t)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "T cancelled");
    return rc;
}

FIBER(main_fiber)
{
    static nursery n;
    nursery_open(&n, "N");
    push_callback(&n, cleanup, "c1");      /* push_async_callback */
    push_callback(&n, say, "c2");          /* push_callback */
    scn_spawn(n.group, "T", task_t, NULL); /* create_task(t, name="T") */
    slog(self, "registry=%s", scn_bool(registry_get("N") == &n));
    CHECK(corral_sleep_for(corral_ms(5)));
    CHECK(corral_group_async_close(n.group, 1, -1)); /* aclose() */
    slog(self, "closed=%s", scn_bool(corral_group_is_closed(n.group)));
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
