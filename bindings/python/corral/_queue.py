"""Closable FIFO queues with direct hand-off (R60-R64), hat.aio's ``Queue`` surface."""

from __future__ import annotations

import types
from typing import Any, Generator

from . import _ffi
from ._core import L, _OP, Runner, _own, _runner, deadline_to_ns
from ._errors import Closed, QueueClosed, QueueEmpty, from_code
from ._handle import CHandle


class Queue(CHandle):
    """A FIFO queue; ``maxsize <= 0`` means unbounded (hat.aio, asyncio).

    ``await q.get()`` / ``await q.put(x)`` are checkpoints (R23) and take an optional
    absolute ``deadline=`` (seconds on the corral clock; :class:`corral.Timeout` when it
    expires first, with no effect). A put while getters wait hands the item straight to the
    first getter (no barging, R60). ``close()`` fails waiting putters, and waiting getters
    once the buffer is empty, with :class:`QueueClosed`; buffered items stay gettable, and
    ``async for item in q`` ends when the closed queue is drained (R63).
    """

    __slots__ = ("_gop", "__weakref__")
    _unref = L.corral_queue_unref
    _released_msg = "the queue was released"

    def __init__(self, maxsize: int = 0) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError("Queue: maxsize must be an int")
        r = _runner()
        if r._pt:
            r._flush()
        rc = L.corral_queue_new(r._outp, r._rtp, max(maxsize, 0) if maxsize < 2**63 else 0)
        if rc < 0:
            raise from_code(rc)
        self._ptr: int = r._out.value  # type: ignore[assignment]
        self._runner: Runner = r
        self._gop: bytes | None = None

    # -- non-blocking ----------------------------------------------------------------------

    def put_nowait(self, item: Any) -> None:
        """Put without waiting: :class:`QueueClosed` or :class:`QueueFull` (R62)."""
        r = self._live()
        v, tok = r._encode(item)
        rc = L.corral_queue_put_nowait(self._ptr, v)
        if rc < 0:
            if tok:
                del r._objs[tok]
            raise from_code(rc)

    def get_nowait(self) -> Any:
        """Get without waiting: :class:`QueueEmpty` when empty (also when closed, R62)."""
        r = self._live()
        rc = L.corral_queue_get_nowait(self._ptr, r._voutp)
        if rc < 0:
            raise from_code(rc)
        v = r._vout
        return r._decode(v.type, v.binding, v.as_.i, v.len, True)

    def get_nowait_until_empty(self) -> Any:
        """Drain the queue without waiting and return the last item (hat.aio)."""
        item = self.get_nowait()
        while True:
            try:
                item = self.get_nowait()
            except QueueEmpty:
                return item

    def close(self) -> None:
        """Close (idempotent): see the class docstring."""
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
        self._gop = None
        L.corral_queue_unref(ptr)

    # -- queries ---------------------------------------------------------------------------

    def qsize(self) -> int:
        self._live()
        return L.corral_queue_size(self._ptr)

    def __len__(self) -> int:
        return self.qsize()

    @property
    def maxsize(self) -> int:
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
        m = self.maxsize
        return m > 0 and self.qsize() >= m

    # -- awaiting --------------------------------------------------------------------------

    @types.coroutine
    def get(self, *, deadline: float | None = None) -> Generator[bytes, Any, Any]:
        """Get an item (a checkpoint, R61); :class:`QueueClosed` once closed and drained."""
        ptr = self._ptr
        if not ptr:
            raise Closed("the queue was released")
        if deadline is None:
            op = self._gop
            if op is None:
                op = self._gop = _OP.pack(_ffi.OP_QUEUE_GET, 0, ptr, -1, 0, 0, 0, 0, 0)
        else:
            op = _OP.pack(_ffi.OP_QUEUE_GET, 0, ptr, deadline_to_ns(deadline, "get"),
                          0, 0, 0, 0, 0)
        return (yield op)

    @types.coroutine
    def put(self, item: Any, *, deadline: float | None = None) -> Generator[bytes, Any, None]:
        """Put an item, waiting for room (a checkpoint, R61); :class:`QueueClosed` if
        closed."""
        ptr = self._ptr
        if not ptr:
            raise Closed("the queue was released")
        r = self._runner
        dl = deadline_to_ns(deadline, "put")
        v, tok = r._encode(item)
        vtype, vbind, vas, vlen, vdt = _ffi.VALUE_FMT.unpack(v)
        try:
            yield _OP.pack(_ffi.OP_QUEUE_PUT, 0, ptr, dl, vtype, vbind, vas, vlen, vdt)
        except BaseException:
            if tok:  # not enqueued: the item is still ours (R27, R64)
                r._objs.pop(tok, None)
            raise

    async def get_until_empty(self) -> Any:
        """Wait for an item, then drain the rest without waiting; return the last (hat)."""
        item = await self.get()
        while True:
            try:
                item = self.get_nowait()
            except QueueEmpty:
                return item

    def __aiter__(self) -> "Queue":
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.get()
        except QueueClosed:
            raise StopAsyncIteration from None

    def __repr__(self) -> str:
        return f"<corral.Queue{' released' if not self._ptr else ''}>"
