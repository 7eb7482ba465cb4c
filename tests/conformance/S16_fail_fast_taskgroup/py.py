"""S16 - Fail-fast TaskGroup (R49, R53, R54)."""
import corral
from corral import log

MS = 0.001


async def task_a():
    await corral.sleep(10 * MS)
    raise ValueError("a")


async def task_b():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("B cancelled")
        raise


def kinds(eg):
    return "[" + ", ".join(f"{type(e).__name__}:{e}" for e in eg.exceptions) + "]"


async def main():
    try:
        async with corral.TaskGroup() as tg:
            tg.spawn(task_a, name="A")
            tg.spawn(task_b, name="B")
            try:
                await corral.sleep(50 * MS)
            except corral.Cancelled:
                log("body cancelled")
                raise
    except corral.ErrorGroup as eg:
        log("eg=" + kinds(eg))


corral.run(main(), clock="virtual", trace=1)
