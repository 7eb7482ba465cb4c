"""R58: KeyboardInterrupt and SystemExit raised by a member are fatal errors: they close and
cancel every group they pass, no exception callback sees them, a scoped group's exit raises
them as themselves, and from a free group they end the run."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _interrupt(exc):
    await corral.sleep(5 * MS)
    raise exc


async def _waiter(log):
    try:
        await corral.sleep(1)
    except corral.Cancelled:
        log.append("waiter cancelled")
        raise


def test_keyboard_interrupt_in_free_group_member_ends_the_run():
    seen, log, lines = [], [], []
    ki = KeyboardInterrupt("stop")

    async def main():
        g = corral.Group("G", exception_cb=lambda e, t: seen.append(e))
        g.spawn(_interrupt, ki, name="K")
        g.spawn(_waiter, log, name="W")
        try:
            await corral.sleep(1)
        finally:
            log.append(f"main unwinds, group closed={g.is_closed}")

    with pytest.raises(KeyboardInterrupt) as ei:
        run_v(main(), trace=lines.append)
    assert ei.value is ki
    assert seen == []  # handlers never see a fatal error
    assert log == ["waiter cancelled", "main unwinds, group closed=True"]
    assert "5 G CLOSING" in lines and not any("handler" in x for x in lines)


def test_system_exit_in_taskgroup_member_is_raised_unwrapped_by_the_exit():
    log = []
    exit_exc = SystemExit(3)

    async def main():
        try:
            async with corral.TaskGroup() as tg:
                tg.spawn(_interrupt, exit_exc)
                tg.spawn(_waiter, log)
                await corral.sleep(1)
        except SystemExit as e:
            return e is exit_exc
        return False

    assert run_v(main()) is True
    assert log == ["waiter cancelled"]


def test_keyboard_interrupt_in_supervisor_member_cancels_it_and_is_raised():
    log = []

    async def main():
        with pytest.raises(KeyboardInterrupt):
            async with corral.Supervisor() as sv:
                sv.spawn(_interrupt, KeyboardInterrupt())
                sv.spawn(_waiter, log)
                await corral.sleep(1)
        return corral.unhandled_count()

    assert run_v(main()) == 0
    assert log == ["waiter cancelled"]


def test_fatal_body_error_of_a_taskgroup_goes_on_unchanged():
    log = []

    async def main():
        try:
            async with corral.TaskGroup() as tg:
                tg.spawn(_waiter, log)
                await corral.sleep(MS)
                raise KeyboardInterrupt("body")
        except KeyboardInterrupt as e:
            return e.args

    assert run_v(main()) == ("body",)
    assert log == ["waiter cancelled"]


def test_fatal_error_in_root_member_ends_the_run_after_cleanup():
    log = []

    async def main():
        corral.spawn(_interrupt, SystemExit(7))
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            with corral.shield():
                await corral.sleep(MS)
            log.append("main cleaned up")
            raise

    with pytest.raises(SystemExit) as ei:
        run_v(main())
    assert ei.value.code == 7 and log == ["main cleaned up"]
