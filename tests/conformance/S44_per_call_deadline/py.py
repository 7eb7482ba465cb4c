"""S44 - Per-call deadline vs cancellation (R41, R64)."""
import corral
from corral import log

MS = 0.001


async def main():
    q = corral.Queue()
    try:
        await q.get(deadline=corral.now() + 10 * MS)
    except corral.Timeout:
        log("get Timeout")
    x = corral.spawn(q.get, deadline=corral.now() + 10 * MS, name="X")  # deadline t=20
    await corral.sleep(5 * MS)
    x.cancel()  # cancellation, not the deadline, ends X's get
    try:
        await x
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
