"""S22 - Waiting never cancels the awaited object (R16, R21, R48)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_t():
    await corral.sleep(100 * MS)
    return "t"


async def task_f2(f):
    v = await f
    log(f"got {v}")


async def main():
    g = corral.Group("G")
    t = g.spawn(task_t, name="T")
    f = corral.Future()
    w1 = corral.spawn(g.wait_closed, name="W1")
    w2 = corral.spawn(t, name="W2")
    f1 = corral.spawn(f, name="F1")
    f2 = corral.spawn(task_f2, f, name="F2")
    await corral.sleep(5 * MS)
    w1.cancel()
    w2.cancel()
    f1.cancel()
    for w in (w1, w2, f1):
        try:
            await w
        except corral.TaskCancelled:
            pass
    log("G open=" + text(g.is_open) + " T done=" + text(t.done()) +
        " f pending=" + text(f.pending()))
    await corral.sleep(2 * MS)
    f.set_result(3)
    await f2
    await g.async_close()
    log("end")


corral.run(main(), clock="virtual", trace=1)
