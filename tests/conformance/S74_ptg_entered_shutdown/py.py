"""S74 - shutdown() of an entered PersistentTaskGroup (R52, R42, R49)."""
import corral
from corral import log

MS = 0.001


async def w1():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("W1 cancelled")
        raise


async def w2():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        with corral.shield():
            await corral.sleep(2 * MS)
        log("W2 cleanup")
        raise


async def x():
    log("X ran")


async def main():
    async with corral.PersistentTaskGroup(name="P") as pg:
        pg.spawn(w1, name="W1")
        pg.spawn(w2, name="W2")
        await corral.sleep(5 * MS)
        log("shutdown")
        await pg.shutdown()
        log("shutdown returned")
        log(f"open={corral.format_value(pg.is_open)} size={pg.size}")
        pg.spawn(x, name="X")
        log("spawn ok")
        await corral.sleep(1 * MS)
        log("body end")
    log("after")


corral.run(main(), clock="virtual", trace=1)
