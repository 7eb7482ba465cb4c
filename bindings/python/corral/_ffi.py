"""The C library: loading, the ABI structs, and one declaration per exported function.

Everything that touches ctypes directly lives here. The rest of the package calls the
functions in :data:`lib` (and :data:`blocking_poll` for the one call that may block) and
turns negative return codes into exceptions with :func:`corral._errors.check`.

Loading order (design.md, "Where things are found"):

1. ``CORRAL_LIBRARY`` — a path to the shared library (a build tree, a test install);
2. a copy inside this package (``corral/_lib/libcorral.so.<major>``, present only in wheels);
3. the system's library by soname, ``libcorral.so.<major>`` (``ldconfig`` cache,
   ``LD_LIBRARY_PATH``), then whatever ``ctypes.util.find_library("corral")`` names.

The first candidate that loads wins; if none does, :class:`LibraryNotFound` names every
candidate and why it failed. The loaded library's major version must equal
:data:`ABI_MAJOR`, and its ``corral_record`` layout is checked by ``corral_host_poll``.

Calling conventions: every function has ``argtypes`` and ``restype`` (no default ``c_int``
truncating a pointer). Handles are ``c_void_p`` and are never shown to users: the wrapper
classes keep them as Python ints. Functions are bound from a ``PyDLL`` handle, which keeps
the GIL during the (short, non-blocking) call, except ``corral_host_poll``, which blocks in
the event loop and is bound from a ``CDLL`` handle (as is ``corral_host_poll_submit``) so that the GIL is released meanwhile and
other Python threads keep running.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
import sys
from ctypes import (Structure, Union, c_char_p, c_double, c_int, c_int32, c_int64,
                    c_size_t, c_uint32, c_uint64, c_void_p)
from pathlib import Path

ABI_MAJOR = 0  # CORRAL_SOVERSION this package was written against
MIN_VERSION = 100  # 0.1.0: CORRAL_VERSION_NUMBER of the oldest library that has every symbol
SONAME = f"libcorral.so.{ABI_MAJOR}"
BINDING = 0x50590001  # our binding id in HOST values ("PY" + 1); any non-zero id works


class LibraryNotFound(ImportError):
    """No usable libcorral was found; the message lists every candidate that was tried."""


# ---- constants (core/include/corral/*.h) ----------------------------------------------

OK = 0
PENDING = 1
DONE = 2

ECANCELLED = -1000
ETIMEOUT = -1001
ETASKCANCELLED = -1002
EFUTURECANCELLED = -1003
EINVALIDSTATE = -1004
EINVALIDARG = -1005
EGROUPCLOSED = -1006
EQUEUECLOSED = -1007
EQUEUEEMPTY = -1008
EQUEUEFULL = -1009
EERRORGROUP = -1010
ESTRAYCANCELLATION = -1011
ECLEANUPTIMEOUT = -1012
EDEADLOCK = -1013
EUSER = -1014
ECLOSED = -1015
ESTOPPED = -1016

VALUE_NONE, VALUE_INT, VALUE_DOUBLE, VALUE_BYTES, VALUE_PTR, VALUE_HOST = range(6)

RT_VIRTUAL_CLOCK = 0x1
RT_SIGNALS = 0x2
RT_STRICT = 0x4
RT_ESCALATE_SIGNALS = 0x8

TASK_CREATED, TASK_RUNNING, TASK_READY, TASK_PARKED = 0, 1, 2, 3
TASK_COMPLETED, TASK_FAILED, TASK_CANCELLED = 4, 5, 6

OP_CHECKPOINT = 0
OP_SLEEP = 1
OP_FUTURE = 2
OP_JOIN = 3
OP_QUEUE_GET = 4
OP_QUEUE_PUT = 5
OP_GROUP_WAIT_CLOSING = 6
OP_GROUP_WAIT_CLOSED = 7
OP_GROUP_EXIT = 8
OP_GROUP_NEXT_DONE = 9
OP_EVENT_WAIT = 10
OP_LOCK_ACQUIRE = 11
OP_SEM_ACQUIRE = 12
OP_COND_WAIT = 13
OP_WATCH_NEXT = 14
OP_WATCH_PUT = 15

QUEUE_FIFO, QUEUE_LIFO, QUEUE_PRIORITY, QUEUE_RENDEZVOUS = 0, 1, 2, 3
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

FUTURE_PENDING, FUTURE_RESULT, FUTURE_ERROR, FUTURE_CANCELLED = 0, 1, 2, 3

SCOPE_MOVE_ON = 0
SCOPE_FAIL = 1
SCOPE_CLEANUP = 2
SHIELD_GUARD = 2  # corral_scope_enter's shield argument: a shield escalation leaves alone

GROUP_SUPERVISE = 0
GROUP_FAIL_FAST = 1
GROUP_COLLECT = 2
GROUP_JOIN = 0
GROUP_CANCEL = 1

RECORD_START = 1
RECORD_RESUME = 2
RECORD_CALLBACK = 3
RECORD_RELEASE = 4
RECORD_HANDLER = 5
RECORD_OWNED = 0x1

CMD_AWAIT = 1
CMD_FINISH = 2
CMD_UNREF = 3

CAUSE_NONE, CAUSE_EXPLICIT, CAUSE_DEADLINE, CAUSE_GROUP_CLOSE = 0, 1, 2, 3
CAUSE_FAIL_FAST, CAUSE_PARENT, CAUSE_SIGNAL, CAUSE_SHUTDOWN = 4, 5, 6, 7

NO_DEADLINE = -1
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


# ---- the two transparent ABI structs ----------------------------------------------------

class _ValueAs(Union):
    _fields_ = [("i", c_int64), ("d", c_double), ("p", c_void_p), ("token", c_uint64)]


class Value(Structure):
    """corral_value (common.h)."""
    _fields_ = [("type", c_uint32), ("binding", c_uint32), ("as_", _ValueAs),
                ("len", c_uint64), ("dtor", c_void_p)]


class Op(Structure):
    """corral_op (task.h)."""
    _fields_ = [("kind", c_uint32), ("arg", c_int32), ("target", c_void_p),
                ("deadline", c_int64), ("value", Value)]


class Record(Structure):
    """corral_record (host.h)."""
    _fields_ = [("kind", c_uint32), ("flags", c_uint32), ("status", c_int32),
                ("binding", c_uint32), ("token", c_uint64), ("task", c_void_p),
                ("source", c_void_p), ("error", c_void_p), ("value", Value)]


class HostCmd(Structure):
    """corral_host_cmd (host.h)."""
    _fields_ = [("kind", c_uint32), ("status", c_int32), ("task", c_void_p),
                ("repr", c_void_p), ("error", c_void_p), ("op", Op)]


# struct formats with the same layout, for packing and unpacking without ctypes objects:
# the hot paths read records with one unpack and build operations as bytes.
VALUE_FMT = struct.Struct("@IIqQP")            # type, binding, as (int64 view), len, dtor
OP_FMT = struct.Struct("@IiPqIIqQP")           # kind, arg (int32), target, deadline, value...
RECORD_FMT = struct.Struct("@IIiIQPPPIIqQP")   # kind, flags, status, binding, token, task,
                                               # source, error, value...
CMD_HEAD_FMT = struct.Struct("@IiPPP")         # kind, status, task, repr, error; + op


def _hot_record_fmt() -> struct.Struct:
    """The fields the loop needs, skipping the rest: kind, flags, status, token, error,
    value.type, value.as (the full RECORD_FMT is used for the rare value types)."""
    want = [("I", Record.kind.offset), ("I", Record.flags.offset), ("i", Record.status.offset),
            ("Q", Record.token.offset), ("P", Record.error.offset),
            ("I", Record.value.offset + Value.type.offset),
            ("q", Record.value.offset + Value.as_.offset)]
    fmt, pos = "@", 0
    for code, off in want:
        if off > pos:
            fmt += f"{off - pos}x"
        fmt += code
        pos = off + struct.calcsize("@" + code)
    size = ctypes.sizeof(Record)
    if size > pos:
        fmt += f"{size - pos}x"
    return struct.Struct(fmt)

PTR_FMT = struct.Struct("@P")
DOUBLE_FMT = struct.Struct("@d")
INT64_FMT = struct.Struct("@q")


def _check_layout() -> None:
    for fmt, cls in ((VALUE_FMT, Value), (OP_FMT, Op), (RECORD_FMT, Record)):
        if fmt.size != ctypes.sizeof(cls):
            raise ImportError(f"corral: struct layout mismatch for {cls.__name__}: "
                              f"{fmt.size} != {ctypes.sizeof(cls)}")
    if Record.value.offset != RECORD_FMT.size - VALUE_FMT.size:
        raise ImportError("corral: corral_record layout mismatch")
    if Op.value.offset != OP_FMT.size - VALUE_FMT.size:
        raise ImportError("corral: corral_op layout mismatch")
    if (HostCmd.op.offset != CMD_HEAD_FMT.size
            or ctypes.sizeof(HostCmd) != CMD_HEAD_FMT.size + OP_FMT.size):
        raise ImportError("corral: corral_host_cmd layout mismatch")


_check_layout()

RECORD_HOT_FMT = _hot_record_fmt()
if RECORD_HOT_FMT.size != RECORD_FMT.size:
    raise ImportError("corral: corral_record layout mismatch")
VALUE_SIZE = VALUE_FMT.size
OP_SIZE = OP_FMT.size
RECORD_SIZE = RECORD_FMT.size
CMD_SIZE = ctypes.sizeof(HostCmd)

TRACE_FN = ctypes.CFUNCTYPE(None, c_void_p, c_size_t, c_void_p)  # (line, len, ud)


# ---- loading ----------------------------------------------------------------------------

def _candidates() -> list[tuple[str, str]]:
    """(how, path-or-name) in the order they are tried."""
    out: list[tuple[str, str]] = []
    env = os.environ.get("CORRAL_LIBRARY")
    if env:
        out.append(("CORRAL_LIBRARY", env))
    here = Path(__file__).resolve().parent / "_lib" / SONAME
    out.append(("package copy", str(here)))
    out.append(("soname", SONAME))
    found = ctypes.util.find_library("corral")
    if found and found != SONAME:
        out.append(("find_library", found))
    return out


def _load() -> tuple[ctypes.PyDLL, ctypes.CDLL, str]:
    tried = []
    for how, name in _candidates():
        if how == "package copy" and not os.path.exists(name):
            tried.append(f"  {how}: {name}: not present")
            continue
        try:
            cdll = ctypes.CDLL(name)
            pydll = ctypes.PyDLL(name)
        except OSError as e:
            tried.append(f"  {how}: {name}: {e}")
            if how == "CORRAL_LIBRARY":
                break  # an explicit choice that fails is an error, not a hint to look on
            continue
        try:
            fn = pydll.corral_version
        except AttributeError:
            tried.append(f"  {how}: {name}: not libcorral (no corral_version)")
            if how == "CORRAL_LIBRARY":
                break
            continue
        fn.argtypes = []
        fn.restype = c_int
        version = fn()
        major = version // 10000
        if major != ABI_MAJOR or version < MIN_VERSION:
            tried.append(f"  {how}: {name}: version {major}.{version // 100 % 100}."
                         f"{version % 100}, this package needs {ABI_MAJOR}.x "
                         f"(at least {MIN_VERSION // 10000}.{MIN_VERSION // 100 % 100})")
            if how == "CORRAL_LIBRARY":
                break
            continue
        return pydll, cdll, name
    raise LibraryNotFound(
        "corral: cannot load the C library libcorral. Tried:\n" + "\n".join(tried) +
        "\nInstall the core (cmake --install; then ldconfig or LD_LIBRARY_PATH) or set "
        "CORRAL_LIBRARY=/path/to/libcorral.so.0")


lib, _cdll, library_path = _load()
_pydll = lib

# ---- declarations -------------------------------------------------------------------------

# Every pointer parameter is c_void_p: hot paths pass c_void_p objects (the cheapest
# conversion ctypes has), and out-parameters are passed as c_void_p objects holding the
# address of a preallocated ctypes variable. No pointer ever goes through a c_int.
P = c_void_p
PP = c_void_p
_i, _i32, _u32, _i64, _u64, _sz = c_int, c_int32, c_uint32, c_int64, c_uint64, c_size_t
_s = c_char_p
PVALUE = c_void_p
POP = c_void_p

# name: (argtypes, restype). Strings returned by the library are static or borrowed, so
# c_char_p restypes are safe (nothing has to be freed); owned strings are never returned.
_DECLS: dict[str, tuple[list, object]] = {
    # common.h
    "corral_version": ([], _i),
    "corral_version_string": ([], _s),
    "corral_strerror": ([_i], _s),
    "corral_error_name": ([_i], _s),
    "corral_errno": ([_i], _i),
    "corral_last_error_message": ([], _s),
    "corral_ms": ([_i64], _i64),
    "corral_s": ([_i64], _i64),
    "corral_value_clear": ([PVALUE], None),
    "corral_error_new": ([PP, _i, _s, _s], _i),
    "corral_error_set_host": ([P, P, P], _i),
    "corral_error_set_context": ([P, P], _i),
    "corral_error_code": ([P], _i),
    "corral_error_kind": ([P], _s),
    "corral_error_message": ([P], _s),
    "corral_error_host": ([P], PVALUE),
    "corral_error_context": ([P], P),
    "corral_error_format": ([P, _s, _sz], _i),
    "corral_error_ref": ([P], P),
    "corral_error_unref": ([P], None),
    "corral_error_new_group": ([PP, P, _sz], _i),   # errors: array of corral_error*
    "corral_error_group_size": ([P], _sz),
    "corral_error_group_get": ([P, _sz], P),
    "corral_error_set_fatal": ([P, _i], _i),
    "corral_error_is_fatal": ([P], _i),
    # runtime.h
    "corral_rt_new": ([PP, _u32], _i),
    "corral_rt_ref": ([P], P),
    "corral_rt_unref": ([P], None),
    "corral_rt_close": ([P], _i),
    "corral_rt_now": ([P], _i64),
    "corral_rt_root_group": ([P], P),
    "corral_rt_unhandled_count": ([P], _i64),
    "corral_rt_set_fiber_stack_size": ([P, _sz], _i),
    "corral_rt_run": ([P, P], _i),
    "corral_rt_run_status": ([P], _i),
    "corral_rt_run_cause": ([P], _i),
    "corral_rt_run_error": ([P], P),
    "corral_rt_report_error": ([P, P, _s, P], _i),
    "corral_rt_run_until_future": ([P, P], _i),
    "corral_rt_run_until_task": ([P, P], _i),
    "corral_rt_stop": ([P], _i),
    "corral_rt_inject_signal": ([P, _i], _i),
    "corral_rt_shutdown": ([P], _i),
    "corral_rt_post_threadsafe": ([P, P, P], _i),
    "corral_rt_hold_threadsafe": ([P, _i], _i),
    "corral_rt_set_trace_fd": ([P, _i], _i),
    "corral_rt_set_trace_fn": ([P, TRACE_FN, P], _i),
    "corral_rt_set_log_fn": ([P, TRACE_FN, P], _i),
    "corral_log": ([P, _s, _s], _i),
    "corral_trace_emit": ([P, _s, _s], _i),
    # task.h
    "corral_spawn_fiber": ([PP, P, P, _s, P, P, P], _i),
    "corral_spawn_step": ([PP, P, P, _s, P, P, P], _i),
    "corral_spawn_host": ([PP, P, P, _s, _u32, _u64], _i),
    "corral_task_ref": ([P], P),
    "corral_task_unref": ([P], None),
    "corral_current": ([], P),
    "corral_task_id": ([P], _u64),
    "corral_task_name": ([P], _s),
    "corral_task_state": ([P], _i),
    "corral_task_done": ([P], _i),
    "corral_task_cancel_pending": ([P], _i),
    "corral_task_cancel_flag": ([P], P),
    "corral_task_rt": ([P], P),
    "corral_task_cancel": ([P], _i),
    "corral_task_result": ([P, PVALUE], _i),
    "corral_task_error": ([P], P),
    "corral_task_last_error": ([P], P),
    "corral_task_set_error": ([P, P], _i),
    "corral_task_raise": ([P, _s, _s], _i),
    "corral_task_await": ([P, P], _i),             # op: packed bytes or a pointer
    "corral_task_finish": ([P, _i, P, _s, P], _i),  # value: packed bytes or NULL
    "corral_task_await_many": ([P, P, P, _sz], _i),
    "corral_task_abandon": ([P], _i),
    "corral_await": ([POP, PVALUE], _i),
    "corral_checkpoint": ([], _i),
    "corral_sleep": ([_i64], _i),
    "corral_sleep_for": ([_i64], _i),
    "corral_join": ([P, PVALUE, _i64], _i),
    "corral_task_take_value": ([P, PVALUE], _i),    # step tasks only (hosts get OWNED records)
    "corral_task_set_local": ([P, P, ctypes.c_size_t], _i),
    "corral_task_get_local": ([P, P, P], _i),
    # future.h
    "corral_future_new": ([PP, P], _i),
    "corral_future_ref": ([P], P),
    "corral_future_unref": ([P], None),
    "corral_future_close": ([P], _i),
    "corral_future_set_result": ([P, P], _i),      # value: packed bytes
    "corral_future_set_error": ([P, P], _i),
    "corral_future_cancel": ([P], _i),
    "corral_future_state": ([P], _i),
    "corral_future_result": ([P, PVALUE], _i),
    "corral_future_error": ([P], P),
    "corral_future_add_callback": ([P, P, P], _i64),
    "corral_future_add_host_callback": ([P, _u32, _u64], _i64),
    "corral_future_remove_callback": ([P, _i64], _i),
    "corral_future_await": ([P, PVALUE, _i64], _i),
    # scope.h
    "corral_cause_name": ([_i], _s),
    "corral_scope_enter": ([PP, P, _i, _i64, _i], _i),
    "corral_move_on_at": ([PP, P, _i64], _i),
    "corral_move_on_after": ([PP, P, _i64], _i),
    "corral_fail_at": ([PP, P, _i64], _i),
    "corral_fail_after": ([PP, P, _i64], _i),
    "corral_shield": ([PP, P], _i),
    "corral_scope_exit": ([P, _i], _i),
    "corral_scope_exit_uncancellable": ([P, _i, _i], _i),
    "corral_scope_cancel": ([P], _i),
    "corral_scope_set_deadline": ([P, _i64], _i),
    "corral_scope_deadline": ([P], _i64),
    "corral_scope_cancel_called": ([P], _i),
    "corral_scope_cancelled_caught": ([P], _i),
    "corral_scope_cause": ([P], _i),
    "corral_scope_ref": ([P], P),
    "corral_scope_unref": ([P], None),
    "corral_uncancellable": ([P, P, PVALUE, _i], _i),
    "corral_cleanup_enter": ([PP, P], _i),
    # group.h
    "corral_group_enter": ([PP, P, _s, _i, _i], _i),
    "corral_group_exit": ([P, _i], _i),
    "corral_group_new": ([PP, P, P, _s], _i),
    "corral_group_ref": ([P], P),
    "corral_group_unref": ([P], None),
    "corral_group_set_handler": ([P, P, P], _i),
    "corral_group_set_host_handler": ([P, _u32, _u64], _i),
    "corral_group_close": ([P, _i], _i),
    "corral_group_is_open": ([P], _i),
    "corral_group_is_closing": ([P], _i),
    "corral_group_is_closed": ([P], _i),
    "corral_group_name": ([P], _s),
    "corral_group_size": ([P], _i64),
    "corral_group_wait_closing": ([P, _i64], _i),
    "corral_group_wait_closed": ([P, _i64], _i),
    "corral_group_async_close": ([P, _i, _i64], _i),
    "corral_group_member": ([P, _i64], P),
    "corral_task_current_group": ([P], P),
    "corral_group_scope": ([P], P),
    "corral_group_set_cleanup_timeout": ([P, _i64], _i),
    "corral_group_cleanup_timeout": ([P], _i64),
    # Fiber-only and C-value-only functions: declared so that the table covers the whole
    # header (test_loader checks it), never called by this package. Python tasks are host
    # tasks: they await CORRAL_OP_GROUP_NEXT_DONE through the driver, implement wrap in
    # Python (HOST values cannot be wrapped in C) and build the helpers of helpers.h from
    # a COLLECT group (corral/_group_helpers.py).
    "corral_group_next_done": ([P, _i64], _i),
    "corral_group_wrap": ([PP, P, _s, _u32, P], _i),
    # helpers.h (C fibers only)
    "corral_gather_safe": ([P, _sz, P], _i),        # (members, n, tasks)
    "corral_race": ([P, _sz, _i, PVALUE, P, PP], _i),  # (members, n, continue, out, winner, errors)
    "corral_call_on_cancel": ([P, P, PVALUE], _i),
    "corral_call_on_done": ([P, P, P, PVALUE], _i),
    "corral_cancel_and_join": ([P, PVALUE], _i),
    "corral_first": ([P, P, P, PVALUE, _i64], _i),   # (queue, pred, ud, out, deadline)
    # exitstack.h (C fibers only: Python uses contextlib's AsyncExitStack)
    "corral_exitstack_new": ([PP, P], _i),
    "corral_exitstack_ref": ([P], P),
    "corral_exitstack_unref": ([P], None),
    "corral_exitstack_set_cleanup_timeout": ([P, _i64], _i),
    "corral_exitstack_cleanup_timeout": ([P], _i64),
    "corral_exitstack_push": ([P, P, P], _i),        # (stack, fn, ud)
    "corral_exitstack_push_fiber": ([P, P, P], _i),  # (stack, fn, ud)
    "corral_exitstack_size": ([P], _i64),
    "corral_exitstack_pop_all": ([P, PP], _i),
    "corral_exitstack_close": ([P, _i], _i),
    "corral_exitstack_closed": ([P], _i),
    "corral_exitstack_enter": ([P, P, P, P], _i),    # (stack, acm, ud, value*)
    # context.h (C fibers only: Python drives __aenter__/__aexit__ itself, same rules)
    "corral_acm_enter": ([P, P, P], _i),             # (acm, ud, value*)
    "corral_acm_exit": ([P, P, _i], _i),             # (acm, ud, status)
    "corral_ctxgroup_new": ([PP, P], _i),
    "corral_ctxgroup_ref": ([P], P),
    "corral_ctxgroup_unref": ([P], None),
    "corral_ctxgroup_set_task_names": ([P, _s, _s], _i),
    "corral_ctxgroup_add": ([P, P, P], _i),           # (group, acm, ud)
    "corral_ctxgroup_size": ([P], _i64),
    "corral_ctxgroup_enter": ([P, _i], _i),
    "corral_ctxgroup_value": ([P, _sz, P], _i),       # (group, i, value*)
    "corral_ctxgroup_enter_error": ([P, _sz], P),
    "corral_ctxgroup_exit": ([P, _i], _i),
    "corral_ctxgroup_exit_state": ([P, _sz], P),
    # queue.h
    "corral_queue_new": ([PP, P, _i64], _i),
    "corral_queue_ref": ([P], P),
    "corral_queue_unref": ([P], None),
    "corral_queue_put_nowait": ([P, P], _i),        # value: packed bytes
    "corral_queue_get_nowait": ([P, PVALUE], _i),
    "corral_queue_close": ([P], _i),
    "corral_queue_size": ([P], _i64),
    "corral_queue_maxsize": ([P], _i64),
    "corral_queue_is_closed": ([P], _i),
    "corral_queue_new_kind": ([PP, P, _i64, _i], _i),
    "corral_queue_kind": ([P], _i),
    "corral_queue_full": ([P], _i),
    "corral_queue_put_nowait_priority": ([P, P, _i32], _i),   # value: packed bytes
    "corral_queue_get_nowait_until_empty": ([P, PVALUE], _i),
    # declared, never called: a Python task always observes the item its get received
    "corral_queue_unget": ([P, PVALUE], _i),
    # fiber-only shorthands: declared, never called (Python tasks await the operations)
    "corral_queue_get": ([P, PVALUE, _i64], _i),
    "corral_queue_put": ([P, PVALUE, _i64], _i),
    "corral_queue_put_priority": ([P, PVALUE, _i32, _i64], _i),
    "corral_queue_get_until_empty": ([P, PVALUE, _i64], _i),
    # sync.h (the *_acquire / *_wait / watch next/put shorthands are fiber-only: declared,
    # never called; Python tasks await CORRAL_OP_EVENT_WAIT ... CORRAL_OP_WATCH_PUT)
    "corral_event_new": ([PP, P], _i),
    "corral_event_ref": ([P], P),
    "corral_event_unref": ([P], None),
    "corral_event_set": ([P], _i),
    "corral_event_clear": ([P], _i),
    "corral_event_is_set": ([P], _i),
    "corral_event_wait": ([P, _i64], _i),
    "corral_lock_new": ([PP, P], _i),
    "corral_lock_ref": ([P], P),
    "corral_lock_unref": ([P], None),
    "corral_lock_try_acquire": ([P, P], _i),
    "corral_lock_release": ([P, P], _i),
    "corral_lock_locked": ([P], _i),
    "corral_lock_owner": ([P], P),
    "corral_lock_acquire": ([P, _i64], _i),
    "corral_semaphore_new": ([PP, P, _i64, _i64], _i),
    "corral_semaphore_ref": ([P], P),
    "corral_semaphore_unref": ([P], None),
    "corral_semaphore_try_acquire": ([P], _i),
    "corral_semaphore_release": ([P], _i),
    "corral_semaphore_value": ([P], _i64),
    "corral_semaphore_acquire": ([P, _i64], _i),
    "corral_condition_new": ([PP, P, P], _i),
    "corral_condition_ref": ([P], P),
    "corral_condition_unref": ([P], None),
    "corral_condition_lock": ([P], P),
    "corral_condition_notify": ([P, _i], _i),
    "corral_condition_wait": ([P, _i64], _i),
    "corral_watch_new": ([PP, P, PVALUE], _i),      # initial: packed bytes or NULL
    "corral_watch_ref": ([P], P),
    "corral_watch_unref": ([P], None),
    "corral_watch_get": ([P, PVALUE, P], _i),       # (watch, out value, out uint64 version)
    "corral_watch_set": ([P, PVALUE], _i),          # value: packed bytes
    "corral_watch_readers": ([P], _i64),
    "corral_watch_next": ([P, P, _i64], _i),        # (watch, uint64 *seen, deadline)
    "corral_watch_put": ([P, PVALUE, _i64], _i),
    # host.h
    "corral_host_poll": ([P, P, P, _sz, _sz, P], _i),
    "corral_group_handler_raised": ([P, P], _i),    # (record, raised)
    # (rt, main, cmds, ncmds, cmd_size, results, recs, cap, record_size, n)
    "corral_host_poll_submit": ([P, P, P, _sz, _sz, P, P, _sz, _sz, P], _i),
}


class _Lib:
    """Namespace of declared functions: ``lib.corral_spawn_host`` etc."""


def _declare(handle, name: str):
    try:
        fn = getattr(handle, name)
    except AttributeError:
        raise ImportError(f"corral: {library_path} has no {name}; "
                          f"the library is older than this package") from None
    argtypes, restype = _DECLS[name]
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


for _name in _DECLS:
    setattr(_Lib, _name, _declare(lib, _name))

#: corral_host_poll bound from the CDLL handle: releases the GIL while the loop blocks.
blocking_poll = _declare(_cdll, "corral_host_poll")
#: corral_host_poll_submit, likewise (it polls after running the queued calls).
blocking_poll_submit = _declare(_cdll, "corral_host_poll_submit")


def _raw(name: str, handle=None):
    """A second binding of ``name`` without argtypes, for hot paths: ctypes then skips the
    per-argument from_param step. The caller passes only prebuilt ctypes argument objects
    (corral._core._word: pointers and size_t values) and bytes objects for ``const void *``
    arguments - never a Python int, which ctypes would pass as a C int. The CDLL handle
    (default) releases the GIL during the call, the PyDLL one keeps it (short calls)."""
    fn = (handle or _cdll)[name]  # a new function object, not the declared one
    fn.argtypes = None
    fn.restype = _DECLS[name][1]
    return fn


#: corral_host_poll and corral_host_poll_submit for the driver's hot loop (see _raw).
raw_poll = _raw("corral_host_poll")
raw_poll_submit = _raw("corral_host_poll_submit")
#: the queue calls that do not block, for Queue.put_nowait / get_nowait (see _raw).
raw_put_nowait = _raw("corral_queue_put_nowait", _pydll)
raw_get_nowait = _raw("corral_queue_get_nowait", _pydll)


lib = _Lib  # type: ignore[assignment]  # the declared functions, by C name

version = _Lib.corral_version()
version_string = _Lib.corral_version_string().decode()


def last_error_message() -> str:
    return _Lib.corral_last_error_message().decode("utf-8", "replace")


def pointer_size_ok() -> bool:
    return struct.calcsize("P") == ctypes.sizeof(c_void_p)


if sys.byteorder not in ("little", "big"):  # pragma: no cover - paranoia
    raise ImportError("corral: unknown byte order")
