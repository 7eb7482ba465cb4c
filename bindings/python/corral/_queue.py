"""Closable queues with direct hand-off (R60-R64): hat.aio's ``Queue`` surface, plus the
priority, LIFO and rendezvous kinds of the core (``corral_queue_new_kind``)."""

from __future__ import annotations

import struct
import types
from typing import Any, Generator

from . import _ffi
from ._core import L, _OP, Runner, _get_ident, _own, _runner, _word, call_deadline
from ._errors import Closed, InvalidArgument, QueueClosed, QueueEmpty, from_code
from ._handle import CHandle

_VAL = _ffi.VALUE_FMT
_OP_GET = _ffi.OP_QUEUE_GET
_OP_PUT = _ffi.OP_QUEUE_PUT
_INT = _ffi.VALUE_INT
_INT_MIN, _INT_MAX = _ffi.INT64_MIN, _ffi.INT64_MAX
_EQUEUEEMPTY = _ffi.EQUEUEEMPTY
_opack = _OP.pack
_raw_put_nowait = _ffi.raw_put_nowait
_raw_get_nowait = _ffi.raw_get_nowait
_val_unpack = _VAL.unpack_from
#: An INT corral_value from its int64 (type INT, binding 0, the rest zero).
_val_int = struct.Struct("@IIq16x").pack
if struct.calcsize("@IIq16x") != _ffi.VALUE_SIZE:
    raise ImportError("corral: corral_value layout mismatch (INT template)")
#: A QUEUE_PUT of an INT item from the op's first 32 bytes (kind, arg, target, deadline,
#: value type and binding) and the item: the fields after it are zero.
_put_int = struct.Struct("@32sq16x").pack
if struct.calcsize("@32sq16x") != _ffi.OP_SIZE or _ffi.Op.value.offset + 8 != 32:
    raise ImportError("corral: corral_op layout mismatch (QUEUE_PUT template)")


def _priority(p: Any) -> int:
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"priority must be an int, not {type(p).__name__}")
    if not _ffi.INT32_MIN <= p <= _ffi.INT32_MAX:
        raise InvalidArgument(f"priority {p} is outside the int32 range")
    return p


