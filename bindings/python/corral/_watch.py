"""The watch cell (R65, ``corral_watch_*``) and codestare's helpers built on waiting:
``accessor``/``condition_property`` (over a watch cell) and ``awaitable_predicate`` (over a
:class:`corral.Condition`).

A watch cell holds one value and a version that counts writes. Readers wait for *a version
newer than the one they saw*, so no write between two waits is missed, several writes
before a reader runs are seen once (the latest wins), and a wait that timed out or was
cancelled leaves nothing behind: the next wait is not poisoned (codestare's ``accessor``
misses a write made before ``get`` starts waiting, and its ``awaitable_predicate`` keeps a
timed-out waiter that fails every later await).
"""

from __future__ import annotations

import ctypes
import functools
import types
from typing import Any, Callable, Generator, Generic, TypeVar

from . import _ffi
from ._core import (L, _OP, _own, _runner, _tls, call_deadline,
                    checkpoint, checkpoint_if_cancelled)
from ._errors import Closed, InvalidArgument, from_code
from ._sync import Condition, _SyncHandle

T = TypeVar("T")
_opack = _OP.pack
_VAL = _ffi.VALUE_FMT
_OP_NEXT = _ffi.OP_WATCH_NEXT
_OP_PUT = _ffi.OP_WATCH_PUT
_INT = _ffi.VALUE_INT


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


