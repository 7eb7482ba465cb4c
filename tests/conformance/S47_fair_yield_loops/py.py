"""S47 - Yielding loops interleave fairly (R5)."""
import corral
from corral import log


async def loop(p):
    for i in range(3):
        log(f"{p}{i}")
        await corral.checkpoint()


async def main():
    tasks = [corral.spawn(loop, "A", name="A"), corral.spawn(loop, "B", name="B")]
    for t in tasks:
        try:
            await t
        except corral.Error:
            pass


corral.run(main(), clock="virtual", trace=1)
