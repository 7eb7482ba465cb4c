"""S34 run 2 - gather_safe, and caller cancellation (R59, R71)."""
import corral
from corral import log

MS = 0.001


async def x():
    await corral.sleep(5 * MS)
    return 1


async def y():
    await corral.sleep(3 * MS)
    raise ValueError("y")


async def z():
    await corral.sleep(1 * MS)
    return 3


async def main():
    w = corral.spawn(corral.gather_safe, [x(), y(), z()], names=["gx", "gy", "gz"], name="W")
    await corral.sleep(2 * MS)
    w.cancel()
    try:
        await w
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
