"""S07 - Completion wins over a later cancel (R27)."""
import corral
from corral import log

MS = 0.001


async def task_a(q):
    x = await q.get()
    log(f"got {x}")
    await corral.checkpoint()
    log("unreachable")


async def main():
    q = corral.Queue()
    a = corral.spawn(task_a, q, name="A")
    await corral.sleep(1 * MS)
    q.put_nowait(7)  # handed to the parked getter A
    a.cancel()       # too late to undo the hand-off
    log(f"qsize {q.qsize()}")
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
