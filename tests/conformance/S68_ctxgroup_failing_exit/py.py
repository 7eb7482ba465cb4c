"""S68 - Context group with one failing exit (R69, R67)."""
import corral
from corral import format_value as text, log

MS = 0.001


@corral.asynccontextmanager
async def cm1():
    log("cm1 entered")
    yield "v1"
    await corral.sleep(2 * MS)
    log("cm1 exited")


@corral.asynccontextmanager
async def cm2():
    await corral.sleep(1 * MS)
    yield "v2"
    await corral.sleep(1 * MS)
    raise ValueError("x2")


@corral.asynccontextmanager
async def cm3():
    yield "v3"
    log("cm3 exited")


def kinds(eg):
    return "[" + ", ".join(f"{type(e).__name__}:{e}" for e in eg.exceptions) + "]"


def state(s):
    return "none" if s is None else text(s)


async def main():
    g = corral.actxgroup([cm1(), cm2(), cm3()], enter_prefix="e", exit_prefix="x")
    try:
        async with g as values:
            log("body " + ",".join(values))
    except corral.ErrorGroup as eg:
        log("eg=" + kinds(eg))
    log("states=" + ",".join(state(s) for s in g.exit_states()))


corral.run(main(), clock="virtual", trace=1)
