"""examples/resource_pool.py runs and prints what its docstring promises."""

import os
import subprocess
import sys
from pathlib import Path

import corral

PKG = str(Path(corral.__file__).resolve().parents[1])
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "resource_pool.py"


def test_resource_pool_example_closes_every_member_on_cancellation():
    env = dict(os.environ, PYTHONPATH=PKG)
    r = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    # opened concurrently: all three at 2 ms
    assert [ln for ln in lines if ln.endswith(" open")] == [
        "2 open1 log c1 open", "2 open2 log c2 open", "2 open3 log c3 open"]
    assert [ln for ln in lines if "cancelled" in ln] == [f"10 w{i} cancelled" for i in (1, 2, 3, 4)]
    # the cancelled queries gave their connections back before the pool closed
    assert "10 main log pool closing, 3 of 3 connections idle" in lines
    # every member closed, concurrently, although the task was cancelled
    for i in (1, 2, 3):
        assert f"13 close{i} log c{i} closed after 2 queries" in lines
        assert f"13 close{i} done" in lines
    assert "13 main log deadline caught=true" in lines
