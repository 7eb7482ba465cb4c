"""The runner: Python coroutines driven by the core's pull-style host driver.

How a run works (design.md, "The driver contract"; corral/host.h):

* ``run()`` creates a runtime and spawns the main coroutine as a host task (id 1). Every
  task is a ``corral_spawn_host`` task whose token is our key for the :class:`Task`.
* The loop calls ``corral_host_poll`` (GIL released while it blocks). It returns a batch of
  records; for each, in order, we resume the task's coroutine (START/RESUME), run a future
  done callback (CALLBACK) or drop an object we had lent to the core (RELEASE).
* A resumed coroutine yields an operation: a ``corral_op`` already packed as ``bytes``
  (the awaitables of this package build them). That is the task's cancel point (R23): if
  the core's cancel flag for the task is set, ``Cancelled`` is thrown straight back into
  the coroutine (level-triggered, it may catch it and await again); otherwise the operation
  is queued. Queued operations are submitted with one ``corral_task_await_many`` call
  (``corral_task_await`` for a single one) *before any other corral call* and before the
  next poll, so the core sees exactly the sequence of calls it would see without batching.
  The cancel flag is read from the task's memory (``corral_task_cancel_flag``), not with a
  call. The last record of a batch, with nothing queued, submits directly (same sequence:
  no Python code runs between it and the next poll).
* When the coroutine returns or raises, the task is finished with ``corral_task_finish``
  (with the R77 text of the value when tracing) and our reference to the C task is dropped
  at once: the handle keeps the outcome in Python, so nothing about a finished task ever
  needs the C object again (joining a finished task is a checkpoint plus that outcome,
  which is exactly what the core does for a JOIN of a terminal task).

Values that cross the core: ``None`` and 64-bit ``int`` travel as NONE/INT values; any
other object travels as a HOST value whose token maps to the object here until the core
sends RELEASE (or hands the token back as an owned value, e.g. a queue item).
Exceptions travel as a ``corral_error`` carrying the exception as its host payload, so the
same object comes back (R2, R75).

Finalizers never call the library: they queue the pointer, and the loop thread drops the
reference before its next poll (R76c).
"""

from __future__ import annotations

import collections
import contextvars
import ctypes
import inspect
import math
import os
import signal as _signal
import struct
import sys
import threading
import types
import weakref
from array import array
from typing import Any, Awaitable, Callable, Generator, TypeVar

from . import _ffi
from ._errors import (Cancelled, Closed, Deadlock, ErrorGroup, InvalidArgument, InvalidState,
                      TaskCancelled, code_of, from_code, kind_of)

T = TypeVar("T")

L = _ffi.lib
_OP = _ffi.OP_FMT
_VAL = _ffi.VALUE_FMT
_OP_SIZE = _ffi.OP_SIZE
_RSIZE = _ffi.RECORD_SIZE
_BINDING = _ffi.BINDING
_HOST = _ffi.VALUE_HOST
_PENDING = _ffi.PENDING
_ECANCELLED = _ffi.ECANCELLED
_get_ident = threading.get_ident
_copy_context = contextvars.copy_context
_object_new = object.__new__
_INT_MIN, _INT_MAX = _ffi.INT64_MIN, _ffi.INT64_MAX
_CO_ITERABLE_COROUTINE = inspect.CO_ITERABLE_COROUTINE
#: Host errors that are fatal (R58): they close every group they pass and end the run.
_FATAL = (KeyboardInterrupt, SystemExit)

def _word(v: int) -> Any:
    """A prebuilt argument for a function without argtypes that passes the machine word
    ``v`` (a pointer, or a size_t: LP64 passes both alike, checked below): a byref() of a
    ctypes object placed at address ``v``, which ctypes copies into the call as is - the
    cheapest argument it has (a c_void_p or c_size_t object is converted on every call,
    with a format-table lookup). Nothing is ever read or written at ``v``."""
    return ctypes.byref(ctypes.c_char.from_address(v))


if ctypes.sizeof(ctypes.c_size_t) != ctypes.sizeof(ctypes.c_void_p):  # pragma: no cover
    raise ImportError("corral: size_t and pointers differ in size on this platform")

_CMD_HEAD = _ffi.CMD_HEAD_FMT.pack
_CMD_SIZE = _ffi.CMD_SIZE
_DPACK = _ffi.DOUBLE_FMT.pack
_DBITS = _ffi.INT64_FMT.unpack
#: Where a bytes object's data starts, from its id() (CPython layout, measured once): BYTES
#: values point straight into the object while the core copies them.
_b = b"corral"
_BYTES_OFF = ctypes.cast(_b, ctypes.c_void_p).value - id(_b)  # type: ignore[operator]
del _b

#: The operation every checkpoint yields (a schedule point and a cancel point).
CHECKPOINT_OP = _OP.pack(_ffi.OP_CHECKPOINT, 0, 0, -1, 0, 0, 0, 0, 0)
VALUE_NONE = _VAL.pack(_ffi.VALUE_NONE, 0, 0, 0, 0)
#: The kind field of a GROUP_EXIT op: the one operation that is not a cancel point at entry
#: (the driver's cancel-flag shortcut must not throw Cancelled instead of submitting it).
_EXIT_KIND = struct.pack("@I", _ffi.OP_GROUP_EXIT)

# Task states in Python (the C task is released once terminal).
RUNNING, COMPLETED, FAILED, CANCELLED, DISCARDED = 0, 1, 2, 3, 4
_STATE_NAMES = {RUNNING: "running", COMPLETED: "completed", FAILED: "failed",
                CANCELLED: "cancelled", DISCARDED: "discarded"}

_RECORD_CAP = 256
#: Bounds on converting errors between Python and the core, both ways: the levels of nesting
#: (context chains, groups in groups) and the errors made or printed for one value (shared
#: members and cycles would otherwise grow without limit).
_ERROR_DEPTH = 20
_ERROR_BUDGET = 256
#: _word(n) for command counts (corral_host_poll_submit's ncmds) up to 64, made once.
_NCOUNTS = 65
_COUNTS = [None] + [_word(n) for n in range(1, _NCOUNTS)]
#: corral_host_poll_submit's results for _NCOUNTS - 1 commands, all CORRAL_PENDING.
_ALL_PENDING = array("i", [_ffi.PENDING] * (_NCOUNTS - 1)).tobytes()

# Cancel flags are read without a call (corral_task_cancel_flag: "a word in the task's
# memory, kept up to date by the core"). Rather than one ctypes object per task (136 bytes
# each), one int32 view of the address space reads any flag by index: _FLAGS[addr >> 2].
# Reads happen only for running tasks, whose memory the runtime keeps alive, exactly as
# c_int32.from_address(addr).value would.
_FLAGS_SPAN = 1 << 48
try:
    _FLAGS: Any = memoryview((ctypes.c_char * _FLAGS_SPAN).from_address(0)).cast("B").cast("i")
except (ValueError, TypeError, OverflowError, MemoryError):  # pragma: no cover - 32-bit
    _FLAGS = None

#: CORRAL_PY_IMMEDIATE=1 submits every await with its own corral_task_await call at the
#: moment the coroutine yields it (the unbatched design, kept to measure against; the
#: traces are identical). The default batches awaits and reads the cancel flag instead.
IMMEDIATE = os.environ.get("CORRAL_PY_IMMEDIATE", "") not in ("", "0")


class _TLS(threading.local):
    runner: "Runner | None" = None


_tls = _TLS()


def _runner() -> "Runner":
    """The runner of this thread, or RuntimeError."""
    r = _tls.runner
    if r is None:
        raise RuntimeError("no corral loop is running in this thread "
                           "(start one with corral.run(), and call corral from its thread)")
    return r


def _own(r: "Runner") -> None:
    """Raise unless called from the thread that runs r, while it runs."""
    if r._tid != _get_ident():
        raise RuntimeError("corral objects belong to the thread that runs their loop; "
                           "this call came from another thread")
    if r._closed:
        raise Closed("the corral runtime of this object is closed")


def ctext(s: str) -> bytes:
    """Text for the core (names, log lines, value texts, error messages): UTF-8 with each NUL
    written as the two characters \\0, as every binding writes it (a C string would end
    there; the core writes a newline as \\n the same way)."""
    return s.encode("utf-8", "replace").replace(b"\0", b"\\0")


