"""S38 - A body that returns after cancellation is COMPLETED (R14)."""
import corral
from corral import log

MS = 0.001


async def task_a():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("returning 42")
        return 42


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(10 * MS)
    a.cancel()
    log(f"join={await a}")


corral.run(main(), clock="virtual", trace=1)
