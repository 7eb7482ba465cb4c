"""``aclosing`` and ``closing_async``: close an object when a block ends, as managed cleanup
(R66)."""

from __future__ import annotations

from types import TracebackType
from typing import Generic, TypeVar

from ._scope import cleanup_scope

T = TypeVar("T")


class _ManagedClose(Generic[T]):
    """Enter returns the object; exit awaits ``object.<method>()`` in a managed-cleanup
    scope (shielded, with the nearest group's ``cleanup_timeout``) and never suppresses."""

    __slots__ = ("thing",)
    _method = ""

    def __init__(self, thing: T) -> None:
        if not callable(getattr(thing, self._method, None)):
            raise TypeError(f"{type(self).__name__}: {type(thing).__name__} object has no "
                            f"{self._method}() method")
        self.thing = thing

    async def __aenter__(self) -> T:
        return self.thing

    async def __aexit__(self, et: type[BaseException] | None, ev: BaseException | None,
                        tb: TracebackType | None) -> bool:
        # grace expiry: the close is cancelled, the scope absorbs it, the outcome goes on
        with cleanup_scope():
            await getattr(self.thing, self._method)()
        return False


class aclosing(_ManagedClose[T]):
    """``async with corral.aclosing(agen) as it:`` — await ``agen.aclose()`` when the block
    ends (contextlib ``aclosing``), as managed cleanup: the generator's ``finally`` can
    await although the task is cancelled, bounded by the nearest group's
    ``cleanup_timeout`` (R66). ``contextlib.aclosing`` works in corral tasks too, without
    the shield. :class:`TypeError` if the object has no ``aclose()``. An error ``aclose``
    raises propagates, with the block's error as its ``__context__``."""

    __slots__ = ()
    _method = "aclose"


class closing_async(_ManagedClose[T]):
    """``async with corral.closing_async(obj) as o:`` — await ``obj.close()`` when the
    block ends (aiotools ``closing_async``), as managed cleanup like :class:`aclosing`.
    :class:`TypeError` if the object has no ``close()``."""

    __slots__ = ()
    _method = "close"


__all__ = ["aclosing", "closing_async"]
