"""Cancel scopes with deadlines and shields (R24-R40), and ``uncancellable`` (R33, R34).

Scopes are plain (synchronous) context managers: entering or leaving one is never a
checkpoint (R25). ``async with`` works too and is equally free of suspension points.
"""

from __future__ import annotations

import math
from typing import Any, Awaitable, TypeVar

from . import _ffi
from ._core import L, Runner, _own, _runner, deadline_to_ns, seconds_to_ns
from ._errors import Cancelled, InvalidState, code_of, from_code

T = TypeVar("T")

# How a scope is entered: absolute deadline, relative deadline, plain shield, managed
# cleanup with the grace of the task's group chain, managed cleanup with a given grace.
_ABS, _REL, _SHIELD, _CLEANUP, _CLEANUP_GRACE = 0, 1, 2, 3, 4


class CancelScope:
    """A cancel scope of the current task (trio's ``CancelScope``).

    ``with CancelScope(deadline=t, shield=False) as s:`` — the body is cancelled when
    ``s.cancel()`` is called or the absolute deadline ``t`` (seconds on the corral clock)
    passes; the ``Cancelled`` is absorbed when it leaves the scope (R28) and
    ``s.cancelled_caught`` tells whether that happened. A ``fail`` scope
    (:func:`fail_after`/:func:`fail_at`) raises :class:`corral.Timeout` instead when its own
    deadline was the cause (R38). A shield blocks cancellation of outer scopes (R32).
    Most code uses :func:`move_on_after`, :func:`fail_after` and :func:`shield`.
    """

    __slots__ = ("_kind", "_mode", "_arg", "_shield", "_ptr", "_runner", "_state",
                 "_cancel_early", "__weakref__")

    def __init__(self, *, deadline: float | None = None, shield: bool = False) -> None:
        self._init(_ffi.SCOPE_MOVE_ON, _ABS, deadline_to_ns(deadline, "CancelScope"),
                   bool(shield))

    def _init(self, kind: int, mode: int, arg: int, shield: bool) -> None:
        self._kind = kind
        self._mode = mode
        self._arg = arg  # ns: absolute deadline (-1 none) or relative duration
        self._shield = shield
        self._ptr = 0
        self._runner: Runner | None = None
        self._state = 0  # 0 new, 1 entered, 2 exited
        self._cancel_early = False

    @classmethod
    def _make(cls, kind: int, mode: int, arg: int, shield: bool = False) -> "CancelScope":
        s = object.__new__(cls)
        s._init(kind, mode, arg, shield)
        return s

    # -- entering and leaving ------------------------------------------------------------

    def __enter__(self) -> "CancelScope":
        if self._state:
            raise InvalidState("a cancel scope can be entered only once")
        r = _runner()
        t = r._current
        if t is None:
            raise RuntimeError("cancel scopes need a running corral task")
        if r._pt:
            r._flush()
        mode = self._mode
        if mode == _REL:
            fn = L.corral_fail_after if self._kind == _ffi.SCOPE_FAIL else L.corral_move_on_after
            rc = fn(r._outp, t._ptr, self._arg)
        elif mode == _SHIELD:
            rc = L.corral_shield(r._outp, t._ptr)
        elif mode == _CLEANUP:
            rc = L.corral_cleanup_enter(r._outp, t._ptr)
        elif mode == _CLEANUP_GRACE:
            dl = -1 if self._arg < 0 else min(r.now_ns() + self._arg, _ffi.INT64_MAX)
            rc = L.corral_scope_enter(r._outp, t._ptr, _ffi.SCOPE_CLEANUP, dl, 1)
        else:
            rc = L.corral_scope_enter(r._outp, t._ptr, self._kind, self._arg,
                                      1 if self._shield else 0)
        if rc < 0:
            raise from_code(rc)
        self._ptr = r._out.value  # type: ignore[assignment]
        self._runner = r
        self._state = 1
        if self._cancel_early:
            L.corral_scope_cancel(self._ptr)
        return self

    def __exit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        r = self._runner
        if r is None or self._state != 1:
            raise InvalidState("cancel scope exited without being entered")
        if r._pt:
            r._flush()
        status = 0 if ev is None else code_of(ev)
        rc = L.corral_scope_exit(self._ptr, status)
        self._state = 2
        if rc == status:
            return False
        if rc == 0:
            return True  # a Cancelled this scope owned was absorbed (R28)
        raise from_code(rc, "")  # Timeout from a fail scope (R38), or misuse

    async def __aenter__(self) -> "CancelScope":
        return self.__enter__()

    async def __aexit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        return self.__exit__(et, ev, tb)

    def __del__(self) -> None:
        try:
            ptr = self._ptr
            r = self._runner
        except AttributeError:
            return
        if ptr and r is not None:
            self._ptr = 0
            r._release(L.corral_scope_unref, ptr)

    # -- control and queries -------------------------------------------------------------

    def cancel(self) -> None:
        """Cancel the scope (cause EXPLICIT unless it was already cancelled; sticky).
        Before the scope is entered, it will be entered cancelled."""
        if self._state == 0:
            self._cancel_early = True
            return
        r = self._runner
        _own(r)  # type: ignore[arg-type]
        if r._pt:  # type: ignore[union-attr]
            r._flush()  # type: ignore[union-attr]
        rc = L.corral_scope_cancel(self._ptr)
        if rc < 0:
            raise from_code(rc)

    def _query(self, fn: Any) -> int:
        r = self._runner
        _own(r)  # type: ignore[arg-type]
        if r._pt:  # type: ignore[union-attr]
            r._flush()  # type: ignore[union-attr]
        rc = fn(self._ptr)
        if rc < 0:
            raise from_code(rc)
        return rc

    @property
    def cancelled_caught(self) -> bool:
        """True if this scope absorbed a Cancelled (its cancellation took effect, R28)."""
        return self._state != 0 and self._query(L.corral_scope_cancelled_caught) == 1

    @property
    def cancel_called(self) -> bool:
        """True once the scope is cancelled (explicitly or by its deadline)."""
        if self._state == 0:
            return self._cancel_early
        return self._query(L.corral_scope_cancel_called) == 1

    @property
    def cause(self) -> str:
        """The cause of the scope's first cancellation: "NONE", "EXPLICIT", "DEADLINE", ..."""
        if self._state == 0:
            return "EXPLICIT" if self._cancel_early else "NONE"
        return L.corral_cause_name(self._query(L.corral_scope_cause)).decode()

    @property
    def shield(self) -> bool:
        return self._shield or self._mode >= _SHIELD

    @property
    def deadline(self) -> float:
        """The absolute deadline in seconds on the corral clock (``math.inf`` = none).
        Before a relative scope is entered its deadline is not known yet (``math.inf``).
        Setting it reschedules; a value in the past cancels the scope at once (R37)."""
        if self._state == 0:
            if self._mode == _ABS and self._arg >= 0:
                return self._arg / 1e9
            return math.inf
        r = self._runner
        _own(r)  # type: ignore[arg-type]
        if r._pt:  # type: ignore[union-attr]
            r._flush()  # type: ignore[union-attr]
        ns = L.corral_scope_deadline(self._ptr)
        return math.inf if ns < 0 else ns / 1e9

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        ns = deadline_to_ns(value, "deadline")
        if self._state == 0:
            self._mode = _ABS
            self._arg = ns
            return
        r = self._runner
        _own(r)  # type: ignore[arg-type]
        if r._pt:  # type: ignore[union-attr]
            r._flush()  # type: ignore[union-attr]
        rc = L.corral_scope_set_deadline(self._ptr, ns)
        if rc < 0:
            raise from_code(rc)

    def __repr__(self) -> str:
        state = ("new", "active", "exited")[self._state]
        return f"<corral.CancelScope {state}>"


