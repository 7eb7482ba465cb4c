"""S15 - Past deadlines and checkpoint-free bodies (R40)."""
import corral
from corral import format_value as text, log


async def task_a():
    with corral.fail_after(0) as s1:
        log("sync only")  # cancelled at entry, but nothing observes it
    log("s1 caught=" + text(s1.cancelled_caught))
    try:
        with corral.fail_after(0):
            await corral.checkpoint()
    except corral.Timeout:
        log("timeout")


async def main():
    a = corral.spawn(task_a, name="A")
    try:
        await a
    except corral.Error:
        pass


corral.run(main(), clock="virtual", trace=1)
