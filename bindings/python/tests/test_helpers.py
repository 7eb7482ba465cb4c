"""call, call_on_cancel, call_on_done, first, cancel_and_join (R66, R73, hat.aio, aiotools)."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _value_after(delay, value):
    await corral.sleep(delay)
    return value


# -- call ------------------------------------------------------------------------------------

def test_call_sync_and_async_with_keywords():
    def f(a, *, b):
        return a + b

    async def g(a, *, b):
        await corral.checkpoint()
        return a * b

    async def main():
        return await corral.call(f, 2, b=3), await corral.call(g, 2, b=3)

    assert run_v(main()) == (5, 6)


def test_call_non_callable_is_type_error():
    async def main():
        with pytest.raises(TypeError):
            await corral.call(5)

    run_v(main())


# -- call_on_cancel --------------------------------------------------------------------------

def test_call_on_cancel_runs_fn_shielded_and_task_completes():
    async def fn(x, *, tag):
        await corral.sleep(5 * MS)
        return f"{x}-{tag}"

    async def main():
        t = corral.spawn(corral.call_on_cancel, fn, 1, tag="k")
        await corral.sleep(MS)
        t.cancel()
        return await t, corral.now()

    value, now = run_v(main())
    assert value == "1-k" and now == pytest.approx(6 * MS)


def test_call_on_cancel_grace_expiry_ends_cancelled_and_reports():
    lines = []

    async def slow():
        await corral.sleep(1)

    async def main():
        g = corral.Group("G", cleanup_timeout=3 * MS)
        t = g.spawn(corral.call_on_cancel, slow, name="T")
        await corral.sleep(MS)
        await g.async_close()
        await corral.checkpoint()
        return t.cancelled(), corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == (True, 1)
    assert "4 root handler T CleanupTimeout" in lines


def test_call_on_cancel_fn_that_raises_fails_the_task():
    def bad():
        raise KeyError("cleanup")

    async def main():
        t = corral.spawn(corral.call_on_cancel, bad)
        await corral.checkpoint()
        t.cancel()
        with pytest.raises(KeyError):
            await t

    run_v(main())


def test_call_on_cancel_non_callable_is_type_error():
    async def main():
        with pytest.raises(TypeError):
            await corral.call_on_cancel("no")

    run_v(main())


# -- call_on_done ----------------------------------------------------------------------------

def test_call_on_done_ignores_the_error_of_f_and_passes_keywords():
    async def main():
        f = corral.Future()
        t = corral.spawn(corral.call_on_done, f, lambda x, *, y: (x, y), 1, y=2)
        await corral.checkpoint()
        f.set_exception(ValueError("ignored"))
        return await t

    assert run_v(main()) == (1, 2)


def test_call_on_done_cancelled_does_not_call_fn_nor_cancel_the_future():
    called = []

    async def main():
        f = corral.Future()
        t = corral.spawn(corral.call_on_done, f, called.append, "x")
        await corral.checkpoint()
        await corral.cancel_and_join(t)
        return f.pending(), t.cancelled()

    assert run_v(main()) == (True, True)
    assert called == []


def test_call_on_done_with_a_task_and_a_coroutine():
    async def main():
        t = corral.spawn(_value_after, MS, "t")
        a = await corral.call_on_done(t, lambda: "after task")
        b = await corral.call_on_done(_value_after(MS, "c"), lambda: "after coroutine")
        return a, b, corral.now()

    a, b, now = run_v(main())
    assert (a, b) == ("after task", "after coroutine") and now == pytest.approx(2 * MS)


def test_call_on_done_bad_input():
    async def main():
        with pytest.raises(TypeError):
            await corral.call_on_done(corral.Future(), None)
        with pytest.raises(TypeError):
            await corral.call_on_done(42, print)

    run_v(main())


def test_call_on_done_fn_that_raises_propagates():
    def bad():
        raise KeyError("fn")

    async def main():
        f = corral.Future()
        f.set_result(1)
        with pytest.raises(KeyError):
            await corral.call_on_done(f, bad)

    run_v(main())


# -- first -----------------------------------------------------------------------------------

class _Items:
    def __init__(self, n):
        self.i, self.n = 0, n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i


def test_first_match_default_and_async_predicate():
    async def is_even(x):
        await corral.checkpoint()
        return x % 2 == 0

    async def main():
        items = _Items(5)
        a = await corral.first(items, lambda x: x > 2)
        b = await corral.first(items)  # the iterator is not closed: it goes on
        c = await corral.first(_Items(3), is_even)
        d = await corral.first(_Items(0), default="none")
        return a, b, c, d

    assert run_v(main()) == (3, 4, 2, "none")


def test_first_on_a_queue_leaves_the_rest_queued():
    async def main():
        q = corral.Queue()
        for i in range(5):
            q.put_nowait(i)
        q.close()
        x = await corral.first(q, lambda v: v >= 2)
        return x, q.qsize()

    assert run_v(main()) == (2, 2)


def test_first_predicate_that_raises_propagates():
    def bad(x):
        raise ValueError("pred")

    async def main():
        with pytest.raises(ValueError):
            await corral.first(_Items(3), bad)

    run_v(main())


def test_first_bad_input():
    async def main():
        with pytest.raises(TypeError):
            await corral.first([1, 2, 3])
        with pytest.raises(TypeError):
            await corral.first(_Items(1), 7)

    run_v(main())


# -- cancel_and_join -------------------------------------------------------------------------

def test_cancel_and_join_outcomes():
    async def swallow():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            return "late"

    async def fail():
        raise ValueError("c")

    async def main():
        a = corral.spawn(_value_after, 1, "never")
        b = corral.spawn(swallow)
        c = corral.spawn(fail)
        await corral.checkpoint()
        return (await corral.cancel_and_join(a), await corral.cancel_and_join(b),
                await _raised(corral.cancel_and_join(c)))

    async def _raised(aw):
        try:
            await aw
        except ValueError as e:
            return str(e)

    assert run_v(main()) == (None, "late", "c")


def test_cancel_and_join_caller_cancelled_keeps_task_cancelled():
    async def stubborn():
        with corral.shield():
            await corral.sleep(10 * MS)
        await corral.checkpoint()
        return "unreachable"

    async def main():
        t = corral.spawn(stubborn)
        await corral.checkpoint()
        with corral.move_on_after(MS) as s:
            await corral.cancel_and_join(t)
        caught, running = s.cancelled_caught, not t.done()
        await corral.sleep(20 * MS)
        return caught, running, t.cancelled()

    assert run_v(main()) == (True, True, True)


def test_cancel_and_join_bad_input():
    async def main():
        with pytest.raises(TypeError):
            await corral.cancel_and_join(corral.Future())

    run_v(main())
