"""Event, Lock, Semaphore, BoundedSemaphore, Condition (R27, R60, R65): FIFO hand-off,
checkpoints, per-call timeouts, cancellation safety, bad input, use after release."""

import pytest

import corral
from conftest import run_v

MS = 0.001


# ---- Event ----------------------------------------------------------------------------------

def test_event_set_wakes_all_fifo_and_is_sticky():
    order = []

    async def waiter(ev, name):
        assert await ev.wait() is True
        order.append(name)

    async def main():
        ev = corral.Event()
        ts = [corral.spawn(waiter, ev, n) for n in "abc"]
        await corral.checkpoint()
        assert not ev.is_set()
        assert ev.set() == 3
        assert ev.set() == 0  # idempotent
        for t in ts:
            await t
        await ev.wait()  # set: completes (through the ready queue)
        ev.clear()
        with pytest.raises(corral.Timeout):
            await ev.wait(timeout=2 * MS)

    run_v(main())
    assert order == ["a", "b", "c"]


def test_event_wait_is_a_checkpoint():
    async def main():
        ev = corral.Event()
        ev.set()
        corral.current_task().cancel()
        with pytest.raises(corral.Cancelled):
            await ev.wait()  # cancel point at entry even though it could complete
        return "returned"  # R14: a body that returns after cancellation completes

    assert run_v(main()) == "returned"


def test_event_cancelled_waiter_spends_nothing():
    async def main():
        ev = corral.Event()
        a = corral.spawn(ev.wait)
        b = corral.spawn(ev.wait)
        await corral.checkpoint()
        a.cancel()
        assert ev.set() == 1  # only b was still waiting
        with pytest.raises(corral.TaskCancelled):
            await a
        assert await b is True

    run_v(main())


# ---- Lock -----------------------------------------------------------------------------------

def test_lock_fifo_no_barging():
    log = []

    async def user(lock, name, hold):
        async with lock:
            log.append(f"{name} in")
            await corral.sleep(hold)
        log.append(f"{name} out")

    async def barger(lock):
        await corral.sleep(5 * MS)
        log.append(f"barge {lock.try_acquire()}")

    async def main():
        lock = corral.Lock()
        a = corral.spawn(user, lock, "A", 5 * MS)
        await corral.checkpoint()
        b = corral.spawn(user, lock, "B", MS)
        e = corral.spawn(barger, lock)
        for t in (a, b, e):
            await t
        assert not lock.locked() and lock.owner is None

    run_v(main())
    assert log == ["A in", "A out", "barge False", "B in", "B out"]


def test_lock_owner_reentry_and_release_errors():
    async def other(lock):
        with pytest.raises(corral.InvalidState, match="does not own"):
            lock.release()
        return "checked"

    async def main():
        lock = corral.Lock()
        with pytest.raises(corral.InvalidState, match="not held"):
            lock.release()  # releasing an unheld lock
        assert await lock.acquire() is True
        me = corral.current_task()
        assert lock.locked() and lock.owner is me
        with pytest.raises(corral.InvalidState, match="reentrant"):
            await lock.acquire()  # not reentrant: an error, not a deadlock
        with pytest.raises(corral.InvalidState):
            lock.try_acquire()
        assert await corral.spawn(other, lock) == "checked"
        lock.release()
        assert lock.try_acquire() is True
        lock.release()

    run_v(main())


def test_lock_outside_a_task():
    results = []

    async def main():
        lock = corral.Lock()
        f = corral.Future()

        def cb(_):
            for fn in (lock.try_acquire,):
                try:
                    fn()
                except RuntimeError as e:
                    results.append(str(e))
            try:
                lock.release()
            except corral.InvalidState as e:
                results.append("release: " + type(e).__name__)

        f.add_done_callback(cb)
        f.set_result(1)
        await corral.checkpoint()
        await corral.checkpoint()

    run_v(main())
    assert "must be called from a corral task" in results[0]
    assert results[1] == "release: InvalidState"


def test_lock_acquire_timeout_and_cancel_leave_no_trace():
    async def main():
        lock = corral.Lock()
        await lock.acquire()
        with pytest.raises(corral.Timeout):
            await corral.spawn(lock.acquire, timeout=3 * MS)
        w = corral.spawn(lock.acquire)
        await corral.checkpoint()
        w.cancel()
        with pytest.raises(corral.TaskCancelled):
            await w
        lock.release()
        assert not lock.locked()  # no hand-off to the cancelled or timed-out waiters

    run_v(main())


