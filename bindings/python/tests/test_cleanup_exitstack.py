"""corral.ExitStack: contextlib's AsyncExitStack unwound as managed cleanup (R66, R67)."""

import contextlib

import pytest

import corral
from conftest import run_v

MS = 0.001


class Recorder:
    """An async CM that records its enter and exit, and what the exit saw."""

    def __init__(self, name, log, suppress=False):
        self.name, self.log, self.suppress = name, log, suppress
        self.seen = "unset"

    async def __aenter__(self):
        self.log.append("enter " + self.name)
        return self.name

    async def __aexit__(self, et, ev, tb):
        self.seen = ev
        self.log.append("exit " + self.name)
        return self.suppress


class SyncRecorder:
    def __init__(self, name, log):
        self.name, self.log = name, log

    def __enter__(self):
        self.log.append("enter " + self.name)
        return self.name

    def __exit__(self, et, ev, tb):
        self.log.append("exit " + self.name)
        return False


# -- what contextlib does, kept ---------------------------------------------------------------

def test_every_push_method_unwinds_lifo():
    log = []

    async def acb(x):
        await corral.checkpoint()
        log.append("async cb " + x)

    def sync_exit(et, ev, tb):
        log.append("push")

    async def async_exit(et, ev, tb):
        log.append("push_async_exit")

    async def main():
        async with corral.ExitStack() as st:
            assert await st.enter_async_context(Recorder("a", log)) == "a"
            assert st.enter_context(SyncRecorder("s", log)) == "s"
            st.push(sync_exit)
            st.push_async_exit(async_exit)
            st.callback(log.append, "callback")
            st.push_async_callback(acb, "x")
            log.append("body")

    run_v(main())
    assert log == ["enter a", "enter s", "body", "async cb x", "callback", "push_async_exit",
                   "push", "exit s", "exit a"]


def test_corral_exitstack_is_a_contextlib_async_exit_stack():
    assert issubclass(corral.ExitStack, contextlib.AsyncExitStack)
    assert corral.AsyncExitStack is corral.ExitStack


def test_an_async_exit_may_suppress_an_ordinary_error():
    log = []

    async def main():
        async with corral.ExitStack() as st:
            quiet = await st.enter_async_context(Recorder("q", log, suppress=True))
            raise KeyError("body")
        return quiet

    assert run_v(main()) == "q"


def test_callbacks_see_the_error_in_flight_and_the_one_raised_before_them():
    log = []
    first = Recorder("first", log)
    last = Recorder("last", log)

    def raiser():
        raise ValueError("cb")

    async def main():
        with pytest.raises(ValueError, match="cb"):
            async with corral.ExitStack() as st:
                await st.enter_async_context(first)
                st.callback(raiser)
                await st.enter_async_context(last)
                raise KeyError("body")

    run_v(main())
    assert isinstance(last.seen, KeyError)
    assert isinstance(first.seen, ValueError) and isinstance(first.seen.__context__, KeyError)


# -- R67: every callback runs, the last error wins ------------------------------------------

def test_every_callback_runs_and_the_last_error_wins_with_its_context():
    ran = []

    def raiser(name):
        ran.append(name)
        raise ValueError(name)

    async def main():
        async with corral.ExitStack() as st:
            st.callback(raiser, "E1")
            st.callback(raiser, "E2")
            st.callback(raiser, "E3")

    with pytest.raises(ValueError) as info:
        run_v(main())
    assert ran == ["E3", "E2", "E1"]
    e1 = info.value
    assert str(e1) == "E1"
    assert str(e1.__context__) == "E2" and str(e1.__context__.__context__) == "E3"
    assert e1.__context__.__context__.__context__ is None


def test_the_bodys_error_ends_the_chain():
    async def raiser():
        raise ValueError("cleanup")

    async def main():
        async with corral.ExitStack() as st:
            st.push_async_callback(raiser)
            raise KeyError("body")

    with pytest.raises(ValueError) as info:
        run_v(main())
    assert isinstance(info.value.__context__, KeyError)


