"""``ExitStack``: contextlib's ``AsyncExitStack`` unwound as managed cleanup (R66, R67).

Every stdlib method is inherited (``enter_async_context``, ``enter_context``, ``push``,
``push_async_exit``, ``callback``, ``push_async_callback``, ``pop_all``, ``aclose``); what
changes is how the stack unwinds and what a closed stack accepts.
"""

from __future__ import annotations

import contextlib
import sys
from types import TracebackType
from typing import Any, Callable

from ._errors import Cancelled, InvalidState
from ._group import grace_to_ns
from ._scope import cleanup_scope

_OPEN, _CLOSED = 0, 1


class ExitStack(contextlib.AsyncExitStack):
    """``contextlib.AsyncExitStack`` whose unwinding is corral managed cleanup::

        async with corral.ExitStack(cleanup_timeout=5) as stack:
            conn = await stack.enter_async_context(connect())
            stack.push_async_callback(flush, conn)
            ...

    Leaving the block (or ``await stack.aclose()``) runs the callbacks LIFO, as contextlib
    does, with these differences:

    * all of them run inside ONE managed-cleanup scope (R66): a shield whose grace is
      ``cleanup_timeout`` seconds (None: the nearest group's ``cleanup_timeout``), so a
      callback can await although the task is cancelled. If the grace runs out, the
      running callback is cancelled, the later ones still run (their awaits are cancelled
      at once), :class:`corral.CleanupTimeout` goes to the handler chain and the stack ends
      with its original outcome;
    * ``Cancelled`` is never suppressed: an exit that returns true while ``Cancelled`` is
      in flight changes nothing (R67, R68);
    * every callback runs; one raising E makes E the current error, with the previous one
      as its ``__context__`` (contextlib semantics, R67) — except a ``Cancelled``, which is
      never made a context (it stays pending in the task);
    * a closed stack is closed for good: closing it again, entering it again or pushing
      onto it raises :class:`corral.InvalidState` (contextlib silently reuses it); a
      manager whose enter was still blocking when the stack was closed is exited at once
      and its enter raises ``InvalidState`` (:meth:`enter_async_context`);
    * the push methods check their argument at once (:class:`TypeError` for something
      that is not callable), not when the stack unwinds.

    ``pop_all()`` moves every callback and the ``cleanup_timeout`` to a new stack; this
    one stays open and empty.
    """

    def __init__(self, cleanup_timeout: float | None = None) -> None:
        super().__init__()
        self._grace_ns = grace_to_ns(cleanup_timeout)
        self._cleanup_timeout = cleanup_timeout
        self._state = _OPEN

    @property
    def cleanup_timeout(self) -> float | None:
        """The grace of the unwinding in seconds; None = the nearest group's setting."""
        return self._cleanup_timeout

    @property
    def closed(self) -> bool:
        """True once the stack has started unwinding (it cannot be used again)."""
        return self._state == _CLOSED

    def _check_open(self, what: str) -> None:
        if self._state != _OPEN:
            raise InvalidState(f"ExitStack.{what}: the stack is closed")

    # -- filling ---------------------------------------------------------------------------

    async def __aenter__(self) -> "ExitStack":
        self._check_open("__aenter__")
        return self

    def pop_all(self) -> "ExitStack":
        """Move every callback (and ``cleanup_timeout``) to a new stack and return it; this
        stack stays open and empty. :class:`corral.InvalidState` once closed."""
        self._check_open("pop_all")
        new = super().pop_all()
        new._grace_ns = self._grace_ns
        new._cleanup_timeout = self._cleanup_timeout
        return new  # type: ignore[return-value]

    def push(self, exit: Any) -> Any:
        """Push an ``__exit__``-style callable or an object with ``__exit__`` (contextlib)."""
        self._check_open("push")
        if not hasattr(type(exit), "__exit__"):
            _check_callable(exit, "push")
        return super().push(exit)

    def push_async_exit(self, exit: Any) -> Any:
        """Push an ``__aexit__``-style coroutine function or an object with ``__aexit__``;
        returning true suppresses the error in flight, unless it is ``Cancelled``."""
        self._check_open("push_async_exit")
        if not hasattr(type(exit), "__aexit__"):
            _check_callable(exit, "push_async_exit")
        return super().push_async_exit(exit)

    def callback(self, callback: Callable[..., Any], /, *args: Any, **kwds: Any) -> Any:
        """Push ``callback(*args, **kwds)`` (a plain call, cannot suppress)."""
        self._check_open("callback")
        _check_callable(callback, "callback")
        return super().callback(callback, *args, **kwds)

    def push_async_callback(self, callback: Callable[..., Any], /, *args: Any,
                            **kwds: Any) -> Any:
        """Push ``await callback(*args, **kwds)`` (cannot suppress)."""
        self._check_open("push_async_callback")
        _check_callable(callback, "push_async_callback")
        return super().push_async_callback(callback, *args, **kwds)

    def enter_context(self, cm: Any) -> Any:
        """Enter a plain context manager and push its ``__exit__``. If the stack was closed
        while the manager entered, it is exited at once and :class:`corral.InvalidState`
        raised (see :meth:`enter_async_context`)."""
        what = "enter_context"
        self._check_open(what)
        cls = type(cm)
        try:
            enter, exit = cls.__enter__, cls.__exit__
        except AttributeError:
            raise TypeError(f"'{cls.__module__}.{cls.__qualname__}' object does not support "
                            f"the context manager protocol") from None
        result = enter(cm)
        if self._state != _OPEN:  # closed meanwhile: never push onto a closed stack
            err = _closed_while_entering(what)
            frame_exc = sys.exc_info()[1]
            try:
                exit(cm, type(err), err, None)  # its return value cannot suppress this
            except BaseException as e:
                _fix_context(e, err, frame_exc)
                raise
            raise err
        self._push_cm_exit(cm, exit)  # type: ignore[attr-defined]  # contextlib's
        return result

    async def enter_async_context(self, cm: Any) -> Any:
        """Enter an async context manager and push its ``__aexit__``.

        If the stack is closed while the enter blocks (another task closed it), nothing is
        pushed: the manager is exited at once, as managed cleanup (with the stack's grace)
        and with :class:`corral.InvalidState` in flight, and that ``InvalidState`` is raised
        — or the exit's own error, which wins (with it as ``__context__``). What the exit
        returns is ignored: the enter never turns into a success."""
        what = "enter_async_context"
        self._check_open(what)
        cls = type(cm)
        try:
            enter, exit = cls.__aenter__, cls.__aexit__
        except AttributeError:
            raise TypeError(f"'{cls.__module__}.{cls.__qualname__}' object does not support "
                            f"the asynchronous context manager protocol") from None
        result = await enter(cm)
        if self._state != _OPEN:  # closed while the enter blocked
            err = _closed_while_entering(what)
            frame_exc = sys.exc_info()[1]
            with cleanup_scope(None if self._grace_ns < 0 else self._grace_ns) as scope:
                try:
                    await exit(cm, type(err), err, None)
                except BaseException as e:
                    if not (isinstance(e, Cancelled) and scope.cancel_called):
                        _fix_context(e, err, frame_exc)
                        _raise_keeping_context(e)
                    # else the grace ran out: the scope absorbs it (R66); err is raised
            raise err
        self._push_async_cm_exit(cm, exit)  # type: ignore[attr-defined]  # contextlib's
        return result

    # -- unwinding -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Unwind now, as leaving the block without an error does. A second close raises
        :class:`corral.InvalidState`."""
        await self._unwind("aclose", None, sys.exc_info()[1])

    async def __aexit__(self, et: type[BaseException] | None, ev: BaseException | None,
                        tb: TracebackType | None) -> bool:
        return await self._unwind("__aexit__", ev, sys.exc_info()[1])

    async def _unwind(self, what: str, ev: BaseException | None, frame_exc: Any) -> bool:
        """Run the callbacks LIFO with ``ev`` in flight; ``frame_exc`` is the exception the
        caller's frame was handling (Python's implicit context of a callback's error)."""
        self._check_open(what)
        current = ev  # the error in flight, as the next callback sees it
        raised = False  # current came from a callback: it must be raised
        suppressed = False
        with cleanup_scope(None if self._grace_ns < 0 else self._grace_ns) as scope:
            self._state = _CLOSED  # only now: if the scope cannot be entered, it stays open
            callbacks = self._exit_callbacks  # type: ignore[attr-defined]  # contextlib's
            while callbacks:
                is_sync, cb = callbacks.pop()
                details = _details(current)
                try:
                    suppress = cb(*details) if is_sync else await cb(*details)
                except BaseException as e:
                    if isinstance(e, Cancelled) and scope.cancel_called:
                        continue  # the grace ran out: the scope's exit decides (R66)
                    _fix_context(e, current, frame_exc)
                    current, raised = e, True
                    continue
                if suppress and current is not None and not isinstance(current, Cancelled):
                    current, raised, suppressed = None, False, True
        if raised:
            assert current is not None
            _raise_keeping_context(current)
        return ev is not None and suppressed


