"""The hat.aio free group (R42-R48, R50, R55-R57): ``corral.Group``.

A free group is created, not entered: its tasks outlive the code that spawned them until the
group is closed. Policy SUPERVISE (a member failure goes to the group's ``exception_cb``,
else up the handler chain to the root handler), exit mode CANCEL (``async with`` closes it
with cancellation and waits, as managed cleanup). Both hat surfaces are accepted (design
decision 7): ``Group(exception_cb)`` of hat <= 0.6 and ``Group(log_exceptions)`` of hat 0.7.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Callable, Generator

from . import _ffi
from ._core import (L, _OP, Runner, Task, _coroutine_of, _own, _runner, ctext, deadline_to_ns,
                    seconds_to_ns)
from ._errors import Cancelled, Closed, GroupClosed, InvalidArgument, from_code
from ._future import Future
from ._handle import CHandle
from ._resource import Resource
from ._scope import shield

ExceptionCb = Callable[[BaseException, "Task | None"], Any]

_UNSET: Any = object()


def _ignore_error(exc: BaseException, task: "Task | None") -> None:
    """The handler of a group with ``log_exceptions=False`` and no ``exception_cb``: the
    error is only delivered to whoever joins the task (hat 0.7 without logging)."""


def _report_to_root(exc: BaseException, task: "Task | None") -> None:
    """``log_exceptions=True`` below a group that does not log: pass the error to the root
    handler (which logs and counts it)."""
    _runner()._report(task.name if task is not None else "handler", exc)


def set_group_handler(obj: Any, ptr: int, cb: ExceptionCb | None) -> None:
    """Make ``cb`` the host exception callback of C group ``ptr`` owned by ``obj`` (which
    keeps the token in ``_cbtok``); None removes it (the parent's chain applies)."""
    r = obj._runner
    name = obj.name
    actor = f"{name or 'group'}.cb"  # log() in the callback: "<group>.cb", as in Lua
    tok = r.set_group_handler(ptr, cb, actor)
    if obj._cbtok:  # records name the group's current token: the old one is done
        r._handlers.pop(obj._cbtok, None)
    obj._cbtok = tok


def reject_closed(what: str, fn: Any, name: str | None = None) -> GroupClosed:
    """R44's GroupClosed for a spawn into a closing group; a coroutine handed in is closed
    (it will never run)."""
    if isinstance(fn, types.CoroutineType):
        fn.close()
    return GroupClosed(f"{what}: the group{' ' + name if name else ''} is closing")


def check_callable(cb: Any, what: str) -> None:
    if cb is not None and not callable(cb):
        raise TypeError(f"{what} must be callable, got {type(cb).__name__}")


def check_name(name: Any, what: str) -> bytes | None:
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"{what}: name must be a str, not {type(name).__name__}")
    return ctext(name)


def grace_to_ns(seconds: float | None) -> int:
    """A cleanup grace in seconds (None = inherit) as the core's ns (-1 = inherit)."""
    if seconds is None:
        return -1
    return seconds_to_ns(seconds, "cleanup_timeout")


async def _wrap_future(f: Future) -> Any:
    """A wrapper member of a future (R44): ends with the future's outcome; when the group
    cancels it, it cancels the future and ends cancelled."""
    try:
        return await f
    except Cancelled:
        f.cancel()
        raise


async def _wrap_task(t: Task) -> Any:
    """A wrapper member of a task: ends with the task's outcome; when the group cancels it,
    it cancels the task and waits for it (shielded), so the group closes after it."""
    try:
        return await t
    except Cancelled:
        t.cancel()
        with shield():
            try:
                await t
            except Exception:
                pass  # its outcome was reported where it belongs; the wrapper is cancelled
        raise


