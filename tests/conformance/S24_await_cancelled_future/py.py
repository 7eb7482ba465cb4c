"""S24 - Awaiting a cancelled future (R22)."""
import corral
from corral import log

MS = 0.001


async def task_t(f):
    try:
        await f
    except corral.FutureCancelled:
        log("future cancelled")
    await corral.sleep(1 * MS)
    log("alive")
    return "ok"


async def main():
    f = corral.Future()
    t = corral.spawn(task_t, f, name="T")
    await corral.sleep(1 * MS)
    f.cancel()
    log(f"join {await t}")


corral.run(main(), clock="virtual", trace=1)
