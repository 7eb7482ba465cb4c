"""corral.open_nursery, the trio-style preset (R49, R53, R28): start_soon, cancel_scope."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _sleep(delay, log=None, tag=""):
    try:
        await corral.sleep(delay)
    except corral.Cancelled:
        if log is not None:
            log.append(tag + " cancelled")
        raise


def test_cancel_scope_cancels_body_and_members_and_exit_absorbs_it():
    log = []

    async def main():
        async with corral.open_nursery() as n:
            n.start_soon(_sleep, 1, log, "A")
            assert not n.cancel_scope.cancel_called
            n.cancel_scope.cancel()
            assert n.is_open  # cancelling the scope does not close the nursery (R44)
            n.start_soon(_sleep, 1, log, "B")
            try:
                await corral.sleep(1)
            except corral.Cancelled:
                log.append("body cancelled")
                raise
        scope = n.cancel_scope
        return scope.cancel_called, scope.cancelled_caught, scope.cause

    assert run_v(main()) == (True, True, "EXPLICIT")
    assert log == ["body cancelled", "A cancelled", "B cancelled"]


def test_member_failure_raises_error_group():
    async def fail():
        await corral.sleep(MS)
        raise ValueError("m")

    async def main():
        with pytest.raises(corral.ErrorGroup) as ei:
            async with corral.open_nursery() as n:
                n.start_soon(fail)
                await corral.sleep(1)
        return [str(e) for e in ei.value.exceptions], n.cancel_scope.cause

    assert run_v(main()) == (["m"], "FAIL_FAST")


def test_cancel_scope_deadline():
    async def main():
        async with corral.open_nursery() as n:
            n.cancel_scope.deadline = corral.now() + 5 * MS
            n.start_soon(_sleep, 1)
            await corral.sleep(1)
        return corral.now(), n.cancel_scope.cancelled_caught

    now, caught = run_v(main())
    assert now == pytest.approx(5 * MS) and caught


def test_nursery_use_after_exit():
    async def main():
        async with corral.open_nursery("N") as n:
            pass
        n.cancel_scope.cancel()  # no-op once exited (trio)
        with pytest.raises(corral.GroupClosed):
            n.start_soon(_sleep, 1)
        with pytest.raises(corral.InvalidState):
            async with n:
                pass
        with pytest.raises(corral.InvalidState):
            n.cancel_scope.deadline = 1.0
        return n.cancel_scope.cancel_called, n.name

    assert run_v(main()) == (False, "N")


def test_start_soon_non_callable_is_type_error():
    async def main():
        async with corral.open_nursery() as n:
            with pytest.raises(TypeError):
                n.start_soon(3)

    run_v(main())
