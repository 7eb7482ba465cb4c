"""run(), tasks, joins, errors crossing the core, cancellation, traces."""

import contextvars
import time

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _value(v):
    return v


def test_run_returns_value():
    assert run_v(_value(42)) == 42
    assert run_v(_value, "x") == "x"
    assert run_v(_value([1, "a"])) == [1, "a"]


def test_run_raises_main_error_same_object():
    err = ValueError("boom")

    async def main():
        raise err

    with pytest.raises(ValueError) as ei:
        run_v(main())
    assert ei.value is err


def test_spawn_join_value_and_lazy_order():
    order = []

    async def child(n):
        order.append(("child", n))
        return n * 2

    async def main():
        a = corral.spawn(child, 1)
        b = corral.spawn(child(2))
        order.append("spawned")
        return [await a, await b]

    assert run_v(main()) == [2, 4]
    assert order == ["spawned", ("child", 1), ("child", 2)]


def test_task_handle_api():
    async def child():
        await corral.sleep(MS)
        return "v"

    async def main():
        t = corral.spawn(child, name="kid")
        assert t.name == "kid" and t.get_name() == "kid"
        assert not t.done()
        with pytest.raises(corral.InvalidState):
            t.result()
        u = corral.spawn(child)
        assert u.name == f"task{u.id}"
        assert corral.current_task().name == "main" and corral.current_task().id == 1
        assert await t == "v"
        assert t.done() and not t.cancelled() and t.result() == "v"
        assert t.exception() is None
        assert await t == "v"  # joining a finished task again
        await u
        assert "kid" in repr(t)

    run_v(main())


def test_error_is_same_object_with_traceback():
    err = KeyError("k")

    async def bad():
        await corral.checkpoint()
        raise err

    async def main():
        t = corral.spawn(bad)
        with pytest.raises(KeyError) as ei:
            await t
        assert ei.value is err
        assert ei.value.__traceback__ is not None
        assert t.exception() is err
        with pytest.raises(KeyError):
            t.result()
        # through a future too
        f = corral.Future()
        f.set_exception(err)
        with pytest.raises(KeyError) as e2:
            await f
        assert e2.value is err

    run_v(main(), trace=lambda line: None)


def test_cancel_parked_task_join_raises_task_cancelled():
    seen = []

    async def child():
        try:
            await corral.sleep(100 * MS)
        except corral.Cancelled:
            seen.append("caught")
            raise

    async def main():
        t = corral.spawn(child)
        await corral.sleep(10 * MS)
        assert t.cancel() is True
        assert t.cancel() is False  # already cancelled
        with pytest.raises(corral.TaskCancelled):
            await t
        assert t.cancelled() and t.done()
        with pytest.raises(corral.TaskCancelled):
            t.result()
        assert t.cancel() is False  # terminal

    run_v(main())
    assert seen == ["caught"]


def test_cancelled_is_base_exception_and_level_triggered():
    assert not issubclass(corral.Cancelled, Exception)
    log = []

    async def child():
        try:
            await corral.sleep(1)
        except BaseException:
            log.append("swallowed")
        try:
            await corral.checkpoint()
        except corral.Cancelled:
            log.append("again")
        assert corral.cancel_pending()
        with pytest.raises(corral.Cancelled):
            corral.checkpoint_if_cancelled()
        await corral.sleep(1)
        log.append("unreachable")

    async def main():
        t = corral.spawn(child)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["swallowed", "again"]


def test_cancel_before_first_step_runs_body():
    log = []

    async def child():
        log.append("start")
        try:
            await corral.checkpoint()
        finally:
            log.append("cleanup")

    async def main():
        t = corral.spawn(child)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["start", "cleanup"]


def test_return_after_cancel_completes():
    async def child():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            return 42

    async def main():
        t = corral.spawn(child)
        await corral.checkpoint()
        t.cancel()
        return await t

    assert run_v(main()) == 42


def test_stray_cancellation():
    async def child():
        raise corral.Cancelled()

    async def main():
        t = corral.spawn(child)
        with pytest.raises(corral.StrayCancellation):
            await t

    run_v(main())


def test_cancel_main_raises_cancelled():
    async def main():
        corral.current_task().cancel()
        await corral.checkpoint()

    with pytest.raises(corral.Cancelled):
        run_v(main())


def test_error_beats_pending_cancellation():
    async def child():
        try:
            await corral.sleep(1)
        finally:
            raise ValueError("cleanup failed")

    async def main():
        t = corral.spawn(child)
        await corral.checkpoint()
        t.cancel()
        with pytest.raises(ValueError):
            await t

    run_v(main())


