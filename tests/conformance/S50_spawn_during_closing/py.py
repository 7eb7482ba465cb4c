"""S50 - Spawning while a JOIN exit waits, and into a closing group (R44, R49)."""
import corral
from corral import log

MS = 0.001


async def task_b():
    await corral.sleep(5 * MS)
    log("B done")


async def task_c():
    await corral.sleep(10 * MS)
    log("C finished")


async def task_d():
    log("D ran")


async def main():
    async with corral.TaskGroup() as tg:
        async def task_a():
            await corral.sleep(5 * MS)
            tg.spawn(task_b, name="B")
            log("spawned B")

        tg.spawn(task_a, name="A")
        log("body done")
    log("tg done")

    g = corral.Group("G")
    g.spawn(task_c, name="C")
    g.close(cancel=False)
    try:
        g.spawn(task_d, name="D")
    except corral.GroupClosed:
        log("spawn rejected")
    await g.wait_closed()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
