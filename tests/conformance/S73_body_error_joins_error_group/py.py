"""S73 - A body's error is a member of its group's ErrorGroup, not its context (R54, R77)."""
import corral
from corral import log

MS = 0.001


async def m():
    await corral.sleep(5 * MS)
    log("unreachable")


async def task_a():
    async with corral.TaskGroup() as tg:
        tg.spawn(m, name="m")
        raise ValueError("body")


def kinds(eg):
    return "[" + ", ".join(f"{type(e).__name__}:{e}" for e in eg.exceptions) + "]"


async def main():
    a = corral.spawn(task_a, name="A")
    try:
        await a
    except corral.ErrorGroup as eg:
        log("join " + kinds(eg))


corral.run(main(), clock="virtual", trace=1)
