"""S69 - adefer order with an async and a sync callback (R67, R66)."""
import corral
from corral import log

MS = 0.001


def note(name):
    log("deferred " + name)


async def anote(name):
    await corral.sleep(5 * MS)
    log("deferred " + name)


@corral.adefer
async def task_a(defer):
    defer(note, "first")
    defer(anote, "second")
    defer(note, "third")
    log("body")
    await corral.sleep(10 * MS)


async def main():
    a = corral.spawn(task_a, name="A")
    await corral.sleep(3 * MS)
    a.cancel()
    try:
        await a
    except corral.TaskCancelled:
        log("join TaskCancelled")


corral.run(main(), clock="virtual", trace=1)