def test_lock_granted_then_cancelled_keeps_it():
    """Completion wins (R27): the waiter owns the lock, then sees Cancelled."""
    seen = []

    async def waiter(lock):
        await lock.acquire()
        seen.append(lock.owner is corral.current_task())
        try:
            await corral.checkpoint()
        finally:
            lock.release()

    async def main():
        lock = corral.Lock()
        await lock.acquire()
        w = corral.spawn(waiter, lock)
        await corral.checkpoint()
        lock.release()  # hands it to w at once
        w.cancel()
        with pytest.raises(corral.TaskCancelled):
            await w
        assert not lock.locked()

    run_v(main())
    assert seen == [True]


# ---- Semaphore --------------------------------------------------------------------------------

def test_semaphore_counts_and_hands_off():
    async def main():
        s = corral.Semaphore(2)
        assert s.value == 2 and not s.locked()
        await s.acquire()
        assert s.try_acquire() is True and s.value == 0 and s.locked()
        assert s.try_acquire() is False
        w = corral.spawn(s.acquire)
        await corral.checkpoint()
        s.release()  # straight to w: nobody can take it meanwhile
        assert s.value == 0 and s.try_acquire() is False
        await w
        s.release()
        s.release()
        s.release()  # a plain semaphore may go above its initial value
        assert s.value == 3
        async with s:
            assert s.value == 2
        assert s.value == 3
        with pytest.raises(corral.Timeout):
            z = corral.Semaphore(0)
            await z.acquire(timeout=MS)

    run_v(main())


def test_bounded_semaphore_over_release():
    async def main():
        s = corral.BoundedSemaphore(1)
        with pytest.raises(ValueError):
            s.release()
        with pytest.raises(corral.InvalidState):
            s.release()
        async with s:
            pass
        assert s.value == 1

    run_v(main())


def test_semaphore_bad_values():
    async def main():
        with pytest.raises(corral.InvalidArgument):
            corral.Semaphore(-1)
        with pytest.raises(ValueError):
            corral.BoundedSemaphore(-3)
        for bad in ("1", 1.0, None, True):
            with pytest.raises(TypeError):
                corral.Semaphore(bad)
        with pytest.raises(corral.InvalidArgument):
            corral.Semaphore(2**64)
        assert corral.Semaphore(0).value == 0

    run_v(main())


# ---- Condition ----------------------------------------------------------------------------------

def test_condition_notify_fifo_and_wait_for():
    log = []
    state = {"n": 0}

    async def waiter(cond, name):
        async with cond:
            v = await cond.wait_for(lambda: state["n"] >= 2 and state["n"])
            log.append(f"{name} {v}")

    async def main():
        cond = corral.Condition()
        ts = [corral.spawn(waiter, cond, n) for n in ("W1", "W2", "W3")]
        await corral.checkpoint()
        for _ in range(2):
            async with cond:
                state["n"] += 1
                assert cond.notify_all() == 3
            await corral.checkpoint()
        for t in ts:
            await t
        async with cond:
            assert cond.notify() == 0 and cond.notify(5) == 0

    run_v(main())
    assert log == ["W1 2", "W2 2", "W3 2"]


def test_condition_wait_requires_the_lock_and_checks_input():
    async def main():
        cond = corral.Condition()
        with pytest.raises(corral.InvalidState, match="does not own"):
            await cond.wait()
        with pytest.raises(TypeError):
            await cond.wait_for(42)
        with pytest.raises(corral.InvalidArgument):
            cond.notify(-1)
        with pytest.raises(TypeError):
            cond.notify("all")
        with pytest.raises(TypeError):
            corral.Condition(lock=corral.Semaphore())

    run_v(main())


def test_condition_shared_lock():
    async def main():
        lock = corral.Lock()
        c1 = corral.Condition(lock)
        c2 = corral.Condition(lock)
        assert c1.lock is lock and c2.lock is lock
        async with c1:
            assert c2.locked() and lock.owner is corral.current_task()
        assert not lock.locked()

    run_v(main())


