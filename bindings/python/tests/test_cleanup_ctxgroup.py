"""corral.actxgroup / AsyncContextGroup: concurrent enter and exit (R69, R67, R66)."""

import pytest

import corral
from conftest import run_v

MS = 0.001


class CM:
    """An async CM with a delay and an optional failure on each side; records its calls."""

    def __init__(self, name, log, *, enter_delay=0, enter_error=None, exit_delay=0,
                 exit_error=None, suppress=False):
        self.name, self.log = name, log
        self.enter_delay, self.enter_error = enter_delay, enter_error
        self.exit_delay, self.exit_error = exit_delay, exit_error
        self.suppress = suppress
        self.exited_with = "never"

    async def __aenter__(self):
        await corral.sleep(self.enter_delay)
        if self.enter_error is not None:
            raise self.enter_error
        self.log.append("enter " + self.name)
        return self.name

    async def __aexit__(self, et, ev, tb):
        self.exited_with = ev
        await corral.sleep(self.exit_delay)
        if self.exit_error is not None:
            raise self.exit_error
        self.log.append("exit " + self.name)
        return self.suppress


def test_enters_and_exits_concurrently_values_in_input_order():
    log = []
    cms = [CM("a", log, enter_delay=3 * MS, exit_delay=3 * MS),
           CM("b", log, enter_delay=1 * MS, exit_delay=1 * MS)]

    async def main():
        g = corral.actxgroup(cms)
        async with g as values:
            log.append(f"body {values} at {round(corral.now() / MS)}")
        log.append(f"after at {round(corral.now() / MS)}")
        return g.exit_states()

    assert run_v(main()) == [None, None]
    # concurrent: 3 ms to enter both and 3 ms to exit both, not 4 + 4
    assert log == ["enter b", "enter a", "body ['a', 'b'] at 3", "exit b", "exit a",
                   "after at 6"]


def test_child_tasks_are_named_by_prefix_and_1_based_index():
    lines = []

    async def main():
        async with corral.actxgroup([CM("a", []), CM("b", [])]):
            pass
        async with corral.actxgroup([CM("c", [])], enter_prefix="in", exit_prefix="out"):
            pass

    run_v(main(), trace=lines.append)
    assert lines[:6] == ["0 enter1 done a", "0 enter2 done b", "0 exit1 done", "0 exit2 done",
                         "0 in1 done c", "0 out1 done"]


def test_exits_see_the_bodys_error_which_propagates_even_if_an_exit_suppresses():
    log = []
    greedy = CM("greedy", log, suppress=True)
    err = KeyError("body")

    async def main():
        with pytest.raises(KeyError) as info:
            async with corral.actxgroup([greedy]):
                raise err
        return info.value

    assert run_v(main()) is err
    assert greedy.exited_with is err


def test_strict_enter_failure_skips_the_body_exits_only_the_entered_and_raises_in_input_order():
    log = []
    entered = CM("ok", log)
    slow = CM("slow", log, enter_delay=5 * MS)  # cancelled: not an error, never exited
    late_fail = CM("late", log, enter_delay=2 * MS, enter_error=KeyError("late"))
    early_fail = CM("early", log, enter_delay=1 * MS, enter_error=ValueError("early"))
    both = CM("both", log, enter_delay=1 * MS, enter_error=ValueError("both"))

    async def main():
        with pytest.raises(corral.ErrorGroup) as info:
            async with corral.actxgroup([entered, slow, late_fail, both, early_fail]):
                log.append("body")
        return info.value, round(corral.now() / MS), corral.unhandled_count()

    eg, now, unhandled = run_v(main())
    # the two failing at 1 ms, in input order; the later enters were cancelled at 1 ms
    assert [str(e) for e in eg.exceptions] == ["both", "early"]
    assert now == 1 and unhandled == 0
    assert log == ["enter ok", "exit ok"]
    # the body never ran: the entered manager's exit sees the enter errors in flight
    assert entered.exited_with is eg
    for cm in (slow, late_fail, both, early_fail):
        assert cm.exited_with == "never"


