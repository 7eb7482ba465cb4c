"""S42 - An asynccontextmanager cannot suppress Cancelled (R68)."""
import corral
from corral import format_value as text, log

MS = 0.001


@corral.asynccontextmanager
async def cm():
    try:
        yield
    except corral.Cancelled:
        log("cm saw cancel")  # then returns: an attempt to suppress


@corral.asynccontextmanager
async def cm2():
    try:
        yield
    except ValueError:
        log("cm2 suppressed")


async def task_a():
    with corral.move_on_after(10 * MS) as s:
        async with cm():
            await corral.sleep(100 * MS)
        log("unreachable")
    log("caught=" + text(s.cancelled_caught))
    async with cm2():
        raise ValueError("v")
    log("after cm2")


async def main():
    a = corral.spawn(task_a, name="A")
    await a


corral.run(main(), clock="virtual", trace=1)
