"""S55 - Supervisor (aiotools): failures go to the handler chain, a body error cancels
(R52, R55, R49)."""
import corral
from corral import log

MS = 0.001


async def task_a():
    await corral.sleep(5 * MS)
    raise ValueError("a")


async def task_b():
    await corral.sleep(10 * MS)
    log("B finished")


async def task_c():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("C cancelled")
        raise


async def main():
    async with corral.Supervisor() as sv:
        sv.spawn(task_a, name="A")
        sv.spawn(task_b, name="B")
        await corral.sleep(1 * MS)
        log("body done")
    log("exit 1")
    try:
        async with corral.Supervisor() as sv:
            sv.spawn(task_c, name="C")
            await corral.sleep(1 * MS)
            raise ValueError("body")
    except ValueError:
        log("body error propagated")


corral.run(main(), clock="virtual", trace=1)
