"""The spine demo in Python (the same program as examples/spine_demo.c), real clock, ~0.1 s.

main opens a group "workers" and spawns five tasks into it:
  producer  sleeps 30 ms, then resolves a future with 42
  consumer  awaits that future inside fail_after(80 ms) and returns its value
  sleeper   sleeps 1 s inside move_on_after(50 ms) (absorbed: it just moves on), then
            1 s inside fail_after(20 ms) (raises Timeout, which it handles)
  guard     sleeps 60 ms inside a shield; main cancels it at 30 ms: the shield holds, and the
            first checkpoint after the shield delivers the (still pending) cancellation
  ticker    ticks every 25 ms until main closes the group, which cancels it

Every line printed during the run is a trace line "<ms> <actor> <event> [detail]".

    CORRAL_LIBRARY=build/core/libcorral.so.0 PYTHONPATH=bindings/python \
        python3 bindings/python/examples/spine_demo.py
"""

import corral
from corral import log

MS = 0.001


async def producer(answer):
    await corral.sleep(30 * MS)
    log("resolving the future with 42")
    answer.set_result(42)


async def consumer(answer):
    with corral.fail_after(80 * MS):
        v = await answer
    log(f"the future gave {v}")
    return v


async def sleeper():
    with corral.move_on_after(50 * MS) as s:
        await corral.sleep(1)
    log(f"move_on_after(50 ms): moved on, cancelled_caught={int(s.cancelled_caught)}")
    try:
        with corral.fail_after(20 * MS):
            await corral.sleep(1)
    except corral.Timeout as e:
        log(f"fail_after(20 ms): {e.kind} (deadline expired), handled")


async def guard():
    with corral.shield():
        log("shielded cleanup: 60 ms that must not be interrupted")
        await corral.sleep(60 * MS)
    log(f"cleanup finished; cancel pending={int(corral.cancel_pending())}")
    await corral.checkpoint()  # raises Cancelled: the task ends "cancelled"


async def ticker():
    n = 0
    while True:
        await corral.sleep(25 * MS)  # Cancelled once the group closes
        n += 1
        log(f"tick {n}")


async def main():
    workers = corral.Group("workers")
    answer = corral.Future()
    workers.spawn(producer, answer, name="producer")
    cons = workers.spawn(consumer, answer, name="consumer")
    slp = workers.spawn(sleeper, name="sleeper")
    grd = workers.spawn(guard, name="guard")
    workers.spawn(ticker, name="ticker")
    log("spawned 5 workers into group 'workers' (they start at the next tick)")

    await corral.sleep(30 * MS)
    log("cancelling guard (it is inside its shield)")
    grd.cancel()

    log(f"join consumer: {await cons}")
    await slp
    log("join sleeper: ok")
    try:
        await grd
    except corral.TaskCancelled as e:
        log(f"join guard: {e.kind}")

    log("closing the group with cancel: ticker is cancelled")
    await workers.async_close()


if __name__ == "__main__":
    print(f"corral {corral.library_version} (Python) - spine demo on the real clock "
          f"(trace: <ms> <actor> <event>)")
    corral.run(main(), trace=lambda line: print("  " + line))
    print("run finished: ok")