class Watch(_SyncHandle):
    """A watch cell: ``Watch(initial=None)``.

    * ``w.value`` / ``w.version`` — the current value and its version (the initial value is
      version 0; every write adds one);
    * ``w.set(v)`` — store ``v``, wake every waiting reader (FIFO); returns how many;
    * ``await w.next(after=None)`` — wait for a version newer than ``after`` (default: the
      current one) and return the value current when the reader runs (a checkpoint);
    * ``await w.wait_for(pred)`` — the current value if ``pred(value)`` holds (at once,
      without suspending), else the first later value that matches;
    * ``await w.put(v)`` — a write that waits until a reader waits (a checkpoint; cancelled
      or timed out: nothing is written);
    * ``async for v in w`` — every newer value, starting after the current version
      (several writes between two steps: the latest).

    Every wait takes ``deadline=`` or ``timeout=`` (:class:`corral.Timeout`). Values are
    any Python objects; ``None``, 64-bit ints, floats and bytes are plain C values, which a
    C or other-language reader of the same runtime can read too.
    """

    __slots__ = ("_ver", "_verp")
    _new = L.corral_watch_new
    _unref = L.corral_watch_unref
    _released_msg = "the watch cell was released"

    def __init__(self, initial: Any = None) -> None:
        r = _runner()
        _own(r)
        vtype, vbind, vas, vlen, tok = r._item(initial)
        try:
            self._create(_VAL.pack(vtype, vbind, vas, vlen, 0))
        except BaseException:
            if tok:
                r._objs.pop(tok, None)
            raise
        self._ver = ctypes.c_uint64()
        self._verp = ctypes.c_void_p(ctypes.addressof(self._ver))

    def _read(self) -> tuple[Any, int]:
        r = self._live()
        rc = L.corral_watch_get(self._ptr, r._voutp, self._verp)
        if rc < 0:
            raise from_code(rc)
        v = r._vout
        t = v.type
        value = v.as_.i if t == _INT else r._decode(t, v.binding, v.as_.i, v.len, False)
        return value, self._ver.value

    @property
    def value(self) -> Any:
        """The current value."""
        return self._read()[0]

    @property
    def version(self) -> int:
        """The number of writes so far (the version of :attr:`value`)."""
        return self._read()[1]

    @property
    def readers(self) -> int:
        """How many readers wait now."""
        self._live()
        return L.corral_watch_readers(self._ptr)

    def set(self, value: Any) -> int:
        """Store ``value`` (not a checkpoint) and wake every waiting reader, FIFO; returns
        how many were woken."""
        r = self._live()
        vtype, vbind, vas, vlen, tok = r._item(value)
        rc = L.corral_watch_set(self._ptr, _VAL.pack(vtype, vbind, vas, vlen, 0))
        if rc < 0:
            if tok:
                r._objs.pop(tok, None)
            raise from_code(rc)
        return rc

    def _dl(self, deadline: float | None, timeout: float | None, what: str) -> int:
        if not self._ptr:
            raise Closed(self._released_msg)
        if deadline is None and timeout is None:
            return -1
        return call_deadline(deadline, timeout, what)

    @types.coroutine
    def _wait_newer(self, seen: int, dl: int) -> Generator[bytes, Any, None]:
        """Park until the version is newer than ``seen`` (CORRAL_OP_WATCH_NEXT)."""
        if not self._ptr:
            raise Closed(self._released_msg)
        yield _opack(_OP_NEXT, 0, self._ptr, dl, _INT, 0, _signed(seen), 0, 0)

    def next(self, after: int | None = None, *, deadline: float | None = None,
             timeout: float | None = None) -> Generator[bytes, Any, Any]:
        """``await w.next()``: wait for a version newer than ``after`` (default: the
        current version) and return the value current then (a checkpoint)."""
        if after is None:
            seen = None
        elif isinstance(after, bool) or not isinstance(after, int):
            raise TypeError("Watch.next: after must be a version (an int)")
        elif after < 0:
            raise InvalidArgument("Watch.next: after must be >= 0")
        else:
            seen = min(after, (1 << 64) - 1)
        return self._next(seen, deadline, timeout)

    @types.coroutine
    def _next(self, seen: int | None, deadline: float | None,
              timeout: float | None) -> Generator[bytes, Any, Any]:
        # at the await, as every blocking call: the timeout counts from here (R37) and the
        # default "newer than" is the version current now
        dl = self._dl(deadline, timeout, "Watch.next")
        if seen is None:
            seen = self.version
        yield from self._wait_newer(seen, dl)
        return self._read()[0]

    async def wait_for(self, predicate: Callable[[Any], Any], *,
                       deadline: float | None = None, timeout: float | None = None) -> Any:
        """The current value if ``predicate(value)`` is true, else wait for later versions
        until one matches and return it. The deadline covers the whole wait."""
        if not callable(predicate):
            raise TypeError("Watch.wait_for: predicate must be callable")
        dl = self._dl(deadline, timeout, "Watch.wait_for")
        value, seen = self._read()
        while not predicate(value):
            await self._wait_newer(seen, dl)
            value, seen = self._read()
        return value

    def put(self, value: Any, *, deadline: float | None = None,
            timeout: float | None = None) -> Generator[bytes, Any, None]:
        """``await w.put(v)``: write ``v`` once a reader waits (at once if one does)."""
        return self._put(value, deadline, timeout)

    @types.coroutine
    def _put(self, value: Any, deadline: float | None,
             timeout: float | None) -> Generator[bytes, Any, None]:
        dl = self._dl(deadline, timeout, "Watch.put")  # at the await (R37)
        r = self._runner
        vtype, vbind, vas, vlen, tok = r._item(value)  # `value` stays alive in this frame
        try:
            yield _opack(_OP_PUT, 0, self._ptr, dl, vtype, vbind, vas, vlen, 0)
        except BaseException:
            if tok:  # nothing written: the value is still ours
                r._objs.pop(tok, None)
            raise

    def __aiter__(self) -> "_WatchIter":
        return _WatchIter(self, self.version)

    def __repr__(self) -> str:
        if not self._ptr:
            return "<corral.Watch released>"
        value, version = self._read()
        return f"<corral.Watch version={version} value={value!r}>"


class _WatchIter:
    __slots__ = ("_w", "_seen")

    def __init__(self, w: Watch, seen: int) -> None:
        self._w = w
        self._seen = seen

    def __aiter__(self) -> "_WatchIter":
        return self

    @types.coroutine
    def __anext__(self) -> Generator[bytes, Any, Any]:
        w = self._w
        yield from w._wait_newer(self._seen, -1)
        value, self._seen = w._read()
        return value


# ---- codestare: accessor, condition_property, awaitable_predicate ------------------------------

