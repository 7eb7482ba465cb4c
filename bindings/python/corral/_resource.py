"""The Resource protocol (R50, hat.aio ``Resource``): an object that owns a group.

A subclass provides ``async_group`` (a :class:`corral.Group`); it then gets the group's
state queries, waits and closing, and ``async with`` whose exit closes the group with
cancellation and waits for it, as managed cleanup (R49 CANCEL mode, R66).
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any

from ._scope import cleanup_scope

if TYPE_CHECKING:
    from ._group import Group


class Resource(abc.ABC):
    """Base class of objects that own a group (hat.aio ``Resource``).

    ``async_group`` (abstract) is the group; everything else forwards to it::

        class Server(corral.Resource):
            def __init__(self):
                self._group = corral.Group("srv")
                self._group.spawn(self._loop)

            @property
            def async_group(self):
                return self._group

    ``async with server:`` returns the resource; its exit runs ``async_close()`` as managed
    cleanup (shielded, bounded by the group's ``cleanup_timeout``) and never suppresses the
    body's exception.
    """

    __slots__ = ()

    @property
    @abc.abstractmethod
    def async_group(self) -> "Group":
        """The group that owns this resource's tasks."""

    @property
    def is_open(self) -> bool:
        return self.async_group.is_open

    @property
    def is_closing(self) -> bool:
        """True once CLOSING (or CLOSED)."""
        return self.async_group.is_closing

    @property
    def is_closed(self) -> bool:
        return self.async_group.is_closed

    async def wait_closing(self) -> None:
        await self.async_group.wait_closing()

    async def wait_closed(self) -> None:
        await self.async_group.wait_closed()

    def close(self) -> None:
        """Close the group with cancellation (never waits)."""
        self.async_group.close()

    async def async_close(self) -> None:
        """Close the group with cancellation and wait until it is CLOSED."""
        await self.async_group.async_close()

    async def __aenter__(self) -> Any:
        """Entering a resource whose group is already closing raises GroupClosed."""
        if self.async_group.is_closing:
            from ._errors import GroupClosed
            raise GroupClosed("the resource's group is closing")
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await managed_close(self.async_group)


async def managed_close(group: "Group") -> None:
    """``async_close(cancel=True)`` as managed cleanup (R49 CANCEL exit, R66): shielded, with
    the group's own cleanup grace. If the grace runs out, the wait is abandoned (the group
    goes on closing), CleanupTimeout is reported and the caller keeps its outcome."""
    with cleanup_scope(group._grace_ns()):
        await group.async_close()