AsyncExitStack = ExitStack


def _details(exc: BaseException | None) -> tuple[Any, Any, Any]:
    if exc is None:
        return None, None, None
    return type(exc), exc, exc.__traceback__


def _fix_context(new: BaseException, old: BaseException | None, frame_exc: Any) -> None:
    """Make ``old`` the end of ``new``'s context chain, as if the callbacks were nested
    ``with`` blocks. Python set that end to the frame's exception, or to nothing when no
    exception was being handled (contextlib then loses the chain; R67 keeps it).

    A ``Cancelled`` is never attached: the newer error replaces it with no context (the
    cancellation stays pending in the task and is raised again at its next checkpoint,
    R24), so the chain ends there, as in the C and Rust bindings."""
    if old is None or _in_chain(old, new):
        return  # re-raising an error already in the chain must not make a cycle
    while True:
        ctx = new.__context__
        if ctx is None or ctx is frame_exc or ctx is old:
            break
        new = ctx
    new.__context__ = None if isinstance(old, Cancelled) else old


def _raise_keeping_context(exc: BaseException) -> None:
    """Raise ``exc`` with the ``__context__`` it has: a plain ``raise`` while an exception
    is being handled would replace it with that one (contextlib does the same)."""
    fixed = exc.__context__
    try:
        raise exc
    except BaseException:
        exc.__context__ = fixed
        raise


def _closed_while_entering(what: str) -> InvalidState:
    return InvalidState(f"ExitStack.{what}: the stack was closed while the manager entered")


def _in_chain(exc: BaseException, target: BaseException) -> bool:
    seen = 0
    x: BaseException | None = exc
    while x is not None and seen < 1000:
        if x is target:
            return True
        x, seen = x.__context__, seen + 1
    return False


def _check_callable(fn: Any, what: str) -> None:
    if not callable(fn):
        raise TypeError(f"ExitStack.{what}(): expected a callable, got {type(fn).__name__}")


__all__ = ["ExitStack", "AsyncExitStack"]
