"""S48 - Subgroup ordering on close (R45, R47, R48, R44)."""
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
    a = g.create_subgroup(name="A")
    a1 = a.create_subgroup(name="A1")
    b = g.create_subgroup(name="B")
    b.spawn(w, name="b")
    a1.spawn(w, name="a1")
    g.spawn(w, name="g")
    a.spawn(w, name="a")
    await corral.sleep(10 * MS)
    g.close()
    try:
        g.create_subgroup(name="C")
    except corral.GroupClosed:
        log("subgroup rejected")
    await g.wait_closed()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
