"""aiotools ``PersistentTaskGroup`` (R42, R52, R55): a supervising group that lives as long
as its owner.

Used as an object (spawned into before, or without, ``async with``) it is a free group under
the root group: SUPERVISE, and ``shutdown()`` closes it with cancellation and waits (R45,
R48). Entered with ``async with`` it is a scoped SUPERVISE group with JOIN exit, like
:class:`corral.Supervisor`. :func:`all_persistent_groups` lists the live ones.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

from . import _ffi
from ._core import Runner, Task, _runner
from ._errors import GroupClosed, InvalidState
from ._group import ExceptionCb, Group, check_callable, check_name, grace_to_ns
from ._scoped_group import ScopedGroup

# live groups in creation order (key: a counter); a group leaves at shutdown or exit
_LIVE: "weakref.WeakValueDictionary[int, PersistentTaskGroup]" = weakref.WeakValueDictionary()
_counter = itertools.count()


class _PersistentScope(ScopedGroup):
    """The scoped form: a Supervisor whose current_taskgroup() is the PersistentTaskGroup."""

    __slots__ = ("_ptg",)
    _policy = _ffi.GROUP_SUPERVISE
    _what = "PersistentTaskGroup"

    def __init__(self, ptg: "PersistentTaskGroup") -> None:
        super().__init__(ptg._name, exception_cb=ptg._cb,
                         cleanup_timeout=None if ptg._grace < 0 else ptg._grace / 1e9)
        self._ptg = ptg

    def _owner(self, r: Runner) -> Any:
        return self._ptg


class PersistentTaskGroup:
    """aiotools ``PersistentTaskGroup(name=None, exception_cb=None)``: member failures go to
    ``exception_cb(exc, task)`` if given, else up the handler chain to the root handler;
    siblings keep running and nothing is stored (aiotools#54).

    * As an object: ``spawn``/``create_task`` make it a free group under the root group;
      ``await shutdown()`` closes it with cancellation and waits until it is CLOSED; later
      spawns raise :class:`corral.GroupClosed`.
    * ``async with PersistentTaskGroup() as ptg:``: a scoped supervising group (members are
      cancelled with the enclosing task; the exit waits for them). ``shutdown()`` then
      cancels the current members and waits for them; the group stays usable until exit.
    """

    __slots__ = ("_name", "_cb", "_grace", "_free", "_scoped", "_members", "_key", "_over",
                 "_rt", "__weakref__")

    def __init__(self, name: str | None = None, *, exception_cb: ExceptionCb | None = None,
                 cleanup_timeout: float | None = None) -> None:
        check_name(name, "PersistentTaskGroup")
        check_callable(exception_cb, "PersistentTaskGroup: exception_cb")
        self._rt = _runner()  # created inside a run, as every corral object
        self._name = name
        self._cb = exception_cb
        self._grace = grace_to_ns(cleanup_timeout)
        self._free: Group | None = None
        self._scoped: _PersistentScope | None = None
        self._members: list[Task] = []  # scoped form: for shutdown()
        self._over = False
        self._key = next(_counter)
        _LIVE[self._key] = self

    @property
    def name(self) -> str | None:
        return self._name

    def _group(self) -> "Group | ScopedGroup":
        if self._over:
            raise GroupClosed(f"the PersistentTaskGroup {self._name or ''} is shut down")
        if self._scoped is not None:
            return self._scoped
        if self._free is None:  # first use as an object: a free group (R42)
            g = Group(self._name, exception_cb=self._cb,
                      cleanup_timeout=None if self._grace < 0 else self._grace / 1e9)
            g._runner._groups[g._ptr] = self
            self._free = g
        return self._free

    def spawn(self, fn: Any, *args: Any, name: str | None = None, **kwargs: Any) -> Task:
        """Spawn ``fn(*args, **kwargs)`` (or a coroutine) as a member and return its Task
        (aiotools returns a separate future)."""
        g = self._group()
        t = g.spawn(fn, *args, name=name, **kwargs)
        if g is self._scoped:
            m = self._members
            if len(m) >= 64 and len(m) & (len(m) - 1) == 0:  # prune at powers of two
                m[:] = [x for x in m if not x.done()]
            m.append(t)
        return t

    def create_task(self, coro: Any, *, name: str | None = None) -> Task:
        return self.spawn(coro, name=name)

    @property
    def exception_cb(self) -> ExceptionCb | None:
        return self._cb

    @exception_cb.setter
    def exception_cb(self, cb: ExceptionCb | None) -> None:
        check_callable(cb, "PersistentTaskGroup: exception_cb")
        self._cb = cb
        if self._free is not None:
            self._free.exception_cb = cb
        elif self._scoped is not None:
            self._scoped._set_cb(cb)

    @property
    def is_open(self) -> bool:
        if self._over:
            return False
        g = self._scoped or self._free
        return True if g is None else g.is_open

    @property
    def size(self) -> int:
        """Number of members that are not done."""
        g = self._scoped or self._free
        return 0 if g is None or self._over else g.size

    async def shutdown(self) -> None:
        """Cancel every member and wait until none is left (aiotools). The free form is
        closed for good (CLOSING, then CLOSED, also when it never had a member); the entered
        form stays open until its exit. If the caller is cancelled meanwhile, the members
        still end and the caller gets ``Cancelled``."""
        if self._scoped is not None:
            while True:
                live = [t for t in self._members if not t.done()]
                self._members = live
                if not live:
                    return
                for t in live:
                    t.cancel()
                for t in live:
                    try:
                        await t
                    except Exception:
                        pass  # reported through the handler chain already
        if self._free is None and not self._over:
            # never used: make the free group now, so that it goes through every state and a
            # named one traces CLOSING/CLOSED like any other (R43)
            self._group()
        _LIVE.pop(self._key, None)
        self._over = True
        if self._free is not None:
            await self._free.async_close()

    async def __aenter__(self) -> "PersistentTaskGroup":
        if self._free is not None or self._over or self._scoped is not None:
            raise InvalidState("a PersistentTaskGroup can be entered once, and only before "
                               "it is used as an object")
        s = _PersistentScope(self)
        s._enter()
        self._scoped = s
        return self

    async def __aexit__(self, et: Any, ev: BaseException | None, tb: Any) -> bool:
        s = self._scoped
        if s is None:
            raise InvalidState("PersistentTaskGroup exited without being entered")
        try:
            return await s.__aexit__(et, ev, tb)
        finally:
            self._over = True
            self._members = []
            _LIVE.pop(self._key, None)

    def __repr__(self) -> str:
        form = "entered" if self._scoped else "free" if self._free else "unused"
        return f"<corral.PersistentTaskGroup {self._name or '(unnamed)'} {form}>"


def all_persistent_groups() -> list[PersistentTaskGroup]:
    """The PersistentTaskGroups of the running ``corral.run()`` not yet shut down or exited,
    in creation order (aiotools ``all_ptaskgroups``)."""
    r = _runner()
    return [g for g in _LIVE.values() if g._rt is r]


all_ptaskgroups = all_persistent_groups
