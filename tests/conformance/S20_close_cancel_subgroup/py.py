"""S20 - close(cancel=True) with a subgroup (R45, R47, R48, R44)."""
import corral
from corral import log

MS = 0.001


async def w():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("cancelled")
        raise


async def main():
    g = corral.Group("G")
    g.spawn(w, name="g1")
    s = g.create_subgroup(name="S")
    s.spawn(w, name="s1")
    await corral.sleep(10 * MS)
    g.close()
    log("closing")
    try:
        g.spawn(w, name="x")
    except corral.GroupClosed:
        log("spawn rejected")
    await g.wait_closed()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
