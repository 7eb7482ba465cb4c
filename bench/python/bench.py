#!/usr/bin/env python3
"""Python benchmarks: corral's Python binding vs asyncio, uvloop, trio and aiotools, side by side.

Workloads (the spine's, mirroring bench/README.md):

  spawn_join      spawn a task that returns at once and join it, one at a time (ns/task)
  spawn_batch     spawn 10k tasks, then join them all in order (ns/task)
  spawn_many      100k tasks spawned into one group (corral TaskGroup, asyncio TaskGroup,
                  trio nursery, aiotools Supervisor), each yields once with sleep(0), then
                  the group exit waits for all (ns/task)
  spawn_many_mem  the same samples' memory: bytes of RSS per task at the peak (the n-th task
                  to start reads RSS, when every task is alive, minus RSS before the first
                  spawn); every implementation's child does this count, so it is in the
                  timing of all of them alike (one increment and compare per task)
  switch          one task yields N times with sleep(0) (ns/yield)
  switch_100      100 tasks each yield N/100 times with sleep(0) (ns/yield)
  pingpong        two tasks hand a value back and forth through fresh futures; one op = a
                  round trip (two futures created, completed, awaited) (ns/round trip)
  parked          100k tasks each parked on its own future; bytes of RSS per task
                  (task + future), read from /proc/self/statm
  queue_1         producer/consumer through a queue of maxsize 1: a producer task awaits
                  put(i) for i in 0..N-1 and closes the queue (asyncio/uvloop: puts a None
                  sentinel; trio: closes its memory channel's send side), a consumer task
                  iterates it until closed and drained, checking the count and the sum; the
                  clock runs from the spawns to the end of the consumer (ns/item; hat.aio's
                  Queue takes part here). corral's put and get are checkpoints (R23), so each
                  item costs two task switches whatever the size; asyncio's and hat's put/get
                  only yield when they must wait, trio's always yield
  queue_1024      the same with maxsize 1024
  queue_1024_batch  maxsize 1024 through the non-blocking calls where they succeed: the
                  producer put_nowait()s, and awaits put() only on QueueFull; the consumer
                  awaits one get(), then get_nowait()s until QueueEmpty (trio: send_nowait /
                  receive_nowait and WouldBlock). One task switch per batch - what asyncio's
                  queue does by itself - the row to compare with asyncio's queue_1024
  exitstack       an async exit stack with two async callbacks and a plain one, entered
                  and unwound N times (corral.ExitStack: one managed-cleanup scope per
                  unwinding; the peers: contextlib.AsyncExitStack, which has none) (ns/unwinding)
  ctxgroup        a context group of 3 generator-based async context managers, entered and
                  exited N times (corral.actxgroup: 6 helper tasks per cycle; aiotools'
                  actxgroup gathers the enters and the exits as asyncio tasks) (ns/cycle)
  flat_memory     a supervising group (corral.Group with an exception_cb, aiotools
                  Supervisor with an exception handler) runs 200k short tasks (--full: 10M,
                  --flat-n N: N; the C bench runs 10M by default) spawned in batches
                  of 10k (at most 10k alive); every 100th raises ValueError, which the callback
                  drops. One run per implementation; prints RSS at the start, after the first
                  batch and at the end (it must not grow: no error may be kept, aiotools#54)

floor (floor.py) is no runtime: the least a Python coroutine scheduler does (a FIFO of
coroutines resumed with send() in their own contextvars.Context, join lists, one-shot
futures; no FFI, no cancellation, no timers, no I/O), for the spine workloads. It shows
what the interpreter alone costs: a target below it cannot be met by any Python runner.

Each (implementation, workload) sample runs in a fresh child process; a row shows the
median of --runs samples (min and max beside it) and the ratio peer / corral (above 1
means corral is faster; for memory, above 1 means corral uses less). Timing starts inside
the main task, so loop creation and teardown are not counted.

    python3 bench/python/bench.py                 # everything, 3 runs (under 2 minutes)
    python3 bench/python/bench.py --runs 5        # 5 samples per cell
    python3 bench/python/bench.py --quick         # N / 10, 3 runs
    python3 bench/python/bench.py --only switch,pingpong --impl corral,uvloop
    python3 bench/python/bench.py --only spawn_many,flat_memory --full   # 10M flat tasks
    python3 bench/python/bench.py --only queue_1,queue_1024,queue_1024_batch --queue-n 1000000

corral is loaded like the tests load it: set CORRAL_LIBRARY to a Release build of the core
(bench/python/run.sh builds one) and put bindings/python on PYTHONPATH (or pip install it).
Peers missing from the machine are shown as "n/a" with a "not installed" line;
pip install uvloop trio aiotools hat-aio. aiotools only takes part in the group workloads
(spawn_many and its memory row, flat_memory), hat (hat.aio's Queue, on asyncio's loop) only
in the queue rows; flat_memory has no asyncio, uvloop or trio
column because none of them has a supervising group (asyncio.TaskGroup and trio's nursery
are fail-fast: the first error cancels everything).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = {
    # name: (N, unit)
    "spawn_join": (100_000, "ns/task"),
    "spawn_batch": (10_000, "ns/task"),
    "spawn_many": (100_000, "ns/task"),  # its samples also give the spawn_many_mem row
    "switch": (200_000, "ns/yield"),
    "switch_100": (200_000, "ns/yield"),
    "pingpong": (50_000, "ns/round trip"),
    "parked": (100_000, "bytes/task"),
    # 200k by default to keep the whole run near its budget; --queue-n 1000000 for 1M items
    "queue_1": (200_000, "ns/item"),
    "queue_1024": (200_000, "ns/item"),
    "queue_1024_batch": (200_000, "ns/item"),
    "exitstack": (100_000, "ns/unwinding"),
    "ctxgroup": (20_000, "ns/cycle"),
    # its own section, one run per implementation; 200k keeps the default run under 2 minutes
    "flat_memory": (200_000, "RSS"),
}
IMPLS = ["corral", "asyncio", "uvloop", "trio", "aiotools", "hat", "floor"]
# aiotools has groups, not a loop of its own: it runs on asyncio's loop and only takes part
# in the group workloads. flat_memory needs a supervising group (failures do not cancel the
# siblings), which only corral and aiotools have.
QUEUE_WORKLOADS = {"queue_1", "queue_1024", "queue_1024_batch"}
CLEANUP_WORKLOADS = {"exitstack", "ctxgroup"}
ONLY = {"aiotools": {"spawn_many", "flat_memory", "ctxgroup"}, "hat": QUEUE_WORKLOADS,
        "asyncio": set(WORKLOADS) - {"ctxgroup"}, "uvloop": set(WORKLOADS) - {"ctxgroup"},
        "trio": set(WORKLOADS) - {"ctxgroup"},
        "floor": {"spawn_join", "spawn_batch", "spawn_many", "switch", "switch_100",
                  "pingpong", "parked"}}
FLAT_IMPLS = ("corral", "aiotools")
PIP_NAME = {"uvloop": "uvloop", "trio": "trio", "aiotools": "aiotools", "hat": "hat-aio"}
FLAT_BATCH = 10_000  # at most this many flat_memory tasks are alive at once
FLAT_EVERY = 100  # every FLAT_EVERY-th flat_memory task raises
# also available: "corral-unbatched" (CORRAL_PY_IMMEDIATE=1: one corral_task_await call per
# await instead of batched submissions), to compare the two designs.


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def many_child(n: int, sleep):
    """spawn_many's child, the same for every implementation: it yields once with sleep(0);
    the n-th one to start reads RSS, when every task exists (the peak: the earlier ones are
    parked in their sleep(0), none has ended yet)."""
    box = [0, 0]  # tasks started, RSS at the peak

    async def child():
        box[0] += 1
        if box[0] == n:
            box[1] = rss_bytes()
        await sleep(0)

    return child, box


def many_result(n: int, t0: float, t1: float, rss0: int, box: list) -> dict:
    return {"ns": (t1 - t0) / n * 1e9, "bytes": (box[1] - rss0) / n}


def flat_result(n: int, t0: float, t1: float, rss: list, handled: int) -> dict:
    """flat_memory's figures; `rss` = [start, after the first batch, end]."""
    failures = n // FLAT_EVERY + (n % FLAT_EVERY > FLAT_EVERY // 2)
    if handled != failures:
        raise SystemExit(f"flat_memory: {handled} of {failures} errors reached the callback")
    return {"ns": (t1 - t0) / n * 1e9, "rss": rss, "handled": handled}