def test_condition_timeout_and_cancel_reacquire_the_lock():
    seen = []

    async def waiter(cond):
        async with cond:
            try:
                await cond.wait()
            except corral.Cancelled:
                seen.append(("cancelled owns", cond.lock.owner is corral.current_task()))
                raise

    async def main():
        cond = corral.Condition()
        async with cond:
            with pytest.raises(corral.Timeout):
                await cond.wait(timeout=2 * MS)
            assert cond.lock.owner is corral.current_task()  # owned after a timeout too
            with pytest.raises(corral.Timeout):
                await cond.wait_for(lambda: False, timeout=3 * MS)
            assert cond.locked()
        w = corral.spawn(waiter, cond)
        await corral.checkpoint()
        async with cond:
            w.cancel()
            await corral.sleep(MS)  # w cannot resume while we hold the lock
            assert not w.done()
        with pytest.raises(corral.TaskCancelled):
            await w
        assert not cond.locked()

    run_v(main())
    assert seen == [("cancelled owns", True)]


def test_condition_notified_then_cancelled_keeps_the_notification():
    out = []

    async def waiter(cond):
        async with cond:
            await cond.wait()
            out.append("woken")
            await corral.checkpoint()

    async def other(cond):
        async with cond:
            await cond.wait()
            out.append("other woken")

    async def main():
        cond = corral.Condition()
        w = corral.spawn(waiter, cond)
        o = corral.spawn(other, cond)
        await corral.checkpoint()
        async with cond:
            assert cond.notify(1) == 1  # w is notified, queues for the lock
            w.cancel()
        with pytest.raises(corral.TaskCancelled):
            await w
        assert o.done() is False  # the notification was not passed on to o
        async with cond:
            cond.notify()
        await o

    run_v(main())
    assert out == ["woken", "other woken"]


def test_sync_objects_after_release_and_after_the_run():
    kept = {}

    async def main():
        objs = [corral.Event(), corral.Lock(), corral.Semaphore(), corral.Condition()]
        for o in objs:
            o.release_handle()
            o.release_handle()
        ev, lock, sem, cond = objs
        for fn in (ev.set, ev.is_set, lock.locked, lambda: sem.value, cond.notify_all):
            with pytest.raises(corral.Closed):
                fn()
        with pytest.raises(corral.Closed):
            await ev.wait()
        with pytest.raises(corral.Closed):
            await lock.acquire()
        with pytest.raises(corral.Closed):
            await sem.acquire()
        kept.update(ev=corral.Event(), lock=corral.Lock(), sem=corral.BoundedSemaphore(2))
        return repr(objs[0])

    assert "released" in run_v(main())
    with pytest.raises(corral.Closed):
        kept["ev"].set()
    with pytest.raises(corral.Closed):
        kept["sem"].release()
    kept.clear()


# ---- round 5 of the differential test: cancel point first, timeouts from the await --------

def test_misuse_without_a_pending_cancellation_is_invalid_state():
    async def main():
        lock = corral.Lock()
        cond = corral.Condition()
        await lock.acquire()
        with pytest.raises(corral.InvalidState):
            await lock.acquire()
        with pytest.raises(corral.InvalidState):
            await cond.wait()

    run_v(main())


def test_misuse_checks_yield_to_a_pending_cancellation():
    async def main():
        lock = corral.Lock()
        cond = corral.Condition()
        await lock.acquire()
        seen = []
        with corral.move_on_after(0) as scope:  # cancelled at once
            for aw in (lock.acquire, cond.wait):
                try:
                    await aw()
                except corral.Cancelled:
                    seen.append("Cancelled")
                    continue
                except corral.InvalidState:
                    seen.append("InvalidState")
            await corral.checkpoint()
        assert scope.cancelled_caught
        return seen

    assert run_v(main()) == ["Cancelled", "Cancelled"]


def test_a_timeout_counts_from_the_await_not_from_the_call():
    async def main():
        lock = corral.Lock()
        holder = corral.Event()

        async def hold():
            await lock.acquire()
            await holder.wait()
            lock.release()

        corral.spawn(hold)
        await corral.checkpoint()
        call = lock.acquire(timeout=2 * MS)  # made at 0, awaited at 1: times out at 3
        await corral.sleep(1 * MS)
        with pytest.raises(corral.Timeout):
            await call
        t = corral.now()
        holder.set()
        return round(t / MS)

    assert run_v(main()) == 3


def test_a_negative_timeout_is_a_past_deadline():
    async def main():
        ev = corral.Event()
        with pytest.raises(corral.Timeout):
            await ev.wait(timeout=-1 * MS)
        ev.set()
        return await ev.wait(timeout=-1 * MS)

    assert run_v(main()) is True
