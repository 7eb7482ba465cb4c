"""S62 - Iterating a queue until it is closed and drained (R60, R61, R63)."""
import corral
from corral import log


async def task_c(q):
    async for x in q:
        log(f"got {x}")
    log("loop ended")


async def task_p(q):
    for i in range(1, 5):
        await q.put(i)
        log(f"put {i}")
    q.close()
    log("closed")


async def join_quiet(t):
    try:
        await t
    except Exception:
        pass


async def main():
    q = corral.Queue(maxsize=2)
    c = corral.spawn(task_c, q, name="C")
    p = corral.spawn(task_p, q, name="P")
    await join_quiet(c)
    await join_quiet(p)


corral.run(main(), clock="virtual", trace=1)