class Group(CHandle, Resource):
    """A free group of tasks (hat.aio ``Group``; SUPERVISE policy, CANCEL exit).

    ``Group(name)`` creates it under the root group (or under ``parent``); named groups emit
    ``<name> CLOSING`` / ``<name> CLOSED`` trace lines. ``spawn(fn, *args, **kwargs)`` starts
    a member and returns its :class:`Task`; ``wrap(future_or_task)`` makes a member of an
    existing future or task; ``close(cancel=True)`` moves the group and its subgroups to
    CLOSING and cancels the members (``cancel=False`` lets them finish; a later
    ``close(cancel=True)`` escalates); the group is CLOSED once every member and subgroup is
    done. ``async with Group() as g:`` closes it with cancellation on exit and waits, as
    managed cleanup (shielded, bounded by ``cleanup_timeout``).

    Failures of members (never cancellations) go to ``exception_cb(exc, task)`` if set, else
    up the handler chain: the parent group's callback, ..., the root handler, which logs
    ``unhandled error in task <name>`` and counts it (``log_exceptions=True``, the default).
    ``log_exceptions=False`` without a callback keeps failures out of the chain: they are
    only seen by whoever awaits the task. Both hat surfaces work: ``Group(cb)`` (hat <= 0.6)
    and ``Group(False)`` (hat 0.7) as the first positional argument.
    """

    __slots__ = ("_name", "_parent", "_ops", "_cb", "_cbtok", "_log", "__weakref__")
    _unref = L.corral_group_unref
    _released_msg = "the group was released"

    def __init__(self, name: "str | ExceptionCb | bool | None" = None, *,
                 parent: "Group | None" = None, exception_cb: ExceptionCb | None = None,
                 log_exceptions: bool | None = True,
                 cleanup_timeout: float | None = None) -> None:
        if isinstance(name, bool):  # hat 0.7: Group(log_exceptions)
            log_exceptions, name = name, None
        elif name is not None and not isinstance(name, str) and callable(name):
            if exception_cb is not None:  # hat <= 0.6: Group(exception_cb)
                raise TypeError("Group: exception_cb given twice")
            exception_cb, name = name, None
        r = _runner()
        bname = check_name(name, "Group")
        check_callable(exception_cb, "Group: exception_cb")
        if parent is not None and not isinstance(parent, Group):
            raise TypeError("Group: parent must be a corral.Group")
        grace = grace_to_ns(cleanup_timeout)
        pptr = None if parent is None else parent._handle(r)
        if r._pt:
            r._flush()
        rc = L.corral_group_new(r._outp, r._rtp, pptr, bname)
        if rc < 0:
            raise from_code(rc)
        self._ptr: int = r._out.value  # type: ignore[assignment]
        self._runner: Runner = r
        self._name = name
        self._parent = parent
        self._ops: dict[tuple[int, int], bytes] = {}
        self._cb: ExceptionCb | None = exception_cb
        self._cbtok = 0
        self._log = log_exceptions
        r._groups[self._ptr] = self
        if grace >= 0:
            L.corral_group_set_cleanup_timeout(self._ptr, grace)
        self._install_handler()

    def _handle(self, r: Runner) -> int:
        if r is not self._runner:
            raise InvalidArgument("the group belongs to another corral runtime")
        _own(r)
        if not self._ptr:
            raise Closed("the group was released")
        return self._ptr

    def _live(self) -> Runner:
        r = self._runner
        self._handle(r)
        if r._pt:
            r._flush()
        return r

    def _check_open(self, what: str, fn: Any = None) -> int:
        """The pointer, after R44's check: nothing is created (no fn called) once closing."""
        self._live()
        if L.corral_group_is_open(self._ptr) != 1:
            raise reject_closed(what, fn, self._name)
        return self._ptr

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def parent(self) -> "Group | None":
        return self._parent

    @property
    def async_group(self) -> "Group":
        """A group is a Resource whose group is itself (hat)."""
        return self

    # -- exception handling (R55, R56) ---------------------------------------------------

    def _quiet(self) -> bool:
        """True when failures that reach this group are not logged (log_exceptions=False
        here, or inherited, and no callback)."""
        g: Group | None = self
        while g is not None:
            if g._cb is not None or g._log is True:
                return False
            if g._log is False:
                return True
            g = g._parent
        return False

    def _install_handler(self) -> None:
        cb = self._cb
        if cb is None:
            if self._log is False:
                cb = _ignore_error
            elif self._log is True and self._parent is not None and self._parent._quiet():
                cb = _report_to_root
        if cb is None and not self._cbtok:
            return  # the parent's chain applies already
        set_group_handler(self, self._handle(self._runner), cb)

    @property
    def exception_cb(self) -> ExceptionCb | None:
        """The exception callback ``cb(exc, task)`` (hat.aio): called on the loop thread,
        outside any task, when a member fails (never for cancellation) or an error reaches
        this group in the handler chain (R55, R56); ``exc`` is the original exception object
        and ``task`` the failed member (None for an error reported without a task). If the
        callback raises, that exception (with the original as
        ``__context__``) goes on to the parent's chain. None: the group uses its parent's
        callback (subgroups inherit), ending at the root handler (R57)."""
        return self._cb

    @exception_cb.setter
    def exception_cb(self, cb: ExceptionCb | None) -> None:
        check_callable(cb, "Group: exception_cb")
        self._handle(self._runner)
        self._cb = cb
        self._install_handler()

    @property
    def log_exceptions(self) -> bool | None:
        """hat 0.7: True = failures without a callback go to the root handler (logged and
        counted); False = they are only seen by joiners; None = as the parent group."""
        return self._log

    @property
    def cleanup_timeout(self) -> float | None:
        """The managed-cleanup grace in seconds of this group and its subgroups (R66), as
        in effect (inherited from the parent if not set); None = unlimited. Set it to a
        number of seconds, or None to inherit again."""
        return None if (ns := self._grace_ns()) < 0 else ns / 1e9

    @cleanup_timeout.setter
    def cleanup_timeout(self, seconds: float | None) -> None:
        ns = grace_to_ns(seconds)
        self._live()
        rc = L.corral_group_set_cleanup_timeout(self._ptr, ns)
        if rc < 0:
            raise from_code(rc)

    def _grace_ns(self) -> int:
        self._live()
        return L.corral_group_cleanup_timeout(self._ptr)

    # -- members ---------------------------------------------------------------------------

    def spawn(self, fn: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Task:
        """Spawn ``fn(*args, **kwargs)`` (or a coroutine) as a member; raises
        :class:`corral.GroupClosed` once the group is closing, without calling ``fn``
        (R44)."""
        ptr = self._check_open("Group.spawn()", fn)
        coro = _coroutine_of(fn, args, kwargs, "Group.spawn()")
        return self._runner.spawn(coro, name, ptr)

    def create_task(self, coro: Any, *, name: str | None = None) -> Task:
        """aiotools/asyncio spelling of :meth:`spawn` for a coroutine."""
        return self.spawn(coro, name=name)

    def wrap(self, aw: Any, *, name: str | None = None) -> Task:
        """Make a member of an existing awaitable (hat ``Group.wrap``): a :class:`Future`
        or :class:`Task` gets a wrapper member task that ends with its outcome; a coroutine
        becomes the member itself. When the group cancels the wrapper, it cancels the
        future (or cancels the task and waits for it, shielded), then ends cancelled.
        :class:`GroupClosed` once closing (R44); ``TypeError`` for a non-awaitable."""
        ptr = self._check_open("Group.wrap()", aw)
        if isinstance(aw, Future):
            coro = _wrap_future(aw)
        elif isinstance(aw, Task):
            if aw._runner is not self._runner:
                raise InvalidArgument("Group.wrap(): the task belongs to another runtime")
            coro = _wrap_task(aw)
        elif inspect.isawaitable(aw):
            coro = _coroutine_of(aw, (), {}, "Group.wrap()")
        else:
            raise TypeError(f"Group.wrap(): expected a corral Future, a Task or a coroutine, "
                            f"got {type(aw).__name__}")
        return self._runner.spawn(coro, name, ptr)

    def create_subgroup(self, name: str | None = None, *,
                        exception_cb: ExceptionCb | None = None,
                        log_exceptions: bool | None = None,
                        cleanup_timeout: float | None = None) -> "Group":
        """A subgroup (R47): closing this group closes it too; it never closes this one.
        It inherits this group's ``exception_cb`` (failures go up the chain) and
        ``log_exceptions`` unless given; :class:`GroupClosed` once this group is closing."""
        self._check_open("Group.create_subgroup()")
        return Group(name, parent=self, exception_cb=exception_cb,
                     log_exceptions=log_exceptions, cleanup_timeout=cleanup_timeout)

    @property
    def size(self) -> int:
        """Number of members that are not done."""
        self._live()
        return L.corral_group_size(self._ptr)

    # -- state -----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        self._live()
        return L.corral_group_is_open(self._ptr) == 1

    @property
    def is_closing(self) -> bool:
        """True once CLOSING (or CLOSED)."""
        self._live()
        return L.corral_group_is_closing(self._ptr) == 1

    @property
    def is_closed(self) -> bool:
        self._live()
        return L.corral_group_is_closed(self._ptr) == 1

    def close(self, cancel: bool = True) -> None:
        """Start closing (R45, R46); never waits. A later ``close(cancel=True)`` escalates
        a ``close(cancel=False)``; other repeats do nothing. Called from a member, it
        cancels that member too: its next checkpoint raises ``Cancelled``."""
        self._live()
        rc = L.corral_group_close(self._ptr, 1 if cancel else 0)
        if rc < 0:
            raise from_code(rc)

    def _op(self, kind: int, deadline: float | None) -> bytes:
        dl = deadline_to_ns(deadline, "wait")
        key = (kind, dl)
        op = self._ops.get(key)
        if op is None:
            op = _OP.pack(kind, 0, self._ptr, dl, 0, 0, 0, 0, 0)
            if dl < 0:
                self._ops[key] = op
        return op

    @types.coroutine
    def wait_closing(self, *, deadline: float | None = None) -> Generator[bytes, Any, None]:
        """Wait until the group is CLOSING (a checkpoint; never affects the group, R21)."""
        self._handle(self._runner)
        yield self._op(_ffi.OP_GROUP_WAIT_CLOSING, deadline)

    @types.coroutine
    def wait_closed(self, *, deadline: float | None = None) -> Generator[bytes, Any, None]:
        """Wait until the group is CLOSED. A shielded wait by one of its own members could
        never end and raises :class:`corral.InvalidState` (R17)."""
        self._handle(self._runner)
        yield self._op(_ffi.OP_GROUP_WAIT_CLOSED, deadline)

    async def async_close(self, cancel: bool = True) -> None:
        """``close(cancel)`` then ``wait_closed()`` (R48); if the caller is cancelled while
        waiting, closing goes on and the caller gets ``Cancelled``."""
        self.close(cancel)
        await self.wait_closed()

    def __repr__(self) -> str:
        return f"<corral.Group {self._name or '(unnamed)'}>"
