"""S28 - ExitStack LIFO cleanup during cancellation (R66, R67)."""
import corral
from corral import log

MS = 0.001


async def cleanup(name):
    await corral.sleep(5 * MS)
    log(name + " done")


async def task_a():
    async with corral.ExitStack() as st:
        st.push_async_callback(cleanup, "c1")
        st.push_async_callback(cleanup, "c2")
        await corral.sleep(100 * MS)


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(10 * MS)
    a.cancel()
    await corral.sleep(2 * MS)
    a.cancel()
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
