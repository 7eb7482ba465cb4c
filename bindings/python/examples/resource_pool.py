"""A connection pool whose members are closed on cancellation (virtual clock: instant, same
output every run).

* Each connection is a ``corral.asynccontextmanager``: opening takes 2 ms, closing 3 ms.
* ``Pool`` opens its connections concurrently with ``corral.actxgroup`` (tasks open1..open3,
  so 2 ms in all, not 6) inside a ``corral.ExitStack`` with a cleanup grace: closing the
  pool closes every connection concurrently (tasks close1..close3).
* Workers run queries; each borrows a connection in a ``corral.adefer`` function whose
  deferred call gives it back however the query ends (returned, failed or cancelled).
* At 10 ms a deadline cancels everything. The workers hand their connections back, then the
  pool closes all three: the closes can still await although the task is cancelled,
  because exit stacks and context groups unwind as managed cleanup (shielded, bounded by
  the stack's ``cleanup_timeout``). Nothing leaks, and the deadline scope catches the
  cancellation only once the pool is closed (at 13 ms).

Every line printed is a trace line "<ms> <actor> <event> [detail]".

    CORRAL_LIBRARY=build/core/libcorral.so.0 PYTHONPATH=bindings/python \\
        python3 bindings/python/examples/resource_pool.py
"""

from __future__ import annotations

import corral
from corral import log

MS = 0.001


class Connection:
    def __init__(self, name: str) -> None:
        self.name = name
        self.queries = 0

    def __str__(self) -> str:
        return self.name  # the trace shows an entered value as its text

    async def query(self) -> None:
        await corral.sleep(3 * MS)
        self.queries += 1


@corral.asynccontextmanager
async def connect(name: str):
    await corral.sleep(2 * MS)
    log(f"{name} open")
    conn = Connection(name)
    try:
        yield conn
    finally:
        await corral.sleep(3 * MS)  # a polite goodbye to the server, even when cancelled
        log(f"{name} closed after {conn.queries} queries")


class Pool:
    """``async with Pool(n) as pool``: n connections opened concurrently, closed on exit."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._idle: corral.Queue = corral.Queue()
        self._stack = corral.ExitStack(cleanup_timeout=50 * MS)

    async def __aenter__(self) -> "Pool":
        conns = await self._stack.enter_async_context(corral.actxgroup(
            [connect(f"c{i}") for i in range(1, self._size + 1)],
            enter_prefix="open", exit_prefix="close"))
        for conn in conns:
            self._idle.put_nowait(conn)
        return self

    async def __aexit__(self, *exc) -> bool:
        log(f"pool closing, {self._idle.qsize()} of {self._size} connections idle")
        return await self._stack.__aexit__(*exc)

    async def acquire(self) -> Connection:
        return await self._idle.get()

    def release(self, conn: Connection) -> None:
        self._idle.put_nowait(conn)


@corral.adefer
async def run_query(defer, pool: Pool) -> None:
    conn = await pool.acquire()
    defer(pool.release, conn)  # runs however the query ends: returned, failed, cancelled
    await conn.query()


async def worker(pool: Pool) -> None:
    while True:
        await run_query(pool)


async def main() -> None:
    with corral.move_on_after(10 * MS) as deadline:
        async with Pool(3) as pool:
            async with corral.TaskGroup() as tg:
                for i in range(1, 5):
                    tg.spawn(worker, pool, name=f"w{i}")
    log(f"deadline caught={corral.format_value(deadline.cancelled_caught)}")


if __name__ == "__main__":
    corral.run(main(), clock="virtual", trace=1)
