"""The floor: the least a Python coroutine scheduler does, for the spine workloads.

A FIFO of ready coroutines, each resumed with ``send()`` inside its own
``contextvars.Context`` (as every real runner does: asyncio, trio and corral give each task
one), join lists, one-shot futures and ``sleep(0)`` as a bare yield. Nothing else: no FFI,
no cancellation, no timers, no I/O, no error handling beyond what a join needs. It is not a
runtime; it measures what the interpreter alone costs for a workload, so the table shows how
much of corral's time is the scheduler's Python and how much is everything corral adds (the
C core, the ctypes crossings, cancellation, traces).
"""

from __future__ import annotations

import contextvars
import time
from collections import deque
from types import coroutine

from bench import many_child, many_result, rss_bytes

_ready: deque = deque()
_copy_context = contextvars.copy_context


class Task:
    __slots__ = ("coro", "ctx", "done", "result", "joiners")


class Future:
    __slots__ = ("done", "result", "waiters")

    def __init__(self) -> None:
        self.done = False
        self.result = None
        self.waiters: list = []

    def set_result(self, v) -> None:
        self.done = True
        self.result = v
        for t in self.waiters:
            _ready.append((t, v))
        self.waiters = []

    def __await__(self):
        if not self.done:
            return (yield self)
        return self.result


def spawn(fn, *args) -> Task:
    t = Task()
    t.coro = fn(*args)
    t.ctx = _copy_context()
    t.done = False
    t.result = None
    t.joiners = []
    _ready.append((t, None))
    return t


@coroutine
def join(t: Task):
    if not t.done:
        return (yield t)
    return t.result


@coroutine
def sleep0():
    yield None


def run(coro):
    main = Task()
    main.coro, main.ctx, main.done, main.joiners = coro, _copy_context(), False, []
    _ready.append((main, None))
    ready = _ready
    pop = ready.popleft
    push = ready.append
    while ready:
        t, v = pop()
        try:
            w = t.ctx.run(t.coro.send, v)
        except StopIteration as e:
            t.done = True
            t.result = e.value
            for j in t.joiners:
                push((j, e.value))
            t.joiners = None
            continue
        if w is None:  # sleep(0): to the back of the queue
            push((t, None))
        elif type(w) is Task:
            w.joiners.append(t)
        else:  # a Future
            w.waiters.append(t)
    return main.result


def floor_bench(workload: str, n: int):
    async def child():
        return None

    async def spawn_join():
        t0 = time.perf_counter()
        for _ in range(n):
            await join(spawn(child))
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_batch():
        t0 = time.perf_counter()
        ts = [spawn(child) for _ in range(n)]
        for t in ts:
            await join(t)
        return (time.perf_counter() - t0) / n * 1e9

    async def spawn_many():
        child, box = many_child(n, lambda _d: sleep0())
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        ts = [spawn(child) for _ in range(n)]
        for t in ts:  # the group's exit: wait for every member
            await join(t)
        return many_result(n, t0, time.perf_counter(), rss0, box)

    async def switch():
        t0 = time.perf_counter()
        for _ in range(n):
            await sleep0()
        return (time.perf_counter() - t0) / n * 1e9

    async def yielder(k):
        for _ in range(k):
            await sleep0()

    async def switch_100():
        t0 = time.perf_counter()
        ts = [spawn(yielder, n // 100) for _ in range(100)]
        for t in ts:
            await join(t)
        return (time.perf_counter() - t0) / n * 1e9

    async def pingpong():
        box = {}

        async def b():
            for _ in range(n):
                v = await box["b"]
                box["b"] = Future()
                box["a"].set_result(v + 1)

        box["a"] = Future()
        box["b"] = Future()
        tb = spawn(b)
        await sleep0()  # b parks on its first future
        t0 = time.perf_counter()
        for i in range(n):
            fa = box["a"]
            box["b"].set_result(i)
            await fa
            box["a"] = Future()
        dt = time.perf_counter() - t0
        await join(tb)
        return dt / n * 1e9

    async def waiter(f):
        await f

    async def parked():
        futs = [None] * n
        tasks = [None] * n
        before = rss_bytes()
        for i in range(n):
            f = futs[i] = Future()
            tasks[i] = spawn(waiter, f)
        await sleep0()
        after = rss_bytes()
        for f in futs:
            f.set_result(None)
        for t in tasks:
            await join(t)
        return (after - before) / n

    return run(locals()[workload]())
