"""S76 - A closed subgroup's exception callback still hands on to its parent (R56, R47, R55)."""
import corral
from corral import log
MS = 0.001
def ek(e): return f"{type(e).__name__}:{e}"
def cb_l(e, t):
    log(f"cbL {t.name} {ek(e)}")
    raise RuntimeError("l")
class KeyErr(Exception): pass
def cb_g(e, t):
    log(f"cbG {t.name} {ek(e)}")
    if isinstance(e, RuntimeError): raise KeyErr("g")
async def f(ms, m):
    await corral.sleep(ms * MS); raise ValueError(m)
async def w(tag, err=None):
    try: await corral.sleep(100 * MS)
    except corral.Cancelled:
        log(tag + " cancelled")
        if err: raise ValueError(err)
        raise
async def main():
    G = corral.Group("G", exception_cb=cb_g)
    M = G.create_subgroup("M")
    L = M.create_subgroup("L", exception_cb=cb_l)
    L.spawn(f, 1, "a", name="a")
    M.spawn(f, 2, "b", name="b")
    L.spawn(w, "c", "c", name="c")
    G.spawn(w, "d", name="d")
    await corral.sleep(5 * MS)
    M.close(); await M.wait_closed(); log("M closed")
    await corral.sleep(1 * MS)
    await G.async_close(); log(f"G closed unhandled={corral.unhandled_count()}")
corral.run(main(), clock="virtual", trace=1)
