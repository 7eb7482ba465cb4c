"""S21 - close(cancel=False) then escalation (R46)."""
import corral
from corral import log

MS = 0.001


async def task_a():
    await corral.sleep(50 * MS)
    log("finished")


async def task_b():
    try:
        await corral.sleep(200 * MS)
    except corral.Cancelled:
        log("cancelled")
        raise


async def main():
    g = corral.Group("G")
    g.spawn(task_a, name="A")
    g.spawn(task_b, name="B")
    await corral.sleep(10 * MS)
    g.close(cancel=False)
    log("closing")
    await corral.sleep(50 * MS)
    g.close(cancel=True)
    await g.wait_closed()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
