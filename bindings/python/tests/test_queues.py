"""Queues (R60-R64): the hat.aio surface, the priority / LIFO / rendezvous kinds, values that
cross into C, per-call timeouts, bad input, use after close/release."""

import gc

import pytest

import corral
from conftest import run_v

MS = 0.001


async def join_quiet(t):
    try:
        return await t
    except corral.Error:
        return None


# ---- the FIFO queue -----------------------------------------------------------------------

def test_maxsize_zero_and_negative_are_unbounded():
    async def main():
        for m in (0, -1, -(2**70), 2**70):
            q = corral.Queue(m)
            assert q.maxsize == 0
            for i in range(1000):
                q.put_nowait(i)
            assert not q.full() and q.qsize() == 1000
        assert corral.Queue(3).maxsize == 3

    run_v(main())


def test_queue_bad_arguments():
    async def main():
        for bad in ("3", 1.5, None, True):
            with pytest.raises(TypeError):
                corral.Queue(bad)
        q = corral.Queue()
        with pytest.raises(TypeError):
            await q.get(deadline="soon")
        with pytest.raises(TypeError):
            await q.put(1, deadline=1, timeout=1)
        with pytest.raises(corral.Timeout):  # a negative timeout is a past deadline (R41)
            await q.get(timeout=-1)
        q.put_nowait(5)
        assert await q.get(timeout=-1) == 5  # ... which still takes what is there
        with pytest.raises(corral.InvalidArgument):
            await q.get(deadline=float("nan"))
        pq = corral.PriorityQueue()
        with pytest.raises(TypeError):
            pq.put_nowait("x", priority="high")
        with pytest.raises(TypeError):
            pq.put_nowait("x", priority=1.0)
        with pytest.raises(corral.InvalidArgument):
            pq.put_nowait("x", priority=2**31)
        with pytest.raises(corral.InvalidArgument):
            await pq.put("x", priority=-(2**31) - 1)
        assert pq.qsize() == 0
        with pytest.raises(TypeError):
            corral.Channel(1)

    run_v(main())


def test_queue_outside_a_run_and_from_another_thread():
    with pytest.raises(RuntimeError):
        corral.Queue()
    with pytest.raises(RuntimeError):
        corral.Channel()


def test_get_timeout_and_deadline_leave_nothing_behind():
    async def main():
        q = corral.Queue()
        t0 = corral.now()
        with pytest.raises(corral.Timeout):
            await q.get(timeout=5 * MS)
        assert corral.now() - t0 == pytest.approx(5 * MS)
        with pytest.raises(TimeoutError):  # corral.Timeout is a TimeoutError
            await q.get(deadline=corral.now() + MS)
        q.put_nowait("x")  # no getter is left parked: the item is buffered
        assert q.qsize() == 1
        assert await q.get(timeout=0) == "x"  # a zero timeout still gets a ready item
        with pytest.raises(corral.Timeout):
            await q.get(timeout=0)

    run_v(main())


def test_put_timeout_keeps_the_item_with_the_caller():
    async def main():
        q = corral.Queue(1)
        q.put_nowait(1)
        r = corral.current_task()._runner
        before = len(r._objs)
        with pytest.raises(corral.Timeout):
            await q.put(object(), timeout=2 * MS)
        assert len(r._objs) == before  # the token lent for the item was taken back
        assert q.get_nowait() == 1 and q.empty()

    run_v(main())


def test_get_until_empty_and_nowait_until_empty():
    async def main():
        q = corral.Queue()
        with pytest.raises(corral.QueueEmpty):
            q.get_nowait_until_empty()
        t = corral.spawn(q.get_until_empty)
        await corral.checkpoint()
        q.put_nowait("a")  # handed to the parked getter
        q.put_nowait("b")  # buffered before it runs: it drains "b" and returns it
        assert await t == "b"
        q.put_nowait("c")
        assert q.get_nowait_until_empty() == "c"
        for x in (1, "two", 3.0, b"four"):
            q.put_nowait(x)
        assert await q.get_until_empty(timeout=MS) == b"four"
        assert q.empty()
        with pytest.raises(corral.Timeout):
            await q.get_until_empty(timeout=MS)

    run_v(main())


def test_close_with_mixed_waiters():
    """Parked putters fail at once; getters drain the buffer, then fail (R63)."""
    out = []

    async def putter(q, x):
        try:
            await q.put(x)
            out.append(f"put {x}")
        except corral.QueueClosed:
            out.append(f"put {x} closed")

    async def main():
        q = corral.Queue(1)
        q.put_nowait("a")
        ps = [corral.spawn(putter, q, x) for x in "bc"]
        await corral.checkpoint()
        q.close()
        q.close()  # idempotent
        for p in ps:
            await p
        assert q.is_closed and q.qsize() == 1 and q.full()
        assert [x async for x in q] == ["a"]
        with pytest.raises(corral.QueueClosed):
            await q.get()
        with pytest.raises(corral.QueueEmpty):  # hat: get_nowait on closed+empty is Empty
            q.get_nowait()
        with pytest.raises(corral.QueueClosed):
            await q.put("d")
        with pytest.raises(corral.QueueClosedError):
            q.put_nowait("d")

    run_v(main())
    assert out == ["put b closed", "put c closed"]


