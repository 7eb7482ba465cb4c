"""S05 - A swallowed cancellation is re-delivered (R24)."""
import corral
from corral import log

MS = 0.001


async def task_a():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("swallowed")  # swallowing is harmless: the next checkpoint raises again
    log("continuing")
    await corral.sleep(1 * MS)
    log("unreachable")


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(10 * MS)
    a.cancel()
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