def seconds_to_ns(seconds: float, what: str) -> int:
    """A duration in seconds as ns (rounded once, R3); inf = none (-1)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{what}: expected seconds as a number, got {type(seconds).__name__}")
    if seconds != seconds:
        raise InvalidArgument(f"{what}: NaN is not a duration")
    if seconds == math.inf:
        return -1
    if seconds < 0:
        raise InvalidArgument(f"{what}: negative duration")
    return _to_ns(seconds)


def _to_ns(seconds: float) -> int:
    """Seconds (>= 0) to ns, the way every binding converts: floor(s * 1e9 + 0.5) in double
    arithmetic (half a nanosecond rounds up; Python's round() would round half to even),
    saturating at the int64 range (R3)."""
    if seconds >= 9223372037:  # past the int64 ns range (an int too big for a float too)
        return _INT_MAX
    ns = seconds * 1e9
    if ns >= 9.223372036854775807e18:  # inf included: math.floor would raise
        return _INT_MAX
    return math.floor(ns + 0.5)


def deadline_to_ns(deadline: float | None, what: str) -> int:
    """An absolute deadline in seconds on the corral clock as ns; None/inf = none (-1);
    a past deadline (even negative) means "do not block" (R41) and is clamped to 0."""
    if deadline is None:
        return -1
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
        raise TypeError(f"{what}: expected an absolute time in seconds, "
                        f"got {type(deadline).__name__}")
    if deadline != deadline:
        raise InvalidArgument(f"{what}: NaN is not a deadline")
    if deadline == math.inf:
        return -1
    if deadline <= 0:
        return 0
    return _to_ns(deadline)


def call_deadline(deadline: float | None, timeout: float | None, what: str) -> int:
    """The absolute per-call deadline in ns of a blocking call (R41) given ``deadline=``
    (absolute seconds on the corral clock) or ``timeout=`` (seconds from now); -1 = none."""
    if timeout is None:
        return deadline_to_ns(deadline, what)
    if deadline is not None:
        raise TypeError(f"{what}: pass deadline= or timeout=, not both")
    if type(timeout) in (int, float) and timeout < 0:
        return 0  # a past deadline: try without blocking (R41), as in C and Lua
    ns = seconds_to_ns(timeout, what)
    if ns < 0:
        return -1
    r = _tls.runner
    if r is None:
        r = _runner()
    dl = (r._now if r._now is not None else r.now_ns()) + ns
    return dl if dl < _INT_MAX else _INT_MAX


def mark_unsafe() -> None:
    """Called by an awaitable right before it yields a GROUP_EXIT or GROUP_NEXT_DONE
    operation: those may be refused at submission or cancel other tasks, so the queue they
    join is submitted with corral_task_await_many and a plain poll, never inside
    corral_host_poll_submit (see Runner._drive)."""
    r = _tls.runner
    if r is not None:
        r._unsafe = True


def runtime_handle() -> int:
    """The ``corral_rt *`` of the running ``corral.run()``, as an int, for C code that works
    on the same runtime (spawning C fibers, using queues handed over with ``Queue.handle``).
    Getting it submits the awaits the driver has queued, so that C calls made right after
    it see the same state as unbatched calls would; call it just before the foreign call."""
    r = _runner()
    _own(r)
    if r._pt:
        r._flush()
    return r._rt


def float_text(x: float) -> str:
    """The canonical text of a float in traces, the same in every language: the shortest
    ``%g`` form that reads back as ``x`` ("1", "0.5", "1e+20", "-0", "inf"), and "nan"."""
    if x != x:
        return "nan"
    for prec in range(1, 18):
        s = "%.*g" % (prec, x)
        if float(s) == x:
            return s
    return "%.17g" % x


def format_value(v: object, _depth: int = 0, _budget: list | None = None) -> str:
    """The canonical text of a value in traces (R77): integers, strings without quotes,
    lists ``[a, b]``, ``true``/``false``, errors ``Kind:msg``; None prints nothing."""
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", "replace")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, float):
        return float_text(v)
    if isinstance(v, BaseException):
        # with the chain Python shows before it, as the core prints an error ("Kind:msg <-
        # Ctx:msg", R77), stopping at a Cancelled
        budget = [_ERROR_BUDGET] if _budget is None else _budget  # (as _new_error)
        parts, x, seen = [], v, 0
        while x is not None and seen <= _ERROR_DEPTH and budget[0] > 0:  # (its links)
            budget[0] -= 1
            parts.append(_one_error_text(x, _depth, budget))
            x, seen = _predecessor(x), seen + 1
        return " <- ".join(parts)
    return str(v)


def _group_members(e: BaseException) -> list[BaseException]:
    """The members an exception group has in the core: every one but a Cancelled (control
    flow, never an error). Empty for anything else (then it is a plain error)."""
    if not isinstance(e, BaseExceptionGroup):
        return []
    return [x for x in e.exceptions if not isinstance(x, Cancelled)]


def _one_error_text(v: BaseException, depth: int = 0, budget: list | None = None) -> str:
    members = (_group_members(v) if depth < _ERROR_DEPTH and (budget is None or budget[0] > 0)
               else [])
    if members:  # as the core has it (_new_error_alone): ErrorGroup:[Kind:msg, ...]
        return "ErrorGroup:[" + ", ".join(format_value(x, depth + 1, budget)
                                         for x in members) + "]"
    kind = kind_of(v)
    if isinstance(v, BaseExceptionGroup):
        msg = v.message  # str() would add Python's " (2 sub-exceptions)" (R77: no decoration)
    else:
        msg = str(v) if v.args else ""
    return f"{kind}:{msg}" if msg else kind


def _coroutine_of(fn: Any, args: tuple, kwargs: dict, what: str) -> Any:
    """A coroutine to drive from an async function + arguments, a coroutine, or any
    other corral awaitable."""
    if type(fn) is types.FunctionType or type(fn) is types.MethodType:
        obj = fn(*args, **kwargs)
        if type(obj) is types.CoroutineType:
            return obj
    elif callable(fn) and not inspect.isawaitable(fn):
        obj = fn(*args, **kwargs)
    elif args or kwargs:
        raise TypeError(f"{what}: arguments given, but {fn!r} is not callable")
    else:
        obj = fn
    if type(obj) is types.CoroutineType:
        return obj
    if type(obj) is types.GeneratorType and obj.gi_code.co_flags & _CO_ITERABLE_COROUTINE:
        return obj
    if inspect.isawaitable(obj):
        return _await_it(obj)
    if inspect.isasyncgen(obj):
        raise TypeError(f"{what}: an async generator is not a task body; "
                        f"iterate it with 'async for' inside an async function")
    raise TypeError(f"{what}: expected an async function or a coroutine, got {obj!r}")


async def _await_it(aw: Awaitable[T]) -> T:
    return await aw


def _predecessor(e: BaseException) -> BaseException | None:
    """The exception Python's traceback shows before e: ``__cause__``, else ``__context__``
    unless suppressed (``raise ... from None``); None when that is a ``Cancelled``."""
    prev = e.__cause__
    if prev is None and not e.__suppress_context__:
        prev = e.__context__
    if prev is None or isinstance(prev, Cancelled) or prev is e:
        return None
    return prev


def errors_text(errors: "list[BaseException]") -> str:
    """An ErrorGroup's message as the core writes it for its own groups, so a group built in
    Python traces like one from C, Lua or Rust: ``[Kind:msg <- Ctx:msg, ...]``, each member
    with the chain Python shows before it (stopping at a Cancelled, as the core does)."""
    return "[" + ", ".join(format_value(e) for e in errors) + "]"


class Task:
    """A handle of a corral task (a spawned coroutine).

    ``await task`` joins it (a checkpoint, R16): it returns the task's value, re-raises its
    error (the same exception object) or raises :class:`TaskCancelled`. Cancelling the
    joiner never cancels the task. Dropping the handle never cancels or destroys the task
    (R12): the runtime keeps running tasks alive.
    """

    __slots__ = ("_runner", "_ptr", "_token", "_id", "_name", "_coro", "_ctx", "_flag",
                 "_state", "_result", "_exc", "_head", "__weakref__")

    def __init__(self) -> None:
        raise TypeError("tasks are created with corral.spawn() or Group.spawn()")

    # -- queries -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The task's name (``task<id>`` unless one was given)."""
        n = self._name
        return n if n is not None else f"task{self._id}"

    def get_name(self) -> str:
        return self.name

    @property
    def id(self) -> int:
        """The task id (spawn order, main = 1)."""
        return self._id

    def done(self) -> bool:
        """True once the task is terminal (completed, failed or cancelled)."""
        return self._state != RUNNING

    def cancelled(self) -> bool:
        """True if the task ended CANCELLED."""
        return self._state == CANCELLED

    def result(self) -> Any:
        """The value of a completed task; raises its error if it failed,
        :class:`TaskCancelled` if it was cancelled, :class:`InvalidState` if not done."""
        st = self._state
        if st == COMPLETED:
            return self._result
        if st == FAILED:
            raise self._exc  # type: ignore[misc]
        if st == CANCELLED:
            raise TaskCancelled()  # as a join reports it (no message, like the core's)
        if st == DISCARDED:
            raise Closed(f"task {self.name} was discarded when its runtime closed")
        raise InvalidState(f"task {self.name} is not done")

    def exception(self) -> BaseException | None:
        """The error of a failed task, None if it completed; raises like result() otherwise."""
        st = self._state
        if st == COMPLETED:
            return None
        if st == FAILED:
            return self._exc
        return self.result()  # raises

    # -- control ---------------------------------------------------------------------------

    def cancel(self) -> bool:
        """Cancel the task's root scope (R15): returns True if the task was running and not
        already cancelled. Never waits: the task sees ``Cancelled`` at its next checkpoint."""
        r = self._runner
        _own(r)
        if self._state != RUNNING:
            return False
        if r._pt:
            r._flush()
        rc = L.corral_task_cancel(self._ptr)
        if rc < 0:
            raise from_code(rc)
        return rc == 1

    def cancel_pending(self) -> bool:
        """True while a checkpoint of this task would raise Cancelled (R25, R30)."""
        r = self._runner
        _own(r)
        if self._state != RUNNING:
            return False
        if r._pt:
            r._flush()
        return L.corral_task_cancel_pending(self._ptr) == 1

    def __await__(self) -> Generator[bytes, Any, Any]:
        if self._state == RUNNING:
            yield _OP.pack(_ffi.OP_JOIN, 0, self._ptr, -1, 0, 0, 0, 0, 0)
            return self._result
        yield CHECKPOINT_OP
        return self.result()

    @types.coroutine
    def join(self, *, deadline: float | None = None) -> Generator[bytes, Any, Any]:
        """Join with a per-call absolute ``deadline`` (seconds on the corral clock, R41):
        raises :class:`Timeout` when it expires first (the task keeps running)."""
        if deadline is None:
            return (yield from self.__await__())
        dl = deadline_to_ns(deadline, "join")
        if self._state == RUNNING:
            yield _OP.pack(_ffi.OP_JOIN, 0, self._ptr, dl, 0, 0, 0, 0, 0)
            return self._result
        yield CHECKPOINT_OP
        return self.result()

    def __repr__(self) -> str:
        return f"<corral.Task {self.name} {_STATE_NAMES.get(self._state, '?')}>"


class Runner:
    """One corral runtime driven from Python (one per ``corral.run()``)."""

    def __init__(self, *, virtual: bool, trace: Any, signals: bool, strict: bool = False,
                 escalate_signals: bool = False) -> None:
        flags = ((_ffi.RT_VIRTUAL_CLOCK if virtual else 0) | (_ffi.RT_SIGNALS if signals else 0)
                 | (_ffi.RT_STRICT if strict else 0)
                 | (_ffi.RT_ESCALATE_SIGNALS if escalate_signals else 0))
        out = ctypes.c_void_p()
        rc = L.corral_rt_new(ctypes.addressof(out), flags)
        if rc < 0:
            raise from_code(rc)
        self._rt: int = out.value  # type: ignore[assignment]
        self._rtp = ctypes.c_void_p(self._rt)
        self._closed = False
        self._tid = _get_ident()
        self._signals = signals
        self._virtual = virtual
        self._tasks: dict[int, Task] = {}     # token -> running task
        self._objs: dict[int, Any] = {}       # token -> object lent to the core
        self._tok = 1
        self._next_id = 1
        self._pt: list[Task] = []              # tasks with a queued await (in order)
        # their commands: corral_host_cmd head (kind AWAIT, the task), corral_op, per task
        self._po: list[bytes] = []
        self._conv_budget = _ERROR_BUDGET      # _new_error: errors left for one conversion
        self._unsafe = False                   # a queued op may fail or cancel others
                                               # (mark_unsafe)
        self._current: Task | None = None      # the task whose coroutine runs now
        self._actor: str | None = None         # the callback running now (for log())
        # host exception callbacks of groups (corral_group_set_host_handler): token ->
        # (callback, contextvars context, actor); kept for the run (the C group may outlive
        # its Python object and still deliver HANDLER records)
        self._handlers: dict[int, tuple[Any, Any, str]] = {}
        # the failed task behind an error's host token (only kept while some group has a host
        # exception callback): the HANDLER record's callback gets the Task object; dropped with
        # the token (RELEASE), so it lives exactly as long as the C error
        self._err_task: dict[int, Task] = {}
        # C group pointer -> the Python object of that group (current_taskgroup() maps
        # corral_task_current_group back with it); entries go with the Python object
        self._groups: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        # work queued by finalizers for the loop thread: (unref fn, ptr) pairs, and the
        # async generators to finalize (their aclose() is spawned, which is scheduling)
        self._deferred: collections.deque = collections.deque()
        self._deferred_agens: collections.deque = collections.deque()
        self._agens: weakref.WeakSet = weakref.WeakSet()
        self._now: int | None = None
        self._main: Task | None = None
        self._fatal: BaseException | None = None
        self._trace_exc: BaseException | None = None
        self._trace_cb = None
        self._out = ctypes.c_void_p()
        self._outp = ctypes.c_void_p(ctypes.addressof(self._out))
        self._vout = _ffi.Value()
        self._voutp = ctypes.c_void_p(ctypes.addressof(self._vout))
        # an out-value for raw functions (Queue.get_nowait): a bytearray, which
        # struct.unpack_from reads faster than a ctypes object
        self._vbuf = bytearray(_ffi.VALUE_SIZE)
        self._vbufw = _word(ctypes.addressof(
            (ctypes.c_char * _ffi.VALUE_SIZE).from_buffer(self._vbuf)))
        self._n = array("Q", [0])  # corral_host_poll's *n (size_t)
        if self._n.itemsize != ctypes.sizeof(ctypes.c_size_t):  # pragma: no cover
            self._n = array("L", [0])
        self._tokobj = ctypes.c_uint64()
        self._bindobj = ctypes.c_uint32(_BINDING)
        self._rbytes = bytearray(_RECORD_CAP * _RSIZE)
        self._rbuf = (ctypes.c_char * len(self._rbytes)).from_buffer(self._rbytes)
        self._res = array("i", [0]) * _RECORD_CAP  # corral_task_await_many's results
        self._tracing = False
        if trace is not None:
            try:
                self._set_trace(trace)
            except BaseException:
                L.corral_rt_unref(self._rtp)
                raise

    # -- setup ---------------------------------------------------------------------------

    def _set_trace(self, trace: Any) -> None:
        if isinstance(trace, bool) or not (isinstance(trace, int) or hasattr(trace, "fileno")
                                           or callable(trace)):
            raise TypeError("trace: expected a file descriptor, a file object or a callable "
                            "taking one line of text")
        if callable(trace) and not hasattr(trace, "fileno"):
            def trampoline(line: int, n: int, ud: int, _r: Runner = self) -> None:
                try:
                    _r._trace_cb(ctypes.string_at(line, n).decode("utf-8", "replace"))
                except BaseException as e:  # never let an exception into C (style.md 5.5)
                    if _r._trace_exc is None:
                        _r._trace_exc = e
            self._trace_cb = trace
            self._trace_fn = _ffi.TRACE_FN(trampoline)  # kept alive while the runtime is
            rc = L.corral_rt_set_trace_fn(self._rtp, self._trace_fn, None)
        else:
            if isinstance(trace, int):
                fd = trace
            else:
                if hasattr(trace, "flush"):
                    trace.flush()
                fd = trace.fileno()
            rc = L.corral_rt_set_trace_fd(self._rtp, fd)
        if rc < 0:
            raise from_code(rc)
        self._tracing = True

    # -- lending objects to the core -------------------------------------------------------

    def _encode(self, v: Any) -> tuple[bytes, int]:
        """A packed corral_value for v and the token lent (0 if none)."""
        if v is None:
            return VALUE_NONE, 0
        if type(v) is int and _INT_MIN <= v <= _INT_MAX:
            return _VAL.pack(_ffi.VALUE_INT, 0, v, 0, 0), 0
        tok = self._tok
        self._tok = tok + 1
        self._objs[tok] = v
        return _VAL.pack(_HOST, _BINDING, tok, 0, 0), tok

    def _item(self, v: Any) -> tuple[int, int, int, int, int]:
        """The corral_value fields of a queue or watch item and the token lent (0 if none):
        None, 64-bit ints, floats and bytes travel as NONE/INT/DOUBLE/BYTES, values every
        binding reads (cross-language queues); anything else as a HOST token. BYTES point
        into the bytes object: the caller keeps it alive until the core has copied it (at
        the call, or at the await's submission for an operation)."""
        t = type(v)
        if t is int and _INT_MIN <= v <= _INT_MAX:
            return _ffi.VALUE_INT, 0, v, 0, 0
        if v is None:
            return _ffi.VALUE_NONE, 0, 0, 0, 0
        if t is float:
            return _ffi.VALUE_DOUBLE, 0, _DBITS(_DPACK(v))[0], 0, 0
        if t is bytes:
            return _ffi.VALUE_BYTES, 0, id(v) + _BYTES_OFF if v else 0, len(v), 0
        tok = self._tok
        self._tok = tok + 1
        self._objs[tok] = v
        return _HOST, _BINDING, tok, 0, tok

    def _decode(self, vtype: int, binding: int, vas: int, vlen: int, owned: bool) -> Any:
        """The Python value of a corral_value (the unusual types; NONE/INT/HOST are
        handled inline where speed matters)."""
        if vtype == _ffi.VALUE_NONE:
            return None
        if vtype == _ffi.VALUE_INT:
            return vas
        if vtype == _HOST:
            if binding != _BINDING:
                raise InvalidState(f"a value of another binding ({binding:#x}) reached Python")
            return self._objs.pop(vas) if owned else self._objs[vas]
        if vtype == _ffi.VALUE_DOUBLE:
            return _ffi.DOUBLE_FMT.unpack(_ffi.INT64_FMT.pack(vas))[0]
        if vtype == _ffi.VALUE_BYTES:
            ptr = vas & 0xFFFFFFFFFFFFFFFF
            data = ctypes.string_at(ptr, vlen) if vlen else b""
            if owned:  # we own a copy the core made: free it
                v = _ffi.Value(type=vtype, len=vlen)
                v.as_.p = ptr
                L.corral_value_clear(ctypes.addressof(v))
            return data
        if vtype == _ffi.VALUE_PTR:
            return vas & 0xFFFFFFFFFFFFFFFF
        raise InvalidState(f"unknown value type {vtype}")

    def _exc_from(self, status: int, errp: int | None) -> BaseException:
        """The exception for a negative outcome (status, error object)."""
        if status == _ECANCELLED:
            return Cancelled()
        if errp:
            return self._exc_of_error(errp)
        return from_code(status, "")

    def _exc_of_error(self, errp: int, depth: int = 0) -> BaseException:
        hp = L.corral_error_host(errp)
        if hp:
            hv = _ffi.Value.from_address(hp)
            if hv.type == _HOST and hv.binding == _BINDING:
                obj = self._objs.get(hv.as_.token)
                if obj is not None:
                    return obj
        code = L.corral_error_code(errp)
        kind = (L.corral_error_kind(errp) or b"").decode("utf-8", "replace")
        msg = (L.corral_error_message(errp) or b"").decode("utf-8", "replace")
        n = L.corral_error_group_size(errp) if code == _ffi.EERRORGROUP else 0
        if n and depth < _ERROR_DEPTH:
            # An ErrorGroup (R54): its members map back to the original exception objects.
            members = [self._exc_of_error(L.corral_error_group_get(errp, i), depth + 1)
                       for i in range(n)]
            if all(isinstance(m, Exception) for m in members):
                return ErrorGroup(msg or "errors", members)
            return BaseExceptionGroup(msg or "errors", members)
        exc = from_code(code, msg, kind)
        ctx = L.corral_error_context(errp)
        if ctx and depth < _ERROR_DEPTH:
            exc.__context__ = self._exc_of_error(ctx, depth + 1)
        return exc

    def _new_error(self, e: BaseException, depth: int = 0) -> int:
        """A corral_error for exception e, with e as its host payload (one reference).
        The exception Python shows before e (its ``__cause__``, else its ``__context__``)
        becomes the error's context, so traces print ``E1 <- E2`` as C's R67 chains do; the
        chain stops at a ``Cancelled``, which is control flow and never an error object."""
        if depth == 0:
            self._conv_budget = _ERROR_BUDGET
        self._conv_budget -= 1
        ctxp = None
        prev = _predecessor(e)
        if prev is not None and depth < _ERROR_DEPTH and self._conv_budget > 0:
            try:
                ctxp = self._new_error(prev, depth + 1)
            except BaseException:
                ctxp = None  # the chain is a courtesy; the error itself must not be lost
        try:
            # made last: callers map self._tok - 1 (e's token) back to the failing task
            errp = self._new_error_alone(e, depth)
            if ctxp is not None:
                L.corral_error_set_context(errp, ctxp)  # takes its own reference
        finally:
            if ctxp is not None:
                L.corral_error_unref(ctxp)
        return errp

    def _new_error_alone(self, e: BaseException, depth: int = 0) -> int:
        code = code_of(e)
        try:
            if isinstance(e, BaseExceptionGroup):
                msg = e.message  # str() adds " (N sub-exceptions)", which no other language prints
            else:
                msg = str(e) if e.args else ""
        except Exception:
            msg = "<unprintable>"
        kind = ctext(kind_of(e)) if code == _ffi.EUSER else None
        out = ctypes.c_void_p()
        errors = _group_members(e) if depth < _ERROR_DEPTH and self._conv_budget > 0 else []
        if errors:
            # a group in the core too, with its members (any exception group, corral's or
            # one the program built): traced "ErrorGroup:[Kind:msg, ...]" as in every language
            members: list[int] = []
            try:
                for x in errors:
                    members.append(self._new_error(x, depth + 1))
                arr = (ctypes.c_void_p * len(members))(*members)
                rc = L.corral_error_new_group(ctypes.addressof(out), arr, len(members))
            finally:
                for m in members:
                    L.corral_error_unref(m)
        else:
            rc = L.corral_error_new(ctypes.addressof(out), code, kind, ctext(msg))
        if rc < 0:
            raise from_code(rc)
        errp = out.value
        tok = self._tok
        self._tok = tok + 1
        self._objs[tok] = e
        rc = L.corral_error_set_host(errp, self._rtp, _VAL.pack(_HOST, _BINDING, tok, 0, 0))
        if rc < 0:
            del self._objs[tok]
            L.corral_error_unref(errp)
            raise from_code(rc)
        if isinstance(e, _FATAL):
            L.corral_error_set_fatal(errp, 1)  # R58: Ctrl-C and sys.exit() end the run
        return errp  # type: ignore[return-value]

    def _release(self, unref: Callable[[int], None], ptr: int) -> None:
        """Drop a C reference from a finalizer: never call the library from there (R76c);
        the loop thread does it before its next poll. After the run, just drop it."""
        if self._closed:
            unref(ptr)
        else:
            self._deferred.append((unref, ptr))

    # -- spawning --------------------------------------------------------------------------

    def spawn(self, coro: Any, name: str | None, group: int | None) -> Task:
        if self._pt:
            self._flush()
        tok = self._tok
        self._tok = tok + 1
        if name is None:
            bname = None
        elif isinstance(name, str):
            bname = ctext(name)
        else:
            coro.close()
            raise TypeError(f"task name must be a str, not {type(name).__name__}")
        tokobj = self._tokobj
        tokobj.value = tok
        rc = L.corral_spawn_host(self._outp, self._rtp, group, bname, self._bindobj, tokobj)
        if rc < 0:
            coro.close()
            raise from_code(rc)
        t = _object_new(Task)
        t._runner = self
        t._ptr = self._out.value
        t._token = tok
        t._id = self._next_id
        self._next_id += 1
        t._name = name
        t._coro = coro
        t._ctx = _copy_context()
        t._flag = None
        t._state = RUNNING
        t._result = None
        t._exc = None
        t._head = _CMD_HEAD(_ffi.CMD_AWAIT, 0, t._ptr, 0, 0)
        self._tasks[tok] = t
        return t

    # -- the loop --------------------------------------------------------------------------

    def _flush(self) -> None:
        """Submit the queued awaits, in order (before any other corral call)."""
        pt = self._pt
        po = self._po
        n = len(pt)
        self._unsafe = False
        if n == 1:
            t = pt[0]
            op = po[1]
            if len(op) != _OP_SIZE:  # a bytes object that is no corral_op
                self._bad_ops()
                return
            pt.clear()
            po.clear()
            rc = L.corral_task_await(t._ptr, op)
            if rc != _PENDING:
                self._await_failed([(t, rc)])
            return
        ops = b"".join(po[1::2])
        if len(ops) != n * _OP_SIZE:  # a bytes object that is no corral_op
            self._bad_ops()
            if self._pt:
                self._flush()
            return
        tasks = array("Q", [t._ptr for t in pt])
        res = self._res
        if len(res) < n:
            res = self._res = array("i", [0]) * (2 * n)
        L.corral_task_await_many(tasks.buffer_info()[0], ops, res.buffer_info()[0], n)
        if res[:n].count(_PENDING) != n:
            bad = [(pt[i], res[i]) for i in range(n) if res[i] != _PENDING]
            pt.clear()
            po.clear()
            self._await_failed(bad)
            return
        pt.clear()
        po.clear()

    def _bad_ops(self) -> None:
        """Take the queued "operations" that are bytes of the wrong size (yielded by
        foreign code: only the type is checked when an operation is queued) out of the
        queue and throw TypeError into their coroutines, as for any foreign awaitable."""
        pt, po = self._pt, self._po
        bad = [i for i in range(len(pt)) if len(po[2 * i + 1]) != _OP_SIZE]
        culprits = [(pt[i], po[2 * i + 1]) for i in bad]
        for i in reversed(bad):
            del pt[i]
            del po[2 * i:2 * i + 2]
        for t, op in culprits:
            self._step(t, None, self._foreign(op))

    def _submit_failed(self, resb: bytearray) -> None:
        """An await submitted with the poll (corral_host_poll_submit) was refused. Only
        operations that cannot be refused once the binding's own checks passed go that way
        (see _drive), so this is a safety net: the core has failed the task (its step ended
        without an await) and the coroutine is closed."""
        pt = self._pt[:]
        self._pt.clear()  # submitted: closing a coroutine below may call corral (and flush)
        self._po.clear()
        res = memoryview(resb).cast("i")
        failed = [(t, res[i]) for i, t in enumerate(pt) if res[i] != _PENDING]
        res.release()
        for t, rc in failed:
            if t._state != RUNNING:
                continue
            exc = Cancelled() if rc == _ECANCELLED else from_code(rc)
            try:
                t._ctx.run(t._coro.close)
            except BaseException:
                pass
            t._state = FAILED
            t._exc = exc
            self._retire(t)

    def _await_failed(self, bad: list[tuple[Task, int]]) -> None:
        """An await the core refused at submission (the binding checks what the core would
        check first, so this is a fallback): deliver the outcome to the coroutine now."""
        for t, rc in bad:
            exc = Cancelled() if rc == _ECANCELLED else from_code(rc)
            self._step(t, None, exc)

    def _make_flag(self, t: Task) -> int:
        """Where to read t's cancel flag: its index in _FLAGS (see there)."""
        addr = L.corral_task_cancel_flag(t._ptr)
        if _FLAGS is None or addr & 3 or addr >= _FLAGS_SPAN:  # pragma: no cover
            raise InvalidState("corral: cannot map the task's cancel flag")
        f = t._flag = addr >> 2
        return f

    def _step(self, t: Task, value: Any, exc: BaseException | None) -> None:
        """Resume t's coroutine until it queues an await or ends (the slow path; the same
        logic is inlined in _drive for records)."""
        prev = self._current
        self._current = t
        coro = t._coro
        ctx = t._ctx
        try:
            while True:
                try:
                    if exc is None:
                        op = ctx.run(coro.send, value)
                    else:
                        op = ctx.run(coro.throw, exc)
                except StopIteration as e:
                    self._finish_ok(t, e.value)
                    return
                except BaseException as e:
                    self._finish_exc(t, e)
                    return
                if type(op) is not bytes or len(op) != _OP_SIZE:
                    exc = self._foreign(op)
                    value = None
                    continue
                if IMMEDIATE:
                    rc = L.corral_task_await(t._ptr, op)
                    if rc == _PENDING:
                        return
                    exc = Cancelled() if rc == _ECANCELLED else from_code(rc)
                    value = None
                    continue
                f = t._flag
                if f is None:
                    f = self._make_flag(t)
                if _FLAGS[f] and op[:4] != _EXIT_KIND:
                    exc = Cancelled()
                    value = None
                    continue
                self._pt.append(t)
                po = self._po
                po.append(t._head)
                po.append(op)
                return
        finally:
            self._current = prev

    @staticmethod
    def _foreign(op: Any) -> TypeError:
        if op is None:
            what = "a bare yield (asyncio.sleep() and other asyncio primitives do this)"
        elif hasattr(op, "_asyncio_future_blocking"):
            what = f"an asyncio future ({type(op).__name__})"
        else:
            what = f"{op!r}"
        return TypeError(f"corral cannot await {what}: it is not a corral awaitable. "
                         f"Only corral primitives (corral.sleep, tasks, corral.Future, "
                         f"queues, ...) can be awaited inside corral.run(); "
                         f"asyncio/trio objects need their own event loop.")

    def _finish_ok(self, t: Task, value: Any) -> None:
        if self._pt:
            self._flush()
        rep = None
        if self._tracing and value is not None:
            rep = ctext(format_value(value))
        ptr = t._ptr
        rc = L.corral_task_finish(ptr, 0, None, rep, None)
        if rc < 0:
            raise from_code(rc)
        t._state = COMPLETED
        t._result = value
        # _retire, inlined
        del self._tasks[t._token]
        t._coro = t._ctx = t._flag = None
        if t is not self._main:
            L.corral_task_unref(ptr)
            t._ptr = 0

    def _finish_exc(self, t: Task, e: BaseException) -> None:
        if self._pt:
            self._flush()
        ptr = t._ptr
        if isinstance(e, Cancelled):
            rc = L.corral_task_finish(ptr, _ECANCELLED, None, None, None)
            if rc < 0:
                raise from_code(rc)
            if L.corral_task_state(ptr) == _ffi.TASK_CANCELLED:
                t._state = CANCELLED
            else:  # R14: Cancelled raised while no cancellation was pending
                errp = L.corral_task_error(ptr)
                exc = self._exc_of_error(errp) if errp else from_code(
                    _ffi.ESTRAYCANCELLATION, "")
                exc.__context__ = e
                t._state = FAILED
                t._exc = exc
        else:
            errp = self._new_error(e)
            if self._handlers:  # a HANDLER record may name this failure: map it to t
                self._err_task[self._tok - 1] = t
            rc = L.corral_task_finish(ptr, code_of(e), None, None, errp)
            L.corral_error_unref(errp)
            if rc < 0:
                raise from_code(rc)
            t._state = FAILED
            t._exc = e
            # KeyboardInterrupt/SystemExit travel as fatal errors (_new_error): the core
            # closes every group they pass and ends the run with them (R58).
        self._retire(t)

    def _retire(self, t: Task) -> None:
        del self._tasks[t._token]
        t._coro = None
        t._ctx = None
        t._flag = None
        if t is not self._main:  # main's reference is needed by every poll until the end
            L.corral_task_unref(t._ptr)
            t._ptr = 0

    def _drive(self) -> int:
        """Poll and run records until the run is over; returns the run status.

        This is the hot loop: everything it touches is a local, the records are read with
        one struct unpack each, and the resumption logic of _step is inlined."""
        # Both without argtypes (_ffi._raw), which skips ctypes' per-argument from_param,
        # and every argument prebuilt as a _word() (ctypes passes it with a copy, no
        # conversion, no format lookup) except the commands, a bytes object.
        poll = _ffi.raw_poll
        poll_submit = _ffi.raw_poll_submit
        await_one = L.corral_task_await
        rtp = _word(self._rt)
        mainp = _word(self._main._ptr)  # type: ignore[union-attr]
        rbuf = _word(ctypes.addressof(self._rbuf))
        rbytes = self._rbytes
        cap = _word(_RECORD_CAP)
        rsize = _word(_RSIZE)
        csize = _word(_CMD_SIZE)
        counts = _COUNTS
        n_arr = self._n
        nref = _word(n_arr.buffer_info()[0])
        # corral_host_poll_submit's results, kept all CORRAL_PENDING between calls, so one
        # bytes comparison tells whether any command of a batch was refused: a small
        # buffer for the usual batches (up to _NCOUNTS - 1 awaits) and a larger one, grown
        # on demand, for the others
        allp = _ALL_PENDING
        resb = bytearray(allp)
        resp = _word(ctypes.addressof((ctypes.c_char * len(resb)).from_buffer(resb)))
        big_allp = b""
        big = bytearray()
        bigp = None
        rview = memoryview(self._rbytes)
        views = [rview[:k * _RSIZE] for k in range(_RECORD_CAP + 1)]  # the first k records
        iter_unpack = _ffi.RECORD_HOT_FMT.iter_unpack
        tasks = self._tasks
        objs = self._objs
        err_task = self._err_task
        pt = self._pt
        po = self._po
        join = b"".join
        exc_from = self._exc_from
        finish_ok = self._finish_ok
        finish_exc = self._finish_exc
        make_flag = self._make_flag
        cflags = _FLAGS
        foreign = self._foreign
        OWNED = _ffi.RECORD_OWNED
        RESUME = _ffi.RECORD_RESUME
        RELEASE = _ffi.RECORD_RELEASE
        HANDLER = _ffi.RECORD_HANDLER
        OP_SIZE = _OP_SIZE
        RSIZE = _RSIZE
        _bytes = bytes
        _Cancelled = Cancelled
        immediate = IMMEDIATE
        EXIT_KIND = _EXIT_KIND
        NCOUNTS = _NCOUNTS
        CSIZE = _CMD_SIZE
        deferred = self._deferred
        while True:
            if pt and not self._unsafe and not self._deferred_agens:
                # The queued awaits and the poll in one crossing (corral_host_poll_submit).
                # Only operations the core cannot refuse once the binding's own checks
                # passed go this way: the cancel flag was read when each was queued and
                # nothing can set it before the submission (every corral call submits the
                # queue first), and the awaitables of the ops that can fail or cancel other
                # tasks at submission (GROUP_EXIT, GROUP_NEXT_DONE: mark_unsafe) mark the
                # queue unsafe, which takes the path below (corral_task_await_many, then a
                # plain poll).
                ncmd = len(pt)
                cmds = join(po)
                if len(cmds) != ncmd * CSIZE:  # a bytes object that is no corral_op
                    self._bad_ops()
                    continue
                self._now = None
                if ncmd < NCOUNTS:
                    rc = poll_submit(rtp, mainp, cmds, counts[ncmd], csize, resp, rbuf, cap,
                                     rsize, nref)
                    if resb != allp:  # a command was refused (see _submit_failed)
                        self._submit_failed(resb)
                        resb[:] = allp
                else:
                    if len(big) < 4 * ncmd:
                        big_allp = array("i", [_PENDING] * (2 * ncmd)).tobytes()
                        big = bytearray(big_allp)
                        bigp = _word(ctypes.addressof(
                            (ctypes.c_char * len(big)).from_buffer(big)))
                    rc = poll_submit(rtp, mainp, cmds, _word(ncmd), csize, bigp, rbuf, cap,
                                     rsize, nref)
                    if big != big_allp:
                        self._submit_failed(big)
                        big[:] = big_allp
                pt.clear()
                po.clear()
                if deferred:
                    # the releases finalizers queued (after the commands, as the rule wants;
                    # and after the poll, which only delays when memory is freed, R74)
                    d = deferred
                    while d:
                        fn, arg = d.popleft()
                        fn(arg)
            else:
                if pt:
                    self._flush()
                if deferred or self._deferred_agens:
                    self._run_deferred()
                self._now = None
                rc = poll(rtp, mainp, rbuf, cap, rsize, nref)
            if rc:
                if self._trace_exc is not None:
                    raise self._trace_exc
                if rc < 0:
                    raise from_code(rc)
                return L.corral_rt_run_status(self._rtp)
            off = -RSIZE
            for kind, flags, status, token, errp, vtype, vas in iter_unpack(views[n_arr[0]]):
                off += RSIZE
                if kind > RESUME:
                    self._current = None
                    if kind == RELEASE:
                        objs.pop(token, None)
                        if err_task:
                            err_task.pop(token, None)
                    elif kind == HANDLER:
                        self._handler(token, off)
                    else:
                        self._callback(token)
                    continue
                t = tasks[token]
                if status == 0:
                    exc = None
                    if vtype == 0:
                        value = None
                    elif vtype == 1:
                        value = vas
                    elif vtype == 5:
                        value = objs.pop(vas) if flags & OWNED else objs[vas]
                    else:
                        (_k, _f, _s, _b, _t, _tp, _src, _e, vtype, vbind, vas, vlen,
                         _dt) = _ffi.RECORD_FMT.unpack_from(rbytes, off)
                        value = self._decode(vtype, vbind, vas, vlen, bool(flags & OWNED))
                else:
                    value = None
                    exc = exc_from(status, errp)
                # resume the coroutine until it queues an await or ends (see _step)
                self._current = t
                while True:
                    try:
                        if exc is None:
                            op = t._ctx.run(t._coro.send, value)
                        else:
                            op = t._ctx.run(t._coro.throw, exc)
                    except StopIteration as e:
                        finish_ok(t, e.value)
                        break
                    except BaseException as e:
                        finish_exc(t, e)
                        break
                    if type(op) is not _bytes:  # (the size is checked per batch, _bad_ops)
                        exc = foreign(op)
                        value = None
                        continue
                    if immediate:
                        # The unbatched design (CORRAL_PY_IMMEDIATE=1).
                        if len(op) != OP_SIZE:
                            exc = foreign(op)
                            value = None
                            continue
                        rc = await_one(t._ptr, op)
                        if rc == _PENDING:
                            break
                        exc = _Cancelled() if rc == _ECANCELLED else from_code(rc)
                        value = None
                        continue
                    f = t._flag
                    if f is None:
                        f = make_flag(t)
                    if cflags[f] and op[:4] != EXIT_KIND:
                        exc = _Cancelled()
                        value = None
                        continue
                    pt.append(t)
                    po.append(t._head)
                    po.append(op)
                    break
            self._current = None  # (set per task record above; None between batches)

    def _callback(self, token: int) -> None:
        entry = self._objs.pop(token, None)
        if entry is None:
            return
        fn, fut, ctx, name = entry
        fut._cb_fired(token)
        self._actor = name
        try:
            ctx.run(fn, fut)
        except BaseException as e:
            self._report(name, e)  # the actor its log lines have (R77: named after it)
        finally:
            self._actor = None

    def _handler(self, token: int, off: int) -> None:
        """A HANDLER record: run a group's exception callback ``cb(exc, task)`` (hat.aio).
        If it raises, the raised exception goes on along the handler chain at the group's
        parent, with the original as its context (corral_group_handler_raised, R56)."""
        (_k, _f, _s, _b, _t, taskp, _src, errp, _vt, _vb, _va, _vl,
         _dt) = _ffi.RECORD_FMT.unpack_from(self._rbytes, off)
        entry = self._handlers.get(token)
        task = self._task_of_error(errp) if taskp and errp else None
        if task is None and taskp:  # an error the core made (CleanupTimeout...) names it too
            task = self._task_of_ptr(taskp)
        exc = self._exc_of_error(errp) if errp else from_code(_ffi.EUSER, "")
        if entry is None:  # the callback was removed meanwhile: do not lose the error
            self._report(task.name if task is not None and task.name else "handler", exc)
            return
        fn, ctx, actor = entry
        self._actor = actor  # log() with no actor names the callback, as done callbacks do
        try:
            ctx.run(fn, exc, task)
        except BaseException as e:
            if e.__context__ is None and e is not exc:
                e.__context__ = exc  # as the core does for the error it passes on (R56)
            self._actor = None
            self._handler_raised(off, actor, e, task)
        finally:
            self._actor = None

    def _task_of_ptr(self, taskp: int) -> "Task":
        """The handle of the task at taskp: the running one, or (it has ended and was
        retired) a detached handle that knows its name, id and final state. Only for rare
        records (an exception callback for an error the core made), so a scan is fine."""
        for t in self._tasks.values():
            if t._ptr == taskp:
                return t
        t = _object_new(Task)
        t._runner = self
        t._ptr = 0  # no reference kept: the handle only answers queries
        t._token = 0
        t._id = L.corral_task_id(taskp)
        name = L.corral_task_name(taskp)
        t._name = name.decode("utf-8", "replace") if name else None
        t._coro = t._ctx = t._flag = t._head = None
        st = L.corral_task_state(taskp)
        t._state = {_ffi.TASK_COMPLETED: COMPLETED, _ffi.TASK_FAILED: FAILED,
                    _ffi.TASK_CANCELLED: CANCELLED}.get(st, RUNNING)
        t._result = None
        t._exc = None
        return t

    def _task_of_error(self, errp: int) -> "Task | None":
        hp = L.corral_error_host(errp)
        if hp:
            hv = _ffi.Value.from_address(hp)
            if hv.type == _HOST and hv.binding == _BINDING:
                return self._err_task.get(hv.as_.token)
        return None

    def _handler_raised(self, off: int, actor: str, e: BaseException,
                        task: "Task | None" = None) -> None:
        err = e
        if isinstance(e, Cancelled):  # Cancelled outside any task: stray (R14)
            err = from_code(_ffi.ESTRAYCANCELLATION, "")
            err.__context__ = e
        if self._pt:
            self._flush()
        rc = -1
        try:
            errp = self._new_error(err)
        except BaseException:
            errp = None
        if errp:
            if task is not None:  # the chain goes on for the same member
                self._err_task[self._tok - 1] = task
            rc = L.corral_group_handler_raised(ctypes.addressof(self._rbuf) + off, errp)
            L.corral_error_unref(errp)
        if rc < 0:  # refused (runtime closing): report it so it is not lost
            self._report(actor, e)
            return
        if isinstance(e, (KeyboardInterrupt, SystemExit)) and self._fatal is None:
            self._fatal = e  # R58, as in _report
            main = self._main
            if main is not None and main._state == RUNNING:
                if self._pt:
                    self._flush()
                L.corral_task_cancel(main._ptr)

    def set_group_handler(self, gptr: int, fn: Any, actor: str) -> int:
        """Make fn the exception callback of group gptr (None removes it); returns the
        token (0 when removed)."""
        if self._pt:
            self._flush()
        tok = 0
        if fn is not None:
            tok = self._tok
            self._tok = tok + 1
        rc = L.corral_group_set_host_handler(gptr, _BINDING, tok)
        if rc < 0:
            raise from_code(rc)
        if tok:
            self._handlers[tok] = (fn, _copy_context(), actor)
        return tok

    def _report(self, actor: str, e: BaseException) -> None:
        """An error nobody can receive (R20/R76d: a done callback that raised): hand it to
        the root group's handler chain (corral_rt_report_error), which emits
        ``root handler <actor> <err>`` and logs and counts it like a failed task's error.
        Cancelled raised outside any task is a stray cancellation (R14). KeyboardInterrupt
        and SystemExit also end the run with that exception after cleanup (R58)."""
        err = e
        if isinstance(e, Cancelled):
            err = from_code(_ffi.ESTRAYCANCELLATION, "")
            err.__context__ = e
        if self._pt:
            self._flush()
        rc = -1
        try:
            errp = self._new_error(err)
        except BaseException:
            errp = None
        if errp:
            rc = L.corral_rt_report_error(self._rtp, None,
                                          ctext(actor),
                                          errp)
            L.corral_error_unref(errp)
        if rc < 0:  # the runtime refused it (closed, out of memory): do not lose it
            import traceback
            msg = str(e) if e.args else ""
            sys.stderr.write(f"corral: unhandled error in callback {actor}: {kind_of(e)}"
                             f"{': ' + msg if msg else ''}\n")
            traceback.print_exception(e, file=sys.stderr)
        if isinstance(e, (KeyboardInterrupt, SystemExit)) and self._fatal is None:
            self._fatal = e
            main = self._main
            if main is not None and main._state == RUNNING:
                if self._pt:
                    self._flush()
                L.corral_task_cancel(main._ptr)

    def _run_deferred(self) -> None:
        d = self._deferred
        while d:
            fn, arg = d.popleft()
            fn(arg)
        a = self._deferred_agens
        while a:
            self._finalize_agen(a.popleft())

    # -- async generators (sys.set_asyncgen_hooks) -------------------------------------------

    def _agen_firstiter(self, agen: Any) -> None:
        self._agens.add(agen)

    def _agen_finalizer(self, agen: Any) -> None:
        # Called from the generator's deallocation: never schedule from here (R76c).
        self._deferred_agens.append(agen)

    def _finalize_agen(self, agen: Any) -> None:
        """Run an abandoned async generator's aclose() in a task of its own (its finally
        blocks may await), or inline with Cancelled if no task can be spawned any more."""
        try:
            self.spawn(agen.aclose(), "aclose", None)
        except Exception:
            _close_agen_now(agen)

    # -- ending ----------------------------------------------------------------------------

    def now_ns(self) -> int:
        n = self._now
        if n is None:
            if self._pt:
                self._flush()
            n = L.corral_rt_now(self._rtp)
            if n < 0:
                raise from_code(n)
            self._now = n
        return n

    def close(self) -> None:
        """Release everything: close leftover coroutines and async generators, close the
        runtime, drop every C reference we hold. Idempotent."""
        if self._closed:
            return
        self._pt.clear()
        self._po.clear()
        # The run's final line ("rt run ...") is the last one of the trace (R77, R10): detach
        # the trace before leftover coroutines and async generators are closed, so that
        # their finally blocks' log() calls are dropped (no-ops) rather than traced after it.
        if self._tracing:
            self._tracing = False
            L.corral_rt_set_trace_fn(self._rtp, _ffi.TRACE_FN(), None)
            L.corral_rt_set_trace_fd(self._rtp, -1)
        for agen in list(self._agens):
            _close_agen_now(agen)
        a = self._deferred_agens
        while a:
            _close_agen_now(a.popleft())
        releases = []
        d = self._deferred
        while d:
            releases.append(d.popleft())
        leftovers = list(self._tasks.values())
        for t in leftovers:  # tasks that never ended (e.g. after a persistent deadlock)
            self._current = t
            try:
                t._ctx.run(t._coro.close)
            except BaseException:
                pass
            finally:
                self._current = None
        L.corral_rt_close(self._rtp)
        self._closed = True
        for t in leftovers:
            t._state = DISCARDED
            t._coro = t._ctx = t._flag = None
            if t is not self._main:
                L.corral_task_unref(t._ptr)
                t._ptr = 0
        self._tasks.clear()
        m = self._main
        if m is not None and m._ptr:
            L.corral_task_unref(m._ptr)
            m._ptr = 0
        for fn, arg in releases:
            fn(arg)
        while d:  # queued by the releases above (finalizers of what they freed)
            fn, arg = d.popleft()
            fn(arg)
        a.clear()
        L.corral_rt_unref(self._rtp)
        self._objs.clear()
        self._handlers.clear()
        self._err_task.clear()


def _close_agen_now(agen: Any) -> None:
    """Close an async generator without a task: its finally blocks run, and any await in
    them raises Cancelled at once."""
    try:
        if agen.ag_frame is None or agen.ag_running:
            return
    except AttributeError:
        return
    c = agen.aclose()
    try:
        c.send(None)
        for _ in range(100):
            c.throw(Cancelled())
        c.close()
    except (StopIteration, Cancelled, GeneratorExit):
        pass
    except BaseException:
        pass


# ---- public functions ----------------------------------------------------------------------

def _parse_clock(clock: Any) -> bool:
    """True for the virtual clock."""
    if clock is None or clock == "real":
        return False
    if clock == "virtual" or isinstance(clock, VirtualClock):
        return True
    raise InvalidArgument(f"clock: expected None, 'real', 'virtual' or corral.VirtualClock(), "
                          f"got {clock!r}")


class VirtualClock:
    """Pass ``clock=corral.VirtualClock()`` (or ``clock="virtual"``) to :func:`run` for a
    clock that starts at 0 and jumps to the next deadline whenever every task is waiting
    (R10): sleeps take no real time, and a run where nothing can ever wake up ends with
    :class:`Deadlock` instead of hanging. Used by tests and the conformance corpus."""

    def __repr__(self) -> str:
        return "corral.VirtualClock()"


def run(main: Any, *args: Any, clock: Any = None, trace: Any = None, signals: bool | None = None,
        name: str = "main", strict: bool = False, escalate_signals: bool = False) -> Any:
    """Run ``main`` (a coroutine, or an async function and its arguments) as task ``main``
    (id 1) and return its value.

    When main ends, every other task is cancelled and awaited (R51). ``run`` then returns
    main's value, raises its error (the same exception object), raises :class:`Cancelled`
    if main was cancelled, :class:`Deadlock` if no task could make progress, or
    ``KeyboardInterrupt`` if a SIGINT/SIGTERM cancelled main: the first signal cancels main,
    which unwinds through its ``finally`` blocks; later signals are ignored while cleanup
    runs, unless ``escalate_signals=True``: then the second signal cancels every shield of
    every task (``shield()``, ``uncancellable``, managed cleanup), cutting waiting cleanup
    short ("press Ctrl-C again to force", R51).

    Options: ``clock="virtual"`` (or :class:`VirtualClock`) for the test clock;
    ``trace`` = a file descriptor, a file object or a callable receiving each trace line
    (R77); ``signals`` = handle SIGINT/SIGTERM (default: when called in the main thread);
    ``strict=True``: the first unhandled error (a task of the root group that failed, a done
    callback that raised) cancels main, and ``run`` then raises that very exception (R57).
    """
    if _tls.runner is not None:  # (InvalidState is also a RuntimeError, as asyncio raises)
        raise InvalidState("corral.run() cannot be called while a corral loop is running "
                           "in this thread")
    virtual = _parse_clock(clock)
    if not isinstance(name, str):
        raise TypeError("run: name must be a str")
    coro = _coroutine_of(main, args, {}, "corral.run()")
    if signals is None:
        signals = threading.current_thread() is threading.main_thread()
    try:
        r = Runner(virtual=virtual, trace=trace, signals=bool(signals), strict=bool(strict),
                   escalate_signals=bool(escalate_signals))
    except BaseException:
        coro.close()
        raise
    _tls.runner = r
    old_hooks = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=r._agen_firstiter, finalizer=r._agen_finalizer)
    try:
        r._main = r.spawn(coro, name, None)
        status = r._drive()
        return _outcome(r, status)
    finally:
        sys.set_asyncgen_hooks(*old_hooks)
        try:
            r.close()
        finally:
            _tls.runner = None


