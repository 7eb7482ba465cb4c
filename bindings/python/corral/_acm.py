"""``asynccontextmanager``: contextlib's decorator with R68's generator protocol, whose part
after the ``yield`` runs as managed cleanup (R66) and can never suppress ``Cancelled``."""

from __future__ import annotations

import contextlib
import functools
from types import TracebackType
from typing import Any, AsyncIterator, Callable, TypeVar

from ._errors import Cancelled, InvalidState
from ._scope import cleanup_scope

T = TypeVar("T")


class GeneratorContextManager(contextlib.AbstractAsyncContextManager,
                              contextlib.AsyncContextDecorator):
    """The async context manager made by :func:`asynccontextmanager` from an async
    generator function (also usable as a decorator of async functions, as contextlib's).

    * enter runs the generator to its ``yield`` and returns the yielded value; a generator
      that finishes without yielding raises ``InvalidState("didn't yield")``;
    * exit resumes it (normal exit) or throws the error in (exceptional exit), inside a
      managed-cleanup scope (shielded, with the nearest group's ``cleanup_timeout``), so
      the generator's cleanup can await while the task is cancelled;
    * a normal exit must finish the generator: another ``yield`` raises
      ``InvalidState("didn't stop")``;
    * an exceptional exit: the generator finishing suppresses the error, except
      ``Cancelled``, which is never suppressible; yielding again raises
      ``InvalidState("didn't stop after throw")``; raising another error propagates that
      error (its ``__context__`` is the original).
    * if the cleanup grace runs out, the generator is cancelled, ``CleanupTimeout`` goes
      to the handler chain and the block's original outcome goes on.
    """

    def __init__(self, func: Callable[..., Any], args: tuple, kwds: dict) -> None:
        self.gen = func(*args, **kwds)
        if not hasattr(self.gen, "__anext__") or not hasattr(self.gen, "athrow"):
            if hasattr(self.gen, "close"):
                self.gen.close()  # e.g. a coroutine: no "never awaited" warning
            raise TypeError(f"asynccontextmanager: {getattr(func, '__qualname__', func)!r} "
                            "must be an async generator function")
        self.func, self.args, self.kwds = func, args, kwds
        self.__doc__ = getattr(func, "__doc__", None)

    def _recreate_cm(self) -> "GeneratorContextManager":
        # used by AsyncContextDecorator: each decorated call gets a fresh generator
        return self.__class__(self.func, self.args, self.kwds)

    async def __aenter__(self) -> Any:
        try:
            return await anext(self.gen)
        except StopAsyncIteration:
            raise InvalidState("didn't yield") from None

    async def __aexit__(self, typ: type[BaseException] | None, value: BaseException | None,
                        tb: TracebackType | None) -> bool:
        if typ is None:
            return await self._finish()
        if value is None:
            value = typ()  # an instance, to tell it apart from another error
        return await self._throw(value, tb)

    async def _finish(self) -> bool:
        stopped = False
        with cleanup_scope() as scope:
            try:
                await anext(self.gen)
            except StopAsyncIteration:
                stopped = True
        if stopped or scope.cancelled_caught:
            return False  # grace expiry: the generator is gone, the block's outcome goes on
        await self._close_shielded()
        raise InvalidState("didn't stop")

    async def _throw(self, value: BaseException, tb: TracebackType | None) -> bool:
        outcome = "yielded"
        with cleanup_scope() as scope:
            try:
                await self.gen.athrow(value)
            except StopAsyncIteration as exc:
                outcome = "propagate" if exc is value else "finished"
            except RuntimeError as exc:
                # PEP 479: a StopAsyncIteration thrown in comes back wrapped
                if exc is value or (isinstance(value, StopAsyncIteration)
                                    and exc.__cause__ is value):
                    outcome = "propagate"
                else:
                    raise
            except BaseException as exc:
                if exc is not value:
                    raise  # a new error from the generator (the grace's Cancelled: absorbed)
                outcome = "propagate"
        if outcome == "propagate" or scope.cancelled_caught:
            value.__traceback__ = tb
            return False
        if outcome == "finished":
            return not isinstance(value, Cancelled)  # Cancelled is never suppressed (R68)
        await self._close_shielded()
        raise InvalidState("didn't stop after throw")

    async def _close_shielded(self) -> None:
        with cleanup_scope():
            await self.gen.aclose()


def asynccontextmanager(func: Callable[..., AsyncIterator[T]]
                        ) -> Callable[..., contextlib.AbstractAsyncContextManager[T]]:
    """Decorator: an async generator function becomes a factory of async context managers
    (contextlib's ``asynccontextmanager``, aiotools ``actxmgr``), following R68 — see
    :class:`GeneratorContextManager`::

        @corral.asynccontextmanager
        async def connection(addr):
            conn = await connect(addr)
            try:
                yield conn
            finally:
                await conn.close()   # runs shielded, even when the task is cancelled

    Differences from contextlib: the part after ``yield`` runs as managed cleanup; a
    generator that catches ``Cancelled`` and returns does not suppress it; protocol
    errors are :class:`corral.InvalidState` (a ``RuntimeError``) with R68's messages.
    """
    if not callable(func):
        raise TypeError(f"asynccontextmanager: expected a function, got {type(func).__name__}")

    @functools.wraps(func)
    def helper(*args: Any, **kwds: Any) -> GeneratorContextManager:
        return GeneratorContextManager(func, args, kwds)

    return helper


actxmgr = asynccontextmanager

__all__ = ["asynccontextmanager", "actxmgr", "GeneratorContextManager"]
