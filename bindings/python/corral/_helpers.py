"""The coroutine helpers of hat.aio and aiotools that need no group (R66, R73):
``call``, ``call_on_cancel``, ``call_on_done``, ``first`` and ``cancel_and_join``.

The helpers that run members (race, gather_safe, as_completed_safe) are in
``_group_helpers.py``.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, AsyncIterable, Awaitable, Callable, TypeVar

from ._core import Task, sleep
from ._errors import Cancelled, TaskCancelled
from ._scope import cleanup_scope

T = TypeVar("T")


def _check_fn(fn: Any, what: str) -> None:
    if not callable(fn):
        raise TypeError(f"{what}: expected a callable, got {type(fn).__name__}")


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn(*args, **kwargs)``; if the result is awaitable, await it (hat.aio
    ``call``): one spelling for sync and async callbacks."""
    _check_fn(fn, "call()")
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


async def call_on_cancel(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Wait until the current task is cancelled, then run ``fn(*args, **kwargs)`` (sync or
    async) as managed cleanup and return its result (R73): shielded, bounded by the group's
    ``cleanup_timeout`` (R66), so the task ends COMPLETED with fn's value (R14). If the
    grace runs out, ``fn`` is cancelled, ``CleanupTimeout`` goes to the handler chain and
    the task ends cancelled. Keyword arguments are passed as keywords (hat passes their
    names positionally)."""
    _check_fn(fn, "call_on_cancel()")
    try:
        await sleep(math.inf)  # only cancellation ends it
    except Cancelled:
        pass
    result = None
    with cleanup_scope() as scope:
        result = await call(fn, *args, **kwargs)
    if scope.cancelled_caught:  # the grace ran out: back to the original outcome
        raise Cancelled()
    return result


async def call_on_done(f: Awaitable[Any], fn: Callable[..., Any], *args: Any,
                       **kwargs: Any) -> Any:
    """Await ``f``, ignoring its error (hat's ``suppress(Exception)``), then call
    ``fn(*args, **kwargs)`` and return its result (R73). Cancelled while waiting: ``fn`` is
    not called, and ``f`` is not cancelled if it is a future or a task (R21); a coroutine
    ``f`` runs inline and is cancelled with the caller."""
    _check_fn(fn, "call_on_done()")
    if not inspect.isawaitable(f):
        raise TypeError(f"call_on_done(): expected an awaitable, got {type(f).__name__}")
    try:
        await f
    except Exception:
        pass
    return await call(fn, *args, **kwargs)


async def first(xs: AsyncIterable[T], pred: Callable[[T], Any] | None = None,
                default: Any = None) -> Any:
    """The first item of the async iterable ``xs`` for which ``pred(item)`` is true (any
    item when ``pred`` is None), else ``default`` once ``xs`` is exhausted (hat.aio
    ``first``). Items before the match are consumed and the iterator is not closed (on a
    queue the rest stays queued). ``pred`` may be async."""
    if pred is not None:
        _check_fn(pred, "first()")
    if not hasattr(xs, "__aiter__"):
        raise TypeError(f"first(): expected an async iterable, got {type(xs).__name__}")
    async for x in xs:
        if pred is None:
            return x
        match = pred(x)
        if inspect.isawaitable(match):
            match = await match
        if match:
            return x
    return default


async def cancel_and_join(task: Task) -> Any:
    """Cancel ``task`` and wait until it is done (aiotools ``cancel_and_wait``): returns
    None if it ended cancelled, its value if it completed anyway (R14), raises its error
    if it failed. The wait is a checkpoint: if the caller is cancelled meanwhile it gets
    ``Cancelled`` and the task stays cancelled."""
    if not isinstance(task, Task):
        raise TypeError(f"cancel_and_join(): expected a corral Task, got {type(task).__name__}")
    task.cancel()
    try:
        return await task
    except TaskCancelled:
        if task.cancelled():
            return None
        raise
