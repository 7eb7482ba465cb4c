"""corral.asynccontextmanager: R68's generator protocol, post-yield part as managed cleanup."""

import pytest

import corral
from conftest import run_v

MS = 0.001


def test_enter_gives_the_yielded_value_and_exit_runs_the_rest():
    log = []

    @corral.asynccontextmanager
    async def cm(x):
        log.append("enter")
        yield x * 2
        log.append("exit")

    async def main():
        async with cm(21) as v:
            log.append(f"body {v}")

    run_v(main())
    assert log == ["enter", "body 42", "exit"]
    assert corral.actxmgr is corral.asynccontextmanager


def test_a_generator_that_never_yields_is_invalid_state():
    @corral.asynccontextmanager
    async def cm():
        if False:
            yield

    async def main():
        with pytest.raises(corral.InvalidState, match="didn't yield"):
            async with cm():
                pass

    run_v(main())


def test_a_generator_that_yields_twice_is_invalid_state_and_is_closed():
    log = []

    @corral.asynccontextmanager
    async def cm():
        try:
            yield 1
            yield 2
        finally:
            log.append("closed")

    async def main():
        with pytest.raises(corral.InvalidState, match="didn't stop"):
            async with cm():
                pass

    run_v(main())
    assert log == ["closed"]


def test_a_generator_that_yields_after_the_throw_is_invalid_state():
    @corral.asynccontextmanager
    async def cm():
        try:
            yield
        except KeyError:
            yield

    async def main():
        with pytest.raises(corral.InvalidState, match="didn't stop after throw") as info:
            async with cm():
                raise KeyError("k")
        return info.value

    err = run_v(main())
    assert isinstance(err.__context__, KeyError)


def test_an_ordinary_error_the_generator_swallows_is_suppressed():
    @corral.asynccontextmanager
    async def cm():
        try:
            yield
        except ValueError:
            pass

    async def main():
        async with cm():
            raise ValueError("v")
        return "suppressed"

    assert run_v(main()) == "suppressed"


def test_an_error_the_generator_lets_through_is_the_same_object():
    err = KeyError("mine")

    @corral.asynccontextmanager
    async def cm():
        yield

    async def main():
        with pytest.raises(KeyError) as info:
            async with cm():
                raise err
        return info.value

    assert run_v(main()) is err


def test_an_exit_that_raises_another_error_propagates_it_with_the_original_as_context():
    @corral.asynccontextmanager
    async def cm():
        try:
            yield
        except KeyError:
            raise ValueError("from exit")

    @corral.asynccontextmanager
    async def raising_on_normal_exit():
        yield
        raise ValueError("normal exit failed")

    async def main():
        with pytest.raises(ValueError, match="from exit") as info:
            async with cm():
                raise KeyError("body")
        assert isinstance(info.value.__context__, KeyError)
        with pytest.raises(ValueError, match="normal exit failed"):
            async with raising_on_normal_exit():
                pass

    run_v(main())


def test_cancelled_is_never_suppressed_and_cleanup_can_await():
    log = []

    @corral.asynccontextmanager
    async def cm():
        try:
            yield
        except corral.Cancelled:
            await corral.sleep(5 * MS)  # shielded: the task is cancelled
            log.append(("saw cancel", round(corral.now() / MS)))
            # returning here would suppress in contextlib

    async def body():
        async with cm():
            await corral.sleep(1)
        log.append("unreachable")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(10 * MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t
        return t.cancelled()

    assert run_v(main()) is True
    assert log == [("saw cancel", 15)]


def test_grace_expiry_in_the_generator_keeps_the_blocks_error():
    lines = []

    @corral.asynccontextmanager
    async def cm():
        try:
            yield
        finally:
            await corral.sleep(1)  # longer than the group's grace

    async def body():
        async with cm():
            raise KeyError("body")

    async def main():
        g = corral.Group("G", cleanup_timeout=4 * MS)
        t = g.spawn(body, name="A")
        with pytest.raises(KeyError):
            await t
        return round(corral.now() / MS)

    assert run_v(main(), trace=lines.append) == 4
    assert "4 root handler A CleanupTimeout" in lines
    assert "4 A fail KeyError:'body'" in lines


def test_works_as_a_decorator_with_a_fresh_generator_per_call():
    log = []

    @corral.asynccontextmanager
    async def traced():
        log.append("in")
        yield
        log.append("out")

    @traced()
    async def work(x):
        log.append(x)

    async def main():
        await work(1)
        await work(2)

    run_v(main())
    assert log == ["in", 1, "out", "in", 2, "out"]


def test_bad_input():
    with pytest.raises(TypeError):
        corral.asynccontextmanager(5)

    @corral.asynccontextmanager
    async def not_a_generator():
        return 1

    with pytest.raises(TypeError):
        not_a_generator()
