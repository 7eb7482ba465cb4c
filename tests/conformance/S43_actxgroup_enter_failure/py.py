"""S43 - actxgroup strict enter failure (R69)."""
import corral
from corral import log

MS = 0.001


@corral.asynccontextmanager
async def cm1():
    await corral.sleep(2 * MS)
    log("cm1 entered")
    yield
    log("cm1 exited")


@corral.asynccontextmanager
async def cm2():
    await corral.sleep(1 * MS)
    raise ValueError("cm2")
    yield


@corral.asynccontextmanager
async def cm3():
    log("cm3 entered")
    try:
        yield "v3"
    finally:  # its exit sees the enter ErrorGroup in flight (and lets it go on)
        log("cm3 exited")


def kinds(eg):
    return "[" + ", ".join(f"{type(e).__name__}:{e}" for e in eg.exceptions) + "]"


async def main():
    try:
        async with corral.actxgroup([cm1(), cm2(), cm3()], enter_prefix="e", exit_prefix="x"):
            log("body")
    except corral.ErrorGroup as eg:
        log("eg=" + kinds(eg))


corral.run(main(), clock="virtual", trace=1)
