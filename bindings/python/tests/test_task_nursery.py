"""corral.TaskNursery, the codestare preset (R52, R66, R67): sentinel, exit callbacks,
registry, escalation."""

import logging

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


def test_exit_callbacks_run_lifo_by_the_sentinel():
    log, lines = [], []

    async def acb(tag):
        await corral.sleep(MS)
        log.append(tag)

    async def main():
        n = corral.TaskNursery("N")
        n.push_callback(log.append, "first pushed")
        n.push_async_callback(acb, tag="async")
        n.push_callback(log.append, "last pushed")
        await corral.sleep(MS)
        await n.aclose()
        return n.sentinel_task.name, n.sentinel_task.done(), n.is_closed

    assert run_v(main(), trace=lines.append) == ("N.sentinel", True, True)
    assert log == ["last pushed", "async", "first pushed"]
    assert lines.index("2 N.sentinel done") + 1 == lines.index("2 N CLOSED")


def test_every_callback_runs_and_the_last_error_wins():
    seen, log = [], []

    def bad(msg):
        raise ValueError(msg)

    async def main():
        n = corral.TaskNursery("N", exception_cb=lambda e, t: seen.append((e, t.name)))
        n.push_callback(bad, "first")
        n.push_callback(log.append, "ran")
        n.push_callback(bad, "last")
        await n.aclose()

    run_v(main())
    assert log == ["ran"]
    [(err, who)] = seen
    assert who == "N.sentinel" and str(err) == "first" and str(err.__context__) == "last"


def test_registry_and_default_names():
    async def member():
        pass

    async def main():
        n = corral.TaskNursery()
        assert corral.TaskNursery.registry[n.name] is n
        assert n.name.startswith("TaskNursery-")
        t = n.create_task(member())
        await t
        await n.aclose()
        return t.name, n.name

    name, key = run_v(main())
    assert name == f"member:{key}"


def test_member_failure_escalates_by_default(caplog):
    log = []

    async def fail():
        await corral.sleep(MS)
        raise ValueError("boom")

    async def main():
        n = corral.TaskNursery("E")
        n.create_task(fail(), name="F")
        n.create_task(_sleep(1, log, "other"), name="O")
        try:
            await corral.sleep(1)
        except corral.Cancelled:
            log.append("main cancelled")
            await n.aclose()
            raise

    lines = []
    with caplog.at_level(logging.ERROR, logger="corral"):
        with pytest.raises(corral.Cancelled):
            run_v(main(), trace=lines.append)
    assert log == ["main cancelled", "other cancelled"]
    assert any("rt run Cancelled(SHUTDOWN)" in line for line in lines), lines
    assert any("TaskNursery E task F" in r.getMessage() for r in caplog.records)


def test_nursery_as_context_manager_and_reuse_after_close():
    log = []

    async def main():
        async with corral.TaskNursery("C") as n:
            n.create_task(_sleep(1, log, "T"), name="T")
            n.push_callback(log.append, "cb")
            await corral.sleep(MS)
        assert n.is_closed
        with pytest.raises(corral.GroupClosed):
            n.create_task(_sleep(1))
        with pytest.raises(corral.GroupClosed):
            n.push_callback(log.append, "late")
        with pytest.raises(corral.GroupClosed):
            async with n:
                pass

    run_v(main())
    assert log == ["cb", "T cancelled"]


def test_non_callable_callback_is_type_error():
    async def main():
        n = corral.TaskNursery()
        with pytest.raises(TypeError):
            n.push_callback(42)
        with pytest.raises(TypeError):
            n.push_async_callback("x")
        with pytest.raises(TypeError):
            corral.TaskNursery(exception_cb=42)
        await n.aclose()

    run_v(main())


def test_nursery_closed_before_its_sentinel_ran_still_runs_callbacks():
    log = []

    async def main():
        n = corral.TaskNursery("Q")
        n.push_callback(log.append, "cb")
        await n.aclose()  # the sentinel has not taken a step yet (R13: it still starts)
        return n.sentinel_task.done()

    assert run_v(main()) is True
    assert log == ["cb"]
