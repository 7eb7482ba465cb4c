"""codestare ``TaskNursery`` (R52, R66, R67): an exit stack plus a free group closed by a
sentinel, with a name registry.

The nursery is a free SUPERVISE group named after the nursery whose first member is the
sentinel task ``<name>.sentinel``: it waits until it is cancelled (the group closing), then
runs the exit callbacks LIFO as managed cleanup (``call_on_cancel``) and returns. A member
failure is escalated by default: logged, and the run is shut down (main is cancelled), as
codestare's loop exception handler does.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, Callable, ClassVar

from ._core import Task, shutdown
from ._errors import GroupClosed
from ._group import ExceptionCb, Group, check_callable, check_name
from ._helpers import call, call_on_cancel
from ._resource import Resource

_UNSET: Any = object()
_log = logging.getLogger("corral")


class TaskNursery(Resource):
    """``TaskNursery(name=None)`` (codestare): ``create_task(coro, name=None)`` spawns a
    member; ``push_callback(fn, *args, **kw)`` / ``push_async_callback(fn, *args, **kw)``
    register exit callbacks; ``await aclose()`` (or the end of ``async with``) closes the
    group with cancellation and waits: the sentinel, the lowest task id of the group, runs
    the callbacks LIFO (every one runs; the last error wins, R67) while the other members
    unwind. ``TaskNursery.registry[name]`` is the live nursery of that name.

    ``exception_cb`` (default: escalate = log the error on the ``corral`` logger and cancel
    main, so the run ends) receives member failures; None sends them up the handler chain
    to the root handler instead.
    """

    registry: ClassVar["weakref.WeakValueDictionary[str, TaskNursery]"] = \
        weakref.WeakValueDictionary()

    __slots__ = ("_name", "_group", "_callbacks", "_sentinel", "__weakref__")

    def __init__(self, name: str | None = None, *, exception_cb: Any = _UNSET,
                 cleanup_timeout: float | None = None) -> None:
        check_name(name, "TaskNursery")
        key = name if name is not None else f"TaskNursery-{len(TaskNursery.registry)}"
        cb: ExceptionCb | None = self._escalate if exception_cb is _UNSET else exception_cb
        check_callable(cb, "TaskNursery: exception_cb")
        self._name = key
        self._callbacks: list[tuple[Callable[..., Any], tuple, dict]] = []
        self._group = Group(key, exception_cb=cb, cleanup_timeout=cleanup_timeout)
        self._group._runner._groups[self._group._ptr] = self
        self._sentinel = self._group.spawn(call_on_cancel, self._run_exit_callbacks,
                                           name=f"{key}.sentinel")
        TaskNursery.registry[key] = self

    @property
    def name(self) -> str:
        return self._name

    @property
    def async_group(self) -> Group:
        return self._group

    @property
    def sentinel_task(self) -> Task:
        """The sentinel member that runs the exit callbacks when the nursery closes."""
        return self._sentinel

    def _escalate(self, exc: BaseException, task: "Task | None") -> None:
        """The default exception callback: log, then shut the run down (cause SHUTDOWN)."""
        who = task.name if task is not None else "?"
        _log.error("unhandled error in TaskNursery %s task %s; shutting down", self._name,
                   who, exc_info=exc)
        shutdown()

    # -- members and callbacks -------------------------------------------------------------

    def create_task(self, coro: Any, *, name: str | None = None) -> Task:
        """Spawn ``coro`` as a member, named ``name`` or ``<coroutine name>:<nursery>``;
        :class:`corral.GroupClosed` once the nursery is closing."""
        if name is None:
            name = f"{getattr(coro, '__name__', 'task')}:{self._name}"
        return self._group.spawn(coro, name=name)

    def spawn(self, fn: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Task:
        """Spawn ``fn(*args, **kwargs)`` as a member (corral's spelling)."""
        return self._group.spawn(fn, *args, name=name, **kwargs)

    def _push(self, fn: Any, args: tuple, kwargs: dict, what: str) -> Any:
        if not callable(fn):
            raise TypeError(f"TaskNursery.{what}: expected a callable, got {type(fn).__name__}")
        if not self._group.is_open:
            raise GroupClosed(f"TaskNursery.{what}: the nursery {self._name} is closing")
        self._callbacks.append((fn, args, kwargs))
        return fn

    def push_callback(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` when the nursery closes (LIFO); returns ``fn``."""
        return self._push(fn, args, kwargs, "push_callback()")

    def push_async_callback(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Await ``fn(*args, **kwargs)`` when the nursery closes (LIFO); returns ``fn``."""
        return self._push(fn, args, kwargs, "push_async_callback()")

    async def _run_exit_callbacks(self) -> None:
        """The sentinel's cleanup (inside call_on_cancel's managed-cleanup scope)."""
        error: BaseException | None = None
        while self._callbacks:
            fn, args, kwargs = self._callbacks.pop()
            try:
                await call(fn, *args, **kwargs)
            except BaseException as e:  # every callback runs; the last error wins (R67)
                if error is not None and e.__context__ is None:
                    e.__context__ = error
                error = e
        if error is not None:
            raise error

    async def aclose(self) -> None:
        """Close with cancellation and wait until CLOSED (the callbacks have run)."""
        await self._group.async_close()

    def __repr__(self) -> str:
        return f"<corral.TaskNursery {self._name}>"