def test_return_exceptions_runs_the_body_with_errors_in_place():
    log = []
    err = ValueError("bad")
    cms = [CM("a", log, enter_delay=2 * MS), CM("b", log, enter_error=err), CM("c", log)]

    async def main():
        g = corral.actxgroup(cms, return_exceptions=True)
        async with g as values:
            log.append("body")
            assert values == ["a", err, "c"]
        return g.exit_states()

    assert run_v(main()) == [None, None, None]
    assert cms[1].exited_with == "never"
    assert log == ["enter c", "enter a", "body", "exit a", "exit c"]


def test_a_failing_exit_does_not_stop_the_others_and_is_raised_and_recorded():
    log = []
    boom = ValueError("x2")
    cms = [CM("a", log, exit_delay=2 * MS), CM("b", log, exit_delay=1 * MS, exit_error=boom),
           CM("c", log)]

    async def main():
        g = corral.actxgroup(cms)
        with pytest.raises(corral.ErrorGroup) as info:
            async with g:
                pass
        return info.value, g.exit_states(), corral.unhandled_count()

    eg, states, unhandled = run_v(main())
    assert list(eg.exceptions) == [boom] and eg.__context__ is None
    assert states == [None, boom, None]
    assert unhandled == 0  # the error was delivered, not reported
    assert log == ["enter a", "enter b", "enter c", "exit c", "exit a"]


def test_exit_errors_carry_the_bodys_error_as_context():
    body_err = KeyError("body")

    async def main():
        with pytest.raises(corral.ErrorGroup) as info:
            async with corral.actxgroup([CM("a", [], exit_error=ValueError("exit"))]):
                raise body_err
        return info.value

    assert run_v(main()).__context__ is body_err


def test_exits_are_shielded_when_the_task_is_cancelled():
    log = []
    cms = [CM("a", log, exit_delay=5 * MS), CM("b", log, exit_delay=3 * MS)]

    async def body():
        async with corral.actxgroup(cms):
            await corral.sleep(1)

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t
        return round(corral.now() / MS)

    assert run_v(main()) == 6
    assert log == ["enter a", "enter b", "exit b", "exit a"]
    assert all(isinstance(cm.exited_with, corral.Cancelled) for cm in cms)


