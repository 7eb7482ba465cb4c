"""S58 - trio-style nursery and its cancel scope (R49, R53, R28)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("A cancelled")
        raise


async def task_b(n):
    await corral.sleep(5 * MS)
    n.cancel_scope.cancel()
    log("B cancelled scope")


async def main():
    async with corral.open_nursery() as n:
        n.start_soon(task_a, name="A")
        n.start_soon(task_b, n, name="B")
        await corral.sleep(50 * MS)
    log("caught=" + text(n.cancel_scope.cancelled_caught))


corral.run(main(), clock="virtual", trace=1)
