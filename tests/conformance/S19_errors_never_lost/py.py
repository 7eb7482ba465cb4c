"""S19 - Errors in unawaited tasks and in handlers are never lost (R56, R57)."""
import corral
from corral import log

MS = 0.001


def cb(e, t):
    raise RuntimeError("cb")


async def task_a():
    await corral.sleep(5 * MS)
    raise ValueError("boom")


async def task_b():
    await corral.sleep(15 * MS)
    raise ValueError("x")


async def main():
    g = corral.Group("G", exception_cb=cb)
    corral.spawn(task_a, name="A")
    g.spawn(task_b, name="B")
    await corral.sleep(20 * MS)
    log(f"unhandled={corral.unhandled_count()}")


corral.run(main(), clock="virtual", trace=1)
