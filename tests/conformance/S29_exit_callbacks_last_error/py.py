"""S29 - Every exit callback runs; the last error wins (R67)."""
import corral
from corral import log


async def raiser(name):
    log("raising " + name)
    raise ValueError(name)


async def task_a():
    async with corral.ExitStack() as st:
        st.push_async_callback(raiser, "E1")
        st.push_async_callback(raiser, "E2")
        log("body done")


async def main():
    a = corral.spawn(task_a, name="A")
    try:
        await a
    except ValueError:
        pass


corral.run(main(), clock="virtual", trace=1)
