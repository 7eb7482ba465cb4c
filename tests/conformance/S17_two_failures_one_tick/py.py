"""S17 - Two failures in one tick: both are kept (R27, R53, R54)."""
import corral
from corral import log

MS = 0.001


async def task_fail(name):
    await corral.sleep(10 * MS)
    raise ValueError(name)


def kinds(eg):
    return "[" + ", ".join(f"{type(e).__name__}:{e}" for e in eg.exceptions) + "]"


async def main():
    try:
        async with corral.TaskGroup() as tg:
            tg.spawn(task_fail, "a", name="A")
            tg.spawn(task_fail, "b", name="B")
            await corral.sleep(100 * MS)
    except corral.ErrorGroup as eg:
        log("eg=" + kinds(eg))


corral.run(main(), clock="virtual", trace=1)
