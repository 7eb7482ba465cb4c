"""S49 - Group.wrap of a future and of a task (R44, R45, R21)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_x():
    try:
        await corral.sleep(30 * MS)
        return "x"
    except corral.Cancelled:
        log("X cancelled")
        raise


async def main():
    g = corral.Group("G")
    f = corral.Future()
    x = corral.spawn(task_x, name="X")
    wf = g.wrap(f, name="WF")
    g.wrap(x, name="WX")
    await corral.sleep(5 * MS)
    f.set_result(7)
    log("WF=" + text(await wf))
    fg = corral.Future()
    g.wrap(fg, name="WG")
    await corral.sleep(5 * MS)
    await g.async_close()
    log("g cancelled=" + text(fg.cancelled()))
    log("closed")


corral.run(main(), clock="virtual", trace=1)
