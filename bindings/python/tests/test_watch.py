"""The watch cell (R65) and codestare's accessor / condition_property / awaitable_predicate."""

import pytest

import corral
from conftest import run_v

MS = 0.001


# ---- Watch ------------------------------------------------------------------------------------

def test_watch_versions_latest_wins_and_no_missed_write():
    got = []

    async def reader(w):
        got.append(await w.next())  # two writes before it runs: the later wins
        v = w.version
        await corral.sleep(5 * MS)  # a write happens while we are not waiting...
        got.append(await w.next(after=v))  # ...and is not missed

    async def main():
        w = corral.Watch(0)
        assert w.value == 0 and w.version == 0 and w.readers == 0
        r = corral.spawn(reader, w)
        await corral.checkpoint()
        assert w.readers == 1
        assert w.set(1) == 1
        assert w.set(2) == 0
        await corral.sleep(2 * MS)
        w.set(3)
        await r
        assert w.version == 3

    run_v(main())
    assert got == [2, 3]


def test_watch_wait_for_and_timeouts_do_not_poison():
    async def writer(w):
        for x in (1, 5, 7):
            await corral.sleep(2 * MS)
            w.set(x)

    async def main():
        w = corral.Watch(10)
        assert await w.wait_for(lambda x: x >= 3) == 10  # at once
        w.set(0)
        with pytest.raises(corral.Timeout):
            await w.next(timeout=MS)
        with pytest.raises(corral.Timeout):
            await w.wait_for(lambda x: x > 100, timeout=MS)
        with corral.move_on_after(MS):
            await w.next()
        assert w.readers == 0  # nothing left behind by the timed-out waits
        corral.spawn(writer, w)
        assert await w.wait_for(lambda x: x >= 3) == 5
        assert await w.next() == 7
        with pytest.raises(TypeError):
            await w.wait_for(3)
        with pytest.raises(TypeError):
            await w.next(after="1")
        with pytest.raises(corral.InvalidArgument):
            await w.next(after=-1)

    run_v(main())


def test_watch_put_waits_for_a_reader():
    log = []

    async def putter(w):
        await w.put("hello")
        log.append(("put done", round(corral.now() * 1000)))

    async def main():
        w = corral.Watch()
        assert w.value is None
        corral.spawn(putter, w)
        await corral.sleep(3 * MS)
        assert w.version == 0  # no reader yet: nothing written
        assert await w.next() == "hello"
        log.append(("read", round(corral.now() * 1000)))
        r = corral.current_task()._runner
        before = len(r._objs)
        with pytest.raises(corral.Timeout):
            await w.put(object(), timeout=MS)  # cancelled or timed out: nothing written
        assert len(r._objs) == before and w.value == "hello"

    run_v(main())
    assert log == [("put done", 3), ("read", 3)]


def test_watch_values_of_every_kind_and_async_for():
    obj = object()

    async def main():
        w = corral.Watch(obj)
        assert w.value is obj
        for v in (1.5, b"raw", "s", None, -7, obj):
            w.set(v)
            assert w.value == v
        got = []

        async def writer():
            for i in range(3):
                await corral.sleep(MS)
                w.set(i)

        corral.spawn(writer)
        async for v in w:
            got.append(v)
            if v == 2:
                break
        return got

    assert run_v(main()) == [0, 1, 2]


def test_watch_use_after_release():
    async def main():
        w = corral.Watch(1)
        w.release_handle()
        for fn in (lambda: w.value, lambda: w.set(2), lambda: w.readers):
            with pytest.raises(corral.Closed):
                fn()
        with pytest.raises(corral.Closed):
            await w.next()
        with pytest.raises(corral.Closed):
            await w.put(1)
        assert "released" in repr(w)

    run_v(main())


# ---- accessor / condition_property (codestare) ---------------------------------------------

def test_accessor_get_blocks_until_next_set():
    got = []

    async def getter(acc):
        got.append(await acc.get())

    async def main():
        acc = corral.accessor(0)
        assert acc.value == 0
        t = corral.spawn(getter, acc)
        await corral.sleep(MS)
        await acc.set(4)
        await t
        assert await acc.get(predicate=lambda v: v == 4) == 4  # matches: at once
        with pytest.raises(corral.Timeout):
            await acc.get(timeout=MS)
        with pytest.raises(corral.Timeout):
            await acc.get(predicate=lambda v: v > 10, timeout=MS)
        t2 = corral.spawn(getter, acc)  # the timeouts above did not poison anything
        await corral.checkpoint()
        acc.set_nowait(9)
        await t2
        with pytest.raises(corral.InvalidArgument):
            await acc.get(predicate=5)

    run_v(main())
    assert got == [4, 9]