def test_values_identity_and_c_values():
    obj = object()

    async def main():
        q = corral.Queue()
        items = [None, 0, -1, 2**63 - 1, -(2**63), 2**64, True, 1.5, float("inf"), b"", b"x\0y",
                 "text", obj, [1, 2], bytearray(b"ba")]
        for x in items:
            q.put_nowait(x)
        got = [q.get_nowait() for _ in items]
        assert got == items
        assert got[12] is obj and got[6] is True and type(got[5]) is int
        for x in items:
            await q.put(x)
        got = [await q.get() for _ in items]
        assert got == items and got[12] is obj
        r = corral.current_task()._runner
        assert not any(v is obj for v in r._objs.values())  # nothing lent is left behind

    run_v(main())


def test_iteration_ends_when_closed_and_drained():
    async def consumer(q):
        got = []
        async for x in q:
            got.append(x)
        return got

    async def main():
        q = corral.Queue(2)
        c = corral.spawn(consumer, q)
        for i in range(5):
            await q.put(i)
        q.close()
        return await c

    assert run_v(main()) == [0, 1, 2, 3, 4]


def test_use_after_release_and_after_the_run():
    kept = {}

    async def main():
        q = corral.Queue()
        q.put_nowait(object())  # buffered HOST item: released with the queue
        q.release()
        q.release()  # idempotent
        for fn in (lambda: q.put_nowait(1), q.get_nowait, q.qsize, lambda: q.maxsize,
                   q.full, q.empty):
            with pytest.raises(corral.Closed):
                fn()
        with pytest.raises(corral.Closed):
            await q.get()
        with pytest.raises(corral.Closed):
            await q.put(1)
        with pytest.raises(corral.Closed):
            async for _ in q:
                pass
        assert q.is_closed
        q.close()  # a no-op
        kept["q"] = corral.LifoQueue()
        await corral.checkpoint()
        await corral.checkpoint()
        return len(corral.current_task()._runner._objs)

    assert run_v(main()) == 0
    with pytest.raises(corral.Closed):
        kept["q"].put_nowait(1)
    assert kept["q"].is_closed
    kept.clear()
    gc.collect()


# ---- kinds ----------------------------------------------------------------------------------

def test_lifo_queue():
    async def main():
        q = corral.LifoQueue(3)
        for i in range(3):
            q.put_nowait(i)
        assert q.full()
        with pytest.raises(corral.QueueFull):
            q.put_nowait(9)
        p = corral.spawn(q.put, 3)  # parks; promoted when a get makes room
        await corral.checkpoint()
        assert q.get_nowait() == 2
        await p
        assert [q.get_nowait() for _ in range(3)] == [3, 1, 0]
        assert isinstance(q, corral.Queue)

    run_v(main())


def test_priority_queue_order_and_handoff():
    async def getter(q):
        return await q.get()

    async def main():
        q = corral.PriorityQueue()
        g = corral.spawn(getter, q)
        await corral.checkpoint()
        q.put_nowait("late", priority=9)  # a parked getter takes the first item put (R60)
        assert await g == "late"
        for item, prio in (("c", 3), ("a", 1), ("b", 2), ("a2", 1), ("z", -5)):
            await q.put(item, prio)
        q.put_nowait("d")  # default priority 0
        assert [q.get_nowait() for _ in range(6)] == ["z", "d", "a", "a2", "b", "c"]

    run_v(main())


def test_priority_queue_bounded_parked_putter_keeps_its_priority():
    async def main():
        q = corral.PriorityQueue(2)
        q.put_nowait("x", 5)
        q.put_nowait("y", 5)
        p = corral.spawn(q.put, "urgent", -1)
        await corral.checkpoint()
        assert q.get_nowait() == "x"  # the parked putter's item moves in with its priority
        await p
        assert q.get_nowait() == "urgent"
        assert q.get_nowait() == "y"

    run_v(main())


def test_channel_rendezvous():
    log = []

    async def producer(ch):
        for x in ("a", "b"):
            await ch.put(x)
            log.append(f"put {x} at {round(corral.now() * 1000)}")
        ch.close()

    async def main():
        ch = corral.Channel()
        assert ch.maxsize == 0 and ch.full() and ch.qsize() == 0
        with pytest.raises(corral.QueueFull):
            ch.put_nowait("no getter")
        with pytest.raises(corral.QueueEmpty):
            ch.get_nowait()
        p = corral.spawn(producer, ch)
        await corral.sleep(2 * MS)
        assert log == []  # the put waits for a getter
        assert ch.get_nowait() == "a"  # takes it from the parked putter
        await corral.sleep(3 * MS)
        got = [x async for x in ch]
        await p
        return got

    assert run_v(main()) == ["b"]
    assert log == ["put a at 2", "put b at 5"]