def _outcome(r: Runner, status: int) -> Any:
    if r._fatal is not None:
        raise r._fatal
    m = r._main
    assert m is not None
    if status == 0:
        return m._result
    if status == _ECANCELLED:
        if L.corral_rt_run_cause(r._rtp) == _ffi.CAUSE_SIGNAL:  # Ctrl-C / SIGTERM (R51)
            raise KeyboardInterrupt()
        raise Cancelled()
    if status == _ffi.EDEADLOCK:
        raise Deadlock("no task can make progress (run ended in a deadlock)")
    # The error behind the status: main's own, or in strict mode the first unhandled error
    # (R57); either maps back to the very exception it came from (its host payload).
    errp = L.corral_rt_run_error(r._rtp)
    if m._state == FAILED and m._exc is not None and (
            not errp or errp == L.corral_task_error(m._ptr)):
        raise m._exc
    if errp:
        raise r._exc_of_error(errp)
    raise from_code(status, "")


def spawn(fn: Any, *args: Any, name: str | None = None, group: Any = None,
          **kwargs: Any) -> Task:
    """Spawn a task running ``fn(*args, **kwargs)`` (or a coroutine / awaitable) into
    ``group`` (default: the root group; a group or preset object: its ``spawn``). Spawning
    is lazy (R7): the task's first step runs after the current one, in FIFO order. The new
    task gets a copy of the current ``contextvars`` context."""
    r = _tls.runner
    if r is None:
        _runner()
    if group is not None:
        into = getattr(group, "spawn", None)
        if not callable(into):
            raise TypeError(f"spawn: group must be a corral group, got {type(group).__name__}")
        return into(fn, *args, name=name, **kwargs)  # the group's own checks (R44)
    if type(fn) is types.FunctionType:
        coro = fn(*args, **kwargs)
        if type(coro) is not types.CoroutineType:
            coro = _coroutine_of(coro, (), {}, "corral.spawn()")
    else:
        coro = _coroutine_of(fn, args, kwargs, "corral.spawn()")
    return r.spawn(coro, name, None)  # type: ignore[union-attr]


