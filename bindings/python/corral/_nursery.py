"""The trio-style nursery (R49, R53, R28): ``async with corral.open_nursery() as n``.

A scoped FAIL_FAST group with JOIN exit, like :class:`corral.TaskGroup`, with trio's
spelling: ``n.start_soon(fn, *args, name=None)`` and ``n.cancel_scope``, the group's own
cancel scope (``corral_group_scope``): cancelling it cancels the body and the members
without closing the nursery, and the exit absorbs that cancellation.
"""

from __future__ import annotations

from typing import Any

from ._core import L, Task, deadline_to_ns
from ._errors import InvalidState, from_code
from ._scoped_group import _EXITED, ScopedGroup


class GroupCancelScope:
    """The cancel scope of a scoped group (trio ``nursery.cancel_scope``). It cannot be
    entered or exited on its own; after the group's exit it keeps its final flags."""

    __slots__ = ("_group",)

    def __init__(self, group: ScopedGroup) -> None:
        self._group = group

    def _ptr(self) -> int:
        g = self._group
        g._live()
        return L.corral_group_scope(g._ptr)

    def cancel(self) -> None:
        """Cancel the body and every member (cause EXPLICIT; sticky). Spawning stays
        allowed (R44). A no-op once the nursery has exited (as in trio)."""
        if self._group._state == _EXITED:
            return
        rc = L.corral_scope_cancel(self._ptr())
        if rc < 0:
            raise from_code(rc)

    @property
    def cancel_called(self) -> bool:
        g = self._group
        if g._state == _EXITED:
            return g._flags[0]
        return L.corral_scope_cancel_called(self._ptr()) == 1

    @property
    def cancelled_caught(self) -> bool:
        """True if the nursery's exit absorbed a cancellation of this scope (R28)."""
        g = self._group
        if g._state == _EXITED:
            return g._flags[1]
        return L.corral_scope_cancelled_caught(self._ptr()) == 1

    @property
    def cause(self) -> str:
        """"NONE", "EXPLICIT", "FAIL_FAST" (a member failed), "PARENT", ..."""
        g = self._group
        c = g._flags[2] if g._state == _EXITED else L.corral_scope_cause(self._ptr())
        return L.corral_cause_name(c).decode()

    @property
    def deadline(self) -> float:
        """The scope's absolute deadline in seconds (``math.inf`` = none); settable while
        the nursery is open."""
        if self._group._state == _EXITED:
            return float("inf")
        ns = L.corral_scope_deadline(self._ptr())
        return float("inf") if ns < 0 else ns / 1e9

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        if self._group._state == _EXITED:
            raise InvalidState("the nursery has exited")
        rc = L.corral_scope_set_deadline(self._ptr(), deadline_to_ns(value, "deadline"))
        if rc < 0:
            raise from_code(rc)

    def __repr__(self) -> str:
        return f"<corral.GroupCancelScope of {self._group!r}>"


class Nursery(ScopedGroup):
    """A trio-style nursery: a scoped fail-fast group (see :func:`open_nursery`)."""

    __slots__ = ("_scope",)
    _what = "Nursery"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self._scope = GroupCancelScope(self)

    @property
    def cancel_scope(self) -> GroupCancelScope:
        return self._scope

    def start_soon(self, fn: Any, *args: Any, name: str | None = None) -> Task:
        """Start ``fn(*args)`` as a member (trio). Returns its :class:`corral.Task` (trio
        returns None). :class:`corral.GroupClosed` once the nursery is closing."""
        return self.spawn(fn, *args, name=name)


def open_nursery(name: str | None = None) -> Nursery:
    """``async with corral.open_nursery() as nursery:`` — a trio-style nursery: a member
    failure cancels the body and the other members, and the exit raises
    :class:`corral.ErrorGroup` with every error (trio's strict exception groups)."""
    return Nursery(name)