class accessor(Generic[T]):
    """codestare's ``accessor``, on a watch cell: ``value`` (the current value),
    ``await set(v)`` (store, wake every ``get``; a checkpoint) and
    ``await get(predicate=None)``: with no predicate, wait for the next ``set`` after the
    call; with one, return at once if ``predicate(value)`` holds, else wait for a ``set``
    that makes it true. ``get`` takes ``timeout=``/``deadline=`` (:class:`corral.Timeout`),
    and a timed-out or cancelled ``get`` leaves nothing behind.

    ``accessor(initial)`` keeps the value itself; ``accessor(funcs=(fget, fset))`` reads and
    writes through the two callables (what :class:`condition_property` uses). The accessor
    may be created outside ``corral.run()``; its watch cell is made in the run that first
    waits on it (a new one per run).
    """

    def __init__(self, initial: T | None = None, *,
                 funcs: tuple[Callable[[], T], Callable[[T], None]] | None = None) -> None:
        if funcs is None:
            self._value: T | None = initial
            self.fget: Callable[[], T] = lambda: self._value  # type: ignore[assignment,return-value]

            def fset(value: T) -> None:
                self._value = value
            self.fset: Callable[[T], None] = fset
        else:
            try:
                fget, fset = funcs
            except (TypeError, ValueError):
                raise TypeError("accessor: funcs must be a (getter, setter) pair") from None
            bad = [f for f in (fget, fset) if not callable(f)]
            if bad:
                raise InvalidArgument(f"accessor: {bad} passed in funcs are not callable")
            self.fget, self.fset = fget, fset
        self._watch: Watch | None = None

    def _cell(self) -> Watch:
        """The watch cell of the current run (made on first use)."""
        w = self._watch
        r = _runner()
        if w is None or w._runner is not r or not w._ptr:
            w = self._watch = Watch(None)
        return w

    @property
    def value(self) -> T:
        return self.fget()

    @property
    def version(self) -> int:
        """Writes made through this accessor in the current run."""
        w = self._watch
        r = _tls.runner
        if w is None or r is None or w._runner is not r or not w._ptr:
            return 0
        return w.version

    def set_nowait(self, value: T) -> None:
        """Store ``value`` and wake every waiting ``get`` (not a checkpoint)."""
        self.fset(value)
        r = _tls.runner
        w = self._watch
        if r is not None and w is not None and w._runner is r and w._ptr and not r._closed:
            w.set(None)  # only the version matters: readers read through fget

    async def set(self, value: T) -> None:
        """Store ``value`` and wake every waiting ``get``: a checkpoint (a pending
        cancellation raises ``Cancelled`` before anything is stored)."""
        checkpoint_if_cancelled()
        self.set_nowait(value)
        await checkpoint()

    async def get(self, *, predicate: Callable[[T], Any] | None = None,
                  deadline: float | None = None, timeout: float | None = None) -> T:
        if predicate is not None and not callable(predicate):
            raise InvalidArgument(f"accessor.get: {predicate!r} is not callable")
        w = self._cell()
        dl = w._dl(deadline, timeout, "accessor.get")
        seen = w.version
        if predicate is None:
            await w._wait_newer(seen, dl)
            return self.fget()
        while not predicate(self.fget()):
            await w._wait_newer(seen, dl)
            seen = w.version
        return self.fget()

    def __repr__(self) -> str:
        return f"<corral.accessor value={self.fget()!r}>"


class condition_property(functools.cached_property, Generic[T]):  # type: ignore[type-arg]
    """codestare's ``condition_property``: a property whose attribute is an
    :class:`accessor` (cached per instance) reading and writing through the getter and
    setter::

        class Sensor:
            @corral.condition_property
            def level(self):
                return self._level

            @level.setter
            def level(self, value):
                self._level = value

        await sensor.level.set(3)                            # in one task
        await sensor.level.get(predicate=lambda v: v >= 3)   # in another

    Assigning the attribute directly raises ``AttributeError`` (use ``set``). The class
    needs an instance ``__dict__`` (the accessor is cached there).
    """

    def __init__(self, fget: Callable[[Any], T] | None = None,
                 fset: Callable[[Any, T], None] | None = None,
                 fdel: Callable[[Any], None] | None = None, doc: str | None = None) -> None:
        self.fget = fget
        self.fset = fset
        self.fdel = fdel
        if doc is None and fget is not None:
            doc = fget.__doc__
        super().__init__(self._create_accessor)
        self.__doc__ = doc

    def _create_accessor(self, obj: Any) -> accessor[T]:
        return accessor(funcs=(functools.partial(self._get, obj),
                               functools.partial(self._set, obj)))

    def _get(self, obj: Any) -> T:
        if self.fget is None:
            raise AttributeError(f"unreadable attribute {self.attrname}")
        return self.fget(obj)

    def _set(self, obj: Any, value: T) -> None:
        if self.fset is None:
            raise AttributeError(f"can't set attribute {self.attrname}")
        self.fset(obj, value)

    def __set__(self, obj: Any, value: Any) -> None:
        raise AttributeError(f"can't set {self.attrname} directly, use set()")

    def getter(self, fget: Callable[[Any], T]) -> "condition_property[T]":
        prop = type(self)(fget, self.fset, self.fdel, self.__doc__)
        prop.attrname = self.attrname
        return prop

    def setter(self, fset: Callable[[Any, T], None]) -> "condition_property[T]":
        prop = type(self)(self.fget, fset, self.fdel, self.__doc__)
        prop.attrname = self.attrname
        return prop

    def deleter(self, fdel: Callable[[Any], None]) -> "condition_property[T]":
        prop = type(self)(self.fget, self.fset, fdel, self.__doc__)
        prop.attrname = self.attrname
        return prop


