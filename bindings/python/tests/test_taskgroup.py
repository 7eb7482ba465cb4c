"""corral.TaskGroup: the scoped fail-fast group (R42, R49, R53, R54)."""

import pytest

import corral
from conftest import run_v

MS = 0.001


def test_join_waits_for_members():
    async def child(n):
        await corral.sleep(n * MS)
        return n

    async def main():
        async with corral.TaskGroup() as tg:
            a = tg.spawn(child, 10, name="A")
            b = tg.spawn(child(5))
        assert a.done() and b.done() and a.result() == 10 and b.result() == 5
        assert a.name == "A"
        return corral.now()

    assert run_v(main()) == pytest.approx(10 * MS)


def test_member_failure_is_error_group_of_original_exceptions():
    boom = ValueError("a")
    seen = []

    async def fail():
        await corral.sleep(10 * MS)
        raise boom

    async def slow():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            seen.append("slow cancelled")
            raise

    async def main():
        with pytest.raises(corral.ErrorGroup) as ei:
            async with corral.TaskGroup() as tg:
                tg.spawn(fail)
                tg.spawn(slow)
                try:
                    await corral.sleep(1)
                except corral.Cancelled:
                    seen.append("body cancelled")
                    raise
        eg = ei.value
        assert isinstance(eg, ExceptionGroup) and isinstance(eg, corral.Error)
        assert eg.exceptions == (boom,) and eg.exceptions[0] is boom
        assert str(eg).startswith("[ValueError:a]")
        return corral.now()

    assert run_v(main()) == pytest.approx(10 * MS)
    assert seen == ["body cancelled", "slow cancelled"]


def test_two_failures_in_order_and_except_star():
    async def fail(exc):
        await corral.sleep(10 * MS)
        raise exc

    async def main():
        got = []
        try:
            async with corral.TaskGroup() as tg:
                tg.spawn(fail, KeyError("k"))
                tg.spawn(fail, ValueError("v"))
                await corral.sleep(1)
        except* KeyError as g:
            got.append(("key", [type(e) for e in g.exceptions]))
        except* ValueError as g:
            got.append(("value", [type(e) for e in g.exceptions]))
        return got

    assert run_v(main()) == [("key", [KeyError]), ("value", [ValueError])]


def test_body_error_alone_is_an_error_group():
    err = RuntimeError("body")
    cancelled = []

    async def member():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            cancelled.append(True)
            raise

    async def main():
        with pytest.raises(corral.ErrorGroup) as ei:
            async with corral.TaskGroup() as tg:
                tg.spawn(member)
                await corral.sleep(MS)
                raise err
        assert ei.value.exceptions == (err,) and ei.value.exceptions[0] is err
        assert ei.value.__context__ is err

    run_v(main())
    assert cancelled == [True]


def test_body_error_and_member_error_both_kept():
    m_err = ValueError("m")
    b_err = KeyError("b")

    async def member():
        await corral.sleep(MS)
        raise m_err

    async def main():
        with pytest.raises(corral.ErrorGroup) as ei:
            async with corral.TaskGroup() as tg:
                tg.spawn(member)
                try:
                    await corral.sleep(1)
                except corral.Cancelled:
                    raise b_err from None
        assert ei.value.exceptions[0] is m_err
        assert ei.value.exceptions[1] is b_err

    run_v(main())


def test_outer_cancel_cancels_members_and_propagates():
    async def member():
        await corral.sleep(1)

    async def main():
        with corral.move_on_after(10 * MS) as s:
            async with corral.TaskGroup() as tg:
                t = tg.spawn(member)
                await corral.sleep(1)
        assert s.cancelled_caught and t.cancelled()
        return corral.now()

    assert run_v(main()) == pytest.approx(10 * MS)


def test_spawn_in_cancelled_scope():
    log = []

    async def child():
        log.append("start")
        await corral.checkpoint()
        log.append("unreachable")

    async def main():
        with corral.CancelScope() as cs:
            cs.cancel()
            async with corral.TaskGroup() as tg:
                c = tg.spawn(child)
                log.append("body")
        assert cs.cancelled_caught and c.cancelled()

    run_v(main())
    assert log == ["body", "start"]


def test_exit_wait_is_not_abandonable():
    async def member():
        with corral.shield():
            await corral.sleep(20 * MS)
        return "done"

    async def main():
        with corral.move_on_after(5 * MS) as s:
            async with corral.TaskGroup() as tg:
                t = tg.spawn(member)
        assert s.cancelled_caught and t.result() == "done"
        return corral.now()

    assert run_v(main()) == pytest.approx(20 * MS)


