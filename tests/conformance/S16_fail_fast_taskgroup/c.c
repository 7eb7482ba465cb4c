/* S16 - Fail-fast TaskGroup (R49, R53, R54). */
#include "scenario.h"

/* A: await sleep(10); raise ValueError("a") */
FIBER(task_a)
{
    int rc = corral_sleep_for(corral_ms(10));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", "a");
}

/* B: try: await sleep(100) except Cancelled: log("B cancelled"); raise */
FIBER(task_b)
{
    int rc = corral_sleep_for(corral_ms(100));
    if (rc == CORRAL_ECANCELLED)
        slog(self, "B cancelled");
    return rc;
}

/* "eg=[ValueError:a]": the kinds of the ErrorGroup's members */
static void log_error_group(corral_task *self)
{
    corral_error *eg = corral_task_last_error(self);
    char text[256];
    corral_error_format(eg, text, sizeof text);
    slog(self, "eg=%s", text + sizeof "ErrorGroup:" - 1);
}

FIBER(main_fiber)
{
    corral_group *tg;
    CHECK(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    corral_task *a, *b;
    CHECK(corral_spawn_fiber(&a, scn_rt(), tg, "A", task_a, NULL, NULL));
    CHECK(corral_spawn_fiber(&b, scn_rt(), tg, "B", task_b, NULL, NULL));
    int body = corral_sleep_for(corral_ms(50));
    if (body == CORRAL_ECANCELLED)
        slog(self, "body cancelled");
    int rc = corral_group_exit(tg, body);
    EXPECT(rc, CORRAL_EERRORGROUP);
    log_error_group(self);
    corral_task_unref(a);
    corral_task_unref(b);
    corral_group_unref(tg);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