def test_cancelled_while_entering_exits_the_entered_ones_and_stays_cancelled():
    log = []
    fast, slow = CM("fast", log), CM("slow", log, enter_delay=10 * MS)

    async def body():
        async with corral.actxgroup([fast, slow]):
            log.append("body")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(2 * MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["enter fast", "exit fast"]
    assert isinstance(fast.exited_with, corral.Cancelled) and slow.exited_with == "never"


def test_an_exit_cut_by_the_grace_is_recorded_not_raised():
    lines = []
    slow = CM("slow", [], exit_delay=1)

    async def body():
        g = corral.actxgroup([slow, CM("quick", [])])
        async with g:
            pass
        return g.exit_states()

    async def main():
        async with corral.TaskGroup(cleanup_timeout=4 * MS) as tg:
            t = tg.spawn(body, name="A")
        return await t

    states = run_v(main(), trace=lines.append)
    assert isinstance(states[0], corral.TaskCancelled) and states[1] is None
    assert "4 root handler A CleanupTimeout" in lines
    assert "4 exit1 cancelled" in lines


def test_add_and_reuse():
    log = []

    async def main():
        g = corral.AsyncContextGroup()
        g.add(CM("a", log))
        with pytest.raises(TypeError):
            g.add(object())
        async with g as values:
            assert values == ["a"]
            with pytest.raises(corral.InvalidState):
                g.add(CM("late", log))
        with pytest.raises(corral.InvalidState):
            async with g:
                pass

    run_v(main())
    assert corral.actxgroup is corral.AsyncContextGroup


def test_bad_input():
    with pytest.raises(TypeError):
        corral.actxgroup([object()])
    with pytest.raises(TypeError):
        corral.actxgroup([], enter_prefix=1)

    async def main():
        with pytest.raises(corral.InvalidState):
            await corral.actxgroup([]).__aexit__(None, None, None)
        async with corral.actxgroup([]) as values:  # an empty group is fine
            assert values == []

    run_v(main())


def test_an_exit_error_beats_a_cancellation_which_is_redelivered():
    log = []

    async def body():
        try:
            async with corral.actxgroup([CM("a", [], exit_error=ValueError("exit"))]):
                await corral.sleep(1)
        except corral.ErrorGroup as eg:
            log.append(f"caught {[str(e) for e in eg.exceptions]}")
            assert eg.__context__ is None  # a Cancelled is never attached as a context
        await corral.checkpoint()  # the cancellation is still pending (R24)
        log.append("unreachable")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["caught ['exit']"]


# -- review fixes: exit while entering, late enters, Cancelled as context ----------------------

def test_an_exit_while_the_enter_is_in_progress_is_invalid_state_and_changes_nothing():
    log = []
    cm = CM("a", log, enter_delay=5 * MS)

    async def main():
        g = corral.actxgroup([cm])

        async def other():
            await corral.sleep(MS)
            with pytest.raises(corral.InvalidState) as info:
                await g.__aexit__(None, None, None)
            log.append(f"other: {info.value} at {round(corral.now() / MS)}")

        corral.spawn(other, name="B")
        async with g as values:  # the real exit, later, works as usual
            log.append(f"body {values} at {round(corral.now() / MS)}")
        with pytest.raises(corral.InvalidState):  # a second exit is still refused
            await g.__aexit__(None, None, None)
        return g.exit_states()

    assert run_v(main()) == [None]
    assert log == ["other: actxgroup exited while its enter is in progress at 1",
                   "enter a", "body ['a'] at 5", "exit a"]
    assert cm.exited_with is None


def test_an_enter_that_completes_while_the_group_is_cancelled_is_exited():
    lines = []

    class Shielded:
        async def __aenter__(self):
            with corral.shield():
                await corral.sleep(3 * MS)
            corral.log("cm1 entered")
            return "v1"

        async def __aexit__(self, et, ev, tb):
            corral.log("cm1 exited " + type(ev).__name__)

    async def body():
        g = corral.actxgroup([Shielded(), CM("slow", [], enter_delay=10 * MS)])
        try:
            async with g:
                corral.log("body")
        finally:
            corral.log(f"states {g.exit_states()}")

    async def main():
        a = corral.spawn(body, name="A")
        await corral.sleep(MS)
        a.cancel()
        with pytest.raises(corral.TaskCancelled):
            await a

    run_v(main(), trace=lines.append)
    assert lines[:6] == ["1 enter2 cancelled", "3 enter1 log cm1 entered", "3 enter1 done v1",
                         "3 exit1 log cm1 exited Cancelled", "3 exit1 done",
                         "3 A log states [None, None]"]


def test_an_exit_error_replacing_a_cancellation_while_entering_has_no_context():
    async def body():
        try:
            async with corral.actxgroup([CM("a", [], exit_error=ValueError("exit")),
                                         CM("b", [], enter_delay=10 * MS)]):
                pass
        except corral.ErrorGroup as eg:
            return eg

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        return await t  # body returns before its next checkpoint: the task completes

    eg = run_v(main())
    assert [str(e) for e in eg.exceptions] == ["exit"]
    assert eg.__context__ is None  # a Cancelled is never attached as a context


def test_an_exit_error_group_traces_its_members_contexts_as_the_core_does():
    # differential test, round 3: the group's text is "[Kind:msg <- Ctx:msg]" in every
    # language (the core builds it so for its own groups)
    lines = []

    @corral.asynccontextmanager
    async def translating():
        try:
            yield 1
        except ValueError:
            raise KeyError("x")  # R68: another error, the thrown one as its context

    async def body():
        async with corral.actxgroup([translating()]):
            raise ValueError("b")

    async def main():
        t = corral.spawn(body, name="A")
        try:
            await t
        except corral.ErrorGroup:
            pass

    run_v(main(), trace=lines.append)
    assert "0 A fail ErrorGroup:[KeyError:'x' <- ValueError:b] <- ValueError:b" in lines