class Queue(CHandle):
    """A closable FIFO queue; ``maxsize <= 0`` means unbounded (hat.aio, asyncio).

    ``await q.get()`` / ``await q.put(x)`` are checkpoints (R23) and take an optional
    per-call ``deadline=`` (absolute seconds on the corral clock) or ``timeout=`` (seconds
    from now): :class:`corral.Timeout` when it expires first, with no effect (R41, R64). A put
    while getters wait hands the item straight to the first getter, and a get from a full
    queue moves the first parked putter's item in, so nobody barges in (R60). ``close()``
    fails waiting putters, and waiting getters once the buffer is empty, with
    :class:`QueueClosed`; buffered items stay gettable, and ``async for item in q`` ends when
    the closed queue is drained (R63).

    Items are any Python objects (the getter receives the very object). ``None``, 64-bit
    ints, floats and ``bytes`` travel as plain C values, so a queue shared with C, Lua or
    Rust code on the same runtime (:attr:`handle`, :meth:`from_handle`) carries them both
    ways; other objects are readable from Python only.
    """

    __slots__ = ("_gop", "_ppre", "_w", "__weakref__")
    _unref = L.corral_queue_unref
    _released_msg = "the queue was released"
    _KIND = _ffi.QUEUE_FIFO

    def __init__(self, maxsize: int = 0) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError(f"{type(self).__name__}: maxsize must be an int, "
                            f"not {type(maxsize).__name__}")
        self._create(maxsize if 0 < maxsize <= _INT_MAX else 0)

    def _create(self, maxsize: int) -> None:
        r = _runner()
        _own(r)
        if r._pt:
            r._flush()
        rc = L.corral_queue_new_kind(r._outp, r._rtp, maxsize, self._KIND)
        if rc < 0:
            raise from_code(rc)
        self._ptr: int = r._out.value  # type: ignore[assignment]
        self._runner: Runner = r
        self._gop: bytes = _opack(_OP_GET, 0, self._ptr, -1, 0, 0, 0, 0, 0)
        self._ppre: bytes = _opack(_OP_PUT, 0, self._ptr, -1, _INT, 0, 0, 0, 0)[:32]
        self._w = _word(self._ptr)

    # -- crossing languages ----------------------------------------------------------------

    @property
    def handle(self) -> int:
        """The ``corral_queue *`` as an int, for C (or another binding) on the same runtime:
        borrowed while this object holds its reference (take your own with
        ``corral_queue_ref``). Reading it submits the awaits the driver has queued, so use
        it right before the foreign call."""
        self._live()
        return self._ptr

    @classmethod
    def from_handle(cls, handle: int) -> "Queue":
        """Wrap a ``corral_queue *`` made elsewhere (C, another binding) on the runtime of
        the running ``corral.run()``; takes a reference of its own. The object is a
        :class:`Queue`, :class:`LifoQueue`, :class:`PriorityQueue` or :class:`Channel`
        after the queue's kind. A queue of another runtime is refused by the core at the
        first await (the awaiting task fails); its ``*_nowait`` calls are not checked, so
        pass only queues of this run."""
        if isinstance(handle, bool) or not isinstance(handle, int) or handle <= 0:
            raise TypeError("Queue.from_handle: expected a corral_queue pointer as an int")
        r = _runner()
        _own(r)
        if r._pt:
            r._flush()
        kind = L.corral_queue_kind(handle)
        if kind < 0:
            raise from_code(kind)
        klass = _BY_KIND.get(kind)
        if klass is None:
            raise InvalidArgument(f"Queue.from_handle: unknown queue kind {kind}")
        if cls is not Queue and not issubclass(klass, cls):
            raise TypeError(f"Queue.from_handle: the queue is a {klass.__name__}, "
                            f"not a {cls.__name__}")
        q = object.__new__(klass)
        L.corral_queue_ref(handle)
        q._ptr = handle
        q._runner = r
        q._gop = _opack(_OP_GET, 0, handle, -1, 0, 0, 0, 0, 0)
        q._ppre = _opack(_OP_PUT, 0, handle, -1, _INT, 0, 0, 0, 0)[:32]
        q._w = _word(handle)
        return q

    # -- non-blocking ----------------------------------------------------------------------

    def put_nowait(self, item: Any) -> None:
        """Put without waiting (not a checkpoint): :class:`QueueClosed` or
        :class:`QueueFull` (R62)."""
        r = self._runner
        if r._tid != _get_ident() or r._closed or not self._ptr or type(item) is not int:
            return self._put_nowait(item, 0)  # the checks and other values
        if r._pt:
            r._flush()
        try:
            v = _val_int(_INT, 0, item)
        except struct.error:  # more than 64 bits: a HOST value
            return self._put_nowait(item, 0)
        rc = _raw_put_nowait(self._w, v)
        if rc < 0:
            raise from_code(rc)

    def _put_nowait(self, item: Any, priority: int) -> None:
        r = self._live()
        vtype, vbind, vas, vlen, tok = r._item(item)
        v = _VAL.pack(vtype, vbind, vas, vlen, 0)
        if priority:
            rc = L.corral_queue_put_nowait_priority(self._ptr, v, priority)
        else:
            rc = L.corral_queue_put_nowait(self._ptr, v)
        if rc < 0:
            if tok:  # not taken: the item is still ours
                del r._objs[tok]
            raise from_code(rc)

    def get_nowait(self) -> Any:
        """Get without waiting (not a checkpoint): :class:`QueueEmpty` when empty, also when
        closed (R62, hat)."""
        r = self._runner
        if r._tid != _get_ident() or r._closed or not self._ptr:
            self._live()  # raises
        if r._pt:
            r._flush()
        rc = _raw_get_nowait(self._w, r._vbufw)
        if rc < 0:
            raise from_code(rc)
        vtype, vbind, vas, vlen, _ = _val_unpack(r._vbuf)
        if vtype == _INT:
            return vas
        return r._decode(vtype, vbind, vas, vlen, True)

    def get_nowait_until_empty(self) -> Any:
        """Drain the queue without waiting and return the last item (hat.aio); the earlier
        items are dropped. :class:`QueueEmpty` when empty."""
        r = self._live()
        rc = L.corral_queue_get_nowait_until_empty(self._ptr, r._voutp)
        if rc < 0:
            raise from_code(rc)
        v = r._vout
        return r._decode(v.type, v.binding, v.as_.i, v.len, True)

    def close(self) -> None:
        """Close (idempotent; not a checkpoint): see the class docstring."""
        r = self._runner
        if r._closed or not self._ptr:
            return
        self._live()
        L.corral_queue_close(self._ptr)

    def release(self) -> None:
        """Drop the C queue now (buffered items are released); later calls raise
        :class:`corral.Closed`. The garbage collector does this as a backstop."""
        ptr = self._ptr
        if not ptr:
            return
        r = self._runner
        if not r._closed:
            _own(r)
            if r._pt:
                r._flush()
        self._ptr = 0
        L.corral_queue_unref(ptr)

    # -- queries (not checkpoints) -----------------------------------------------------------

    def qsize(self) -> int:
        """The number of buffered items (parked putters' items are not counted)."""
        self._live()
        return L.corral_queue_size(self._ptr)

    def __len__(self) -> int:
        return self.qsize()

    @property
    def maxsize(self) -> int:
        """The bound (0: unbounded; a :class:`Channel` reads 0 too)."""
        self._live()
        return L.corral_queue_maxsize(self._ptr)

    @property
    def is_closed(self) -> bool:
        if self._runner._closed or not self._ptr:
            return True
        self._live()
        return L.corral_queue_is_closed(self._ptr) == 1

    def empty(self) -> bool:
        return self.qsize() == 0

    def full(self) -> bool:
        """True when ``put_nowait`` would raise :class:`QueueFull` (a :class:`Channel` is
        full unless a getter waits)."""
        self._live()
        return L.corral_queue_full(self._ptr) == 1

    # -- awaiting --------------------------------------------------------------------------

    @types.coroutine
    def get(self, *, deadline: float | None = None,
            timeout: float | None = None) -> Generator[bytes, Any, Any]:
        """``await q.get()``: an item (a checkpoint, R61); :class:`QueueClosed` once closed
        and drained; :class:`corral.Timeout` when the per-call deadline passes first."""
        if not self._ptr:
            raise Closed(self._released_msg)
        if deadline is None and timeout is None:
            return (yield self._gop)
        return (yield _opack(_OP_GET, 0, self._ptr, call_deadline(deadline, timeout, "get"),
                             0, 0, 0, 0, 0))

    @types.coroutine
    def put(self, item: Any, *, deadline: float | None = None,
            timeout: float | None = None) -> Generator[bytes, Any, None]:
        """``await q.put(item)``: put, waiting for room (a checkpoint, R61);
        :class:`QueueClosed` if closed (also while waiting)."""
        if not self._ptr:
            raise Closed(self._released_msg)
        if type(item) is int:  # no token to take back (unless it needs more than 64 bits)
            if deadline is None and timeout is None:
                try:
                    op = _put_int(self._ppre, item)
                except struct.error:
                    yield from self._put_value(item, 0, -1)
                    return
                yield op
            elif _INT_MIN <= item <= _INT_MAX:
                yield _opack(_OP_PUT, 0, self._ptr, call_deadline(deadline, timeout, "put"),
                             _INT, 0, item, 0, 0)
            else:
                yield from self._put_value(item, 0, call_deadline(deadline, timeout, "put"))
        else:
            dl = -1 if deadline is None and timeout is None else call_deadline(
                deadline, timeout, "put")
            yield from self._put_value(item, 0, dl)

    @types.coroutine
    def _put_value(self, item: Any, priority: int, dl: int) -> Generator[bytes, Any, None]:
        r = self._runner
        vtype, vbind, vas, vlen, tok = r._item(item)  # `item` stays alive in this frame
        try:
            yield _opack(_OP_PUT, priority, self._ptr, dl, vtype, vbind, vas, vlen, 0)
        except BaseException:
            if tok:  # not enqueued: the item is still ours (R27, R64)
                r._objs.pop(tok, None)
            raise

    async def get_until_empty(self, *, deadline: float | None = None,
                              timeout: float | None = None) -> Any:
        """Wait for an item, then drain the rest without waiting; return the last (hat)."""
        item = await self.get(deadline=deadline, timeout=timeout)
        r = self._live()
        rc = L.corral_queue_get_nowait_until_empty(self._ptr, r._voutp)
        if rc == _EQUEUEEMPTY:
            return item
        if rc < 0:
            raise from_code(rc)
        v = r._vout
        return r._decode(v.type, v.binding, v.as_.i, v.len, True)

    def __aiter__(self) -> "Queue":
        return self

    @types.coroutine
    def __anext__(self) -> Generator[bytes, Any, Any]:
        """One ``get`` per item; the iteration ends on :class:`QueueClosed`."""
        if not self._ptr:
            raise Closed(self._released_msg)
        try:
            return (yield self._gop)
        except QueueClosed:
            raise StopAsyncIteration from None

    def __repr__(self) -> str:
        if not self._ptr:
            return f"<corral.{type(self).__name__} released>"
        return f"<corral.{type(self).__name__}>"