def move_on_at(deadline: float | None) -> CancelScope:
    """A scope cancelled at the absolute time ``deadline``; the cancellation is absorbed
    at its end (R37)."""
    return CancelScope._make(_ffi.SCOPE_MOVE_ON, _ABS, deadline_to_ns(deadline, "move_on_at"))


def move_on_after(seconds: float) -> CancelScope:
    """A scope cancelled ``seconds`` after it is *entered* (R37)."""
    ns = seconds_to_ns(seconds, "move_on_after")
    if ns < 0:
        return CancelScope._make(_ffi.SCOPE_MOVE_ON, _ABS, -1)
    return CancelScope._make(_ffi.SCOPE_MOVE_ON, _REL, ns)


def fail_at(deadline: float | None) -> CancelScope:
    """Like :func:`move_on_at`, but raise :class:`corral.Timeout` at the end if the
    deadline cancelled the body (R38)."""
    return CancelScope._make(_ffi.SCOPE_FAIL, _ABS, deadline_to_ns(deadline, "fail_at"))


def fail_after(seconds: float) -> CancelScope:
    """Like :func:`move_on_after`, but raise :class:`corral.Timeout` (R38)."""
    ns = seconds_to_ns(seconds, "fail_after")
    if ns < 0:
        return CancelScope._make(_ffi.SCOPE_FAIL, _ABS, -1)
    return CancelScope._make(_ffi.SCOPE_FAIL, _REL, ns)


