"""S01 - Lazy spawn and FIFO round-robin (R4, R5, R7, R23)."""
import corral
from corral import log


async def f():
    log("start")
    await corral.checkpoint()
    log("after")
    return corral.current_task().name


async def main():
    g = corral.Group("G")
    a = g.spawn(f, name="A")
    b = g.spawn(f, name="B")
    c = g.spawn(f, name="C")
    log("spawned")  # spawn is lazy: no task has run yet
    await a
    await b
    await c
    log("joined")


corral.run(main(), clock="virtual", trace=1)
