"""S13 - Nested deadlines expiring in one tick: outermost wins (R39, R28)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def task_a():
    with corral.move_on_at(10 * MS) as outer:
        with corral.fail_at(10 * MS) as inner:
            await corral.sleep(100 * MS)
    log("outer=" + text(outer.cancelled_caught) + " inner=" + text(inner.cancelled_caught))


async def main():
    a = corral.spawn(task_a, name="A")
    try:
        await a
    except corral.Error:
        pass


corral.run(main(), clock="virtual", trace=1)
