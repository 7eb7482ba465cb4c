"""Scoped groups (R42, R49, R52-R55, R58): entered with ``async with`` on the current task.

:class:`ScopedGroup` holds the enter/exit protocol of the core (``corral_group_enter`` and
the ``CORRAL_OP_GROUP_EXIT`` operation); the presets only choose the error policy:

* :class:`TaskGroup` (aiotools/asyncio ``TaskGroup``): FAIL_FAST, JOIN;
* :class:`Supervisor` and :class:`TaskScope` (aiotools): SUPERVISE, JOIN;
* the trio-style nursery (``_nursery.py``), PersistentTaskGroup once entered
  (``_persistent_group.py``) and the helpers' COLLECT groups (``_group_helpers.py``).

:func:`current_taskgroup` maps the core's current group of a task back to its Python object.
"""

from __future__ import annotations

import types
from typing import Any, Generator

from . import _ffi
from ._core import (L, _OP, Runner, Task, _coroutine_of, _own, _runner, mark_unsafe,
                    seconds_to_ns)
from ._errors import Cancelled, ErrorGroup, GroupClosed, InvalidState, code_of, from_code
from ._group import (ExceptionCb, check_callable, check_name, grace_to_ns, reject_closed,
                     set_group_handler)
from ._scope import _ABS, CancelScope

_NEW, _ACTIVE, _EXITING, _EXITED = 0, 1, 2, 3


@types.coroutine
def _exit_op(op: bytes) -> Generator[bytes, Any, Any]:
    mark_unsafe()  # see corral._core.Runner._drive
    return (yield op)


