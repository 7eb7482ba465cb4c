"""A queue created in Python, used by C fibers on the same runtime (and back): the
example's C file (examples/cproducer.c) compiled with the system compiler. Skipped when no C
compiler is available; the ctypes-level crossing (C API calls on a Python queue) is tested in
test_queues.py without one."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import corral
from conftest import run_v

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PKG = str(Path(corral.__file__).resolve().parents[1])


def _example():
    spec = importlib.util.spec_from_file_location("cross_language",
                                                  EXAMPLES / "cross_language.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def clib(tmp_path_factory):
    mod = _example()
    try:
        return mod.build(tmp_path_factory.mktemp("cproducer"))
    except RuntimeError as e:
        pytest.skip(str(e))


def test_c_producer_python_consumer(clib):
    lines = []

    async def main():
        q = corral.Queue(2)
        assert clib.cproducer_start(corral.runtime_handle(), q.handle, 7) == 0
        got = []
        async for x in q:
            got.append(x)
        return got

    got = run_v(main(), trace=lines.append)
    assert got == [0, 1.5, b"item-2", 3, 4.5, b"item-5", 6]
    assert "0 cproducer done" in lines


def test_python_to_c_and_back_with_cancellation(clib):
    async def main():
        to_c, from_c = corral.Queue(1), corral.Queue(1)
        assert clib.cdoubler_start(corral.runtime_handle(), to_c.handle, from_c.handle) == 0
        for x in (5, 0.5, b"xy"):
            await to_c.put(x)
        out = [await from_c.get() for _ in range(3)]
        # a Python getter cancelled while parked loses nothing the C side puts later
        g = corral.spawn(from_c.get)
        await corral.checkpoint()
        g.cancel()
        await to_c.put(100)
        out.append(await from_c.get())
        to_c.close()
        with pytest.raises(corral.QueueClosed):
            await from_c.get()  # the C doubler closed its output when its input closed
        return out

    assert run_v(main()) == [10, 1.0, b"xyxy", 200]


def test_example_runs():
    env = dict(os.environ, PYTHONPATH=PKG)
    r = subprocess.run([sys.executable, str(EXAMPLES / "cross_language.py")], env=env,
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 2:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, r.stderr
    assert "from C: [0, 1.5, b'item-2', 3, 4.5, b'item-5', 6, 7.5, b'item-8']" in r.stdout
    assert "doubled by C: [42, 2.5, b'abab', -8]" in r.stdout
