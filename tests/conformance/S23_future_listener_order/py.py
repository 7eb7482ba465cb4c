"""S23 - Future listener order and deferral (R8, R19, R20)."""
import corral
from corral import log

MS = 0.001


def cb1(f):
    log("cb1")


def cb2(f):
    log("cb2")


def cb3(f):
    log("cb3")


async def task_t(f):
    log(f"T got {await f}")


async def main():
    f = corral.Future()
    f.add_done_callback(cb1)
    t = corral.spawn(task_t, f, name="T")
    await corral.sleep(1 * MS)
    f.add_done_callback(cb2)
    f.set_result(1)  # listeners are queued, none runs here
    log("after set")
    try:
        f.set_result(2)
    except corral.InvalidState:
        log("invalid")
    await corral.checkpoint()
    f.add_done_callback(cb3)  # already done: queued at the tail
    await t
    log("end")


corral.run(main(), clock="virtual", trace=1)
