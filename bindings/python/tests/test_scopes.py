"""Cancel scopes, deadlines, shields, uncancellable."""

import math

import pytest

import corral
from conftest import run_v

MS = 0.001


def test_move_on_after():
    async def main():
        with corral.move_on_after(10 * MS) as s:
            await corral.sleep(5 * MS)
            await corral.sleep(20 * MS)
            pytest.fail("unreachable")
        assert s.cancelled_caught and s.cancel_called and s.cause == "DEADLINE"
        assert s.deadline == pytest.approx(10 * MS)
        return corral.now()

    assert run_v(main()) == pytest.approx(10 * MS)


def test_move_on_not_expired():
    async def main():
        with corral.move_on_after(1) as s:
            await corral.sleep(MS)
        assert not s.cancelled_caught and not s.cancel_called and s.cause == "NONE"

    run_v(main())


def test_fail_after_raises_timeout_with_context():
    async def main():
        with pytest.raises(corral.Timeout) as ei:
            with corral.fail_after(MS):
                await corral.sleep(1)
        assert isinstance(ei.value, TimeoutError)
        assert isinstance(ei.value.__context__, corral.Cancelled)
        with pytest.raises(corral.Timeout):
            with corral.fail_at(corral.now() + MS):
                await corral.sleep(1)

    run_v(main())


def test_explicit_cancel_of_fail_scope_moves_on():
    async def main():
        with corral.fail_after(1) as s:
            s.cancel()
            await corral.checkpoint()
        assert s.cancelled_caught and s.cause == "EXPLICIT"

    run_v(main())


def test_nested_outermost_wins():
    async def main():
        with corral.move_on_at(10 * MS) as outer:
            with corral.fail_at(10 * MS) as inner:
                await corral.sleep(1)
        assert outer.cancelled_caught and not inner.cancelled_caught

    run_v(main())


def test_past_deadline_checkpoint_free_body():
    async def main():
        with corral.fail_after(0) as s:
            pass
        assert not s.cancelled_caught and s.cancel_called
        with pytest.raises(corral.Timeout):
            with corral.fail_after(0):
                await corral.checkpoint()

    run_v(main())


def test_deadline_property_and_cancel_before_enter():
    async def main():
        s = corral.CancelScope()
        assert s.deadline == math.inf
        s.deadline = 5 * MS
        with s:
            assert s.deadline == pytest.approx(5 * MS)
            s.deadline = 50 * MS  # rescheduled
            await corral.sleep(10 * MS)
            s.deadline = corral.now()  # <= now: cancelled at once
            await corral.checkpoint()
            pytest.fail("unreachable")
        assert s.cancelled_caught and corral.now() == pytest.approx(10 * MS)
        early = corral.move_on_after(1)
        early.cancel()
        assert early.cancel_called
        with early:
            await corral.checkpoint()
        assert early.cancelled_caught
        with pytest.raises(corral.InvalidState):
            with early:  # a scope is entered once
                pass

    run_v(main())


def test_scope_async_with_no_checkpoint():
    async def main():
        async with corral.move_on_after(MS) as s:
            await corral.sleep(1)
        return s.cancelled_caught

    assert run_v(main()) is True


def test_shield_blocks_outer_cancel_then_delivers():
    log = []

    async def child():
        with corral.shield() as sh:
            await corral.sleep(10 * MS)
            log.append("shielded sleep done")
        assert sh.shield
        try:
            await corral.checkpoint()
        except corral.Cancelled:
            log.append("cancelled after shield")
            raise

    async def main():
        t = corral.spawn(child)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["shielded sleep done", "cancelled after shield"]


def test_shield_inner_deadline_still_applies():
    async def main():
        with corral.shield():
            with corral.move_on_after(MS) as inner:
                await corral.sleep(1)
        return inner.cancelled_caught

    assert run_v(main()) is True


@pytest.mark.parametrize("raise_cancel", [True, False])
def test_uncancellable(raise_cancel):
    log = []

    async def work():
        await corral.sleep(20 * MS)
        return "w"

    async def child():
        r = await corral.uncancellable(work(), raise_cancel=raise_cancel)
        log.append(r)
        await corral.sleep(MS)
        log.append("unreachable")

    async def main():
        t = corral.spawn(child)
        await corral.sleep(5 * MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t
        return corral.now()

    assert run_v(main()) == pytest.approx(20 * MS)
    assert log == ([] if raise_cancel else ["w"])


def test_uncancellable_error_beats_cancel_and_task_arg():
    async def bad():
        await corral.sleep(MS)
        raise ValueError("x")

    async def child():
        with pytest.raises(ValueError):
            await corral.uncancellable(bad())
        raise RuntimeError("after")

    async def other():
        await corral.sleep(MS)
        return 3

    async def main():
        t = corral.spawn(child)
        await corral.checkpoint()
        t.cancel()
        with pytest.raises(RuntimeError):
            await t
        o = corral.spawn(other)
        assert await corral.uncancellable(o) == 3

    run_v(main())


def test_scope_misuse():
    async def main():
        s = corral.move_on_after(1)
        with pytest.raises(corral.InvalidState):
            s.__exit__(None, None, None)

    run_v(main())
    with pytest.raises(RuntimeError):
        with corral.move_on_after(1):
            pass


def test_half_a_nanosecond_rounds_up_as_in_every_binding():
    # seconds -> ns is floor(s * 1e9 + 0.5) in every binding (round() would give 1000000)
    async def main():
        await corral.sleep(0.0010000005)
        return corral.now()

    assert run_v(main()) * 1e9 == pytest.approx(1000001, abs=0.01)


def test_a_finite_sleep_past_the_int64_range_saturates_and_wakes():
    async def main():
        await corral.sleep(1e10)  # 1e19 ns: saturates to the largest time, still a timer
        return corral.now()

    assert run_v(main()) == pytest.approx(9223372036.854776)


def test_huge_finite_times_saturate_instead_of_overflowing():
    async def main():
        await corral.sleep(10**400)  # an int no float holds
        with corral.move_on_after(1e300):
            pass
        q = corral.Queue()
        q.put_nowait(1)
        assert await q.get(timeout=1e300) == 1
        return corral.now()

    assert run_v(main()) == pytest.approx(9223372036.854776)
