"""race, gather_safe, as_completed_safe (R59, R70, R71, R77): members in a COLLECT group."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _value_after(delay, value, log=None):
    try:
        await corral.sleep(delay)
        return value
    except corral.Cancelled:
        if log is not None:
            log.append(f"{value} cancelled")
        raise


async def _fail_after(delay, msg):
    await corral.sleep(delay)
    raise ValueError(msg)


# -- race ------------------------------------------------------------------------------------

def test_race_first_completion_wins_and_losers_are_awaited():
    log, lines = [], []

    async def main():
        v, errs = await corral.race([_value_after(10 * MS, "a", log),
                                     _value_after(5 * MS, "b", log),
                                     _value_after(20 * MS, "c", log)])
        return v, errs, corral.now()

    assert run_v(main(), trace=lines.append) == ("b", [], pytest.approx(5 * MS))
    assert log == ["a cancelled", "c cancelled"]
    assert "5 race.1 done b" in lines  # helper members are named <helper>.<index>


def test_race_first_failure_is_raised_without_continue_on_error():
    log = []
    err = ValueError("first")

    async def fail():
        await corral.sleep(MS)
        raise err

    async def main():
        with pytest.raises(ValueError) as ei:
            await corral.race([fail(), _value_after(5 * MS, "slow", log)])
        return ei.value is err, corral.unhandled_count()

    assert run_v(main()) == (True, 0)  # a delivered error is not reported (R59)
    assert log == ["slow cancelled"]


def test_race_continue_on_error_collects_errors_before_the_winner():
    async def main():
        v, errs = await corral.race([_fail_after(MS, "x"), _value_after(3 * MS, "w"),
                                     _fail_after(2 * MS, "y")], continue_on_error=True)
        return v, [str(e) for e in errs]

    assert run_v(main()) == ("w", ["x", "y"])


def test_race_all_failing_raises_error_group_in_occurrence_order():
    async def main():
        with pytest.raises(corral.ErrorGroup) as ei:
            await corral.race([_fail_after(3 * MS, "a"), _fail_after(MS, "b")],
                              continue_on_error=True, names=["RA", "RB"])
        return [str(e) for e in ei.value.exceptions]

    assert run_v(main()) == ["b", "a"]


def test_race_empty_is_invalid_argument():
    async def main():
        with pytest.raises(corral.InvalidArgument):
            await corral.race([])
        with pytest.raises(ValueError):  # InvalidArgument is a ValueError (aiotools raises one)
            await corral.race(iter(()))

    run_v(main())


def test_a_shorter_names_list_names_the_first_members():
    # names[i], else "<helper>.<i>" (R77), as in Lua, Rust and C
    async def main():
        r = await corral.gather_safe([_value_after(MS, 1), _value_after(MS, 2)], names=["only"])
        return r

    lines = []
    assert run_v(main(), trace=lines.append) == [1, 2]
    assert "1 only done 1" in lines and "1 gather_safe.1 done 2" in lines


def test_race_bad_input():
    async def main():
        c = _value_after(MS, 1)
        with pytest.raises(TypeError):
            await corral.race([c, 42])
        assert c.cr_frame is None  # the coroutine given was closed, never left pending
        with pytest.raises(corral.InvalidArgument):
            await corral.race([_value_after(MS, 1)], names=["a", "b"])
        with pytest.raises(TypeError):
            await corral.race(5)

    run_v(main())


def test_race_loser_failing_while_cancelled_goes_to_handler_chain():
    lines = []

    async def bad_loser():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            raise KeyError("unwinding")

    async def main():
        v, _ = await corral.race([_value_after(MS, "w"), bad_loser()], names=["W", "L"])
        await corral.checkpoint()
        return v, corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == ("w", 1)
    assert "1 root handler L KeyError:'unwinding'" in lines


def test_race_caller_cancelled_cancels_and_awaits_members():
    log = []

    async def main():
        with corral.move_on_after(2 * MS) as s:
            await corral.race([_value_after(5 * MS, "a", log), _value_after(6 * MS, "b", log)])
        return s.cancelled_caught

    assert run_v(main()) is True
    assert log == ["a cancelled", "b cancelled"]


def test_race_accepts_async_functions():
    async def quick():
        return "q"

    async def main():
        return await corral.race([quick])

    assert run_v(main()) == ("q", [])


# -- gather_safe -----------------------------------------------------------------------------

def test_gather_safe_values_and_errors_in_input_order():
    err = ValueError("y")

    async def y():
        await corral.sleep(3 * MS)
        raise err

    async def main():
        r = await corral.gather_safe([_value_after(5 * MS, 1), y(), _value_after(MS, 3)])
        return r, corral.unhandled_count()

    r, unhandled = run_v(main())
    assert r[0] == 1 and r[1] is err and r[2] == 3 and unhandled == 0


def test_gather_safe_caller_cancelled_cancels_members():
    log = []

    async def main():
        w = corral.spawn(corral.gather_safe, [_value_after(5 * MS, "x", log),
                                              _value_after(MS, "z", log)], name="W")
        await corral.sleep(2 * MS)
        w.cancel()
        with pytest.raises(corral.TaskCancelled):
            await w

    run_v(main())
    assert log == ["x cancelled"]


def test_gather_safe_empty_and_member_names():
    lines = []

    async def main():
        assert await corral.gather_safe([]) == []
        return await corral.gather_safe([_value_after(0, 1)], names=["G1"])

    assert run_v(main(), trace=lines.append) == [1]
    assert "0 G1 done 1" in lines


def test_gather_safe_member_cancelled_elsewhere_is_task_cancelled_value():
    async def main():
        async def cancel_self():
            corral.current_task().cancel()
            await corral.checkpoint()

        r = await corral.gather_safe([cancel_self()])
        return type(r[0])

    assert run_v(main()) is corral.TaskCancelled


def test_current_taskgroup_in_helper_members_is_the_callers():
    async def member():
        return corral.current_taskgroup()

    async def main():
        async with corral.TaskGroup() as tg:
            inside = await corral.gather_safe([member()])
        outside = await corral.gather_safe([member()])
        return inside[0] is tg, outside[0]

    assert run_v(main()) == (True, None)


# -- as_completed_safe -----------------------------------------------------------------------

def test_as_completed_safe_yields_in_completion_order():
    async def main():
        got = []
        async with corral.as_completed_safe([_value_after(3 * MS, "p"),
                                             _value_after(MS, "q"),
                                             _fail_after(2 * MS, "r")]) as it:
            async for t in it:
                try:
                    got.append(await t)
                except ValueError as e:
                    got.append(f"error {e}")
        return got, corral.unhandled_count()

    assert run_v(main()) == (["q", "error r", "p"], 0)


def test_as_completed_safe_break_cancels_and_awaits_the_rest_before_going_on():
    log = []

    async def main():
        async with corral.as_completed_safe([_value_after(10 * MS, "p", log),
                                             _value_after(5 * MS, "q", log)]) as it:
            async for t in it:
                log.append(await t)
                break
        log.append("after")

    run_v(main())
    assert log == ["q", "p cancelled", "after"]


def test_as_completed_safe_error_in_loop_body_cancels_rest_and_propagates():
    log = []

    async def main():
        with pytest.raises(KeyError):
            async with corral.as_completed_safe([_value_after(MS, "a", log),
                                                 _value_after(9 * MS, "b", log)]) as it:
                async for t in it:
                    raise KeyError(await t)

    run_v(main())
    assert log == ["b cancelled"]


def test_as_completed_safe_untaken_failure_goes_to_handler_chain():
    async def main():
        async with corral.as_completed_safe([_value_after(MS, "a"), _fail_after(MS, "b")],
                                            names=["A", "B"]) as it:
            async for t in it:
                break
        await corral.checkpoint()
        return corral.unhandled_count()

    assert run_v(main()) == 1


def test_as_completed_safe_plain_async_for_is_type_error():
    async def main():
        c = _value_after(MS, 1)
        with pytest.raises(TypeError, match="async with"):
            async for _ in corral.as_completed_safe([c]):
                pass
        assert c.cr_frame is None
        it = corral.as_completed_safe([])
        async with it:
            with pytest.raises(corral.InvalidState):
                async with it:
                    pass

    run_v(main())
