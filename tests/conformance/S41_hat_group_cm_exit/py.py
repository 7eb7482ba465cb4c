"""S41 - hat-style Group as an async CM cancels on exit (R49, R66)."""
import corral
from corral import log

MS = 0.001


async def task_t():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        with corral.shield():
            await corral.sleep(2 * MS)
        log("T cleanup")
        raise


async def main():
    async with corral.Group("G") as g:
        g.spawn(task_t, name="T")
        await corral.sleep(5 * MS)
    log("after")


corral.run(main(), clock="virtual", trace=1)
