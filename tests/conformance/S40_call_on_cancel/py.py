"""S40 - call_on_cancel runs fn shielded, with keyword arguments (R73, R66)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def fn(x, tag):
    await corral.sleep(5 * MS)
    log(f"fn {x} {tag}")
    return x


async def main():
    g = corral.Group("G")
    t = g.spawn(corral.call_on_cancel, fn, 123, tag="k", name="T")
    await corral.sleep(10 * MS)
    await g.async_close()
    log("T result=" + text(await t))


corral.run(main(), clock="virtual", trace=1)
