"""S27 run 1 - A getter cancelled before the put loses nothing (R27, R64)."""
import corral
from corral import log

MS = 0.001


async def task_g1(q):
    log(f"G1 got {await q.get()}")
    await corral.checkpoint()


async def task_g2(q):
    log(f"G2 got {await q.get()}")


async def main():
    q = corral.Queue()
    g1 = corral.spawn(task_g1, q, name="G1")
    g2 = corral.spawn(task_g2, q, name="G2")
    await corral.sleep(1 * MS)
    g1.cancel()  # G1 leaves the getters' list: 5 goes to G2
    q.put_nowait(5)
    try:
        await g1
    except corral.TaskCancelled:
        pass
    await g2


corral.run(main(), clock="virtual", trace=1)
