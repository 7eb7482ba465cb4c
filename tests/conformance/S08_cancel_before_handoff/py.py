"""S08 - Cancel before hand-off: the item stays queued (R27, R64)."""
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
    a.cancel()       # A leaves the getters' list before the put
    q.put_nowait(7)
    log(f"qsize {q.qsize()}")
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")
    log(f"drained {q.get_nowait()}")


corral.run(main(), clock="virtual", trace=1)