def test_accessor_set_is_a_checkpoint_and_honours_cancel():
    async def main():
        acc = corral.accessor("a")
        corral.current_task().cancel()
        with pytest.raises(corral.Cancelled):
            await acc.set("b")
        return acc.value

    assert run_v(main()) == "a"  # nothing was stored


def test_accessor_funcs_and_reuse_across_runs():
    box = {"v": 1}
    acc = corral.accessor(funcs=(lambda: box["v"], lambda v: box.__setitem__("v", v)))
    assert acc.value == 1 and acc.version == 0

    async def main():
        async def w():
            await corral.sleep(MS)
            await acc.set(2)

        corral.spawn(w)
        return await acc.get(predicate=lambda v: v == 2)

    assert run_v(main()) == 2
    assert box["v"] == 2
    acc.set_nowait(3)  # outside a run: just stores
    assert run_v(main()) == 2  # a new run gets a new watch cell
    with pytest.raises(TypeError):
        corral.accessor(funcs=(1,))
    with pytest.raises(corral.InvalidArgument):
        corral.accessor(funcs=(1, 2))


def test_condition_property():
    class Sensor:
        def __init__(self):
            self._level = 0

        @corral.condition_property
        def level(self):
            """The level."""
            return self._level

        @level.setter
        def level(self, value):
            self._level = value

    log = []

    async def watcher(s):
        log.append(await s.level.get(predicate=lambda v: v >= 3))

    async def main():
        s = Sensor()
        assert s.level is s.level and s.level.value == 0
        with pytest.raises(AttributeError):
            s.level = 5
        t = corral.spawn(watcher, s)
        for i in range(1, 5):
            await corral.sleep(MS)
            await s.level.set(i)
        await t
        assert Sensor.level.__doc__ == "The level."
        other = Sensor()
        assert other.level is not s.level and other.level.value == 0

    run_v(main())
    assert log == [3]


def test_condition_property_without_setter():
    class Ro:
        @corral.condition_property
        def x(self):
            return 1

    async def main():
        with pytest.raises(AttributeError):
            await Ro().x.set(2)

    run_v(main())


# ---- awaitable_predicate --------------------------------------------------------------------------

def test_awaitable_predicate_timeout_does_not_poison_later_waits():
    state = {"n": 0}

    async def bump(p, times):
        for _ in range(times):
            await corral.sleep(MS)
            async with p.condition:
                state["n"] += 1
                p.condition.notify_all()

    async def main():
        p = corral.awaitable_predicate(lambda: state["n"] >= 2, timeout=3 * MS)
        assert not p
        with pytest.raises(corral.Timeout):
            await p  # nobody notifies: times out
        with pytest.raises(TimeoutError):
            await p
        corral.spawn(bump, p, 2)
        assert await p is True  # fresh wait each time: the timeouts left nothing behind
        assert p
        async with p.condition:  # holding the lock already: waits without re-taking it
            assert await p.wait(timeout=None) is True
        return state["n"]

    assert run_v(main()) == 2


def test_awaitable_predicate_with_a_given_condition_and_bad_input():
    async def main():
        cond = corral.Condition()
        flag = []
        p = corral.awaitable_predicate(lambda: bool(flag), condition=cond)
        assert p.condition is cond

        async def setter():
            await corral.sleep(MS)
            async with cond:
                flag.append(1)
                cond.notify_all()

        corral.spawn(setter)
        await p.wait(timeout=1)
        with pytest.raises(TypeError):
            corral.awaitable_predicate(3)
        with pytest.raises(TypeError):
            corral.awaitable_predicate(lambda: True, condition=corral.Lock())

    run_v(main())


def test_next_reads_the_version_and_the_timeout_at_the_await():
    # as every blocking call (R37): a call made now and awaited later counts from the await
    async def main():
        w = corral.Watch(0)
        call = w.next(timeout=0.002)  # made at version 0, time 0
        w.set(1)                      # version 1 before the await
        await corral.sleep(0.001)
        try:
            await call                # waits for a version newer than 1: none comes
        except corral.Timeout:
            return round(corral.now() * 1000)

    assert run_v(main()) == 3
