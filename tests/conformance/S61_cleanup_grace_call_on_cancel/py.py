"""S61 - Cleanup grace expiry in call_on_cancel (R66, R73)."""
import corral
from corral import log

MS = 0.001


async def slow():
    await corral.sleep(20 * MS)
    log("unreachable")


async def main():
    g = corral.Group("G")
    g.cleanup_timeout = 5 * MS
    g.spawn(corral.call_on_cancel, slow, name="T")
    await corral.sleep(10 * MS)
    await g.async_close()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
