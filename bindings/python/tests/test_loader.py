"""Library loading, declarations, version check."""

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import corral
from corral import _ffi

PKG = str(Path(corral.__file__).resolve().parents[1])


def _py(code, **env):
    e = dict(os.environ)
    e["PYTHONPATH"] = PKG
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                          timeout=60)


def test_loaded_and_version():
    assert _ffi.version // 10000 == _ffi.ABI_MAJOR
    assert corral.library_version.startswith("0.")
    assert os.path.exists(_ffi.library_path) or _ffi.library_path.startswith("libcorral")


def _header_decls():
    import re
    hdrs = Path(__file__).resolve().parents[3] / "core" / "include"
    out = {}
    for h in hdrs.rglob("*.h"):
        text = re.sub(r"/\*.*?\*/", "", h.read_text(), flags=re.S)
        for ret, name in re.findall(r"CORRAL_API\s+([^;(]*?)\b(corral_\w+)\s*\(", text):
            out[name] = " ".join(ret.split())
    return out


_RESTYPES = {"int": ctypes.c_int, "int64_t": ctypes.c_int64, "uint64_t": ctypes.c_uint64,
             "size_t": ctypes.c_size_t,
             "void": None}


def test_every_function_declared():
    for name, (argtypes, restype) in _ffi._DECLS.items():
        fn = getattr(_ffi.lib, name)
        assert fn.argtypes == argtypes, name
        assert fn.restype is restype, name
    decls = _header_decls()
    if not decls:
        return
    for name, ret in decls.items():
        restype = _ffi._DECLS[name][1]
        if "char *" in ret:
            assert restype is ctypes.c_char_p, name  # static/borrowed strings only
        elif "*" in ret:
            assert restype is ctypes.c_void_p, name  # never a truncating c_int
        else:
            assert restype is _RESTYPES[ret.replace("const ", "")], (name, ret)


def test_all_exported_symbols_declared():
    decls = _header_decls()
    if not decls:
        return
    missing = set(decls) - set(_ffi._DECLS)
    assert not missing, f"not declared in _ffi: {sorted(missing)}"


def test_missing_library_error_names_candidates():
    r = _py("import corral", CORRAL_LIBRARY="/nonexistent/libcorral.so.0")
    assert r.returncode != 0
    assert "LibraryNotFound" in r.stderr
    assert "/nonexistent/libcorral.so.0" in r.stderr
    assert "CORRAL_LIBRARY" in r.stderr


def test_wrong_library_rejected():
    import ctypes.util
    libc = ctypes.util.find_library("c")
    r = _py("import corral", CORRAL_LIBRARY=libc)
    assert r.returncode != 0
    assert "no corral_version" in r.stderr
