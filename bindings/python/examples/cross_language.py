"""A queue shared by Python and C tasks on one corral runtime.

Python creates the queues; C fibers (examples/cproducer.c, compiled here with the system C
compiler and loaded with ctypes) work on the very same queues through their handles:

* ``cproducer`` puts ints, floats and byte strings into a queue a Python task iterates with
  ``async for`` (a C producer, a Python consumer);
* ``cdoubler`` reads what a Python task puts and puts it back doubled (Python -> C -> Python).

Values that cross are INT, DOUBLE and BYTES corral values: Python ints (64-bit), floats and
``bytes`` on this side. Other Python objects travel as tokens only Python can read.

    python3 bindings/python/examples/cross_language.py
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import corral
from corral import _ffi

HERE = Path(__file__).resolve().parent


def build(outdir: Path) -> ctypes.CDLL:
    """Compile cproducer.c against the libcorral this process loaded; load it."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler (cc/gcc) found")
    include = Path(os.environ.get("CORRAL_INCLUDE", HERE.parents[2] / "core" / "include"))
    if not (include / "corral.h").exists():
        raise RuntimeError(f"corral.h not found in {include} (set CORRAL_INCLUDE)")
    lib = Path(_ffi.library_path)
    if lib.exists():  # link the very library the binding loaded (same soname: one copy)
        link = [str(lib.resolve()), f"-Wl,-rpath,{lib.resolve().parent}"]
    else:
        link = ["-lcorral"]
    so = outdir / "libcproducer.so"
    cmd = [cc, "-shared", "-fPIC", "-O2", f"-I{include}", str(HERE / "cproducer.c"), *link,
           "-o", str(so)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"compiling cproducer.c failed:\n{' '.join(cmd)}\n{r.stderr}")
    c = ctypes.CDLL(str(so))
    c.cproducer_start.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    c.cdoubler_start.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    c.cproducer_start.restype = c.cdoubler_start.restype = ctypes.c_int
    return c


def check(rc: int) -> None:
    if rc < 0:
        raise corral._errors.from_code(rc)


async def main(c: ctypes.CDLL) -> None:
    # C producer -> Python consumer. The handles are read right before the C calls (reading
    # them submits the awaits the driver has queued, so C sees the current state).
    q = corral.Queue(4)
    check(c.cproducer_start(corral.runtime_handle(), q.handle, 9))
    items = [x async for x in q]  # ends when cproducer closes the queue
    print("from C:", items)

    # Python -> C -> Python
    to_c, from_c = corral.Queue(2), corral.Channel()

    async def feed() -> None:
        for x in (21, 1.25, b"ab", -4):
            await to_c.put(x)
        to_c.close()

    check(c.cdoubler_start(corral.runtime_handle(), to_c.handle, from_c.handle))
    corral.spawn(feed, name="feed")
    print("doubled by C:", [x async for x in from_c])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        try:
            lib = build(Path(d))
        except RuntimeError as e:
            print(f"cross_language: {e}", file=sys.stderr)
            sys.exit(2)
        corral.run(main(lib))
