#!/usr/bin/env python3
"""Python benchmarks: corral's Python binding vs asyncio, uvloop and trio, side by side.

Workloads (the spine's, mirroring bench/README.md):

  spawn_join      spawn a task that returns at once and join it, one at a time (ns/task)
  spawn_many      spawn 10k tasks, then join them all in order (ns/task)
  switch          one task yields N times with sleep(0) (ns/yield)
  switch_100      100 tasks each yield N/100 times with sleep(0) (ns/yield)
  pingpong        two tasks hand a value back and forth through fresh futures; one op = a
                  round trip (two futures created, completed, awaited) (ns/round trip)
  parked          100k tasks each parked on its own future; bytes of RSS per task
                  (task + future), read from /proc/self/statm

Each (implementation, workload) sample runs in a fresh child process; a row shows the
median of --runs samples (min and max beside it) and the ratio peer / corral (above 1
means corral is faster; for memory, above 1 means corral uses less). Timing starts inside
the main task, so loop creation and teardown are not counted.

    python3 bench/python/bench.py                 # everything, 5 runs
    python3 bench/python/bench.py --quick         # N / 10, 3 runs
    python3 bench/python/bench.py --only switch,pingpong --impl corral,uvloop

corral is loaded like the tests load it: set CORRAL_LIBRARY to a Release build of the core
(bench/python/run.sh builds one) and put bindings/python on PYTHONPATH (or pip install it).
Peers missing from the machine are shown as "n/a"; pip install uvloop trio.
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
    "spawn_many": (10_000, "ns/task"),
    "switch": (200_000, "ns/yield"),
    "switch_100": (200_000, "ns/yield"),
    "pingpong": (50_000, "ns/round trip"),
    "parked": (100_000, "bytes/task"),
}
IMPLS = ["corral", "asyncio", "uvloop", "trio"]
# also available: "corral-unbatched" (CORRAL_PY_IMMEDIATE=1: one corral_task_await call per
# await instead of batched submissions), to compare the two designs.


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


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

    async def spawn_many():
        t0 = time.perf_counter()
        ts = [corral.spawn(child) for _ in range(n)]
        for t in ts:
            await t
        return (time.perf_counter() - t0) / n * 1e9

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

    async def spawn_many():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        ts = [loop.create_task(child()) for _ in range(n)]
        for t in ts:
            await t
        return (time.perf_counter() - t0) / n * 1e9

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

    async def spawn_many():
        t0 = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(n):
                nursery.start_soon(child)
        return (time.perf_counter() - t0) / n * 1e9

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


# ---- driver ------------------------------------------------------------------------------------

def child_main(impl: str, workload: str, n: int) -> None:
    if impl == "corral":
        v = corral_bench(workload, n)
    elif impl == "asyncio":
        v = asyncio_bench(workload, n, False)
    elif impl == "uvloop":
        v = asyncio_bench(workload, n, True)
    elif impl == "trio":
        v = trio_bench(workload, n)
    else:
        raise SystemExit(f"unknown impl {impl}")
    print(json.dumps(v))


def available(impl: str) -> bool:
    mod = {"corral": "corral", "corral-unbatched": "corral", "asyncio": "asyncio",
           "uvloop": "uvloop", "trio": "trio"}[impl]
    r = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True)
    return r.returncode == 0


def sample(impl: str, workload: str, n: int, timeout: float) -> float | None:
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="N / 10 and 3 runs")
    p.add_argument("--only", default="", help="comma-separated workloads")
    p.add_argument("--impl", default=",".join(IMPLS), help="comma-separated implementations")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--child", nargs=3, metavar=("IMPL", "WORKLOAD", "N"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child_main(args.child[0], args.child[1], int(args.child[2]))
        return 0
    runs = 3 if args.quick and args.runs == 5 else args.runs
    workloads = [w for w in WORKLOADS if not args.only or w in args.only.split(",")]
    impls = [i for i in args.impl.split(",") if i]
    have = {i: available(i) for i in impls}
    if not have.get("corral", False):
        print("bench: cannot import corral (set PYTHONPATH=bindings/python and "
              "CORRAL_LIBRARY)", file=sys.stderr)
    import corral._ffi as ffi  # noqa: F401  (only to print which library is measured)
    print(f"corral Python binding benchmarks; library {ffi.library_path}; "
          f"Python {sys.version.split()[0]}; median of {runs} runs (min-max)")
    peers = [i for i in impls if i != "corral"]
    header = f"{'workload':12s} {'unit':14s}" + "".join(f"{i:>22s}" for i in impls) + \
        "".join(f"{i + '/corral':>{max(16, len(i) + 9)}s}" for i in peers)
    print(header)
    print("-" * len(header))
    for w in workloads:
        n, unit = WORKLOADS[w]
        if args.quick:
            n //= 10
        med = {}
        cells = []
        for impl in impls:
            if not have[impl]:
                cells.append(f"{'n/a':>22s}")
                continue
            vals = [v for v in (sample(impl, w, n, args.timeout) for _ in range(runs))
                    if v is not None]
            if not vals:
                cells.append(f"{'FAILED':>22s}")
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
        print(f"{w:12s} {unit:14s}" + "".join(cells) + "".join(ratios))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
