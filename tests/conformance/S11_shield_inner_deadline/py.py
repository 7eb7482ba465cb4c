"""S11 - Shield with an inner deadline (R25, R28, R32)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a():
    with corral.shield():
        with corral.move_on_after(10 * MS) as inner:
            await corral.sleep(50 * MS)
        log("inner caught=" + text(inner.cancelled_caught))
    log("left shield")
    await corral.sleep(1 * MS)
    log("unreachable")


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(2 * MS)
    a.cancel()
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
