"""``defer`` / ``adefer``: Go-style deferred calls for a function (aiotools ``defer`` and
``adefer``), where every deferred call runs (R67) and, for ``adefer``, as managed cleanup
(R66)."""

from __future__ import annotations

import functools
import inspect
import sys
from typing import Any, Awaitable, Callable, TypeVar

from ._errors import InvalidState
from ._exitstack import ExitStack, _fix_context

T = TypeVar("T")


def defer(func: Callable[..., T]) -> Callable[..., T]:
    """Decorator of a plain function: it receives a registrar ``defer(fn, *args, **kw)`` as
    its first argument, and the registered calls run LIFO when it returns or raises::

        @corral.defer
        def copy(defer, src, dst):
            f = open(src)
            defer(f.close)
            ...

    Every deferred call runs even if an earlier one raised (R67; aiotools stops at the
    first): a call raising E makes E the error that propagates, with the previous one
    (or the function's own error) as its ``__context__``. Async callables cannot be
    deferred here (:class:`TypeError`; use :func:`adefer`), nor can an async function be
    decorated. Registering after the function returned raises :class:`corral.InvalidState`.
    """
    if not callable(func):
        raise TypeError(f"defer: expected a function, got {type(func).__name__}")
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise TypeError("defer: the decorated function must not be async (use adefer)")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        calls = _SyncDeferred()
        try:
            result = func(calls, *args, **kwargs)
        except BaseException as e:
            calls.unwind(e)
            raise
        calls.unwind(None)
        return result

    return wrapper


def adefer(func: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Decorator of an async function: it receives a registrar ``defer(fn, *args, **kw)``
    as its first argument, and the registered calls run LIFO when it returns, raises or is
    cancelled::

        @corral.adefer
        async def handle(defer, addr):
            conn = await connect(addr)
            defer(conn.close)            # sync or async: awaited if it returns an awaitable
            ...

    ``fn`` may be a plain callable, an async callable (awaited in the function's own task)
    or, without arguments, an awaitable. The calls run as managed cleanup — one shielded
    scope with the nearest group's ``cleanup_timeout`` (R66), so they can await while the
    task is cancelled — and every one runs (R67, unlike aiotools): a call raising E makes
    E the error that propagates, with the previous one as its ``__context__``.
    Something that is neither callable nor awaitable raises :class:`TypeError` at
    registration; registering after the function ended raises
    :class:`corral.InvalidState`.
    """
    if not inspect.iscoroutinefunction(func):
        raise TypeError("adefer: the decorated function must be async (use defer)")

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        stack = ExitStack()
        async with stack:
            result = await func(_AsyncDeferred(stack), *args, **kwargs)
        return result  # the stack cannot suppress: its callbacks never see the error

    return wrapper


class _SyncDeferred:
    """The registrar of :func:`defer` and its unwinding."""

    __slots__ = ("_calls", "_closed")

    def __init__(self) -> None:
        self._calls: list[tuple[Callable[..., Any], tuple, dict]] = []
        self._closed = False

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        if self._closed:
            raise InvalidState("defer: the function has already returned")
        if not callable(fn):
            raise TypeError(f"defer: expected a callable, got {type(fn).__name__}")
        if inspect.iscoroutinefunction(fn) or inspect.isawaitable(fn):
            raise TypeError("defer: cannot defer an async callable (use adefer)")
        self._calls.append((fn, args, kwargs))

    def unwind(self, exc: BaseException | None) -> None:
        """Run every call LIFO; raise the last error of a call, chained (R67)."""
        self._closed = True
        frame_exc = sys.exc_info()[1]
        current, raised = exc, False
        while self._calls:
            fn, args, kwargs = self._calls.pop()
            try:
                result = fn(*args, **kwargs)
                if inspect.isawaitable(result):
                    if inspect.iscoroutine(result):
                        result.close()  # never awaited: no "never awaited" warning
                    raise TypeError(f"defer: {fn!r} returned an awaitable (use adefer)")
            except BaseException as e:
                _fix_context(e, current, frame_exc)
                current, raised = e, True
        if raised:
            assert current is not None
            fixed = current.__context__
            try:
                raise current
            except BaseException:
                current.__context__ = fixed  # raising inside `except` would replace it
                raise


class _AsyncDeferred:
    """The registrar of :func:`adefer`: pushes onto the function's :class:`ExitStack`."""

    __slots__ = ("_stack",)

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack

    def __call__(self, fn: Any, /, *args: Any, **kwargs: Any) -> None:
        if self._stack.closed:
            raise InvalidState("adefer: the function has already returned")
        if callable(fn):
            self._stack.push_async_callback(_call, fn, *args, **kwargs)
        elif inspect.isawaitable(fn) and not args and not kwargs:
            self._stack.push_async_callback(_await, fn)
        else:
            raise TypeError(f"adefer: expected a callable or an awaitable, "
                            f"got {type(fn).__name__}")


async def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        await result


async def _await(aw: Awaitable[Any]) -> None:
    await aw


__all__ = ["defer", "adefer"]
