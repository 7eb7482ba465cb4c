"""corral.PersistentTaskGroup, the aiotools preset (R42, R52, R55): free until entered,
shutdown(), all_persistent_groups()."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _sleep(delay, log=None, tag=""):
    try:
        await corral.sleep(delay)
        return tag
    except corral.Cancelled:
        if log is not None:
            log.append(tag + " cancelled")
        raise


async def _fail():
    await corral.sleep(MS)
    raise ValueError("f")


def test_free_form_outlives_its_spawner_until_shutdown():
    log, lines = [], []

    async def owner(pg):
        pg.spawn(_sleep, 10 * MS, log, "W")

    async def main():
        pg = corral.PersistentTaskGroup(name="P")
        await corral.spawn(owner, pg)  # the spawning task ends; the member keeps running
        await corral.sleep(20 * MS)
        pg.spawn(_sleep, 1, log, "X")
        await corral.sleep(MS)
        await pg.shutdown()
        return pg.is_open

    assert run_v(main(), trace=lines.append) is False
    assert log == ["X cancelled"]
    assert "21 P CLOSING" in lines and "21 P CLOSED" in lines


def test_listing_live_groups():
    async def main():
        a = corral.PersistentTaskGroup(name="A")
        b = corral.PersistentTaskGroup(name="B")
        first = [g.name for g in corral.all_persistent_groups()]
        await a.shutdown()
        second = corral.all_ptaskgroups()  # aiotools' name
        async with b:
            pass
        third = corral.all_persistent_groups()
        return first, [g.name for g in second], third

    assert run_v(main()) == (["A", "B"], ["B"], [])


def test_listing_is_per_run():
    async def leave_one_open():
        corral.PersistentTaskGroup(name="left over")

    async def main():
        return corral.all_persistent_groups()

    run_v(leave_one_open())
    assert run_v(main()) == []
    with pytest.raises(RuntimeError):
        corral.all_persistent_groups()


def test_failures_go_to_exception_cb_and_siblings_run_on():
    seen = []

    async def main():
        pg = corral.PersistentTaskGroup(exception_cb=lambda e, t: seen.append(str(e)))
        pg.spawn(_fail)
        ok = pg.create_task(_sleep(5 * MS, tag="ok"))
        assert await ok == "ok"
        await pg.shutdown()
        return corral.unhandled_count()

    assert run_v(main()) == 0
    assert seen == ["f"]


def test_spawn_after_shutdown_raises_group_closed():
    async def main():
        pg = corral.PersistentTaskGroup()
        pg.spawn(_sleep, 1)
        await pg.shutdown()
        with pytest.raises(corral.GroupClosed):
            pg.spawn(_sleep, 1)
        with pytest.raises(corral.InvalidState):  # used as an object: cannot be entered
            async with pg:
                pass

    run_v(main())


def test_shutdown_of_a_named_group_that_never_had_a_member_traces_closing_and_closed():
    # R43, decision (3): no state is skipped, members or not (C, Lua and Rust make the free
    # group at construction); a second shutdown adds nothing
    lines = []

    async def main():
        pg = corral.PersistentTaskGroup(name="P")
        await corral.sleep(2 * MS)
        await pg.shutdown()
        assert not pg.is_open and pg.size == 0
        assert corral.all_persistent_groups() == []
        with pytest.raises(corral.GroupClosed):
            pg.spawn(_sleep, 1)
        with pytest.raises(corral.InvalidState):  # shut down: cannot be entered
            async with pg:
                pass
        await pg.shutdown()
        corral.log("after")

    run_v(main(), trace=lines.append)
    assert lines == ["2 P CLOSING", "2 P CLOSED", "2 main log after", "2 main done",
                     "2 rt run"]


def test_entered_form_is_scoped_and_shutdown_keeps_it_open():
    log = []

    async def main():
        async with corral.PersistentTaskGroup(name="P") as pg:
            assert corral.current_taskgroup() is pg
            pg.spawn(_sleep, 1, log, "A")
            pg.spawn(_sleep, 1, log, "B")
            await corral.sleep(MS)
            await pg.shutdown()
            assert pg.size == 0 and pg.is_open
            c = pg.spawn(_sleep, 2 * MS, log, "C")
        with pytest.raises(corral.GroupClosed):
            pg.spawn(_sleep, 1)
        with pytest.raises(corral.InvalidState):
            async with pg:
                pass
        return c.result()

    assert run_v(main()) == "C"
    assert log == ["A cancelled", "B cancelled"]


def test_entered_shutdown_cancels_and_joins_members_and_the_group_stays_open():
    # decision (1): the body is not cancelled, no CLOSING before the exit, spawn still works,
    # the exit waits for a member spawned after; a caller cancelled while shutdown() waits
    # gets the cancellation, and the members it cancelled stay cancelled
    lines = []

    async def slow(tag):
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            with corral.shield():
                await corral.sleep(3 * MS)
            corral.log(tag + " cleanup")
            raise

    async def main():
        async with corral.PersistentTaskGroup(name="P") as pg:
            w = pg.spawn(slow, "W", name="W")
            await corral.sleep(MS)
            with corral.move_on_after(MS) as sc:
                await pg.shutdown()
            assert sc.cancelled_caught
            assert pg.is_open and not w.done()
            await pg.shutdown()  # joins W, which stays cancelled
            assert w.cancelled() and pg.is_open and pg.size == 0
            v = pg.spawn(slow, "V", name="V")
            await pg.shutdown()
            corral.log(f"after shutdowns open={pg.is_open}")
            x = pg.spawn(_sleep, 2 * MS, None, "X", name="X")
            corral.log("body end")
        corral.log(f"after exit {x.result()} {v.cancelled()}")

    run_v(main(), trace=lines.append)
    assert lines == ["4 W log W cleanup", "4 W cancelled", "7 V log V cleanup", "7 V cancelled",
                     "7 main log after shutdowns open=True", "7 main log body end", "9 X done X",
                     "9 P CLOSING", "9 P CLOSED", "9 main log after exit X True", "9 main done",
                     "9 rt run"]


def test_entered_form_cancelled_with_its_task():
    log = []

    async def main():
        with corral.move_on_after(5 * MS):
            async with corral.PersistentTaskGroup() as pg:
                pg.spawn(_sleep, 1, log, "A")
                await corral.sleep(1)

    run_v(main())
    assert log == ["A cancelled"]


def test_non_callable_spawn_and_handler():
    async def main():
        pg = corral.PersistentTaskGroup()
        with pytest.raises(TypeError):
            pg.spawn(1)
        with pytest.raises(TypeError):
            pg.exception_cb = 1
        with pytest.raises(TypeError):
            corral.PersistentTaskGroup(exception_cb=1)

    run_v(main())


def test_raising_exception_cb_goes_to_the_root_handler_with_context():
    lines = []

    def cb(e, t):
        raise RuntimeError("handler failed")

    async def main():
        pg = corral.PersistentTaskGroup(name="P", exception_cb=cb)
        pg.spawn(_fail, name="F")
        await corral.sleep(2 * MS)
        await pg.shutdown()
        return corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == 1
    assert "1 P handler F ValueError:f" in lines
    assert "1 root handler F RuntimeError:handler failed <- ValueError:f" in lines