def flat_fails(i: int) -> bool:
    """Every FLAT_EVERY-th task fails; never a batch's last one (the one that is awaited)."""
    return i % FLAT_EVERY == FLAT_EVERY // 2


# ---- corral ---------------------------------------------------------------------------------

def corral_bench(workload: str, n: int) -> float:
    import corral

    async def child():
        return None

    async def spawn_join():
        t0 = time.perf_counter()
        for _ in range(n):
            await corral.spawn(child)
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_batch():
        t0 = time.perf_counter()
        ts = [corral.spawn(child) for _ in range(n)]
        for t in ts:
            await t
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_many():
        child, box = many_child(n, corral.sleep)
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        async with corral.TaskGroup() as tg:
            spawn = tg.spawn
            for _ in range(n):
                spawn(child)
        return many_result(n, t0, time.perf_counter(), rss0, box)

    async def flat_memory():
        handled = 0

        def drop(exc, task):  # the exception callback: count the error and drop it
            nonlocal handled
            handled += 1

        async def ok():
            return None

        async def fails():
            raise ValueError("every Nth task fails")

        g = corral.Group(exception_cb=drop)
        rss = [rss_bytes()]
        t0 = time.perf_counter()
        for start in range(0, n, FLAT_BATCH):
            for i in range(start, min(start + FLAT_BATCH, n)):
                last = g.spawn(fails if flat_fails(i) else ok)
            await last  # FIFO: every earlier member (and its callback) has run
            del last
            if start == 0:
                rss.append(rss_bytes())
        t1 = time.perf_counter()
        rss.append(rss_bytes())
        await g.async_close()
        return flat_result(n, t0, t1, rss, handled)

    async def switch():
        sleep = corral.sleep
        t0 = time.perf_counter()
        for _ in range(n):
            await sleep(0)
        return (time.perf_counter() - t0) / n * 1e9

    async def yielder(k):
        sleep = corral.sleep
        for _ in range(k):
            await sleep(0)

    async def switch_100():
        t0 = time.perf_counter()
        ts = [corral.spawn(yielder, n // 100) for _ in range(100)]
        for t in ts:
            await t
        return (time.perf_counter() - t0) / n * 1e9

    async def pingpong():
        Future = corral.Future
        box = {}

        async def b():
            for i in range(n):
                v = await box["b"]
                f = box["b"] = Future()
                box["a"].set_result(v + 1)
            del f

        box["a"] = Future()
        box["b"] = Future()
        tb = corral.spawn(b)
        await corral.checkpoint()  # b parks on its first future
        t0 = time.perf_counter()
        for i in range(n):
            fa = box["a"]
            box["b"].set_result(i)
            await fa
            box["a"] = Future()
        dt = time.perf_counter() - t0
        await tb
        return dt / n * 1e9

    async def waiter(f):
        await f

    async def parked():
        futs = [None] * n
        tasks = [None] * n
        before = rss_bytes()
        for i in range(n):
            f = futs[i] = Future()
            tasks[i] = corral.spawn(waiter, f)
        await corral.checkpoint()
        after = rss_bytes()
        for f in futs:
            f.set_result(None)
        for t in tasks:
            await t
        return (after - before) / n

    Future = corral.Future
    fn = locals()[workload]
    return corral.run(fn(), signals=False)


# ---- asyncio / uvloop -------------------------------------------------------------------------

def asyncio_bench(workload: str, n: int, use_uvloop: bool) -> float:
    import asyncio

    async def child():
        return None

    async def spawn_join():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        for _ in range(n):
            await loop.create_task(child())
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_batch():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        ts = [loop.create_task(child()) for _ in range(n)]
        for t in ts:
            await t
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_many():
        child, box = many_child(n, asyncio.sleep)
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        async with asyncio.TaskGroup() as tg:
            create_task = tg.create_task
            for _ in range(n):
                create_task(child())
        return many_result(n, t0, time.perf_counter(), rss0, box)

    async def switch():
        sleep = asyncio.sleep
        t0 = time.perf_counter()
        for _ in range(n):
            await sleep(0)
        return (time.perf_counter() - t0) / n * 1e9

    async def yielder(k):
        sleep = asyncio.sleep
        for _ in range(k):
            await sleep(0)

    async def switch_100():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        ts = [loop.create_task(yielder(n // 100)) for _ in range(100)]
        for t in ts:
            await t
        return (time.perf_counter() - t0) / n * 1e9

    async def pingpong():
        loop = asyncio.get_running_loop()
        box = {}

        async def b():
            for i in range(n):
                v = await box["b"]
                box["b"] = loop.create_future()
                box["a"].set_result(v + 1)

        box["a"] = loop.create_future()
        box["b"] = loop.create_future()
        tb = loop.create_task(b())
        await asyncio.sleep(0)
        t0 = time.perf_counter()
        for i in range(n):
            fa = box["a"]
            box["b"].set_result(i)
            await fa
            box["a"] = loop.create_future()
        dt = time.perf_counter() - t0
        await tb
        return dt / n * 1e9

    async def parked():
        loop = asyncio.get_running_loop()
        futs = [None] * n
        tasks = [None] * n

        async def waiter(f):
            await f

        before = rss_bytes()
        for i in range(n):
            f = futs[i] = loop.create_future()
            tasks[i] = loop.create_task(waiter(f))
        await asyncio.sleep(0)
        after = rss_bytes()
        for f in futs:
            f.set_result(None)
        for t in tasks:
            await t
        return (after - before) / n

    fn = locals()[workload]
    if use_uvloop:
        import uvloop
        return uvloop.run(fn())
    return asyncio.run(fn())


# ---- trio ---------------------------------------------------------------------------------------

def trio_bench(workload: str, n: int) -> float:
    import trio

    async def child():
        return None

    async def spawn_join():
        # trio has no task handles: a nursery per task is its spawn + join
        t0 = time.perf_counter()
        for _ in range(n):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(child)
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_batch():
        t0 = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(n):
                nursery.start_soon(child)
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_many():
        child, box = many_child(n, trio.sleep)
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        async with trio.open_nursery() as nursery:
            start_soon = nursery.start_soon
            for _ in range(n):
                start_soon(child)
        return many_result(n, t0, time.perf_counter(), rss0, box)

    async def switch():
        sleep = trio.sleep
        t0 = time.perf_counter()
        for _ in range(n):
            await sleep(0)
        return (time.perf_counter() - t0) / n * 1e9

    async def yielder(k):
        sleep = trio.sleep
        for _ in range(k):
            await sleep(0)

    async def switch_100():
        t0 = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(100):
                nursery.start_soon(yielder, n // 100)
        return (time.perf_counter() - t0) / n * 1e9

    class Fut:  # trio has no futures: an Event plus a slot is the one-shot equivalent
        __slots__ = ("ev", "v")

        def __init__(self):
            self.ev = trio.Event()

        def set_result(self, v):
            self.v = v
            self.ev.set()

        async def wait(self):
            await self.ev.wait()
            return self.v

    async def pingpong():
        box = {}

        async def b():
            for i in range(n):
                v = await box["b"].wait()
                box["b"] = Fut()
                box["a"].set_result(v + 1)

        box["a"] = Fut()
        box["b"] = Fut()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(b)
            await trio.sleep(0)
            t0 = time.perf_counter()
            for i in range(n):
                fa = box["a"]
                box["b"].set_result(i)
                await fa.wait()
                box["a"] = Fut()
            dt = time.perf_counter() - t0
        return dt / n * 1e9

    async def parked():
        futs = [None] * n
        before = rss_bytes()
        async with trio.open_nursery() as nursery:
            for i in range(n):
                f = futs[i] = Fut()
                nursery.start_soon(f.wait)
            await trio.sleep(0)
            after = rss_bytes()
            for f in futs:
                f.set_result(None)
        return (after - before) / n

    fn = locals()[workload]
    return trio.run(fn)


# ---- aiotools (on asyncio's loop) ----------------------------------------------------------

def aiotools_bench(workload: str, n: int) -> dict:
    import asyncio

    import aiotools

    async def spawn_many():
        child, box = many_child(n, asyncio.sleep)
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        async with aiotools.Supervisor() as sv:
            create_task = sv.create_task
            for _ in range(n):
                create_task(child())
        return many_result(n, t0, time.perf_counter(), rss0, box)

    async def flat_memory():
        # Supervisor is TaskScope(exception_handler=None), which ignores errors silently;
        # the same scope with a handler is the supervisor with an exception callback.
        handled = 0

        def drop(context):  # the exception handler: count the error and drop it
            nonlocal handled
            handled += 1

        async def ok():
            return None

        async def fails():
            raise ValueError("every Nth task fails")

        rss = [rss_bytes()]
        t0 = time.perf_counter()
        async with aiotools.TaskScope(exception_handler=drop) as sv:
            for start in range(0, n, FLAT_BATCH):
                for i in range(start, min(start + FLAT_BATCH, n)):
                    last = sv.create_task(fails() if flat_fails(i) else ok())
                await last  # FIFO: every earlier task (and its done callback) has run
                del last
                if start == 0:
                    rss.append(rss_bytes())
            t1 = time.perf_counter()
            rss.append(rss_bytes())
        return flat_result(n, t0, t1, rss, handled)

    fn = locals()[workload]
    return asyncio.run(fn())


# ---- producer/consumer through a queue ------------------------------------------------------

def queue_check(count: int, total: int, n: int) -> None:
    if count != n or total != n * (n - 1) // 2:
        raise SystemExit(f"queue bench: got {count} items summing to {total}, "
                         f"expected {n} summing to {n * (n - 1) // 2}")


def queue_bench(impl: str, workload: str, n: int) -> float:
    """queue_1, queue_1024, queue_1024_batch (see the module docstring): ns per item."""
    size = 1 if workload == "queue_1" else 1024
    batch = workload.endswith("_batch")
    if impl in ("corral", "hat"):
        return closable_queue_bench(impl, size, batch, n)
    if impl in ("asyncio", "uvloop"):
        return asyncio_queue_bench(impl == "uvloop", size, batch, n)
    if impl == "trio":
        return trio_queue_bench(size, batch, n)
    raise SystemExit(f"queue bench: unknown impl {impl}")


def closable_queue_bench(impl: str, size: int, batch: bool, n: int) -> float:
    """corral.Queue and hat.aio.Queue: the same code (hat's API is corral's model)."""
    if impl == "corral":
        import corral as lib
        Queue, spawn, run = lib.Queue, lib.spawn, (lambda c: lib.run(c, signals=False))
        Full, Empty, Closed = lib.QueueFull, lib.QueueEmpty, lib.QueueClosed
    else:
        import asyncio

        import hat.aio as lib
        Queue, spawn, run = lib.Queue, asyncio.ensure_future, asyncio.run
        Full, Empty, Closed = lib.QueueFullError, lib.QueueEmptyError, lib.QueueClosedError

    async def producer(q):
        put = q.put
        for i in range(n):
            await put(i)
        q.close()

    async def consumer(q):
        count = total = 0
        async for x in q:
            count += 1
            total += x
        return count, total

    async def producer_batch(q):
        put, put_nowait = q.put, q.put_nowait
        for i in range(n):
            try:
                put_nowait(i)
            except Full:
                await put(i)
        q.close()

    async def consumer_batch(q):
        get, get_nowait = q.get, q.get_nowait
        count = total = 0
        while True:
            try:
                x = await get()
            except Closed:
                return count, total
            count += 1
            total += x
            while True:
                try:
                    x = get_nowait()
                except Empty:
                    break
                count += 1
                total += x

    async def main():
        q = Queue(size)
        t0 = time.perf_counter()
        spawn((producer_batch if batch else producer)(q))
        count, total = await spawn((consumer_batch if batch else consumer)(q))
        dt = time.perf_counter() - t0
        queue_check(count, total, n)
        return dt / n * 1e9

    return run(main())


def asyncio_queue_bench(use_uvloop: bool, size: int, batch: bool, n: int) -> float:
    import asyncio

    async def producer(q):
        put = q.put
        for i in range(n):
            await put(i)
        await put(None)

    async def consumer(q):
        get = q.get
        count = total = 0
        while (x := await get()) is not None:
            count += 1
            total += x
        return count, total

    async def producer_batch(q):
        put, put_nowait, Full = q.put, q.put_nowait, asyncio.QueueFull
        for i in range(n):
            try:
                put_nowait(i)
            except Full:
                await put(i)
        await put(None)

    async def consumer_batch(q):
        get, get_nowait, Empty = q.get, q.get_nowait, asyncio.QueueEmpty
        count = total = 0
        while True:
            x = await get()
            while x is not None:
                count += 1
                total += x
                try:
                    x = get_nowait()
                except Empty:
                    break
            else:
                return count, total

    async def main():
        q = asyncio.Queue(size)
        t0 = time.perf_counter()
        asyncio.ensure_future((producer_batch if batch else producer)(q))
        count, total = await asyncio.ensure_future((consumer_batch if batch else consumer)(q))
        dt = time.perf_counter() - t0
        queue_check(count, total, n)
        return dt / n * 1e9

    if use_uvloop:
        import uvloop
        return uvloop.run(main())
    return asyncio.run(main())


def trio_queue_bench(size: int, batch: bool, n: int) -> float:
    """trio memory channels (trio's maxsize 0 is a rendezvous; 1 and 1024 buffer)."""
    import trio

    async def producer(send):
        async with send:
            for i in range(n):
                await send.send(i)

    async def consumer(recv, out):
        count = total = 0
        async for x in recv:
            count += 1
            total += x
        out[:] = [count, total]

    async def producer_batch(send):
        async with send:
            for i in range(n):
                try:
                    send.send_nowait(i)
                except trio.WouldBlock:
                    await send.send(i)

    async def consumer_batch(recv, out):
        count = total = 0
        while True:
            try:
                x = await recv.receive()
            except trio.EndOfChannel:
                break
            count += 1
            total += x
            while True:
                try:
                    x = recv.receive_nowait()
                except (trio.WouldBlock, trio.EndOfChannel):
                    break
                count += 1
                total += x
        out[:] = [count, total]

    async def main():
        send, recv = trio.open_memory_channel(size)
        out = []
        t0 = time.perf_counter()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(producer_batch if batch else producer, send)
            nursery.start_soon(consumer_batch if batch else consumer, recv, out)
        dt = time.perf_counter() - t0
        queue_check(out[0], out[1], n)
        return dt / n * 1e9

    return trio.run(main)


# ---- cleanup: exit stacks and context groups -------------------------------------------------

def cleanup_bench(impl: str, workload: str, n: int) -> float:
    """exitstack and ctxgroup (see the module docstring)."""
    import contextlib

    async def anoop() -> None:
        pass

    def noop() -> None:
        pass

    if impl == "corral":
        import corral as lib
        Stack, acm, group = lib.ExitStack, lib.asynccontextmanager, lib.actxgroup
        run = lambda c: lib.run(c, signals=False)  # noqa: E731
    else:
        Stack, acm = contextlib.AsyncExitStack, contextlib.asynccontextmanager
        if impl == "trio":
            import trio
            run = trio.run
        else:
            import asyncio
            if impl == "uvloop":
                import uvloop
                asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            run = asyncio.run
        if impl == "aiotools":
            import aiotools
            group = aiotools.actxgroup

    @acm
    async def member():
        yield 1

    async def main() -> float:
        t0 = time.perf_counter()
        if workload == "exitstack":
            for _ in range(n):
                async with Stack() as st:
                    st.push_async_callback(anoop)
                    st.callback(noop)
                    st.push_async_callback(anoop)
        else:
            for _ in range(n):
                async with group([member(), member(), member()]) as values:
                    if len(values) != 3:
                        raise SystemExit("ctxgroup bench: wrong values")
        return (time.perf_counter() - t0) / n * 1e9

    return run(main) if impl == "trio" else run(main())


# ---- driver ------------------------------------------------------------------------------------

def child_main(impl: str, workload: str, n: int) -> None:
    if workload in QUEUE_WORKLOADS:
        v = queue_bench(impl, workload, n)
    elif workload in CLEANUP_WORKLOADS:
        v = cleanup_bench(impl, workload, n)
    elif impl == "corral":
        v = corral_bench(workload, n)
    elif impl == "asyncio":
        v = asyncio_bench(workload, n, False)
    elif impl == "uvloop":
        v = asyncio_bench(workload, n, True)
    elif impl == "trio":
        v = trio_bench(workload, n)
    elif impl == "aiotools":
        v = aiotools_bench(workload, n)
    elif impl == "floor":
        from floor import floor_bench
        v = floor_bench(workload, n)
    else:
        raise SystemExit(f"unknown impl {impl}")
    print(json.dumps(v))


def available(impl: str) -> bool:
    mod = {"corral": "corral", "corral-unbatched": "corral", "asyncio": "asyncio",
           "uvloop": "uvloop", "trio": "trio", "aiotools": "aiotools", "hat": "hat.aio",
           "floor": "contextvars"}[impl]
    r = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True)
    return r.returncode == 0


def supports(impl: str, workload: str) -> bool:
    if workload == "flat_memory":
        return impl.startswith("corral") or impl in FLAT_IMPLS
    return workload in ONLY.get(impl, workload)


def sample(impl: str, workload: str, n: int, timeout: float) -> float | dict | None:
    env = dict(os.environ)
    if impl == "corral-unbatched":
        impl = "corral"
        env["CORRAL_PY_IMMEDIATE"] = "1"
    try:
        r = subprocess.run([sys.executable, __file__, "--child", impl, workload, str(n)],
                           capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        print(f"bench: {impl} {workload}: timed out", file=sys.stderr)
        return None
    if r.returncode != 0:
        print(f"bench: {impl} {workload} failed:\n{r.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def collect(w: str, n: int, impls: list[str], have: dict, runs: int, timeout: float) -> dict:
    """Every implementation's samples of workload w: a list of values (floats, or dicts for
    spawn_many), or a marker string for the cell ("n/a", "-", "FAILED")."""
    out = {}
    for impl in impls:
        if not have[impl]:
            out[impl] = "n/a"
        elif not supports(impl, w):
            out[impl] = "-"
        else:
            vals = [v for v in (sample(impl, w, n, timeout) for _ in range(runs)) if v is not None]
            out[impl] = vals or "FAILED"
    return out


def pick(samples: dict, key: str) -> dict:
    """One figure out of dict-valued samples (spawn_many: "ns" or "bytes")."""
    return {i: v if isinstance(v, str) else [x[key] for x in v] for i, v in samples.items()}


def table_row(w: str, unit: str, impls: list[str], samples: dict) -> str:
    """The row: each implementation's median (min-max), then the ratios peer / corral."""
    peers = [i for i in impls if i != "corral"]
    med = {}
    cells = []
    for impl in impls:
        vals = samples[impl]
        if isinstance(vals, str):
            cells.append(f"{vals:>22s}")
            continue
        m = statistics.median(vals)
        med[impl] = m
        cells.append(f"{m:10.0f} ({min(vals):.0f}-{max(vals):.0f})".rjust(22))
        sys.stderr.write(f"  {w} {impl}: {m:.0f} {unit}\n")
    ratios = []
    for peer in peers:
        width = max(16, len(peer) + 9)
        if peer in med and "corral" in med and med["corral"] > 0:
            ratios.append(f"{med[peer] / med['corral']:{width}.2f}")
        else:
            ratios.append(f"{'-':>{width}s}")
    return f"{w:15s} {unit:14s}" + "".join(cells) + "".join(ratios)


def flat_section(n: int, impls: list[str], have: dict, timeout: float) -> None:
    """flat_memory: one run per implementation (a long one), RSS at start, after the first
    batch and at the end; "end - 1st batch" is what a kept error per failure would grow."""
    mib = 1024 * 1024
    print()
    print(f"flat_memory: a supervising group runs {n:,} short tasks in batches of "
          f"{FLAT_BATCH:,} (at most {FLAT_BATCH:,} alive); every {FLAT_EVERY}th raises "
          f"ValueError and the exception callback drops it; one run each")
    print(f"{'implementation':44s} {'ns/task':>8s} {'RSS start':>11s} {'RSS 1 batch':>12s} "
          f"{'RSS end':>11s} {'end-1st batch':>14s} {'handled':>9s}")
    labels = {"corral": "corral.Group(exception_cb=drop)",
              "corral-unbatched": "corral.Group(exception_cb=drop), unbatched",
              "aiotools": "aiotools TaskScope(exception_handler=drop)"}
    for impl in impls:
        if not supports(impl, "flat_memory"):
            continue
        label = labels.get(impl, impl)
        if not have[impl]:
            print(f"{label:44s} {'n/a':>8s}")
            continue
        r = sample(impl, "flat_memory", n, timeout)
        if r is None:
            print(f"{label:44s} {'FAILED':>8s}")
            continue
        s, w, e = r["rss"]
        print(f"{label:44s} {r['ns']:8.0f} {s / mib:7.1f} MiB {w / mib:8.1f} MiB "
              f"{e / mib:7.1f} MiB {(e - w) / 1024:+10.0f} KiB {r['handled']:9d}")
        sys.stdout.flush()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # 3 samples by default (5 before spawn_many and flat_memory were added) keeps the whole
    # default run near 2 minutes on a 2-core machine; --runs 5 for tighter medians
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="N / 10")
    p.add_argument("--only", default="", help="comma-separated workloads")
    p.add_argument("--impl", default=",".join(IMPLS), help="comma-separated implementations")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--flat-n", type=int, default=0,
                   help="tasks in flat_memory (default 200k, 20k with --quick)")
    p.add_argument("--full", action="store_true",
                   help="flat_memory with 10M tasks, as the C bench, and the queue rows "
                        "with 1M items (several minutes)")
    p.add_argument("--queue-n", type=int, default=0,
                   help="items in the queue rows (default 200k, 20k with --quick, "
                        "1M with --full)")
    p.add_argument("--child", nargs=3, metavar=("IMPL", "WORKLOAD", "N"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child_main(args.child[0], args.child[1], int(args.child[2]))
        return 0
    runs = args.runs
    only = set(args.only.replace("spawn_many_mem", "spawn_many").split(",")) if args.only else None
    workloads = [w for w in WORKLOADS if only is None or w in only]
    impls = [i for i in args.impl.split(",") if i]
    have = {i: available(i) for i in impls}
    if not have.get("corral", False):
        print("bench: cannot import corral (set PYTHONPATH=bindings/python and "
              "CORRAL_LIBRARY)", file=sys.stderr)
    import corral._ffi as ffi  # noqa: F401  (only to print which library is measured)
    print(f"corral Python binding benchmarks; library {ffi.library_path}; "
          f"Python {sys.version.split()[0]}; median of {runs} runs (min-max)")
    print("ratios: peer / corral (above 1 means corral is faster, or uses less memory); "
          "'-': the implementation has no such workload")
    for impl in impls:
        if not have[impl]:
            print(f"{impl}: not installed, its column shows n/a "
                  f"(pip install {PIP_NAME.get(impl, impl)})")
    peers = [i for i in impls if i != "corral"]
    header = f"{'workload':15s} {'unit':14s}" + "".join(f"{i:>22s}" for i in impls) + \
        "".join(f"{i + '/corral':>{max(16, len(i) + 9)}s}" for i in peers)
    print(header)
    print("-" * len(header))
    for w in workloads:
        if w == "flat_memory":
            continue
        n, unit = WORKLOADS[w]
        if w in QUEUE_WORKLOADS and (args.queue_n or args.full):
            n = args.queue_n or 1_000_000
        elif args.quick:
            n //= 10
        samples = collect(w, n, impls, have, runs, args.timeout)
        if w == "spawn_many":  # one set of samples, two rows
            print(table_row(w, unit, impls, pick(samples, "ns")))
            print(table_row("spawn_many_mem", "bytes/task", impls, pick(samples, "bytes")))
        else:
            print(table_row(w, unit, impls, samples))
        sys.stdout.flush()
    if "flat_memory" in workloads:
        n = args.flat_n or (10_000_000 if args.full else
                            WORKLOADS["flat_memory"][0] // (10 if args.quick else 1))
        flat_section(n, impls, have, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
