"""S63 - Priority, LIFO and rendezvous queues (R60, R62)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_p(ch):
    await ch.put("x")
    log("put returned")


async def main():
    pq = corral.PriorityQueue()
    pq.put_nowait("c", priority=3)
    pq.put_nowait("a", priority=1)
    pq.put_nowait("b", priority=2)
    pq.put_nowait("a2", priority=1)
    log("priority=" + text([pq.get_nowait() for _ in range(4)]))  # smallest first, FIFO ties

    lq = corral.LifoQueue()
    for i in (1, 2, 3):
        lq.put_nowait(i)
    log("lifo=" + text([lq.get_nowait() for _ in range(3)]))

    ch = corral.Channel()  # rendezvous, capacity 0
    try:
        ch.put_nowait("y")
    except corral.QueueFull:
        log("rendezvous full")
    corral.spawn(task_p, ch, name="P")
    await corral.sleep(5 * MS)
    log(f"got {await ch.get()}")  # takes P's item and completes P first


corral.run(main(), clock="virtual", trace=1)
