/* clock.c - the runtime's clock: REAL (CLOCK_MONOTONIC since creation) or VIRTUAL (R10). */
#include <time.h>

#include "internal.h"

int64_t corral__clock_read(corral_rt *rt)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)(ts.tv_sec - rt->origin.tv_sec) * 1000000000 +
           (ts.tv_nsec - rt->origin.tv_nsec);
}

/* The time of the current tick. The REAL clock is read lazily, once per tick at most, so a
 * tick with no timers and nobody asking reads no clock at all. */
int64_t corral__now(corral_rt *rt)
{
    if (!rt->now_valid) {
        if (!(rt->flags & CORRAL_RT_VIRTUAL_CLOCK))
            rt->now = corral__clock_read(rt);
        rt->now_valid = true;
    }
    return rt->now;
}

int64_t corral_rt_now(corral_rt *rt)
{
    int rc = corral__rt_usable(rt);
    return rc < 0 ? rc : corral__now(rt);
}
