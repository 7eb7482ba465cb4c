"""S27 run 2 - A getter cancelled after the hand-off keeps the item (R27, R64)."""
import corral
from corral import format_value as text, log

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
    q.put_nowait(5)  # handed to G1: completion wins
    g1.cancel()
    await corral.sleep(1 * MS)
    log(f"qsize={q.qsize()} G2 done={text(g2.done())}")


corral.run(main(), clock="virtual", trace=1)
