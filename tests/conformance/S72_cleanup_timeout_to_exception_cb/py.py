"""S72 - Cleanup grace expiries reach a group's exception callback (R56, R66, R73)."""
import corral
from corral import log

MS = 0.001


def cb(err, member):
    log(f"cb {corral.format_value(err)} member={member.name}", actor="G.cb")


async def slow():
    await corral.sleep(20 * MS)
    log("unreachable")


async def late():
    await corral.sleep(10 * MS)
    log("late ran")
    return "late"


async def task_a():
    async with corral.ExitStack() as st:
        st.push_async_callback(slow)
        await corral.sleep(100 * MS)


async def task_b():
    try:
        v = await corral.call_on_cancel(late)
    except BaseException as e:
        log("call_on_cancel rc=" + type(e).__name__)
        raise
    log("call_on_cancel rc=ok")
    return v


async def main():
    g = corral.Group("G", exception_cb=cb, cleanup_timeout=3 * MS)
    g.spawn(task_a, name="A")
    g.spawn(task_b, name="B")
    await corral.sleep(1 * MS)
    await g.async_close()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