class ScopedGroup:
    """The common part of every scoped group: ``async with`` enters the group on the
    current task (not a checkpoint); the body runs inside the group's cancel scope, so
    cancelling the task cancels the members. Leaving the block waits, uncancellably, until
    every member is done (R49: spawning stays allowed meanwhile), then is a cancel point.
    A body that raised cancels the members first. A ``Cancelled`` the group's own scope
    caused is absorbed.

    KeyboardInterrupt/SystemExit from a member cancel the group and are raised by the exit
    as themselves (R58); raised by the body, they go on unchanged.
    """

    _policy = _ffi.GROUP_FAIL_FAST
    _exit_mode = _ffi.GROUP_JOIN
    _what = "TaskGroup"

    __slots__ = ("_name", "_ptr", "_runner", "_task", "_state", "_cb", "_cbtok", "_grace",
                 "_flags", "__weakref__")

    def __init__(self, name: str | None = None, *, cleanup_timeout: float | None = None,
                 exception_cb: ExceptionCb | None = None) -> None:
        check_name(name, self._what)
        check_callable(exception_cb, f"{self._what}: exception_cb")
        self._name = name
        self._ptr = 0
        self._runner: Runner | None = None
        self._task: Task | None = None
        self._state = _NEW
        self._cb = exception_cb
        self._cbtok = 0
        self._grace = grace_to_ns(cleanup_timeout)
        self._flags = (False, False, 0)  # scope (cancel_called, cancelled_caught, cause)

    @property
    def name(self) -> str | None:
        return self._name

    # -- entering and leaving ------------------------------------------------------------

    def _enter(self) -> Runner:
        """Enter the group on the current task (synchronous: entering is no checkpoint)."""
        if self._state != _NEW:
            raise InvalidState(f"a {self._what} can be entered only once")
        r = _runner()
        t = r._current
        if t is None:
            raise RuntimeError(f"{self._what} needs a running corral task")
        bname = check_name(self._name, self._what)
        if r._pt:
            r._flush()
        rc = L.corral_group_enter(r._outp, t._ptr, bname, self._policy, self._exit_mode)
        if rc < 0:
            raise from_code(rc)
        self._ptr = r._out.value  # type: ignore[assignment]
        self._runner = r
        self._task = t
        self._state = _ACTIVE
        owner = self._owner(r)
        if owner is not None:
            r._groups[self._ptr] = owner
        if self._grace >= 0:
            L.corral_group_set_cleanup_timeout(self._ptr, self._grace)
        if self._cb is not None:
            set_group_handler(self, self._ptr, self._cb)
        return r

    def _owner(self, r: Runner) -> Any:
        """The object current_taskgroup() returns for code running in this group."""
        return self

    async def __aenter__(self) -> Any:
        self._enter()
        return self

    def _before_exit(self) -> None:
        """Hook run right before the exit operation (nothing may await in between)."""

    async def __aexit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        r = self._runner
        if r is None or self._state != _ACTIVE:
            raise InvalidState(f"{self._what} exited without being entered")
        self._state = _EXITING
        t = self._task
        status = 0 if ev is None else code_of(ev)
        if r._pt:
            r._flush()
        self._before_exit()
        if status != 0 and status != _ffi.ECANCELLED:
            # the body's error: recorded first, so the exit can raise it or group it
            errp = r._new_error(ev)  # type: ignore[arg-type]
            rc = L.corral_task_set_error(t._ptr, errp)  # type: ignore[union-attr]
            L.corral_error_unref(errp)
            if rc < 0 and rc != status:
                raise from_code(rc)
        op = _OP.pack(_ffi.OP_GROUP_EXIT, 0, self._ptr, -1, _ffi.VALUE_INT, 0, status, 0, 0)
        try:
            await _exit_op(op)
        except BaseException as e:
            if e is ev or (isinstance(e, Cancelled) and isinstance(ev, Cancelled)):
                return False  # the body's own exception goes on (same object, traceback)
            if isinstance(e, ErrorGroup) and ev is not None:
                # the body's error is one of the group's members (R54) or a Cancelled, not
                # its context: as in C, Lua and Rust, the group travels without one
                raise e from None
            raise
        finally:
            self._finish()
        return ev is not None  # a Cancelled the group's scope owned was absorbed (R28)

    def _finish(self) -> None:
        """After the exit: keep the scope's flags, forget the C group."""
        ptr = self._ptr
        if not ptr:
            return
        sp = L.corral_group_scope(ptr)
        self._flags = (L.corral_scope_cancel_called(sp) == 1,
                       L.corral_scope_cancelled_caught(sp) == 1, L.corral_scope_cause(sp))
        self._state = _EXITED
        self._release()

    def _release(self) -> None:
        ptr = self._ptr
        if ptr:
            self._ptr = 0
            r = self._runner
            assert r is not None  # a pointer is only set by _enter
            owner = self._owner(r)
            if owner is not None and r._groups.get(ptr) is owner:
                del r._groups[ptr]
            if r._closed:
                L.corral_group_unref(ptr)
            else:
                r._release(L.corral_group_unref, ptr)

    def __del__(self) -> None:
        try:
            self._release()
        except AttributeError:
            pass

    # -- members ---------------------------------------------------------------------------

    def _live(self) -> Runner:
        if self._state == _NEW:
            raise InvalidState(f"the {self._what} was not entered")
        r = self._runner
        _own(r)  # type: ignore[arg-type]
        if not self._ptr:
            raise GroupClosed(f"the {self._what} has exited")
        if r._pt:  # type: ignore[union-attr]
            r._flush()  # type: ignore[union-attr]
        return r  # type: ignore[return-value]

    def spawn(self, fn: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Task:
        """Spawn ``fn(*args, **kwargs)`` (or a coroutine) as a member; raises
        :class:`corral.GroupClosed` once the group is closing, without calling ``fn``
        (R44)."""
        try:
            r = self._live()
        except GroupClosed:
            raise reject_closed(f"{self._what}.spawn()", fn) from None
        if L.corral_group_is_open(self._ptr) != 1:
            raise reject_closed(f"{self._what}.spawn()", fn)
        coro = _coroutine_of(fn, args, kwargs, f"{self._what}.spawn()")
        return r.spawn(coro, name, self._ptr)

    def create_task(self, coro: Any, *, name: str | None = None) -> Task:
        """asyncio/aiotools spelling of :meth:`spawn` for a coroutine."""
        return self.spawn(coro, name=name)

    @property
    def size(self) -> int:
        """Number of members that are not done."""
        self._live()
        return L.corral_group_size(self._ptr)

    def _query(self, fn: Any, after: bool) -> bool:
        if self._state == _EXITED:
            return after
        self._live()
        return fn(self._ptr) == 1

    @property
    def is_open(self) -> bool:
        return self._query(L.corral_group_is_open, False)

    @property
    def is_closing(self) -> bool:
        """True once CLOSING (or CLOSED): after a member failure in a fail-fast group, or
        when the exit found no member left."""
        return self._query(L.corral_group_is_closing, True)

    @property
    def is_closed(self) -> bool:
        return self._query(L.corral_group_is_closed, True)

    @property
    def cleanup_timeout(self) -> float | None:
        """Managed-cleanup grace in seconds for code running in this group (R66), as in
        effect; None = unlimited. Settable (None = inherit) before or while entered."""
        if self._state == _NEW or not self._ptr:
            return None if self._grace < 0 else self._grace / 1e9
        self._live()
        ns = L.corral_group_cleanup_timeout(self._ptr)
        return None if ns < 0 else ns / 1e9

    @cleanup_timeout.setter
    def cleanup_timeout(self, seconds: float | None) -> None:
        ns = grace_to_ns(seconds)
        self._grace = ns
        if self._ptr:
            self._live()
            L.corral_group_set_cleanup_timeout(self._ptr, ns)

    def _set_cb(self, cb: ExceptionCb | None) -> None:
        check_callable(cb, f"{self._what}: exception_cb")
        self._cb = cb
        if self._ptr:
            self._live()
            set_group_handler(self, self._ptr, cb)

    def __repr__(self) -> str:
        state = ("new", "active", "exiting", "exited")[self._state]
        return f"<corral.{self._what} {self._name or '(unnamed)'} {state}>"


class TaskGroup(ScopedGroup):
    """A scoped fail-fast group (aiotools/asyncio ``TaskGroup``, R49, R53, R54).

    ``async with corral.TaskGroup() as tg: tg.spawn(fn, *args, name="A")``. The first member
    failure cancels the other members and the body at once (in the failing member's
    completion step); the exit then raises :class:`corral.ErrorGroup` (an
    ``ExceptionGroup``) holding every error — the members' original exception objects, and
    the body's own error if it raised one — in occurrence order. Errors beat cancellation
    (R54). Inside the block, :func:`current_taskgroup` returns the group.
    """

    __slots__ = ()
    _what = "TaskGroup"

    def __init__(self, name: str | None = None, *,
                 cleanup_timeout: float | None = None) -> None:
        super().__init__(name, cleanup_timeout=cleanup_timeout)

    start_soon = ScopedGroup.spawn


class Supervisor(ScopedGroup):
    """A scoped supervising group (aiotools ``Supervisor``, R52, R55, R49 JOIN).

    A member failure does not affect the other members or the body: it goes to
    ``exception_cb(exc, task)`` if given, else up the handler chain (the enclosing group's
    callback, ..., the root handler). The exit waits for every member. An error raised by
    the body cancels the members and propagates out of the exit unchanged.
    """

    __slots__ = ()
    _policy = _ffi.GROUP_SUPERVISE
    _what = "Supervisor"

    def __init__(self, name: str | None = None, *, exception_cb: ExceptionCb | None = None,
                 cleanup_timeout: float | None = None) -> None:
        super().__init__(name, cleanup_timeout=cleanup_timeout, exception_cb=exception_cb)

    @property
    def exception_cb(self) -> ExceptionCb | None:
        """``cb(exc, task)`` for member failures (as :attr:`corral.Group.exception_cb`);
        None = the enclosing chain."""
        return self._cb

    @exception_cb.setter
    def exception_cb(self, cb: ExceptionCb | None) -> None:
        self._set_cb(cb)


class TaskScope(Supervisor):
    """aiotools ``TaskScope``: a :class:`Supervisor` with two options.

    ``timeout`` (seconds): the body and the members are cancelled that long after entry and
    the exit raises :class:`corral.Timeout` (a ``TimeoutError``); ``shield=True``: the body
    and members are shielded from outer cancellation (a pending outer cancellation is raised
    at the next checkpoint after the block).
    """

    __slots__ = ("_timeout", "_shield", "_outer")
    _what = "TaskScope"

    def __init__(self, name: str | None = None, *, shield: bool = False,
                 timeout: float | None = None, exception_cb: ExceptionCb | None = None,
                 cleanup_timeout: float | None = None) -> None:
        super().__init__(name, exception_cb=exception_cb, cleanup_timeout=cleanup_timeout)
        self._timeout = -1 if timeout is None else seconds_to_ns(timeout, "TaskScope")
        self._shield = bool(shield)
        self._outer: CancelScope | None = None

    async def __aenter__(self) -> "TaskScope":
        if (self._timeout >= 0 or self._shield) and self._state == _NEW:
            # one scope around the group: a fail scope for the timeout, shielded if asked
            r = _runner()
            dl = -1 if self._timeout < 0 else min(r.now_ns() + self._timeout, 2**63 - 1)
            kind = _ffi.SCOPE_FAIL if dl >= 0 else _ffi.SCOPE_MOVE_ON
            outer = self._outer = CancelScope._make(kind, _ABS, dl, self._shield)
            outer.__enter__()
            try:
                self._enter()
            except BaseException as e:
                outer.__exit__(type(e), e, e.__traceback__)
                raise
            return self
        self._enter()
        return self

    async def __aexit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        outer = self._outer
        if outer is None:
            return await super().__aexit__(et, ev, tb)
        try:
            suppressed = await super().__aexit__(et, ev, tb)
        except BaseException as e:
            if outer.__exit__(type(e), e, e.__traceback__):
                return True
            raise
        if suppressed or ev is None:
            outer.__exit__(None, None, None)
            return suppressed
        return outer.__exit__(et, ev, tb)


def current_taskgroup() -> Any:
    """The group the running code spawns into by structure (aiotools ``current_taskgroup``):
    the innermost scoped group (TaskGroup, Supervisor, nursery, ...) the current task
    entered and has not left, else the group the task is a member of (a TaskGroup's member
    sees that TaskGroup, a Group's member that Group), else None (a member of the root
    group). Members of a helper (race, gather_safe, ...) see the caller's group."""
    r = _runner()
    t = r._current
    if t is None:
        raise RuntimeError("current_taskgroup() called outside a corral task")
    if r._pt:
        r._flush()
    ptr = L.corral_task_current_group(t._ptr)
    return r._groups.get(ptr) if ptr else None


__all__ = ["ScopedGroup", "TaskGroup", "Supervisor", "TaskScope", "current_taskgroup"]
