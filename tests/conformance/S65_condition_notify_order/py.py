"""S65 - Condition: notify order, and a cancelled waiter re-acquires the lock (R65)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_w(cond, name):
    async with cond:
        log(f"{name} waiting")
        await cond.wait()
        log(f"{name} woken")


async def task_x(cond):
    async with cond:
        log("X waiting")
        try:
            await cond.wait()
        except corral.Cancelled:
            log("X cancelled owns lock=" +
                text(cond.locked() and cond.lock.owner is corral.current_task()))
            raise


async def main():
    cond = corral.Condition()
    for name in ("W1", "W2", "W3"):
        corral.spawn(task_w, cond, name, name=name)
    await corral.sleep(1 * MS)
    async with cond:
        cond.notify(2)
        log("notified 2")
    await corral.sleep(1 * MS)
    async with cond:
        cond.notify_all()
        log("notified all")
    await corral.sleep(1 * MS)
    x = corral.spawn(task_x, cond, name="X")
    await corral.sleep(1 * MS)
    async with cond:
        x.cancel()
        log("cancelled X")
        await corral.sleep(1 * MS)  # X cannot resume while main holds the lock
    try:
        await x
    except corral.TaskCancelled:
        pass


corral.run(main(), clock="virtual", trace=1)