def test_virtual_clock_and_now():
    async def main():
        assert corral.now() == 0
        await corral.sleep(3600)
        assert corral.now() == 3600
        await corral.sleep_until(7200.5)
        return corral.now()

    t0 = time.monotonic()
    assert run_v(main()) == 7200.5
    assert time.monotonic() - t0 < 5


def test_real_clock_sleep():
    async def main():
        t = corral.now()
        await corral.sleep(0.02)
        return corral.now() - t

    assert run_v(main(), clock=None) >= 0.019


def test_deadlock_detected():
    async def main():
        await corral.Future()

    with pytest.raises(corral.Deadlock):
        run_v(main())


def test_deadlock_traces():
    lines = []

    async def main():
        f = corral.Future()
        corral.log("waiting")
        await f

    with pytest.raises(corral.Deadlock):
        run_v(main(), trace=lines.append)
    assert lines == ["0 main log waiting", "0 rt deadlock [main]", "0 main cancelled",
                     "0 rt run Deadlock"]


def test_trace_values_canonical():
    lines = []

    async def ret(v):
        return v

    async def main():
        for v, name in ((True, "t"), (False, "f"), ([1, "a", [True]], "l"), (None, "n"),
                        (7, "i"), ("s", "s"), (1.5, "d")):
            await corral.spawn(ret, v, name=name)
        corral.log([1, 2])
        corral.log("x", actor="custom")
        return 5

    assert run_v(main(), trace=lines.append) == 5
    assert lines[:7] == ["0 t done true", "0 f done false", "0 l done [1, a, [true]]",
                         "0 n done", "0 i done 7", "0 s done s", "0 d done 1.5"]
    assert lines[7:10] == ["0 main log [1, 2]", "0 custom log x", "0 main done 5"]
    assert lines[-1] == "0 rt run 5"


def test_a_nul_in_any_text_is_traced_as_backslash_zero():
    # the rule of every binding (tests/conformance/README.md): names, log lines, values and
    # error messages keep what follows a NUL (Python used to drop the NUL or refuse the name)
    lines = []

    async def ret(v):
        return v

    async def boom():
        raise ValueError("m\0n")

    async def main():
        await corral.spawn(ret, "v\0w", name="t\0u")
        await corral.spawn(ret, b"x\0y", name="b")
        corral.log("a\0b")
        g = corral.Group("g\0h")
        try:
            await corral.spawn(boom, name="e", group=g)
        except ValueError:
            pass
        await g.async_close()

    run_v(main(), trace=lines.append)
    assert lines[:3] == ["0 t\\0u done v\\0w", "0 b done x\\0y", "0 main log a\\0b"]
    assert "0 e fail ValueError:m\\0n" in lines
    assert "0 g\\0h CLOSED" in lines


def test_failure_trace_kind_message():
    lines = []

    class MyError(Exception):
        pass

    async def bad():
        raise MyError("oops")

    async def timeout():
        with corral.fail_after(MS):
            await corral.sleep(1)

    async def main():
        for fn in (bad, timeout):
            with pytest.raises(Exception):
                await corral.spawn(fn, name=fn.__name__)

    run_v(main(), trace=lines.append)
    assert "0 bad fail MyError:oops" in lines
    assert "1 timeout fail Timeout" in lines


def test_contextvars_copied_per_task():
    var = contextvars.ContextVar("var", default="unset")

    async def child():
        seen = var.get()
        var.set("child")
        await corral.checkpoint()
        return seen, var.get()

    async def main():
        var.set("parent")
        t = corral.spawn(child)
        var.set("parent2")  # after spawn: not seen by the child (snapshot at spawn)
        r = await t
        return r, var.get()

    assert run_v(main()) == (("parent", "child"), "parent2")


def test_many_tasks_interleave_fifo():
    out = []

    async def loop(p):
        for i in range(3):
            out.append(f"{p}{i}")
            await corral.checkpoint()

    async def main():
        ts = [corral.spawn(loop, p) for p in "ABC"]
        for t in ts:
            await t

    run_v(main())
    assert out == ["A0", "B0", "C0", "A1", "B1", "C1", "A2", "B2", "C2"]


def test_keyboard_interrupt_in_child_ends_run():
    async def child():
        raise KeyboardInterrupt

    async def main():
        corral.spawn(child)
        await corral.sleep(10)

    with pytest.raises(KeyboardInterrupt):
        run_v(main())


