"""Bad input, lifetime, threads, signals, async generators and context managers."""

import asyncio
import contextlib
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import corral
from conftest import run_v

MS = 0.001
PKG = str(Path(corral.__file__).resolve().parents[1])


# ---- bad input ----------------------------------------------------------------------------

def test_await_asyncio_sleep_is_type_error():
    async def main():
        with pytest.raises(TypeError, match="not a corral awaitable"):
            await asyncio.sleep(0)
        return "survived"

    assert run_v(main()) == "survived"


def test_await_asyncio_future_is_type_error():
    loop = asyncio.new_event_loop()
    try:
        fut = loop.create_future()

        async def main():
            with pytest.raises(TypeError, match="asyncio future"):
                await fut

        run_v(main())
    finally:
        loop.close()


def test_bad_arguments():
    async def main():
        with pytest.raises(corral.InvalidArgument):
            await corral.sleep(-1)
        with pytest.raises(corral.InvalidArgument):
            await corral.sleep(float("nan"))
        with pytest.raises(TypeError):
            await corral.sleep("1")
        with pytest.raises(TypeError):
            corral.spawn(42)
        with pytest.raises(TypeError):
            corral.spawn(lambda: 42)  # not a coroutine function
        with pytest.raises(TypeError):
            corral.spawn(corral.sleep, 0, name=5)
        with pytest.raises(TypeError):
            corral.Queue("big")
        with pytest.raises(TypeError):
            corral.move_on_after("soon")
        with pytest.raises(corral.InvalidArgument):
            corral.fail_after(-1)
        with pytest.raises(corral.InvalidArgument):
            corral.inject_signal(signal.SIGUSR1)
        with pytest.raises(TypeError):
            await corral.Future().wait(deadline="x")
        assert isinstance(corral.InvalidArgument("x"), ValueError)

    run_v(main())


def test_run_bad_input():
    with pytest.raises(corral.InvalidArgument):
        corral.run(corral.sleep(0), clock="bogus")
    with pytest.raises(TypeError):
        corral.run(corral.sleep(0), trace=3.5)
    with pytest.raises(TypeError):
        corral.run(42)

    async def nested():
        corral.run(corral.sleep(0))

    with pytest.raises(RuntimeError, match="cannot be called while"):
        run_v(nested())


def test_calls_outside_a_run():
    with pytest.raises(RuntimeError, match="no corral loop"):
        corral.spawn(corral.sleep, 0)
    with pytest.raises(RuntimeError):
        corral.Future()
    with pytest.raises(RuntimeError):
        corral.current_task()
    with pytest.raises(RuntimeError):
        corral.log("x")
    with pytest.raises(RuntimeError):
        corral.now()


def test_handles_after_the_run_raise_not_crash():
    kept = {}

    async def main():
        kept["f"] = corral.Future()
        kept["q"] = corral.Queue()
        kept["g"] = corral.Group()
        kept["t"] = corral.spawn(corral.sleep, 0)
        kept["s"] = corral.move_on_after(1)
        with kept["s"]:
            pass

    run_v(main())
    with pytest.raises(corral.Closed):
        kept["f"].set_result(1)
    with pytest.raises(corral.Closed):
        kept["q"].put_nowait(1)
    with pytest.raises(corral.Closed):
        kept["g"].close()
    with pytest.raises(corral.Closed):
        kept["t"].cancel()
    assert kept["t"].cancelled()  # the outcome stays readable (root close cancelled it)
    with pytest.raises(corral.Closed):
        _ = kept["s"].cancelled_caught
    assert kept["q"].is_closed
    kept["f"].close()
    kept["q"].release()
    kept.clear()
    gc.collect()


def test_calls_from_another_thread_raise():
    errors = []

    async def main():
        f = corral.Future()
        q = corral.Queue()
        t = corral.spawn(corral.sleep, 1)

        def other():
            for fn in (lambda: f.set_result(1), lambda: q.put_nowait(1), t.cancel,
                       lambda: corral.spawn(corral.sleep, 0), corral.current_task):
                try:
                    fn()
                except RuntimeError as e:
                    errors.append(str(e))

        th = threading.Thread(target=other)
        th.start()
        th.join()
        t.cancel()

    run_v(main())
    assert len(errors) == 5
    assert "another thread" in errors[0] and "no corral loop" in errors[3]


# ---- lifetime -------------------------------------------------------------------------------

def test_gc_of_handles_is_deferred_and_safe():
    async def main():
        r = corral.current_task()._runner
        for _ in range(1000):
            f = corral.Future()
            f.set_result(object())
            q = corral.Queue()
            q.put_nowait(object())
            g = corral.Group()
            with corral.move_on_after(1):
                pass
            del f, q, g
        gc.collect()
        assert len(r._deferred) > 0  # finalizers only queued the release
        await corral.checkpoint()
        assert len(r._deferred) == 0
        await corral.checkpoint()  # RELEASE records for the values came back
        return len(r._objs)

    assert run_v(main()) == 0


def test_finished_tasks_release_their_c_task():
    async def child():
        return object()

    async def main():
        r = corral.current_task()._runner
        ts = [corral.spawn(child) for _ in range(100)]
        for t in ts:
            await t
        assert all(t._ptr == 0 for t in ts)
        assert len(r._tasks) == 1  # only main
        return [t.result() for t in ts]

    assert len(run_v(main())) == 100


