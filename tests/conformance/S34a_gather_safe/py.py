"""S34 run 1 - gather_safe (R59, R71)."""
import corral
from corral import format_value as text, log

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
    r = await corral.gather_safe([x(), y(), z()], names=["gx", "gy", "gz"])
    log("r=" + text(r))


corral.run(main(), clock="virtual", trace=1)
