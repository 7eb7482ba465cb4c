"""S18 - Supervisor with exception_cb (hat Group) (R18, R55, R56)."""
import corral
from corral import log

MS = 0.001


def kind(e):
    return f"{type(e).__name__}:{e}"


def cb(e, t):
    log("cb " + kind(e), actor="G.cb")


async def task_a():
    await corral.sleep(5 * MS)
    raise ValueError("x")


async def task_b():
    await corral.sleep(20 * MS)
    return "b"


async def main():
    g = corral.Group("G", exception_cb=cb)
    a = g.spawn(task_a, name="A")
    b = g.spawn(task_b, name="B")
    try:
        await a
    except ValueError as e:
        log("join A " + kind(e))
    log(f"join B {await b}")
    log(f"open={'true' if g.is_open else 'false'}")
    await corral.sleep(10 * MS)
    await g.async_close()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