def test_leftover_tasks_are_discarded_after_persistent_deadlock():
    log = []

    async def stuck():
        try:
            with corral.shield():
                await corral.Future()
        finally:
            log.append("closed")

    async def main():
        corral.spawn(stuck)
        await corral.Future()

    with pytest.raises(corral.Deadlock):
        run_v(main())
    assert log == ["closed"]


def test_nothing_reaches_the_trace_after_the_run_line(tmp_path):
    # decision (5), R77: the "rt run ..." line is the trace's last line. Leftover tasks of a
    # persistent deadlock and abandoned async generators are closed after it: their finally
    # blocks run, and their log() calls are dropped (no-ops, not errors).
    log = []

    async def numbers():
        try:
            yield 1
            await corral.Future()
        finally:
            corral.log("agen finally")
            log.append("agen closed")

    async def stuck(gen):
        try:
            with corral.shield():
                assert await gen.__anext__() == 1
                await corral.Future()
        finally:
            corral.log("S finally")
            log.append("S closed")

    async def main():
        corral.spawn(stuck, numbers(), name="S")
        await corral.Future()

    lines = []
    with pytest.raises(corral.Deadlock):
        run_v(main(), trace=lines.append)
    assert lines == ["0 rt deadlock [main, S]", "0 main cancelled", "0 rt deadlock [S]",
                     "0 rt run Deadlock"]
    assert sorted(log) == ["S closed", "agen closed"]

    # the same with the trace on a file (corral_rt_set_trace_fd)
    log.clear()
    path = tmp_path / "trace.txt"
    with open(path, "w") as f, pytest.raises(corral.Deadlock):
        run_v(main(), trace=f)
    assert path.read_text().splitlines() == lines
    assert sorted(log) == ["S closed", "agen closed"]


# ---- threads, signals ------------------------------------------------------------------------

def test_gil_released_while_loop_blocks():
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1
            time.sleep(0.001)

    async def main():
        th = threading.Thread(target=spin)
        th.start()
        try:
            await corral.sleep(0.2)
        finally:
            stop.set()
        th.join()

    run_v(main(), clock=None)
    assert count[0] > 20


def _run_script(code, **kw):
    env = dict(os.environ, PYTHONPATH=PKG)
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_ctrl_c_cancels_main_then_keyboard_interrupt():
    p = _run_script("""
        import corral, sys
        async def main():
            try:
                print("ready", flush=True)
                await corral.sleep(60)
            finally:
                with corral.shield():
                    await corral.sleep(0.01)
                print("finally ran", flush=True)
        try:
            corral.run(main())
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
            sys.exit(7)
    """)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert time.monotonic() - t0 < 5
    assert out.split() == ["finally", "ran", "KeyboardInterrupt"], err
    assert p.returncode == 7


def test_ctrl_c_uncaught_exits_like_python():
    p = _run_script("""
        import corral
        async def main():
            print("ready", flush=True)
            await corral.sleep(60)
        corral.run(main())
    """)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert "KeyboardInterrupt" in err
    assert p.returncode != 0


def test_signal_handlers_restored_after_run():
    before = signal.getsignal(signal.SIGINT)
    corral.run(corral.sleep(0), signals=True)
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)


# ---- async generators and context managers -------------------------------------------------

def test_break_out_of_async_generator_runs_finally():
    log = []

    async def agen():
        try:
            for i in range(10):
                yield i
                await corral.checkpoint()
        finally:
            await corral.sleep(MS)  # an await in finally needs the asyncgen hooks
            log.append("agen finally")

    async def main():
        async for x in agen():
            if x == 2:
                break
        await corral.sleep(10 * MS)
        log.append("main after")

    run_v(main())
    assert log == ["agen finally", "main after"]


def test_async_generator_left_open_at_end_is_closed():
    log = []

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            log.append("closed")

    async def main():
        g = agen()
        await g.__anext__()
        main.keep = g  # still referenced when the run ends

    run_v(main())
    assert log == ["closed"]
    del main.keep


def test_asynccontextmanager_and_async_with():
    log = []

    @contextlib.asynccontextmanager
    async def resource(name):
        log.append(f"enter {name}")
        try:
            yield name
        finally:
            with corral.shield():
                await corral.sleep(MS)
            log.append(f"exit {name}")

    async def child():
        async with resource("a") as a:
            log.append(f"use {a}")
            await corral.sleep(1)

    async def main():
        t = corral.spawn(child)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(resource("b"))

    run_v(main())
    assert log == ["enter a", "use a", "exit a", "enter b", "exit b"]


def test_batched_and_immediate_designs_trace_the_same():
    script = """
        import corral
        MS = 0.001
        async def w(q, i):
            try:
                for k in range(3):
                    corral.log(f"{i}.{k} {await q.get()}")
                    await corral.sleep(i * MS)
            except corral.Cancelled:
                corral.log("cancelled")
                raise
        async def main():
            q = corral.Queue()
            ts = [corral.spawn(w, q, i, name=f"W{i}") for i in range(4)]
            for i in range(10):
                q.put_nowait(i)
                await corral.checkpoint()
            ts[3].cancel()
            with corral.move_on_after(2 * MS):
                for t in ts:
                    try:
                        await t
                    except corral.Error:
                        pass
        corral.run(main(), clock="virtual", trace=1)
    """
    outs = []
    for mode in ("0", "1"):
        env = dict(os.environ, PYTHONPATH=PKG, CORRAL_PY_IMMEDIATE=mode)
        r = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]
    assert "W3 cancelled" in outs[0]
