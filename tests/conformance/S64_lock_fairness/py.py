"""S64 - Lock hand-off is FIFO; nobody barges in (R60's rule applied to locks, R65)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a(lock):
    async with lock:
        log("A in")
        await corral.sleep(5 * MS)
    log("A out")


async def task_b(lock):
    await corral.sleep(1 * MS)
    async with lock:
        log("B in")
        await corral.sleep(1 * MS)


async def task_c(lock):
    await corral.sleep(2 * MS)
    async with lock:
        log("C in")


async def task_e(lock):
    await corral.checkpoint()
    await corral.sleep(5 * MS)
    got = lock.try_acquire()
    log("E try=" + text(got))
    if got:
        lock.release()


async def join_quiet(t):
    try:
        await t
    except Exception:
        pass


async def main():
    lock = corral.Lock()
    ts = [corral.spawn(fn, lock, name=name)
          for name, fn in (("A", task_a), ("B", task_b), ("C", task_c), ("E", task_e))]
    for t in ts:
        await join_quiet(t)


corral.run(main(), clock="virtual", trace=1)
