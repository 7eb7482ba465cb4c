"""S53 - race where every member fails, and an empty race (R70, R59)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def a():
    await corral.sleep(5 * MS)
    raise ValueError("a")


async def b():
    await corral.sleep(2 * MS)
    raise ValueError("b")


async def c():
    await corral.sleep(8 * MS)
    raise ValueError("c")


async def main():
    try:
        await corral.race([a(), b(), c()], continue_on_error=True, names=["ra", "rb", "rc"])
    except corral.ErrorGroup as eg:
        log("race eg=" + text(list(eg.exceptions)))
    try:
        await corral.race([])
    except corral.InvalidArgument:
        log("empty rejected")


corral.run(main(), clock="virtual", trace=1)
