"""S14 - fail_after: Timeout only when the deadline is the cause (R38, R29)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a():
    try:
        with corral.fail_after(10 * MS):
            await corral.sleep(100 * MS)
    except corral.Timeout:
        log("timeout")


async def task_b():
    with corral.fail_after(10 * MS) as s:
        s.cancel()
        await corral.checkpoint()
        log("unreachable")
    log("no timeout, caught=" + text(s.cancelled_caught) + " cause=" + s.cause)


async def main():
    tasks = [corral.spawn(task_a, name="A"), corral.spawn(task_b, name="B")]
    for t in tasks:
        try:
            await t
        except corral.Error:
            pass


corral.run(main(), clock="virtual", trace=1)
