"""S36 - Spawning inside an already-cancelled outer scope (R13, R44, R49)."""
import corral
from corral import format_value as text, log


async def task_c():
    log("C start")
    await corral.checkpoint()
    log("unreachable")


async def main():
    with corral.CancelScope() as cs:
        cs.cancel()
        async with corral.TaskGroup() as tg:
            tg.spawn(task_c, name="C")
            log("body")
    log("cs caught=" + text(cs.cancelled_caught))


corral.run(main(), clock="virtual", trace=1)
