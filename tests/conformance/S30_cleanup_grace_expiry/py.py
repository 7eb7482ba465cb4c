"""S30 - Cleanup grace expiry (R66)."""
import corral
from corral import log

MS = 0.001


async def slow():
    await corral.sleep(20 * MS)
    log("unreachable")


async def task_a():
    async with corral.ExitStack(cleanup_timeout=5 * MS) as st:
        st.push_async_callback(slow)
        await corral.sleep(100 * MS)


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(10 * MS)
    a.cancel()
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
