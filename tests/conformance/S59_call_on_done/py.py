"""S59 - call_on_done and call (R73, R21)."""
import corral
from corral import format_value as text, log

MS = 0.001


def report(x, tag):
    log(f"report {x} {tag}")
    return x


def double(x):
    return 2 * x


async def adouble(x):
    return 2 * x


async def main():
    f = corral.Future()
    g = corral.Future()
    d = corral.spawn(corral.call_on_done, f, report, "x", tag="t", name="D")
    e = corral.spawn(corral.call_on_done, g, report, "y", tag="u", name="E")
    await corral.sleep(2 * MS)
    f.set_exception(ValueError("ignored"))
    log("D=" + text(await d))
    await corral.sleep(3 * MS)
    e.cancel()
    try:
        await e
    except corral.TaskCancelled:
        pass
    log("E cancelled g pending=" + text(g.pending()))
    log(f"call={await corral.call(double, 21)},{await corral.call(adouble, 21)}")


corral.run(main(), clock="virtual", trace=1)
