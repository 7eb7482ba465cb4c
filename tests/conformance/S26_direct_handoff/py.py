"""S26 - Direct hand-off, no barging (R60)."""
import corral
from corral import log

MS = 0.001


async def task_p(q):
    await q.put("b")
    log("put b done")


async def getter(q2):
    log(f"got {await q2.get()}")


async def join_quiet(t):
    try:
        await t
    except Exception:
        pass


async def main():
    q = corral.Queue(maxsize=1)
    q.put_nowait("a")
    q2 = corral.Queue()
    p = corral.spawn(task_p, q, name="P")
    g1 = corral.spawn(getter, q2, name="G1")
    g2 = corral.spawn(getter, q2, name="G2")
    await corral.sleep(1 * MS)
    log(f"got {q.get_nowait()}")  # P's "b" moves into the buffer at once
    try:
        q.put_nowait("c")
    except corral.QueueFull:
        log("c QueueFull")
    q2.put_nowait(1)  # handed to G1
    q2.put_nowait(2)  # handed to G2
    for t in (p, g1, g2):
        await join_quiet(t)


corral.run(main(), clock="virtual", trace=1)
