"""S06 - Cancelled before the first step: the body still starts (R13)."""
import corral
from corral import log


async def task_a():
    log("start")
    try:
        await corral.checkpoint()
    finally:
        log("cleanup")


async def main():
    a = corral.spawn(task_a, name="A")
    assert a.cancel()
    log("requested")
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
