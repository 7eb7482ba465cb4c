/* S17 - Two failures in one tick: both are kept (R27, R53, R54). */
#include "scenario.h"

/* A and B: await sleep(10); raise ValueError(<name>) */
FIBER(task_fail)
{
    int rc = corral_sleep_for(corral_ms(10));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", arg);
}

FIBER(main_fiber)
{
    corral_group *tg;
    CHECK(corral_group_enter(&tg, self, NULL, CORRAL_GROUP_FAIL_FAST, CORRAL_GROUP_JOIN));
    corral_task *a, *b;
    CHECK(corral_spawn_fiber(&a, scn_rt(), tg, "A", task_fail, "a", NULL));
    CHECK(corral_spawn_fiber(&b, scn_rt(), tg, "B", task_fail, "b", NULL));
    int body = corral_sleep_for(corral_ms(100));
    EXPECT(corral_group_exit(tg, body), CORRAL_EERRORGROUP);
    char text[256];
    corral_error_format(corral_task_last_error(self), text, sizeof text);
    slog(self, "eg=%s", text + sizeof "ErrorGroup:" - 1);
    corral_task_unref(a);
    corral_task_unref(b);
    corral_group_unref(tg);
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