def test_channel_put_nowait_to_a_parked_getter():
    async def main():
        ch = corral.Channel()
        g = corral.spawn(ch.get)
        await corral.checkpoint()
        assert not ch.full()
        ch.put_nowait(42)
        assert await g == 42

    run_v(main())


# ---- crossing into C: handles ---------------------------------------------------------------

def test_handle_round_trip_and_kinds():
    async def main():
        for cls in (corral.Queue, corral.LifoQueue, corral.PriorityQueue, corral.Channel):
            q = cls() if cls is corral.Channel else cls(4)
            w = corral.Queue.from_handle(q.handle)
            assert type(w) is cls and w.handle == q.handle
            if cls is not corral.Channel:
                w.put_nowait(b"bytes")
                assert q.get_nowait() == b"bytes"
            w.release()  # the wrapper's own reference; q stays usable
            assert q.qsize() == 0
        with pytest.raises(TypeError):
            corral.LifoQueue.from_handle(corral.Queue().handle)
        for bad in (0, -1, "0x1", None, 1.0):
            with pytest.raises(TypeError):
                corral.Queue.from_handle(bad)

    run_v(main())


def test_queue_handle_c_api_puts_and_python_gets():
    """Items put through the C API (as a C producer would) come out as Python values."""
    import ctypes

    from corral import _ffi

    async def main():
        q = corral.Queue()
        L = _ffi.lib
        v = _ffi.Value()
        v.type = _ffi.VALUE_INT
        v.as_.i = 7
        assert L.corral_queue_put_nowait(q.handle, ctypes.addressof(v)) == 0
        v.type = _ffi.VALUE_DOUBLE
        v.as_.d = 2.5
        assert L.corral_queue_put_nowait(q.handle, ctypes.addressof(v)) == 0
        data = ctypes.create_string_buffer(b"from C", 6)
        v.type = _ffi.VALUE_BYTES
        v.as_.p = ctypes.addressof(data)
        v.len = 6
        assert L.corral_queue_put_nowait(q.handle, ctypes.addressof(v)) == 0  # copied
        data[0] = b"X"
        return [await q.get(), q.get_nowait(), await q.get()]

    assert run_v(main()) == [7, 2.5, b"from C"]


def test_python_items_read_by_the_c_api():
    """What Python puts is what a C consumer reads: INT, DOUBLE, BYTES values."""
    import ctypes

    from corral import _ffi

    async def main():
        q = corral.Queue()
        q.put_nowait(5)
        await q.put(0.25)
        q.put_nowait(b"py bytes")
        out = []
        L = _ffi.lib
        v = _ffi.Value()
        for _ in range(3):
            assert L.corral_queue_get_nowait(q.handle, ctypes.addressof(v)) == 0
            if v.type == _ffi.VALUE_INT:
                out.append(v.as_.i)
            elif v.type == _ffi.VALUE_DOUBLE:
                out.append(v.as_.d)
            else:
                out.append(ctypes.string_at(v.as_.p, v.len))
            L.corral_value_clear(ctypes.addressof(v))
        return out

    assert run_v(main()) == [5, 0.25, b"py bytes"]


def test_queue_of_another_runtime_is_refused_without_hanging():
    """A foreign queue's await is refused by the core; the task fails, the run goes on."""
    import ctypes

    from corral import _ffi
    L = _ffi.lib
    rt = ctypes.c_void_p()
    assert L.corral_rt_new(ctypes.addressof(rt), _ffi.RT_VIRTUAL_CLOCK) == 0
    qp = ctypes.c_void_p()
    assert L.corral_queue_new_kind(ctypes.addressof(qp), rt, 0, 0) == 0
    try:
        closed = []

        async def user(q):
            try:
                await q.get()
            finally:  # runs when the binding closes the coroutine; may call corral
                closed.append(corral.Queue().qsize())

        async def main():
            q = corral.Queue.from_handle(qp.value)
            other = corral.spawn(corral.sleep, MS)  # queued in the same batch
            t = corral.spawn(user, q)
            with pytest.raises((corral.InvalidState, corral.InvalidArgument)):
                await t  # the core failed it: its step ended without an accepted await
            assert t.done() and not t.cancelled()
            await other
            assert closed == [0]
            q.release()
            return "survived"

        assert run_v(main()) == "survived"
    finally:
        L.corral_queue_unref(qp)
        L.corral_rt_unref(rt)


def test_yielding_foreign_bytes_is_a_type_error():
    """Only packed corral_ops may be awaited; a bytes object of another size is refused in
    the task that yielded it (checked per batch, before anything reaches the core)."""
    import types

    @types.coroutine
    def bogus():
        yield b"not an operation"

    async def victim():
        with pytest.raises(TypeError, match="not a corral awaitable"):
            await bogus()
        await corral.checkpoint()
        return "recovered"

    async def main():
        ts = [corral.spawn(victim), corral.spawn(corral.checkpoint), corral.spawn(victim)]
        with pytest.raises(TypeError):
            await bogus()  # main's own, found when the batch is submitted
        return [await t for t in ts]

    assert run_v(main()) == ["recovered", None, "recovered"]
