/* S53 - race where every member fails, and an empty race (R70, R59). */
#include "scenario.h"

typedef struct spec {
    int ms;
    const char *msg;
} spec;

/* await sleep(ms); raise ValueError(msg) */
FIBER(fail_after)
{
    const spec *s = arg;
    int rc = corral_sleep_for(corral_ms(s->ms));
    return rc < 0 ? rc : corral_task_raise(self, "ValueError", s->msg);
}

FIBER(main_fiber)
{
    static const spec a = {5, "a"}, b = {2, "b"}, c = {8, "c"};
    const corral_member members[] = {{"ra", fail_after, (void *)&a},
                                     {"rb", fail_after, (void *)&b},
                                     {"rc", fail_after, (void *)&c}};
    if (corral_race(members, 3, 1, NULL, NULL, NULL) == CORRAL_EERRORGROUP)
        slog(self, "race eg=%s", scn_errors(corral_task_last_error(self)));
    if (corral_race(members, 0, 0, NULL, NULL, NULL) == CORRAL_EINVALIDARG)
        slog(self, "empty rejected");
    return 0;
}

int main(void)
{
    return scn_run(main_fiber, 0);
}
