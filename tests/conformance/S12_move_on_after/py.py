"""S12 - move_on_after (R37)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a():
    with corral.move_on_after(10 * MS) as s:
        await corral.sleep(5 * MS)
        log("slept 5")
        await corral.sleep(20 * MS)
        log("unreachable")
    log("caught=" + text(s.cancelled_caught))
    return "ok"


async def main():
    a = corral.spawn(task_a, name="A")
    try:
        await a
    except corral.Error:
        pass


corral.run(main(), clock="virtual", trace=1)