def cleanup_scope(grace_ns: int | None = None) -> CancelScope:
    """A managed-cleanup scope (R66): a shield with a grace deadline. ``grace_ns`` None takes
    the grace from the current task's group chain (corral_cleanup_enter); otherwise it is the
    grace in ns from entry (-1 = unlimited). If the grace runs out, the scope is cancelled and
    absorbs that, ``cancelled_caught`` is then True, and ``CleanupTimeout`` goes to the
    handler chain: the caller goes on with its original outcome."""
    if grace_ns is None:
        return CancelScope._make(_ffi.SCOPE_CLEANUP, _CLEANUP, -1, True)
    return CancelScope._make(_ffi.SCOPE_CLEANUP, _CLEANUP_GRACE, grace_ns, True)


def shield() -> CancelScope:
    """A scope that blocks cancellation of outer scopes for its body (R32). Leaving it does
    not raise; a pending outer cancellation is raised at the next checkpoint."""
    return CancelScope._make(_ffi.SCOPE_MOVE_ON, _SHIELD, -1, True)


async def uncancellable(aw: Awaitable[T], raise_cancel: bool = True) -> T:
    """Await ``aw`` in the current task, shielded until it finishes (R33, R34).

    If it raised, that error propagates. Otherwise, if the task was cancelled meanwhile:
    with ``raise_cancel=True`` raise ``Cancelled`` (the result is discarded); with
    ``raise_cancel=False`` return the result — the cancellation stays pending and is raised
    at the next checkpoint (deferred, never swallowed). Awaiting a task or a future this way
    never cancels it.
    """
    r = _runner()
    t = r._current
    if t is None:
        raise RuntimeError("uncancellable() needs a running corral task")
    if r._pt:
        r._flush()
    rc = L.corral_shield(r._outp, t._ptr)
    if rc < 0:
        raise from_code(rc)
    s = r._out.value
    rcflag = 1 if raise_cancel else 0
    try:
        try:
            result = await aw
        except BaseException as e:
            status = code_of(e)
            if r._pt:
                r._flush()
            rc = L.corral_scope_exit_uncancellable(s, status, rcflag)
            if rc == status:
                raise
            if rc == 0:
                return None  # type: ignore[return-value]  # absorbed (cannot happen today)
            raise from_code(rc, "") from e
        if r._pt:
            r._flush()
        rc = L.corral_scope_exit_uncancellable(s, 0, rcflag)
        if rc == _ffi.ECANCELLED:
            raise Cancelled()
        if rc < 0:
            raise from_code(rc, "")
        return result
    finally:
        if not r._closed:
            if r._pt:
                r._flush()
            L.corral_scope_unref(s)
