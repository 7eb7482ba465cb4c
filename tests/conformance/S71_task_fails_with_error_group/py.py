"""S71 - A task that fails with its group's ErrorGroup (R54, R77)."""
import corral
from corral import log


async def bad():
    raise ValueError("v")


async def task_a():
    async with corral.TaskGroup() as tg:
        tg.spawn(bad, name="m")


def kinds(eg):
    return "[" + ", ".join(f"{type(e).__name__}:{e}" for e in eg.exceptions) + "]"


async def main():
    a = corral.spawn(task_a, name="A")
    try:
        await a
    except corral.ErrorGroup as eg:
        log("join " + kinds(eg))


corral.run(main(), clock="virtual", trace=1)