class awaitable_predicate:
    """codestare's ``awaitable_predicate``: ``bool(p)`` evaluates ``predicate()``; ``await
    p`` waits, holding the condition's lock, until it is true (``Condition.wait_for``),
    re-evaluated whenever the condition is notified::

        ready = corral.awaitable_predicate(lambda: state["n"] >= 3, timeout=1.0)
        ...
        async with ready.condition:
            state["n"] += 1
            ready.condition.notify_all()
        ...
        await ready            # or: await ready.wait(timeout=0.5)

    ``timeout`` (seconds, per await; None = none) raises :class:`corral.Timeout` (a
    ``TimeoutError``). Every await is a wait of its own: one that timed out or was cancelled
    leaves nothing behind, so later awaits work (codestare shares one waiter task between
    awaits, and once ``wait_for`` has cancelled it on a timeout every later await fails).
    ``condition`` is a :class:`corral.Condition`; without one, a condition is made in the run
    that first uses it.
    """

    def __init__(self, predicate: Callable[[], Any], condition: Condition | None = None,
                 timeout: float | None = None) -> None:
        if not callable(predicate):
            raise TypeError("awaitable_predicate: predicate must be callable")
        if condition is not None and not isinstance(condition, Condition):
            raise TypeError("awaitable_predicate: condition must be a corral.Condition")
        self.predicate = predicate
        self._given = condition
        self._made: Condition | None = None
        self.timeout = timeout

    @property
    def condition(self) -> Condition:
        """The condition given, else one made in the current run (a new one per run)."""
        if self._given is not None:
            return self._given
        c = self._made
        if c is None or c._runner is not _runner() or not c._ptr:
            c = self._made = Condition()
        return c

    def __bool__(self) -> bool:
        return bool(self.predicate())

    async def wait(self, *, timeout: Any = ..., deadline: float | None = None) -> Any:
        """Wait until the predicate is true and return its value (at once, without
        suspending, if it is true already); ``timeout`` defaults to the one given at
        construction, and covers taking the lock as well. A task that holds the
        condition's lock already waits without taking it again."""
        if timeout is ...:
            timeout = self.timeout if deadline is None else None
        cond = self.condition
        dl = -1 if deadline is None and timeout is None else call_deadline(
            deadline, timeout, "awaitable_predicate")
        lock = cond._lock
        r = lock._live()
        t = r._current
        if t is None:
            raise RuntimeError("awaitable_predicate must be awaited in a corral task")
        held = L.corral_lock_owner(lock._ptr) == t._ptr
        if not held:
            await _acquire(lock, dl)
        try:
            result = self.predicate()
            while not result:
                await cond._wait(dl)
                result = self.predicate()
            return result
        finally:
            if not held:
                lock.release()

    def __await__(self) -> Generator[Any, Any, Any]:
        return self.wait().__await__()


@types.coroutine
def _acquire(lock: Any, dl: int) -> Generator[bytes, Any, None]:
    if not lock._ptr:
        raise Closed(lock._released_msg)
    yield _opack(_ffi.OP_LOCK_ACQUIRE, 0, lock._ptr, dl, 0, 0, 0, 0, 0)

