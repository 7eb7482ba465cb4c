"""S25 - Queue close with parked putters and getters (R60-R63)."""
import corral
from corral import log

MS = 0.001


async def putter(q, item):
    try:
        await q.put(item)
    except corral.QueueClosed:
        log(f"put {item} QueueClosed")


async def getter(q2):
    try:
        await q2.get()
    except corral.QueueClosed:
        log("get QueueClosed")


async def main():
    q = corral.Queue(maxsize=1)
    q.put_nowait("x")
    q2 = corral.Queue()
    corral.spawn(putter, q, "y", name="P1")
    corral.spawn(putter, q, "z", name="P2")
    corral.spawn(getter, q2, name="G1")
    corral.spawn(getter, q2, name="G2")
    await corral.sleep(1 * MS)
    q.close()  # the parked putters fail, FIFO; "x" stays gettable
    log(f"get {await q.get()}")
    try:
        await q.get()
    except corral.QueueClosed:
        log("get QueueClosed")
    try:
        q.put_nowait("w")
    except corral.QueueClosed:
        log("put_nowait QueueClosed")
    await corral.sleep(1 * MS)
    q2.close()  # empty: the parked getters fail, FIFO
    await corral.sleep(1 * MS)
    q3 = corral.Queue(maxsize=1)
    try:
        q3.get_nowait()
    except corral.QueueEmpty:
        log("QueueEmpty")
    q3.put_nowait(1)
    try:
        q3.put_nowait(2)
    except corral.QueueFull:
        log("QueueFull")


corral.run(main(), clock="virtual", trace=1)
