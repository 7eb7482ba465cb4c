"""S04 - Cancelling a parked task (R15, R16, R26)."""
import corral
from corral import log

MS = 0.001


async def task_a():
    log("start")
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("caught")
        raise


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(10 * MS)
    assert a.cancel()
    log("requested")
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
