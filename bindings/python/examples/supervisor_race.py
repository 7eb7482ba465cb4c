"""Groups and helpers in one small program (virtual clock: instant, same output every run).

* A Supervisor runs three workers. Worker "flaky" fails twice; the supervisor's exception
  callback restarts it each time while its siblings keep running (a fail-fast TaskGroup
  would have cancelled them all).
* race() asks three mirrors for a file: the fastest answer wins, the slower mirrors are
  cancelled and awaited before race returns; a mirror that fails first does not stop the
  race (continue_on_error=True).
* gather_safe() runs health checks and returns each value or error, in input order.

Every line printed is a trace line "<ms> <actor> <event> [detail]".

    CORRAL_LIBRARY=build/core/libcorral.so.0 PYTHONPATH=bindings/python \\
        python3 bindings/python/examples/supervisor_race.py
"""

import corral
from corral import log

MS = 0.001


async def worker(name, period, rounds):
    for i in range(rounds):
        await corral.sleep(period * MS)
        log(f"{name} round {i}")
    return name


async def flaky(attempt):
    await corral.sleep(4 * MS)
    if attempt < 2:
        raise ConnectionError(f"attempt {attempt}")
    log("flaky connected")


async def mirror(name, delay, ok=True):
    try:
        await corral.sleep(delay * MS)
    except corral.Cancelled:
        log(f"{name} cancelled")
        raise
    if not ok:
        raise OSError(f"{name} unreachable")
    return f"file from {name}"


async def check(name, healthy):
    await corral.sleep(1 * MS)
    if not healthy:
        raise RuntimeError(f"{name} down")
    return f"{name} ok"


async def main():
    attempts = {"flaky": 0}

    async with corral.Supervisor("workers") as sv:
        def restart(exc, task):
            log(f"restarting after {type(exc).__name__}: {exc}", actor="supervisor")
            attempts["flaky"] += 1
            sv.spawn(flaky, attempts["flaky"], name=f"flaky#{attempts['flaky']}")

        sv.exception_cb = restart
        sv.spawn(worker, "steady", 5, 3, name="steady")
        sv.spawn(flaky, 0, name="flaky#0")

    value, errors = await corral.race(
        [mirror("m1", 30), mirror("m2", 10, ok=False), mirror("m3", 20)],
        continue_on_error=True, names=["m1", "m2", "m3"])
    log(f"race: {value}; errors before the winner: {[str(e) for e in errors]}")

    results = await corral.gather_safe([check("db", True), check("cache", False)],
                                       names=["db-check", "cache-check"])
    log("checks: " + ", ".join(r if isinstance(r, str) else f"error {r}" for r in results))


if __name__ == "__main__":
    corral.run(main(), clock="virtual", trace=1)
