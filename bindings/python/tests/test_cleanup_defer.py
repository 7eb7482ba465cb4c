"""corral.defer / corral.adefer: deferred calls, LIFO, every one runs (R67), adefer as managed
cleanup (R66)."""

import pytest

import corral
from conftest import run_v

MS = 0.001


# -- defer (plain functions) -------------------------------------------------------------------

def test_defer_runs_lifo_after_return_and_keeps_the_value():
    log = []

    @corral.defer
    def f(defer, x, *, y):
        defer(log.append, "first")
        defer(log.append, "second")
        log.append("body")
        return x + y

    assert f(1, y=2) == 3
    assert log == ["body", "second", "first"]
    assert f.__name__ == "f"


def test_defer_every_call_runs_the_last_error_wins_the_functions_error_ends_the_chain():
    ran = []

    def raiser(name):
        ran.append(name)
        raise ValueError(name)

    @corral.defer
    def f(defer):
        defer(raiser, "E1")
        defer(ran.append, "quiet")
        defer(raiser, "E2")
        raise KeyError("body")

    with pytest.raises(ValueError) as info:
        f()
    assert ran == ["E2", "quiet", "E1"]
    assert str(info.value) == "E1"
    assert str(info.value.__context__) == "E2"
    assert isinstance(info.value.__context__.__context__, KeyError)


def test_defer_refuses_async_callables_and_async_functions():
    async def cleanup():
        pass

    @corral.defer
    def f(defer):
        with pytest.raises(TypeError):
            defer(cleanup)
        coro = cleanup()
        with pytest.raises(TypeError):
            defer(coro)
        coro.close()

    f()
    with pytest.raises(TypeError):
        @corral.defer
        async def g(defer):
            pass


def test_defer_a_callable_returning_an_awaitable_fails_at_unwind_without_warning(recwarn):
    async def cleanup():
        pass

    @corral.defer
    def f(defer):
        defer(lambda: cleanup())

    with pytest.raises(TypeError, match="adefer"):
        f()
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


def test_defer_bad_registrations():
    kept = []

    @corral.defer
    def f(defer):
        with pytest.raises(TypeError):
            defer("not callable")
        kept.append(defer)

    f()
    with pytest.raises(corral.InvalidState):
        kept[0](print)
    with pytest.raises(TypeError):
        corral.defer(42)


# -- adefer (async functions) ------------------------------------------------------------------

def test_adefer_runs_sync_async_and_awaitables_lifo_in_the_functions_task():
    log = []

    def note(name):
        log.append((name, corral.current_task().name))

    async def anote(name, *, tag):
        await corral.checkpoint()
        log.append((name + tag, corral.current_task().name))

    async def coro_obj():
        log.append(("awaitable", corral.current_task().name))

    @corral.adefer
    async def work(defer, x):
        defer(note, "sync")
        defer(anote, "async", tag="!")
        defer(coro_obj())
        return x * 2

    async def main():
        return await corral.spawn(work, 21, name="W")

    assert run_v(main()) == 42
    assert log == [("awaitable", "W"), ("async!", "W"), ("sync", "W")]


def test_adefer_calls_can_await_after_cancellation():
    log = []

    async def slow(name):
        await corral.sleep(5 * MS)
        log.append((name, round(corral.now() / MS)))

    @corral.adefer
    async def work(defer):
        defer(slow, "a")
        defer(slow, "b")
        await corral.sleep(1)

    async def main():
        t = corral.spawn(work)
        await corral.sleep(3 * MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == [("b", 8), ("a", 13)]


def test_adefer_every_call_runs_and_the_last_error_wins():
    ran = []

    async def raiser(name):
        ran.append(name)
        raise ValueError(name)

    @corral.adefer
    async def work(defer):
        defer(raiser, "E1")
        defer(raiser, "E2")

    async def main():
        with pytest.raises(ValueError) as info:
            await work()
        return info.value

    err = run_v(main())
    assert ran == ["E2", "E1"]
    assert str(err) == "E1" and str(err.__context__) == "E2"


def test_adefer_grace_expiry_reports_and_keeps_the_outcome():
    lines = []

    async def slow():
        await corral.sleep(1)

    @corral.adefer
    async def work(defer):
        defer(slow)
        return "value"

    async def main():
        async with corral.TaskGroup(cleanup_timeout=2 * MS) as tg:
            t = tg.spawn(work, name="W")
        return await t

    assert run_v(main(), trace=lines.append) == "value"
    assert "2 root handler W CleanupTimeout" in lines


def test_adefer_bad_input():
    with pytest.raises(TypeError):
        @corral.adefer
        def sync(defer):
            pass

    kept = []

    @corral.adefer
    async def work(defer):
        with pytest.raises(TypeError):
            defer(42)
        kept.append(defer)

    async def main():
        await work()
        with pytest.raises(corral.InvalidState):
            kept[0](print)

    run_v(main())