class LifoQueue(Queue):
    """A :class:`Queue` whose buffered items come out last in, first out (asyncio's
    ``LifoQueue``). Parked getters and putters are still served FIFO, with direct hand-off."""

    __slots__ = ()
    _KIND = _ffi.QUEUE_LIFO


class PriorityQueue(Queue):
    """A :class:`Queue` whose buffered items come out smallest ``priority`` first, equal
    priorities FIFO. The priority is given with the item, an int32 (default 0):
    ``put_nowait(item, priority)``, ``await put(item, priority, deadline=...)``; the items
    themselves are never compared (asyncio's ``PriorityQueue`` orders the items and expects
    ``(priority, data)`` tuples). A getter that was parked receives the first item put,
    whatever its priority (direct hand-off, R60)."""

    __slots__ = ()
    _KIND = _ffi.QUEUE_PRIORITY

    def put_nowait(self, item: Any, priority: int = 0) -> None:  # type: ignore[override]
        self._put_nowait(item, _priority(priority))

    @types.coroutine
    def put(self, item: Any, priority: int = 0, *,  # type: ignore[override]
            deadline: float | None = None,
            timeout: float | None = None) -> Generator[bytes, Any, None]:
        if not self._ptr:
            raise Closed(self._released_msg)
        priority = _priority(priority)
        dl = -1 if deadline is None and timeout is None else call_deadline(deadline, timeout,
                                                                           "put")
        yield from self._put_value(item, priority, dl)


class Channel(Queue):
    """A rendezvous channel (capacity 0, trio's ``open_memory_channel(0)``): ``await put(x)``
    completes only when a getter takes ``x``; ``put_nowait`` succeeds only if a getter is
    waiting (else :class:`QueueFull`); ``get``/``get_nowait`` take the first parked putter's
    item straight from it. ``close()`` works as for :class:`Queue`."""

    __slots__ = ()
    _KIND = _ffi.QUEUE_RENDEZVOUS

    def __init__(self) -> None:
        self._create(0)


_BY_KIND: dict[int, type[Queue]] = {Queue._KIND: Queue, LifoQueue._KIND: LifoQueue,
                                    PriorityQueue._KIND: PriorityQueue,
                                    Channel._KIND: Channel}