def test_inject_signal_raises_keyboard_interrupt():
    log = []

    async def main():
        try:
            corral.inject_signal()
            await corral.sleep(1)
        finally:
            log.append("finally")

    with pytest.raises(KeyboardInterrupt):
        run_v(main())
    assert log == ["finally"]


@pytest.mark.parametrize("escalate", [False, True])
def test_second_signal_cuts_managed_cleanup_only_when_escalating(escalate):
    """R51: with escalate_signals the second signal cancels every shield, here the managed
    cleanup of an ExitStack callback that waits; without it the signal is ignored."""
    log = []

    async def signals():
        await corral.sleep(0.010)
        corral.inject_signal()  # cancels main
        await corral.sleep(0.002)
        corral.inject_signal()  # escalates, or is ignored

    async def slow_close():
        try:
            await corral.sleep(1)
            log.append(("closed", round(corral.now(), 3)))
        except corral.Cancelled:
            log.append(("cut", round(corral.now(), 3)))
            raise

    async def main():
        corral.spawn(signals)
        async with corral.ExitStack() as stack:
            stack.push_async_callback(slow_close)
            await corral.sleep(100)

    with pytest.raises(KeyboardInterrupt):
        corral.run(main(), clock="virtual", escalate_signals=escalate)
    assert log == ([("cut", 0.012)] if escalate else [("closed", 1.01)])


def test_sequential_runs_are_independent():
    for i in range(3):
        assert run_v(_value(i)) == i


def test_cancel_point_inside_a_batch():
    """B is cancelled by A in the same tick; B's next await is refused at its cancel point
    (read from the cancel flag while A's await is still queued), and B may await again."""
    log = []

    async def a(other):
        await corral.checkpoint()
        other[0].cancel()
        await corral.checkpoint()
        log.append("a done")

    async def b():
        await corral.checkpoint()
        try:
            await corral.checkpoint()
        except corral.Cancelled:
            log.append("b cancelled at its cancel point")
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            log.append("b cancelled again")
            raise

    async def c():
        for _ in range(3):
            await corral.checkpoint()

    async def main():
        other = []
        ta = corral.spawn(a, other)
        tb = corral.spawn(b)
        tc = corral.spawn(c)  # keeps B from being the last record of its batch
        other.append(tb)
        await ta
        with pytest.raises(corral.TaskCancelled):
            await tb
        await tc

    run_v(main())
    assert log == ["b cancelled at its cancel point", "b cancelled again", "a done"]


class _Custom(Exception):
    """Not a corral error: only its identity can tell it from a rebuilt one."""


def test_strict_raises_first_unhandled_error_same_object():
    """R57 strict mode: the first unhandled error cancels main, and run raises that very
    exception (corral_rt_run_error + its host payload), not one rebuilt from the code."""
    first = _Custom("first")
    second = ValueError("second")
    seen = []

    async def bad(e, delay):
        await corral.sleep(delay)
        raise e

    async def main():
        corral.spawn(bad, first, 1 * MS)
        corral.spawn(bad, second, 1 * MS)
        try:
            await corral.sleep(10)
        except corral.Cancelled:
            seen.append("cancelled")
            raise
        return "not reached"

    with pytest.raises(_Custom) as ei:
        run_v(main(), strict=True)
    assert ei.value is first
    assert seen == ["cancelled"]


def test_strict_first_unhandled_error_wins_over_main_error():
    first = _Custom("first")
    own = KeyError("main's own")

    async def bad():
        raise first

    async def main():
        corral.spawn(bad)
        try:
            await corral.sleep(10)
        finally:
            raise own

    with pytest.raises(_Custom) as ei:
        run_v(main(), strict=True)
    assert ei.value is first


def test_strict_done_callback_error_same_object():
    err = _Custom("cb failed")

    def cb(f):
        raise err

    async def main():
        f = corral.Future()
        f.add_done_callback(cb)
        f.set_result(1)
        await corral.sleep(10)

    with pytest.raises(_Custom) as ei:
        run_v(main(), strict=True)
    assert ei.value is err


def test_strict_main_error_and_success_unchanged():
    err = _Custom("main")

    async def main():
        raise err

    with pytest.raises(_Custom) as ei:
        run_v(main(), strict=True)
    assert ei.value is err
    assert run_v(_value(7), strict=True) == 7


def test_not_strict_unhandled_error_does_not_end_run(capfd):
    async def bad():
        raise _Custom("ignored")

    async def main():
        corral.spawn(bad)
        await corral.sleep(1 * MS)
        return "done"

    assert run_v(main()) == "done"
    capfd.readouterr()
