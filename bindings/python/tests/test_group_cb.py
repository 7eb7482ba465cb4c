"""Group exception callbacks (hat.aio exception_cb; HANDLER records, R55-R57)."""

import pytest

import corral

MS = 0.001


def _run(main, **kw):
    return corral.run(main(), clock="virtual", **kw)


def test_cb_gets_original_exception_and_task():
    seen = []
    err = ValueError("x")

    async def bad():
        await corral.sleep(MS)
        raise err

    async def main():
        g = corral.Group("G", exception_cb=lambda e, t: seen.append((e, t)))
        t = g.spawn(bad, name="A")
        with pytest.raises(ValueError):
            await t
        await corral.checkpoint()
        assert corral.unhandled_count() == 0
        await g.async_close()
        return t

    t = _run(main)
    assert len(seen) == 1
    assert seen[0][0] is err
    assert seen[0][1] is t


def test_cb_not_called_for_cancellation():
    seen = []

    async def sleeper():
        await corral.sleep(1)

    async def main():
        g = corral.Group("G", exception_cb=lambda e, t: seen.append(e))
        g.spawn(sleeper)
        await corral.sleep(MS)
        await g.async_close()
        assert corral.unhandled_count() == 0

    _run(main)
    assert seen == []


def test_raising_cb_goes_to_parent_with_context():
    seen = []
    orig = ValueError("x")

    def inner_cb(e, t):
        raise RuntimeError("cb")

    async def bad():
        await corral.sleep(MS)
        raise orig

    async def main():
        outer = corral.Group("O", exception_cb=lambda e, t: seen.append((e, t)))
        inner = outer.create_subgroup("I", exception_cb=inner_cb)
        t = inner.spawn(bad, name="B")
        await corral.sleep(5 * MS)
        assert corral.unhandled_count() == 0
        await outer.async_close()
        return t

    t = _run(main)
    (e, task), = seen
    assert isinstance(e, RuntimeError) and str(e) == "cb"
    assert e.__context__ is orig
    assert task is t


def test_raising_cb_reaches_root_handler():
    lines = []

    def cb(e, t):
        raise RuntimeError("cb")

    async def bad():
        await corral.sleep(MS)
        raise ValueError("x")

    async def main():
        g = corral.Group("G", exception_cb=cb)
        g.spawn(bad, name="B")
        await corral.sleep(5 * MS)
        assert corral.unhandled_count() == 1

    _run(main, trace=lines.append)
    assert any("G handler B ValueError:x" in ln for ln in lines)
    assert any("root handler B RuntimeError:cb <- ValueError:x" in ln for ln in lines)


def test_cb_removed_and_replaced():
    first, second = [], []

    async def bad():
        await corral.sleep(MS)
        raise ValueError("x")

    async def main():
        g = corral.Group("G", exception_cb=lambda e, t: first.append(e))
        g.exception_cb = lambda e, t: second.append(e)
        g.spawn(bad)
        await corral.sleep(2 * MS)
        g.exception_cb = None
        assert g.exception_cb is None
        g.spawn(bad)
        await corral.sleep(2 * MS)
        assert corral.unhandled_count() == 1
        await g.async_close()

    _run(main)
    assert first == [] and len(second) == 1


def test_cb_must_be_callable():
    async def main():
        with pytest.raises(TypeError):
            corral.Group("G", exception_cb=42)

    _run(main)


def test_fatal_from_cb_ends_run():
    async def bad():
        await corral.sleep(MS)
        raise ValueError("x")

    def cb(e, t):
        raise KeyboardInterrupt

    async def main():
        g = corral.Group(exception_cb=cb)
        g.spawn(bad)
        await corral.sleep(1)

    with pytest.raises(KeyboardInterrupt):
        _run(main)


def test_failed_task_map_does_not_grow():
    async def bad():
        raise ValueError("x")

    async def main():
        from corral._core import _runner
        g = corral.Group("G", exception_cb=lambda e, t: None)
        for _ in range(50):
            corral.spawn(bad)  # root group: no HANDLER record names these
            g.spawn(bad)
            await corral.sleep(MS)
        await corral.sleep(MS)
        assert len(_runner()._err_task) <= 4
        await g.async_close()

    _run(main)


def test_log_in_an_exception_callback_names_the_callback_group_dot_cb():
    # differential test, round 3: log() with no actor inside an exception callback is
    # "<group>.cb" (it used to be "rt")
    lines = []

    def cb(exc, task):
        corral.log("seen " + type(exc).__name__)

    async def bad():
        raise ValueError("x")

    async def main():
        g = corral.Group("G", exception_cb=cb)
        g.spawn(bad, name="A")
        await corral.sleep(0.001)
        await g.async_close()

    _run(main, trace=lines.append)
    assert "0 G.cb log seen ValueError" in lines
