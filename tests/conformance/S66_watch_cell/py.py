"""S66 - Watch cell: a later write wins, predicates, a write that waits for a reader (R65)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_r(w):
    log(f"R got {await w.next()}")
    log(f"R matched {await w.wait_for(lambda x: x >= 3)}")


async def task_w(w):
    await corral.sleep(1 * MS)
    w.set(1)
    log("set 1")
    w.set(2)
    log("set 2")
    await corral.sleep(1 * MS)
    w.set(3)
    log("set 3")


async def task_p(w):
    await corral.sleep(3 * MS)
    await w.put(10)
    log("put done")


async def task_t(w):
    await corral.sleep(1 * MS)
    w.set(12)


async def main():
    w = corral.Watch(0)
    corral.spawn(task_r, w, name="R")
    corral.spawn(task_w, w, name="W")
    corral.spawn(task_p, w, name="P")
    await corral.sleep(4 * MS)
    log(f"main got {await w.next()}")  # P's write happens now: a reader waits
    with corral.move_on_after(1 * MS) as s:
        await w.next()
    log("timed out=" + text(s.cancelled_caught))
    corral.spawn(task_t, w, name="T")
    log(f"after timeout got {await w.next()}")  # the timed-out wait left nothing behind


corral.run(main(), clock="virtual", trace=1)
