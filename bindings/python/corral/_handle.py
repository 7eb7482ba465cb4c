"""The lifetime every corral C object shares in Python: owned by one runner, released once."""

from __future__ import annotations

from typing import Any

from ._core import Runner, _own
from ._errors import Closed


class CHandle:
    """Base of Future, Queue and Group: ``_ptr`` is the C reference (0 once released).

    The reference is dropped exactly once: by ``close()``/``release()`` in the subclasses or,
    as a backstop, by ``__del__``, which only queues the pointer so the loop thread releases
    it before its next poll (finalizers never call scheduling APIs, R76c).
    """

    __slots__ = ("_runner", "_ptr")
    _unref: Any = None  # the C unref function of the subclass
    _released_msg = "the object was released"

    def __del__(self) -> None:
        try:
            ptr = self._ptr
        except AttributeError:
            return  # __init__ failed before the C object existed
        if ptr:
            self._ptr = 0
            self._runner._release(type(self)._unref, ptr)

    def _live(self) -> Runner:
        """The owning runner, after checking the thread and the handle, with queued host
        calls flushed (the core must see them before this call)."""
        r = self._runner
        _own(r)
        if not self._ptr:
            raise Closed(self._released_msg)
        if r._pt:
            r._flush()
        return r
