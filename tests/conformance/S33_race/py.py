"""S33 - race (R70)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def a():
    await corral.sleep(10 * MS)
    return "a"


async def b():
    await corral.sleep(5 * MS)
    return "b"


async def c():
    try:
        await corral.sleep(20 * MS)
    except corral.Cancelled:
        with corral.shield():
            await corral.sleep(3 * MS)
        log("c cleanup")
        raise


async def main():
    v, errs = await corral.race([a(), b(), c()], names=["ra", "rb", "rc"])
    log("race=" + v + " errors=" + text(errs))


corral.run(main(), clock="virtual", trace=1)
