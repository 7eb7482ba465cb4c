"""Groups: the spine's hat-style free group (R42-R48).

This version has what the core spine has: spawning, subgroups, ``close(cancel)`` with
escalation, waiting for CLOSING/CLOSED, ``async_close``, and the async context manager
(exit = shielded ``async_close``), and the scoped fail-fast :class:`TaskGroup` (R49, R54).
A free group may have an exception callback (``exception_cb``, hat.aio's ``cb(exc, task)``):
member failures go to the nearest group in the chain that has one, ending at the root
handler (R55-R57).
"""

from __future__ import annotations

import types
from typing import Any, Generator

from . import _ffi
from ._core import L, _OP, Runner, Task, _coroutine_of, _own, _runner, deadline_to_ns
from ._errors import Cancelled, Closed, InvalidArgument, InvalidState, code_of, from_code
from ._handle import CHandle
from ._scope import shield


class Group(CHandle):
    """A free group of tasks (hat.aio ``Group``): ``Group(name)`` creates it under the root
    group (or under ``parent``); named groups emit ``<name> CLOSING`` / ``<name> CLOSED``
    trace lines.

    ``spawn(fn, *args, **kwargs)`` starts a member; ``close(cancel=True)`` moves the group
    and its subgroups to CLOSING and cancels the members; the group is CLOSED once every
    member and subgroup is done. ``async with Group() as g:`` closes (with cancellation)
    and waits for it on exit, shielded.
    """

    __slots__ = ("_name", "_parent", "_ops", "_cb", "_cbtok", "__weakref__")
    _unref = L.corral_group_unref
    _released_msg = "the group was released"

    def __init__(self, name: str | None = None, *, parent: "Group | None" = None,
                 exception_cb: Any = None) -> None:
        r = _runner()
        if name is not None and not isinstance(name, str):
            raise TypeError("Group: name must be a str")
        if exception_cb is not None and not callable(exception_cb):
            raise TypeError("Group: exception_cb must be callable")
        bname = None if name is None else name.encode("utf-8")
        if bname is not None and b"\0" in bname:
            raise InvalidArgument("Group: name contains a NUL character")
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
        self._cb = None
        self._cbtok = 0
        if exception_cb is not None:
            self.exception_cb = exception_cb

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

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def exception_cb(self) -> Any:
        """The exception callback ``cb(exc, task)`` (hat.aio): called on the loop thread,
        outside any task, when a member fails (never for cancellation) or an error reaches
        this group in the handler chain (R55, R56); ``exc`` is the original exception object
        and ``task`` the failed member (None for reported errors). If the callback raises,
        that exception (with the original as ``__context__``) goes on to the parent's chain.
        Without a callback (None) errors go to the parent's chain (ending at the root
        handler, which logs and counts them, R57)."""
        return self._cb

    @exception_cb.setter
    def exception_cb(self, cb: Any) -> None:
        if cb is not None and not callable(cb):
            raise TypeError("Group: exception_cb must be callable")
        r = self._runner
        ptr = self._handle(r)
        actor = getattr(cb, "__qualname__", None) or f"{self._name or 'group'}.cb"
        tok = r.set_group_handler(ptr, cb, actor)
        if self._cbtok:  # records name the group's current token: the old one is done
            r._handlers.pop(self._cbtok, None)
        self._cb = cb
        self._cbtok = tok

    # -- members ---------------------------------------------------------------------------

    def spawn(self, fn: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Task:
        """Spawn ``fn(*args, **kwargs)`` (or a coroutine) as a member; raises
        :class:`corral.GroupClosed` once the group is closing (R44)."""
        r = self._runner
        ptr = self._handle(r)
        coro = _coroutine_of(fn, args, kwargs, "Group.spawn()")
        return r.spawn(coro, name, ptr)

    def create_task(self, coro: Any, *, name: str | None = None) -> Task:
        """aiotools/asyncio spelling of :meth:`spawn` for a coroutine."""
        return self.spawn(coro, name=name)

    def create_subgroup(self, name: str | None = None, *,
                        exception_cb: Any = None) -> "Group":
        """A subgroup: closing this group closes it too; it never closes this one (R47).
        Its members' errors go to its own ``exception_cb``, else to this group's chain."""
        return Group(name, parent=self, exception_cb=exception_cb)

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
        a ``close(cancel=False)``; other repeats do nothing."""
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

    async def __aenter__(self) -> "Group":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        with shield():
            await self.async_close()

    def __repr__(self) -> str:
        return f"<corral.Group {self._name or '(unnamed)'}>"


@types.coroutine
def _exit_op(op: bytes) -> Generator[bytes, Any, Any]:
    return (yield op)


class TaskGroup:
    """A scoped fail-fast group (trio's nursery, asyncio's ``TaskGroup``; R42, R49, R53, R54).

    ``async with corral.TaskGroup() as tg: tg.spawn(coro, name="A")`` — the body runs inside
    the group's scope. Leaving the block waits (uncancellably) until every member is done.
    The first member failure cancels the members and the body; the exit then raises
    :class:`corral.ErrorGroup` holding every error (the member's original exception
    objects, and the body's own error if it raised one) in occurrence order. Errors beat
    cancellation (R54). Cancellation of the enclosing task cancels the members too.
    Entering is not a checkpoint; leaving is a cancel point after the wait.
    """

    __slots__ = ("_name", "_ptr", "_runner", "_task", "_state", "__weakref__")

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError("TaskGroup: name must be a str")
        self._name = name
        self._ptr = 0
        self._runner: Runner | None = None
        self._task: Task | None = None
        self._state = 0  # 0 new, 1 entered, 2 exiting/exited

    @property
    def name(self) -> str | None:
        return self._name

    def _handle(self) -> Runner:
        r = self._runner
        if r is None or self._state == 0:
            raise InvalidState("the TaskGroup was not entered")
        _own(r)
        if not self._ptr:
            raise Closed("the TaskGroup was released")
        return r

    def spawn(self, fn: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Task:
        """Spawn ``fn(*args, **kwargs)`` (or a coroutine) as a member; raises
        :class:`corral.GroupClosed` once the group is closing (R44)."""
        r = self._handle()
        coro = _coroutine_of(fn, args, kwargs, "TaskGroup.spawn()")
        return r.spawn(coro, name, self._ptr)

    def create_task(self, coro: Any, *, name: str | None = None) -> Task:
        """asyncio spelling of :meth:`spawn`."""
        return self.spawn(coro, name=name)

    start_soon = spawn

    @property
    def size(self) -> int:
        """Number of members that are not done."""
        r = self._handle()
        if r._pt:
            r._flush()
        return L.corral_group_size(self._ptr)

    async def __aenter__(self) -> "TaskGroup":
        if self._state:
            raise InvalidState("a TaskGroup can be entered only once")
        r = _runner()
        t = r._current
        if t is None:
            raise RuntimeError("TaskGroup needs a running corral task")
        bname = None if self._name is None else self._name.encode("utf-8")
        if bname is not None and b"\0" in bname:
            raise InvalidArgument("TaskGroup: name contains a NUL character")
        if r._pt:
            r._flush()
        rc = L.corral_group_enter(r._outp, t._ptr, bname, _ffi.GROUP_FAIL_FAST, _ffi.GROUP_JOIN)
        if rc < 0:
            raise from_code(rc)
        self._ptr = r._out.value  # type: ignore[assignment]
        self._runner = r
        self._task = t
        self._state = 1
        return self

    async def __aexit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        r = self._runner
        if r is None or self._state != 1:
            raise InvalidState("TaskGroup exited without being entered")
        self._state = 2
        t = self._task
        status = 0 if ev is None else code_of(ev)
        if r._pt:
            r._flush()
        if status != 0 and status != _ffi.ECANCELLED:
            # the body's error: recorded first, so the exit can put it in the ErrorGroup
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
            raise
        finally:
            self._release()
        return ev is not None  # a Cancelled the group's scope owned was absorbed (R28)

    def _release(self) -> None:
        ptr = self._ptr
        if ptr:
            self._ptr = 0
            r = self._runner
            if r._closed:  # type: ignore[union-attr]
                L.corral_group_unref(ptr)
            else:
                r._release(L.corral_group_unref, ptr)  # type: ignore[union-attr]

    def __del__(self) -> None:
        try:
            self._release()
        except AttributeError:
            pass

    def __repr__(self) -> str:
        state = ("new", "active", "exited")[self._state]
        return f"<corral.TaskGroup {self._name or '(unnamed)'} {state}>"
