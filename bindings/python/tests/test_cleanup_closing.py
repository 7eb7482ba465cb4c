"""corral.aclosing / corral.closing_async: close on block exit as managed cleanup (R66)."""

import pytest

import corral
from conftest import run_v

MS = 0.001


def test_aclosing_closes_the_generator_and_its_finally_can_await_when_cancelled():
    log = []

    async def numbers():
        try:
            for i in range(100):
                yield i
                await corral.sleep(MS)
        finally:
            await corral.sleep(5 * MS)  # shielded cleanup
            log.append(("closed", round(corral.now() / MS)))

    async def body():
        async with corral.aclosing(numbers()) as it:
            async for i in it:
                log.append(i)
                await corral.sleep(1)  # cancelled here, the generator waits at its yield

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == [0, ("closed", 6)]


def test_closing_async_awaits_close_even_on_error():
    log = []

    class Conn:
        async def close(self):
            await corral.checkpoint()
            log.append("closed")

    async def main():
        with pytest.raises(KeyError):
            async with corral.closing_async(Conn()) as c:
                assert isinstance(c, Conn)
                raise KeyError("body")

    run_v(main())
    assert log == ["closed"]


def test_a_failing_close_propagates_with_the_blocks_error_as_context():
    class Bad:
        async def close(self):
            raise ValueError("close failed")

    async def main():
        with pytest.raises(ValueError) as info:
            async with corral.closing_async(Bad()):
                raise KeyError("body")
        return info.value

    assert isinstance(run_v(main()).__context__, KeyError)


def test_close_grace_expiry_reports_and_keeps_the_outcome():
    lines = []

    class Slow:
        async def close(self):
            await corral.sleep(1)

    async def body():
        async with corral.closing_async(Slow()):
            pass
        return "ok"

    async def main():
        g = corral.Group("G", cleanup_timeout=3 * MS)
        return await g.spawn(body, name="B")

    assert run_v(main(), trace=lines.append) == "ok"
    assert "3 root handler B CleanupTimeout" in lines


def test_objects_without_the_method_are_refused():
    with pytest.raises(TypeError):
        corral.aclosing(object())
    with pytest.raises(TypeError):
        corral.closing_async(object())
