"""S70 - A cleanup error replaces a cancellation (R67, R39, R66)."""
import corral
from corral import log

MS = 0.001


async def raiser(name):
    await corral.sleep(1 * MS)
    raise ValueError(name)


async def task_a():
    async with corral.ExitStack() as st:
        st.push_async_callback(raiser, "x")
        await corral.sleep(100 * MS)


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(5 * MS)
    a.cancel()
    try:
        await a
    except ValueError as e:
        log(f"join ValueError:{e}")


corral.run(main(), clock="virtual", trace=1)