def create_task(coro: Any, *, name: str | None = None) -> Task:
    """asyncio/aiotools spelling of :func:`spawn` for a coroutine."""
    return spawn(coro, name=name)


def current_task() -> Task:
    """The task running now (RuntimeError outside a task)."""
    t = _runner()._current
    if t is None:
        raise RuntimeError("corral.current_task() called outside a corral task")
    return t


def unhandled_count() -> int:
    """How many errors reached the root handler in this run (R57): failed tasks of groups
    without an exception callback, errors raised by exception callbacks and done callbacks."""
    r = _runner()
    if r._pt:
        r._flush()
    n = L.corral_rt_unhandled_count(r._rtp)
    if n < 0:
        raise from_code(n)
    return n


def now() -> float:
    """The time of the current tick in seconds on the run's clock (virtual: from 0; real:
    since the runtime was created). Time never advances inside a step."""
    return _runner().now_ns() / 1e9


def log(text: Any, *, actor: str | None = None) -> None:
    """Emit the trace line ``<t> <actor> log <text>`` (R77); actor defaults to the current
    task's name, or the name of the running done callback."""
    r = _runner()
    if actor is None:
        t = r._current
        actor = t.name if t is not None else (r._actor or "rt")
    if r._pt:
        r._flush()
    text = text if isinstance(text, str) else format_value(text)
    rc = L.corral_log(r._rtp, ctext(actor), ctext(text))
    if rc < 0:
        raise from_code(rc)


