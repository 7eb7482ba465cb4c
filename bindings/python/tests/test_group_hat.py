"""corral.Group, the hat.aio preset (R42-R48, R50, R55-R57): wrap, subgroups, both hat
surfaces, log_exceptions, cleanup_timeout, the Resource protocol, misuse."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _sleep_forever():
    await corral.sleep(1)


async def _fail(msg="x", delay=MS):
    await corral.sleep(delay)
    raise ValueError(msg)


def test_wrap_future_ends_with_its_result():
    async def main():
        g = corral.Group("G")
        f = corral.Future()
        w = g.wrap(f, name="WF")
        f.set_result("v")
        assert await w == "v" and w.name == "WF"
        await g.async_close()

    run_v(main())


def test_wrap_future_error_fails_the_wrapper_and_is_reported():
    seen = []
    err = KeyError("k")

    async def main():
        g = corral.Group("G", exception_cb=lambda e, t: seen.append((e, t.name)))
        f = corral.Future()
        w = g.wrap(f, name="WF")
        f.set_exception(err)
        with pytest.raises(KeyError) as ei:
            await w
        assert ei.value is err
        await corral.checkpoint()
        await g.async_close()

    run_v(main())
    assert seen == [(err, "WF")]


def test_wrap_closing_group_cancels_the_future():
    async def main():
        g = corral.Group("G")
        f = corral.Future()
        w = g.wrap(f)
        await corral.checkpoint()
        await g.async_close()
        return f.cancelled(), w.cancelled()

    assert run_v(main()) == (True, True)


def test_wrap_task_is_cancelled_and_awaited_before_the_group_closes():
    lines = []

    async def x():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            with corral.shield():
                await corral.sleep(3 * MS)
            corral.log("x cleaned")
            raise

    async def main():
        g = corral.Group("G")
        t = corral.spawn(x, name="X")
        g.wrap(t, name="WX")
        await corral.sleep(MS)
        await g.async_close()
        corral.log("closed")

    run_v(main(), trace=lines.append)
    assert lines[:lines.index("4 main log closed")] == [
        "1 G CLOSING", "4 X log x cleaned", "4 X cancelled", "4 WX cancelled", "4 G CLOSED"]


def test_wrap_coroutine_becomes_the_member():
    async def work():
        return 5

    async def main():
        g = corral.Group()
        t = g.wrap(work(), name="W")
        return await t, t.name

    assert run_v(main()) == (5, "W")


def test_wrap_non_awaitable_is_type_error():
    async def main():
        g = corral.Group()
        with pytest.raises(TypeError):
            g.wrap(42)
        with pytest.raises(TypeError):
            g.wrap(_sleep_forever)  # a function, not an awaitable
        assert g.size == 0

    run_v(main())


def test_wrap_spawn_and_subgroup_after_close_raise_group_closed():
    called = []

    def fn():
        called.append(True)
        return _sleep_forever()

    async def main():
        g = corral.Group("G")
        g.close()
        with pytest.raises(corral.GroupClosed):
            g.spawn(fn)
        with pytest.raises(corral.GroupClosedError):  # the hat.aio name
            g.wrap(corral.Future())
        with pytest.raises(corral.GroupClosed):
            g.create_subgroup()
        assert g.is_closed

    run_v(main())
    assert called == []  # R44: fn is not called once the group is closing


def test_spawn_non_callable_is_type_error():
    async def main():
        g = corral.Group()
        with pytest.raises(TypeError):
            g.spawn(42)
        with pytest.raises(TypeError):
            corral.Group(exception_cb=42)

    run_v(main())


def test_closed_group_as_context_manager_twice_raises_group_closed():
    async def main():
        g = corral.Group("G")
        async with g:
            g.spawn(_sleep_forever)
        assert g.is_closed
        with pytest.raises(corral.GroupClosed):
            async with g:
                pass

    run_v(main())


def test_entering_a_closing_or_closed_group_or_resource_raises_group_closed_and_runs_no_body():
    # decision (4): async with on a group/resource that is CLOSING or CLOSED raises
    # GroupClosed at entry; the body does not run and the exit does nothing more
    lines, ran = [], []

    async def slow_cleanup():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            with corral.shield():
                await corral.sleep(0.002)
            raise

    class Srv(corral.Resource):
        def __init__(self, name):
            self._g = corral.Group(name)
            self._g.spawn(slow_cleanup, name=name + ".loop")

        @property
        def async_group(self):
            return self._g

    async def main():
        g = corral.Group("G")
        g.spawn(slow_cleanup, name="A")
        r = Srv("R")
        await corral.sleep(0.001)
        g.close()
        r.close()
        assert g.is_closing and not g.is_closed and r.is_closing and not r.is_closed
        for obj in (g, r):
            with pytest.raises(corral.GroupClosed):
                async with obj:
                    ran.append(obj)
        corral.log("entries rejected")
        await g.wait_closed()
        await r.wait_closed()
        for obj in (g, r):
            with pytest.raises(corral.GroupClosed):
                async with obj:
                    ran.append(obj)
        corral.log("done")

    run_v(main(), trace=lines.append)
    assert ran == []
    assert lines == ["1 G CLOSING", "1 R CLOSING", "1 main log entries rejected",
                     "3 A cancelled", "3 G CLOSED", "3 R.loop cancelled", "3 R CLOSED",
                     "3 main log done", "3 main done", "3 rt run"]


def test_subgroup_inherits_exception_cb_unless_overridden():
    seen = []

    async def main():
        g = corral.Group("G", exception_cb=lambda e, t: seen.append(("G", t.name)))
        s = g.create_subgroup("S")
        s2 = g.create_subgroup("S2", exception_cb=lambda e, t: seen.append(("S2", t.name)))
        s.spawn(_fail, name="A")
        s2.spawn(_fail, name="B")
        await corral.sleep(2 * MS)
        assert s.exception_cb is None and s.parent is g
        await g.async_close()
        assert corral.unhandled_count() == 0

    run_v(main())
    assert seen == [("G", "A"), ("S2", "B")]


def test_default_group_failures_reach_the_root_handler(capfd):
    lines = []

    async def main():
        g = corral.Group("G")
        g.spawn(_fail, name="A")
        await corral.sleep(2 * MS)
        return corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == 1
    assert "1 root handler A ValueError:x" in lines
    assert "unhandled error in task A: ValueError: x" in capfd.readouterr().err


def test_log_exceptions_false_keeps_failures_for_joiners_only():
    lines = []

    async def main():
        g = corral.Group("G", log_exceptions=False)
        s = g.create_subgroup("S")  # inherits log_exceptions=False
        t = s.spawn(_fail, name="A")
        with pytest.raises(ValueError):
            await t
        await corral.checkpoint()
        return corral.unhandled_count(), g.log_exceptions, s.log_exceptions

    assert run_v(main(), trace=lines.append) == (0, False, None)
    assert "1 G handler A ValueError:x" in lines
    assert not any("root handler" in x for x in lines)


def test_log_exceptions_true_below_a_quiet_group_reaches_root():
    async def main():
        g = corral.Group("G", log_exceptions=False)
        s = g.create_subgroup("S", log_exceptions=True)
        s.spawn(_fail, name="A")
        await corral.sleep(2 * MS)
        return corral.unhandled_count()

    assert run_v(main()) == 1


def test_hat_positional_surfaces():
    seen = []

    def cb(e, t):
        seen.append(t.name)

    async def main():
        old = corral.Group(cb)  # hat <= 0.6: Group(exception_cb)
        new = corral.Group(False)  # hat 0.7: Group(log_exceptions)
        assert old.exception_cb is cb and old.name is None
        assert new.log_exceptions is False and new.name is None
        old.spawn(_fail, name="A")
        await corral.sleep(2 * MS)
        with pytest.raises(TypeError):
            corral.Group(cb, exception_cb=cb)

    run_v(main())
    assert seen == ["A"]


def test_close_without_cancel_lets_members_finish_and_escalates():
    async def member():
        await corral.sleep(10 * MS)
        return "done"

    async def main():
        g = corral.Group()
        a = g.spawn(member)
        b = g.spawn(_sleep_forever)
        g.close(cancel=False)
        assert g.is_closing and not g.is_closed
        await corral.sleep(20 * MS)
        assert a.result() == "done" and not b.done()
        await g.async_close(cancel=True)
        return b.cancelled()

    assert run_v(main()) is True


def test_cleanup_timeout_is_inherited_and_settable():
    async def main():
        g = corral.Group("G", cleanup_timeout=5 * MS)
        s = g.create_subgroup("S")
        first = (g.cleanup_timeout, s.cleanup_timeout)
        s.cleanup_timeout = 2 * MS
        g.cleanup_timeout = None
        second = (g.cleanup_timeout, s.cleanup_timeout)
        with pytest.raises(corral.InvalidArgument):
            g.cleanup_timeout = -1
        return first, second

    first, second = run_v(main())
    assert first == (pytest.approx(5 * MS), pytest.approx(5 * MS))
    assert second == (None, pytest.approx(2 * MS))


def test_context_manager_exit_grace_expiry_reports_cleanup_timeout():
    lines = []

    async def stubborn():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            with corral.shield():
                await corral.sleep(1)
            raise

    async def main():
        async with corral.Group("G", cleanup_timeout=5 * MS) as g:
            g.spawn(stubborn, name="T")
            await corral.sleep(MS)
        corral.log(f"after closing={g.is_closing} closed={g.is_closed}")
        await corral.checkpoint()
        return corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == 1
    assert "6 main log after closing=True closed=False" in lines
    assert "6 root handler main CleanupTimeout" in lines


def test_resource_forwards_to_its_group():
    class Server(corral.Resource):
        def __init__(self):
            self._g = corral.Group("srv")
            self.task = self._g.spawn(_sleep_forever)

        @property
        def async_group(self):
            return self._g

    async def main():
        async with Server() as srv:
            assert srv.is_open and not srv.is_closing
        assert srv.is_closed and srv.task.cancelled()
        srv2 = Server()
        srv2.close()
        assert srv2.is_closing
        await srv2.wait_closed()
        with pytest.raises(corral.GroupClosed):
            async with srv2:
                pass

    run_v(main())


def test_resource_without_async_group_cannot_be_made():
    class Broken(corral.Resource):
        pass

    with pytest.raises(TypeError):
        Broken()


def test_group_is_its_own_async_group():
    async def main():
        g = corral.Group()
        return g.async_group is g and isinstance(g, corral.Resource)

    assert run_v(main()) is True
