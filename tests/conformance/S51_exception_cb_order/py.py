"""S51 - exception_cb order, inheritance and a raising handler (R55, R56, R47)."""
import corral
from corral import log

MS = 0.001


def cb(e, t):
    log(f"cb {t.name} {type(e).__name__}:{e}", actor="G.cb")


def cb2(e, t):
    log(f"cb2 {t.name}", actor="S2.cb")
    raise RuntimeError("cb2")


async def f(m):
    await corral.sleep(5 * MS)
    raise ValueError(m)


async def main():
    g = corral.Group("G", exception_cb=cb)
    s = g.create_subgroup(name="S")
    s2 = g.create_subgroup(name="S2", exception_cb=cb2)
    g.spawn(f, "a", name="A")
    s.spawn(f, "b", name="B")
    s2.spawn(f, "c", name="C")
    await corral.sleep(10 * MS)
    await g.async_close()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
