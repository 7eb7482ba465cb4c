"""S39 - An error beats a pending cancellation (R14, R33, R54)."""
import corral
from corral import log

MS = 0.001


async def work():
    await corral.sleep(20 * MS)
    raise ValueError("w")


async def task_a():
    await corral.uncancellable(work(), raise_cancel=True)


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(5 * MS)
    a.cancel()
    try:
        await a
    except ValueError:
        log("join ValueError:w")


corral.run(main(), clock="virtual", trace=1)
