"""S57 - TaskNursery (codestare): exit callbacks run by its sentinel, name registry
(R52, R66, R67)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def cleanup(tag):
    await corral.sleep(1 * MS)
    log(tag + " cleaned")


def say(tag):
    log(tag)


async def task_t():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("T cancelled")
        raise


async def main():
    n = corral.TaskNursery(name="N")
    n.push_async_callback(cleanup, "c1")
    n.push_callback(say, "c2")
    n.create_task(task_t(), name="T")
    log("registry=" + text(corral.TaskNursery.registry["N"] is n))
    await corral.sleep(5 * MS)
    await n.aclose()
    log("closed=" + text(n.is_closed))


corral.run(main(), clock="virtual", trace=1)