def test_spawn_after_exit_and_misuse():
    async def noop():
        pass

    async def main():
        tg = corral.TaskGroup()
        with pytest.raises(corral.InvalidState):
            tg.spawn(noop)
        async with tg:
            pass
        with pytest.raises(corral.GroupClosed):
            tg.spawn(noop)
        with pytest.raises(corral.InvalidState):
            async with tg:
                pass

    run_v(main())


def test_nested_taskgroup_error_group_in_member():
    async def fail():
        await corral.checkpoint()
        raise ValueError("inner")

    async def inner():
        async with corral.TaskGroup() as tg:
            tg.spawn(fail)
            await corral.sleep(1)

    async def main():
        with pytest.raises(corral.ErrorGroup) as ei:
            async with corral.TaskGroup() as tg:
                tg.spawn(inner)
        outer = ei.value
        assert len(outer.exceptions) == 1
        nested = outer.exceptions[0]
        assert isinstance(nested, corral.ErrorGroup)
        assert isinstance(nested.exceptions[0], ValueError)

    run_v(main())


def test_spawn_non_callable_is_type_error():
    async def main():
        async with corral.TaskGroup() as tg:
            with pytest.raises(TypeError):
                tg.spawn(42)
            assert tg.size == 0

    run_v(main())


def test_spawn_into_closing_taskgroup_raises_group_closed_without_calling_fn():
    called = []

    async def fail():
        raise ValueError("x")

    def fn():
        called.append(True)
        return fail()

    async def main():
        with pytest.raises(corral.ErrorGroup):
            async with corral.TaskGroup() as tg:
                tg.spawn(fail)
                try:
                    await corral.sleep(1)
                finally:
                    assert tg.is_closing  # the failure closed it (R53)
                    with pytest.raises(corral.GroupClosed):
                        tg.spawn(fn)

    run_v(main())
    assert called == []


def test_current_taskgroup_inside_and_outside():
    seen = {}

    async def member(key):
        seen[key] = corral.current_taskgroup()

    async def main():
        assert corral.current_taskgroup() is None  # a member of the root group
        async with corral.TaskGroup() as tg:
            assert corral.current_taskgroup() is tg
            async with corral.TaskGroup() as inner:
                assert corral.current_taskgroup() is inner
                inner.spawn(member, "inner")
            assert corral.current_taskgroup() is tg
            tg.spawn(member, "outer")
        assert corral.current_taskgroup() is None
        g = corral.Group()
        await g.spawn(member, "free")
        return tg, inner, g

    tg, inner, g = run_v(main())
    assert seen == {"inner": inner, "outer": tg, "free": g}


def test_current_taskgroup_outside_a_task_is_an_error():
    seen = []

    def cb(f):
        try:
            corral.current_taskgroup()
        except RuntimeError as e:
            seen.append(e)

    async def main():
        f = corral.Future()
        f.add_done_callback(cb)
        f.set_result(1)
        await corral.checkpoint()
        await corral.checkpoint()

    run_v(main())
    assert len(seen) == 1
    with pytest.raises(RuntimeError):
        corral.current_taskgroup()


def test_spawn_with_group_argument_uses_the_groups_spawn():
    async def noop():
        return 1

    async def main():
        async with corral.TaskGroup() as tg:
            t = corral.spawn(noop, group=tg, name="in-tg")
        with pytest.raises(corral.GroupClosed):
            corral.spawn(noop, group=tg)
        with pytest.raises(TypeError):
            corral.spawn(noop, group="not a group")
        return t.result(), t.name

    assert run_v(main()) == (1, "in-tg")


def test_a_task_failing_with_an_error_group_traces_it_as_every_language_does():
    # str(ExceptionGroup) appends " (1 sub-exception)"; the trace carries the group's
    # message only: "ErrorGroup:[ValueError:v]", as C, Lua and Rust print it (R74, R77).
    lines = []

    async def bad():
        raise ValueError("v")

    async def a():
        async with corral.TaskGroup() as tg:
            tg.spawn(bad, name="m")

    async def main():
        t = corral.spawn(a, name="A")
        try:
            await t
        except corral.ErrorGroup:
            pass

    run_v(main(), trace=lines.append)
    assert "0 A fail ErrorGroup:[ValueError:v]" in lines
    assert "0 root handler A ErrorGroup:[ValueError:v]" in lines
