"""One-shot futures (R19-R22)."""

from __future__ import annotations

import contextvars
from typing import Any, Callable, Generator

from . import _ffi
from ._core import L, _OP, Runner, _own, _runner, deadline_to_ns
from ._errors import (Cancelled, Closed, FutureCancelled, InvalidArgument, InvalidState,
                      from_code)
from ._handle import CHandle

_PENDING, _RESULT, _ERROR, _CANCELLED = (_ffi.FUTURE_PENDING, _ffi.FUTURE_RESULT,
                                         _ffi.FUTURE_ERROR, _ffi.FUTURE_CANCELLED)


class Future(CHandle):
    """A one-shot future: PENDING, then exactly once RESULT, ERROR or CANCELLED.

    ``await fut`` is a checkpoint (R23) that returns the result, raises the error (the same
    exception object) or raises :class:`FutureCancelled`; cancelling a waiter never affects
    the future (R21). Done callbacks and awaiting tasks share one listener list and run in
    registration order, never inside the call that completed the future (R8, R20).

    ``close()`` (or ``with Future() as f``) cancels the future if pending and releases it;
    the garbage collector does the same as a backstop.
    """

    __slots__ = ("_state", "_value", "_cbs", "__weakref__")
    _unref = L.corral_future_unref
    _released_msg = "the future is closed"

    def __init__(self) -> None:
        r = _runner()
        if r._pt:
            r._flush()
        rc = L.corral_future_new(r._outp, r._rtp)
        if rc < 0:
            raise from_code(rc)
        self._ptr: int = r._out.value  # type: ignore[assignment]
        self._runner: Runner = r
        self._state = _PENDING
        self._value: Any = None  # result, or the exception
        self._cbs: dict[int, tuple[Callable, int]] | None = None  # token -> (fn, callback id)

    # -- completing ------------------------------------------------------------------------

    def set_result(self, value: Any) -> None:
        """Complete with ``value``; :class:`InvalidState` if already done (R19)."""
        r = self._live()
        v, tok = r._encode(value)
        rc = L.corral_future_set_result(self._ptr, v)
        if rc < 0:
            if tok:
                del r._objs[tok]
            raise from_code(rc)
        self._state = _RESULT
        self._value = value

    def set_exception(self, exc: BaseException) -> None:
        """Complete with an error; awaiting tasks get this very exception object."""
        if isinstance(exc, type) and issubclass(exc, BaseException):
            exc = exc()
        if not isinstance(exc, BaseException):
            raise TypeError(f"set_exception: expected an exception, got {exc!r}")
        if isinstance(exc, Cancelled):
            # (the core's kind for it, in every language: cancellation is control flow)
            raise InvalidArgument("set_exception: Cancelled is not an error; use cancel()")
        r = self._live()
        errp = r._new_error(exc)
        rc = L.corral_future_set_error(self._ptr, errp)
        L.corral_error_unref(errp)
        if rc < 0:
            raise from_code(rc)
        self._state = _ERROR
        self._value = exc

    def try_set_result(self, value: Any) -> bool:
        """set_result that returns False instead of raising when already done."""
        if self._state != _PENDING:
            return False
        self.set_result(value)
        return True

    def try_set_exception(self, exc: BaseException) -> bool:
        if self._state != _PENDING:
            return False
        self.set_exception(exc)
        return True

    def cancel(self) -> bool:
        """Cancel a pending future (True), else do nothing (False); :class:`corral.Closed`
        after ``close()``, as completing it would."""
        self._live()  # (raises Closed once closed)
        if self._state != _PENDING:
            return False
        rc = L.corral_future_cancel(self._ptr)
        if rc < 0:
            raise from_code(rc)
        if rc:
            self._state = _CANCELLED
        return rc == 1

    def close(self) -> None:
        """Cancel if pending and release the C future. Idempotent; afterwards completing,
        awaiting or adding callbacks raises :class:`corral.Closed` (queries still work)."""
        ptr = self._ptr
        if not ptr:
            return
        r = self._runner
        if r._closed:
            self._ptr = 0
            L.corral_future_unref(ptr)
            return
        _own(r)
        if r._pt:
            r._flush()
        if self._state == _PENDING and L.corral_future_close(ptr) >= 0:
            self._state = _CANCELLED
        self._ptr = 0
        L.corral_future_unref(ptr)
        # the callbacks stay: completing (or the cancel above) queued every one of them, and
        # the core runs them, as in every language (R8, R20)

    def __enter__(self) -> "Future":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------------------

    def done(self) -> bool:
        return self._state != _PENDING

    def pending(self) -> bool:
        return self._state == _PENDING

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def result(self) -> Any:
        """The result; raises the error, :class:`FutureCancelled`, or
        :class:`InvalidState` while pending."""
        st = self._state
        if st == _RESULT:
            return self._value
        if st == _ERROR:
            raise self._value
        if st == _CANCELLED:
            raise FutureCancelled()  # as an await reports it
        raise InvalidState("the future is pending")

    def exception(self) -> BaseException | None:
        st = self._state
        if st == _RESULT:
            return None
        if st == _ERROR:
            return self._value
        return self.result()  # raises

    # -- callbacks -------------------------------------------------------------------------

    def add_done_callback(self, fn: Callable[["Future"], Any]) -> None:
        """Call ``fn(future)`` when the future is done, as its own entry in the ready queue
        (R20); immediately queued if already done. ``corral.log()`` inside it uses the
        function's name as the actor. An exception it raises is reported, not propagated."""
        if not callable(fn):
            raise TypeError("add_done_callback: fn must be callable")
        r = self._live()
        tok = r._tok
        r._tok = tok + 1
        name = getattr(fn, "__name__", None) or type(fn).__name__
        r._objs[tok] = (fn, self, contextvars.copy_context(), name)
        cid = L.corral_future_add_host_callback(self._ptr, _ffi.BINDING, tok)
        if cid < 0:
            del r._objs[tok]
            raise from_code(cid)
        if self._cbs is None:
            self._cbs = {}
        self._cbs[tok] = (fn, cid)

    def remove_done_callback(self, fn: Callable[["Future"], Any]) -> int:
        """Remove callbacks ``fn`` that have not been queued yet; returns how many."""
        if not self._cbs:
            return 0
        r = self._live()
        removed = 0
        for tok, (f, cid) in list(self._cbs.items()):
            if f == fn and L.corral_future_remove_callback(self._ptr, cid) == 1:
                del self._cbs[tok]
                r._objs.pop(tok, None)
                removed += 1
        return removed

    def _cb_fired(self, token: int) -> None:
        if self._cbs:
            self._cbs.pop(token, None)

    # -- awaiting --------------------------------------------------------------------------

    def __await__(self) -> Generator[bytes, Any, Any]:
        ptr = self._ptr
        if not ptr:
            raise Closed("the future is closed")
        return (yield _OP.pack(_ffi.OP_FUTURE, 0, ptr, -1, 0, 0, 0, 0, 0))

    def wait(self, *, deadline: float | None = None) -> Any:
        """Await with a per-call absolute deadline (R41): :class:`corral.Timeout` if it
        expires first (the future stays pending)."""
        return _FutureWait(self, deadline_to_ns(deadline, "wait"))

    def __repr__(self) -> str:
        st = ("pending", "result", "error", "cancelled")[self._state]
        return f"<corral.Future {st}{' closed' if not self._ptr else ''}>"


class _FutureWait:
    __slots__ = ("_f", "_dl")

    def __init__(self, f: Future, dl: int) -> None:
        self._f = f
        self._dl = dl

    def __await__(self) -> Generator[bytes, Any, Any]:
        f = self._f
        if not f._ptr:
            raise Closed("the future is closed")
        return (yield _OP.pack(_ffi.OP_FUTURE, 0, f._ptr, self._dl, 0, 0, 0, 0, 0))
