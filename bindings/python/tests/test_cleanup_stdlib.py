"""contextlib's own tools inside corral tasks: they work, without corral's shield (R5, R24)."""

import contextlib

import pytest

import corral
from conftest import run_v

MS = 0.001


def test_contextlib_async_exit_stack_unwinds_lifo_in_a_corral_task():
    log = []

    async def cb(name):
        await corral.checkpoint()
        log.append(name)

    async def main():
        async with contextlib.AsyncExitStack() as st:
            st.push_async_callback(cb, "first")
            st.push_async_callback(cb, "second")
            log.append("body")

    run_v(main())
    assert log == ["body", "second", "first"]


def test_contextlib_cleanup_is_not_shielded():
    log = []

    async def cleanup():
        try:
            await corral.sleep(5 * MS)
            log.append("unreachable")
        except corral.Cancelled:
            log.append("cleanup cancelled")
            raise

    async def body():
        async with contextlib.AsyncExitStack() as st:
            st.push_async_callback(cleanup)
            await corral.sleep(1)

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["cleanup cancelled"]


def test_contextlib_asynccontextmanager_works_and_a_swallowed_cancel_is_redelivered():
    log = []

    @contextlib.asynccontextmanager
    async def swallowing():
        try:
            yield
        except corral.Cancelled:
            log.append("swallowed")  # contextlib suppresses it...

    async def body():
        async with swallowing():
            await corral.sleep(1)
        log.append("after the block")  # ...so this runs (no checkpoint in between)
        await corral.checkpoint()  # ...but the cancellation is level-triggered (R24)
        log.append("unreachable")

    async def main():
        t = corral.spawn(body)
        await corral.sleep(MS)
        t.cancel()
        with pytest.raises(corral.TaskCancelled):
            await t

    run_v(main())
    assert log == ["swallowed", "after the block"]


def test_contextlib_aclosing_closes_an_async_generator():
    log = []

    async def gen():
        try:
            yield 1
            yield 2
        finally:
            log.append("closed")

    async def main():
        async with contextlib.aclosing(gen()) as g:
            async for x in g:
                log.append(x)
                break

    run_v(main())
    assert log == [1, "closed"]
