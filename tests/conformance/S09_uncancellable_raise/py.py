"""S09 - uncancellable(raise_cancel=True) (R33)."""
import corral
from corral import log

MS = 0.001


async def work():
    await corral.sleep(20 * MS)
    log("work done")
    return "w"


async def task_a():
    r = await corral.uncancellable(work(), raise_cancel=True)
    log("after " + r)


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(5 * MS)
    a.cancel()
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
