"""corral.Supervisor and corral.TaskScope, the aiotools presets (R52, R55, R49 JOIN)."""

import pytest

import corral
from conftest import run_v

MS = 0.001


async def _fail(msg="x", delay=MS):
    await corral.sleep(delay)
    raise ValueError(msg)


async def _finish(delay, value):
    await corral.sleep(delay)
    return value


def test_member_failure_leaves_siblings_and_body_running():
    lines = []

    async def main():
        async with corral.Supervisor() as sv:
            a = sv.spawn(_fail, name="A")
            b = sv.spawn(_finish, 10 * MS, "b", name="B")
            await corral.sleep(5 * MS)
            corral.log("body still running")
        return b.result(), isinstance(a.exception(), ValueError), corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == ("b", True, 1)
    assert lines.index("1 root handler A ValueError:x") < lines.index("5 main log body still running")


def test_exception_cb_gets_member_failures():
    seen = []

    async def main():
        async with corral.Supervisor(exception_cb=lambda e, t: seen.append((str(e), t.name))) as sv:
            sv.spawn(_fail, "a", name="A")
            sv.spawn(_fail, "b", 2 * MS, name="B")
        return corral.unhandled_count()

    assert run_v(main()) == 0
    assert seen == [("a", "A"), ("b", "B")]


def test_raising_exception_cb_goes_to_the_enclosing_chain():
    lines = []

    def cb(e, t):
        raise RuntimeError("cb")

    async def main():
        async with corral.Supervisor("SV") as sv:
            sv.exception_cb = cb
            sv.spawn(_fail, name="A")
        return corral.unhandled_count()

    assert run_v(main(), trace=lines.append) == 1
    assert "1 SV handler A ValueError:x" in lines
    assert "1 root handler A RuntimeError:cb <- ValueError:x" in lines


def test_body_error_cancels_members_and_propagates_unwrapped():
    err = KeyError("body")

    async def main():
        with pytest.raises(KeyError) as ei:
            async with corral.Supervisor() as sv:
                t = sv.spawn(_finish, 1, "never")
                await corral.sleep(MS)
                raise err
        return ei.value is err, t.cancelled()

    assert run_v(main()) == (True, True)


def test_supervisor_misuse():
    async def main():
        sv = corral.Supervisor()
        with pytest.raises(corral.InvalidState):
            sv.spawn(_fail)
        async with sv:
            with pytest.raises(TypeError):
                sv.spawn(None)
        with pytest.raises(corral.GroupClosed):
            sv.spawn(_fail)
        with pytest.raises(corral.InvalidState):
            async with sv:
                pass
        with pytest.raises(TypeError):
            corral.Supervisor(exception_cb="not callable")

    run_v(main())


def test_task_scope_timeout_cancels_and_raises_timeout():
    async def main():
        with pytest.raises(corral.Timeout):
            async with corral.TaskScope(timeout=10 * MS) as ts:
                t = ts.spawn(_finish, 1, "never")
                await corral.sleep(1)
        return t.cancelled(), corral.now()

    cancelled, now = run_v(main())
    assert cancelled and now == pytest.approx(10 * MS)


def test_task_scope_shield_defers_outer_cancellation():
    log = []

    async def main():
        with corral.move_on_after(5 * MS) as outer:
            async with corral.TaskScope(shield=True) as ts:
                ts.spawn(_finish, 10 * MS, "m")
                await corral.sleep(20 * MS)
                log.append(corral.now())
            await corral.checkpoint()
            log.append("unreachable")
        return outer.cancelled_caught

    assert run_v(main()) is True
    assert log == [pytest.approx(20 * MS)]


def test_task_scope_default_is_a_supervisor():
    async def main():
        async with corral.TaskScope() as ts:
            a = ts.spawn(_fail)
            b = ts.spawn(_finish, 2 * MS, 2)
        return a.done(), b.result(), isinstance(ts, corral.Supervisor)

    assert run_v(main()) == (True, 2, True)