def shutdown() -> bool:
    """Shut the run down (codestare's escalation, R52): main is cancelled with cause SHUTDOWN,
    then the root group is closed with cancellation. True if this call cancelled main."""
    r = _runner()
    if r._pt:
        r._flush()
    rc = L.corral_rt_shutdown(r._rtp)
    if rc < 0:
        raise from_code(rc)
    return rc == 1


def inject_signal(signo: int = _signal.SIGINT) -> None:
    """Deliver a simulated SIGINT/SIGTERM to the run exactly as the real one would (R51):
    the first cancels main (cause SIGNAL), later ones are ignored."""
    r = _runner()
    if r._pt:
        r._flush()
    rc = L.corral_rt_inject_signal(r._rtp, int(signo))
    if rc < 0:
        raise from_code(rc)


@types.coroutine
def checkpoint() -> Generator[bytes, Any, None]:
    """A checkpoint: a cancel point, then one pass through the ready queue (R23)."""
    yield CHECKPOINT_OP


@types.coroutine
def sleep(delay: float) -> Generator[bytes, Any, None]:
    """Sleep ``delay`` seconds (a checkpoint; ``sleep(0)`` is :func:`checkpoint`,
    ``math.inf`` sleeps until cancelled)."""
    if delay == 0 and not isinstance(delay, bool):
        yield CHECKPOINT_OP
        return
    ns = seconds_to_ns(delay, "sleep")
    if ns < 0:
        deadline = -1
    else:
        r = _tls.runner
        if r is None:
            _runner()
        base = r._now if r._now is not None else r.now_ns()  # type: ignore[union-attr]
        deadline = base + ns
        if deadline > _INT_MAX:
            deadline = _INT_MAX
    yield _OP.pack(_ffi.OP_SLEEP, 0, 0, deadline, 0, 0, 0, 0, 0)


@types.coroutine
def sleep_until(deadline: float) -> Generator[bytes, Any, None]:
    """Sleep until the absolute time ``deadline`` (seconds on the corral clock)."""
    ns = deadline_to_ns(deadline, "sleep_until")
    yield _OP.pack(_ffi.OP_SLEEP, 0, 0, ns, 0, 0, 0, 0, 0)


def cancel_pending() -> bool:
    """True while a checkpoint of the current task would raise Cancelled (R30)."""
    t = current_task()
    f = t._flag
    if f is None:
        f = t._runner._make_flag(t)
    return bool(_FLAGS[f])


def checkpoint_if_cancelled() -> None:
    """A cancel point without a schedule point (R30): raise Cancelled if pending."""
    if cancel_pending():
        raise Cancelled()
