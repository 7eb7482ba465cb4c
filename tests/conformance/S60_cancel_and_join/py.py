"""S60 - cancel_and_join (R15, R14, R16)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        with corral.shield():
            await corral.sleep(3 * MS)
        log("A cleanup")
        raise


async def task_b():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        return "b-late"


async def task_c():
    await corral.sleep(1 * MS)
    raise ValueError("c")


async def main():
    a = corral.spawn(task_a, name="A")
    b = corral.spawn(task_b, name="B")
    c = corral.spawn(task_c, name="C")
    await corral.sleep(10 * MS)
    await corral.cancel_and_join(a)
    log("A joined")
    log("B=" + text(await corral.cancel_and_join(b)))
    try:
        await corral.cancel_and_join(c)
    except ValueError:
        log("C error raised")


corral.run(main(), clock="virtual", trace=1)
