"""examples/supervisor_race.py runs and prints what its docstring promises."""

import os
import subprocess
import sys
from pathlib import Path

import corral

PKG = str(Path(corral.__file__).resolve().parents[1])
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "supervisor_race.py"


def test_supervisor_race_example():
    env = dict(os.environ, PYTHONPATH=PKG)
    r = subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "12 flaky#2 log flaky connected" in lines
    assert "15 steady done steady" in lines  # the failures never touched the sibling
    assert "35 m1 cancelled" in lines
    assert "35 main log race: file from m3; errors before the winner: ['m2 unreachable']" in lines
    assert "36 main log checks: db ok, error cache down" in lines
