"""S37 - Self-wait rejection (R17)."""
import corral
from corral import log


async def task_t(g):
    with corral.shield():
        try:
            await g.wait_closed()  # T is a member of G: this could never finish
        except corral.InvalidState:
            log("self wait rejected")
    try:
        await corral.current_task()
    except corral.InvalidState:
        log("self join rejected")


async def main():
    g = corral.Group("G")
    t = g.spawn(task_t, g, name="T")
    try:
        await t
    except corral.Error:
        pass


corral.run(main(), clock="virtual", trace=1)