def test_a_failed_task_traces_the_chain():
    lines = []

    async def raiser(name):
        raise ValueError(name)

    async def body():
        async with corral.ExitStack() as st:
            st.push_async_callback(raiser, "E1")
            st.push_async_callback(raiser, "E2")

    async def main():
        t = corral.spawn(body, name="A")
        with pytest.raises(ValueError):
            await t

    run_v(main(), trace=lines.append)
    assert "0 A fail ValueError:E1 <- ValueError:E2" in lines


def test_traces_follow_cause_and_stop_at_cancelled():
    lines = []

    async def caused():
        try:
            raise KeyError("k")
        except KeyError as e:
            raise ValueError("v") from e

    async def after_cancel():
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            raise ValueError("late")

    async def main():
        a = corral.spawn(caused, name="A")
        b = corral.spawn(after_cancel, name="B")
        await corral.checkpoint()
        b.cancel()
        for t in (a, b):
            with pytest.raises(ValueError):
                await t

    run_v(main(), trace=lines.append)
    assert "0 A fail ValueError:v <- KeyError:'k'" in lines
    assert "0 B fail ValueError:late" in lines


# -- R66: managed cleanup ----------------------------------------------------------------------

def test_callbacks_can_await_while_the_task_is_cancelled():
    log = []

    async def cleanup(name):
        await corral.sleep(5 * MS)
        log.append((name, round(corral.now() / MS)))

    async def body():
        async with corral.ExitStack() as st:
            st.push_async_callback(cleanup, "c1")
            st.push_async_callback(cleanup, "c2")
            await corral.sleep(1)

    async def main():
        t = corral.spawn(body)
        await corral.sleep(10 * MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == [("c2", 15), ("c1", 20)]


def test_a_cancellation_during_cleanup_is_raised_at_the_next_checkpoint():
    log = []

    async def cleanup():
        await corral.sleep(5 * MS)
        log.append("cleanup done")

    async def body():
        st = corral.ExitStack()
        st.push_async_callback(cleanup)
        await st.aclose()  # no error: the cancellation arrives during the cleanup
        log.append("after aclose")
        await corral.checkpoint()
        log.append("unreachable")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(2 * MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["cleanup done", "after aclose"]


def test_an_exit_returning_true_cannot_suppress_cancelled():
    log = []

    async def body():
        async with corral.ExitStack() as st:
            await st.enter_async_context(Recorder("greedy", log, suppress=True))
            await corral.sleep(1)
        log.append("unreachable")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t
        return t.cancelled()

    assert run_v(main()) is True
    assert log == ["enter greedy", "exit greedy"]


def test_grace_expiry_reports_cleanup_timeout_runs_the_rest_and_keeps_the_outcome():
    lines, log = [], []

    async def slow():
        await corral.sleep(20 * MS)
        log.append("unreachable")

    async def after():
        log.append("later callback ran")
        await corral.checkpoint()  # the scope is cancelled: this is cut short
        log.append("unreachable")

    async def body():
        async with corral.ExitStack(cleanup_timeout=5 * MS) as st:
            st.push_async_callback(after)
            st.push_async_callback(slow)
        return "kept"  # the body succeeded: so does the task

    async def main():
        t = corral.spawn(body, name="A")
        value = await t
        return value, round(corral.now() / MS), corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == ("kept", 5, 1)
    assert log == ["later callback ran"]
    assert "5 root handler A CleanupTimeout" in lines


def test_without_its_own_timeout_the_stack_takes_the_groups():
    lines = []

    async def slow():
        await corral.sleep(1)

    async def body():
        async with corral.ExitStack() as st:
            st.push_async_callback(slow)

    async def main():
        async with corral.TaskGroup(cleanup_timeout=3 * MS) as tg:
            tg.spawn(body, name="A")
        return round(corral.now() / MS)

    assert run_v(main(), trace=lines.append) == 3
    assert "3 root handler A CleanupTimeout" in lines


def test_cleanup_timeout_is_checked():
    with pytest.raises(corral.InvalidArgument):
        corral.ExitStack(cleanup_timeout=-1)
    assert corral.ExitStack(cleanup_timeout=2).cleanup_timeout == 2


# -- a closed stack, pop_all, bad input --------------------------------------------------------

def test_closing_a_stack_twice_is_invalid_state():
    async def main():
        st = corral.ExitStack()
        await st.aclose()
        assert st.closed
        with pytest.raises(corral.InvalidState):
            await st.aclose()
        async with corral.ExitStack() as st2:
            pass
        with pytest.raises(corral.InvalidState):
            await st2.aclose()

    run_v(main())


def test_a_closed_stack_accepts_nothing():
    async def main():
        st = corral.ExitStack()
        await st.aclose()
        for push in (lambda: st.callback(print), lambda: st.push_async_callback(print),
                     lambda: st.push(print), lambda: st.push_async_exit(print),
                     lambda: st.enter_context(contextlib.nullcontext()), st.pop_all):
            with pytest.raises(corral.InvalidState):
                push()
        with pytest.raises(corral.InvalidState):
            await st.enter_async_context(contextlib.nullcontext())
        with pytest.raises(corral.InvalidState):
            async with st:
                pass

    run_v(main())


def test_pop_all_moves_callbacks_and_timeout_and_leaves_an_open_empty_stack():
    log = []

    async def main():
        old = corral.ExitStack(cleanup_timeout=7)
        old.callback(log.append, "moved")
        new = old.pop_all()
        assert isinstance(new, corral.ExitStack) and new.cleanup_timeout == 7
        await old.aclose()  # open and empty: runs nothing
        assert log == []
        await new.aclose()
        assert log == ["moved"]

    run_v(main())


def test_a_callback_that_is_not_callable_is_refused_when_pushed():
    async def main():
        st = corral.ExitStack()
        with pytest.raises(TypeError):
            st.callback(42)
        with pytest.raises(TypeError):
            st.push_async_callback("nope")
        with pytest.raises(TypeError):
            st.push(None)
        with pytest.raises(TypeError):
            st.push_async_exit(3.5)
        with pytest.raises(TypeError):
            await st.enter_async_context(object())
        await st.aclose()  # nothing was pushed

    run_v(main())


def test_a_callback_error_beats_a_cancellation_which_is_redelivered():
    log = []

    def raiser():
        raise ValueError("cleanup")

    async def body():
        try:
            async with corral.ExitStack() as st:
                st.callback(raiser)
                await corral.sleep(1)
        except ValueError:
            log.append("caught")
        await corral.checkpoint()  # the cancellation is still pending (R24)
        log.append("unreachable")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["caught"]


# -- review fixes: a stack closed while an enter blocks, Cancelled as context ------------------

class SlowEnter:
    """An async CM whose enter is shielded and takes 5 ms; its exit sleeps ``exit_sleep``."""

    def __init__(self, log, exit_sleep=0, exit_error=None, suppress=False):
        self.log, self.exit_sleep, self.exit_error = log, exit_sleep, exit_error
        self.suppress = suppress
        self.seen = "unset"

    async def __aenter__(self):
        with corral.shield():
            await corral.sleep(5 * MS)
        self.log.append("entered")
        return "v"

    async def __aexit__(self, et, ev, tb):
        self.seen = ev
        await corral.sleep(self.exit_sleep)
        self.log.append(f"exited at {round(corral.now() / MS)}")
        if self.exit_error is not None:
            raise self.exit_error
        return self.suppress


def _close_while_entering(cm, cancel_enterer=False):
    """Task E enters cm on a stack that main closes at 1 ms; returns (E's outcome, stack)."""
    async def main():
        st = corral.ExitStack()

        async def enterer():
            try:
                return await st.enter_async_context(cm)
            except Exception as e:
                return e

        t = corral.spawn(enterer, name="E")
        await corral.sleep(MS)
        await st.aclose()
        if cancel_enterer:
            t.cancel()
        out = await t
        return out, st

    return run_v(main())


def test_a_stack_closed_while_an_enter_blocks_exits_the_manager_and_raises_invalid_state():
    log = []
    cm = SlowEnter(log)
    out, st = _close_while_entering(cm)
    assert isinstance(out, corral.InvalidState)
    assert "closed while" in str(out)
    assert cm.seen is out  # exited at once, with the InvalidState in flight
    assert log == ["entered", "exited at 5"]
    assert len(st._exit_callbacks) == 0  # nothing was pushed onto the closed stack


def test_that_exit_is_managed_cleanup_and_cannot_suppress():
    log = []
    cm = SlowEnter(log, exit_sleep=2 * MS, suppress=True)
    out, st = _close_while_entering(cm, cancel_enterer=True)
    # the task was cancelled while its (shielded) enter ran: the exit still awaits (R66)
    assert isinstance(out, corral.InvalidState)
    assert log == ["entered", "exited at 7"]


def test_an_error_of_that_exit_wins_with_the_invalid_state_as_context():
    log = []
    boom = ValueError("exit")
    out, st = _close_while_entering(SlowEnter(log, exit_error=boom))
    assert out is boom
    assert isinstance(boom.__context__, corral.InvalidState)


def test_a_stack_closed_during_a_sync_enter_exits_the_manager_and_raises_invalid_state():
    log = []

    class Closer:
        """A sync CM whose __enter__ closes the stack (driving aclose() to its end)."""

        def __init__(self, st):
            self.st = st

        def __enter__(self):
            coro = self.st.aclose()
            with pytest.raises(StopIteration):
                coro.send(None)
            log.append("entered")
            return "v"

        def __exit__(self, et, ev, tb):
            log.append(f"exited with {type(ev).__name__}")
            return True  # cannot turn the InvalidState into a success

    class FailingCloser(Closer):
        def __exit__(self, et, ev, tb):
            raise ValueError("exit")

    async def main():
        st = corral.ExitStack()
        with pytest.raises(corral.InvalidState):
            st.enter_context(Closer(st))
        st2 = corral.ExitStack()
        try:
            raise KeyError("handled")  # an exception the caller's frame is handling
        except KeyError:
            with pytest.raises(ValueError) as info:
                st2.enter_context(FailingCloser(st2))
            inv = info.value.__context__
            assert isinstance(inv, corral.InvalidState)  # not after the handled KeyError
        return len(st._exit_callbacks) + len(st2._exit_callbacks)

    assert run_v(main()) == 0
    assert log == ["entered", "exited with InvalidState", "entered"]


def test_a_callback_error_replacing_a_cancellation_has_no_cancelled_context():
    seen = {}

    def first():
        raise KeyError("first")

    def second():
        raise ValueError("second")

    async def body():
        async with corral.ExitStack() as st:
            st.callback(second)
            st.callback(first)
            await corral.sleep(1)

    async def main():
        t = corral.spawn(body, name="A")
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(ValueError) as info:
            await t
        seen["e"] = info.value

    lines = []
    run_v(main(), trace=lines.append)
    e = seen["e"]
    assert isinstance(e.__context__, KeyError)
    assert e.__context__.__context__ is None  # the Cancelled is not attached (R67)
    assert "1 A fail ValueError:second <- KeyError:'first'" in lines


def test_a_deferred_error_replacing_a_cancellation_has_no_cancelled_context():
    @corral.adefer
    async def body(defer):
        defer(lambda: (_ for _ in ()).throw(ValueError("deferred")))
        await corral.sleep(1)

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(ValueError) as info:
            await t
        return info.value

    assert run_v(main()).__context__ is None


def test_invalid_state_names_the_operation():
    async def main():
        st = corral.ExitStack()
        await st.aclose()
        with pytest.raises(corral.InvalidState, match=r"ExitStack\.aclose"):
            await st.aclose()
        with pytest.raises(corral.InvalidState, match=r"ExitStack\.__aexit__"):
            await st.__aexit__(None, None, None)

    run_v(main())
