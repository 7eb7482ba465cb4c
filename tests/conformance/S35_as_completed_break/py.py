"""S35 - as_completed_safe with early break (R71).

Python runs the loop inside `async with as_completed_safe(...)`: leaving that block (here by
`break`) cancels and awaits the remaining members before control goes on. A plain
`async for` over an async generator could not guarantee that.
"""
import corral
from corral import log

MS = 0.001


async def p():
    await corral.sleep(10 * MS)
    return "p"


async def q():
    await corral.sleep(5 * MS)
    return "q"


async def r():
    await corral.sleep(20 * MS)
    return "r"


async def main():
    async with corral.as_completed_safe([p(), q(), r()], names=["ap", "aq", "ar"]) as it:
        async for h in it:
            log("first=" + await h)
            break
    log("after loop")


corral.run(main(), clock="virtual", trace=1)
