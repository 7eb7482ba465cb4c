"""S67 - Exit stack unwinding under a deadline (R66, R67, R12)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def cleanup(name):
    await corral.sleep(3 * MS)
    log(name + " done")


def note(name):
    log(name + " ran")


async def task_a():
    with corral.move_on_after(10 * MS) as s:
        async with corral.ExitStack() as st:
            st.push_async_callback(cleanup, "c1")
            st.callback(note, "c2")
            await corral.sleep(100 * MS)
    log("caught=" + text(s.cancelled_caught))


async def main():
    await corral.spawn(task_a, name="A")


corral.run(main(), clock="virtual", trace=1)
