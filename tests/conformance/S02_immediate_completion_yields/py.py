"""S02 - Immediate completion still yields (R23)."""
import corral
from corral import log


async def getter(q, p):
    log(f"{p}0")
    x = await q.get()  # an item is there, but get still yields once
    log(f"{p}1 {x}")


async def main():
    q = corral.Queue()
    q.put_nowait(1)
    q.put_nowait(2)
    a = corral.spawn(getter, q, "a", name="A")
    b = corral.spawn(getter, q, "b", name="B")
    for t in (a, b):
        try:
            await t
        except corral.Error:
            pass


corral.run(main(), clock="virtual", trace=1)
