"""S54 - first with a predicate, on an exhausted and on an empty iterable."""
import corral
from corral import format_value as text, log


class Items:
    """An async iterable of 1..n (a class, not an async generator: nothing is left to
    finalize when first() stops early)."""

    def __init__(self, n):
        self.i = 0
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i


def pred(x):
    log(f"check {x}")
    return x > 2


def never(x):
    log(f"check {x}")
    return x > 10


async def main():
    log("first=" + text(await corral.first(Items(5), pred, default=-1)))
    log("exhausted=" + text(await corral.first(Items(2), never, default=-1)))
    log("empty=" + text(await corral.first(Items(0), None, default="none")))


corral.run(main(), clock="virtual", trace=1)
