"""Test set-up: find the C library when CORRAL_LIBRARY is not set and no installed
libcorral.so.0 can be loaded (a build tree of this repository: build-py/, build/, ...)."""

import ctypes
import glob
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _find_library() -> None:
    if os.environ.get("CORRAL_LIBRARY"):
        return
    try:
        ctypes.CDLL("libcorral.so.0")
        return
    except OSError:
        pass
    for pattern in ("build-py/core/libcorral.so.0", "build/core/libcorral.so.0",
                    "build*/core/libcorral.so.0", "_install/lib*/libcorral.so.0"):
        for path in sorted(glob.glob(str(ROOT / pattern))):
            os.environ["CORRAL_LIBRARY"] = path
            return


_find_library()

import corral  # noqa: E402


def run_v(main, *args, **kw):
    """corral.run on the virtual clock (the tests' default)."""
    kw.setdefault("clock", "virtual")
    kw.setdefault("signals", False)
    return corral.run(main, *args, **kw)


@pytest.fixture
def trace_lines():
    lines = []
    return lines


def pytest_report_header(config):
    from corral import _ffi
    return f"corral library: {_ffi.library_path} ({_ffi.version_string}); " \
           f"python {sys.version.split()[0]}"
