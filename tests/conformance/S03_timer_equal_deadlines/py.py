"""S03 - Timer ordering with equal deadlines (R6, R10)."""
import corral
from corral import log

MS = 0.001


async def sleeper(n):
    await corral.sleep(n * MS)
    log("woke")


async def main():
    tasks = [corral.spawn(sleeper, 10, name="A"), corral.spawn(sleeper, 5, name="B"),
             corral.spawn(sleeper, 10, name="C")]
    for t in tasks:
        try:
            await t
        except corral.Error:
            pass


corral.run(main(), clock="virtual", trace=1)
