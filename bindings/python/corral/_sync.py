"""Synchronization primitives (R27, R31, R60's no-barging rule, R65): Event, Lock,
Semaphore, BoundedSemaphore and Condition, over ``corral/sync.h``.

Every wait is a checkpoint (R23) with a per-call ``deadline=`` (absolute seconds on the
corral clock) or ``timeout=`` (seconds from now), FIFO among waiters, and
cancellation-safe: a waiter that is cancelled or times out leaves with no effect, and a
hand-off that happened first wins (the task owns the lock / permit and sees ``Cancelled``
at its next checkpoint). A released lock or permit goes straight to the first waiter, so a
later ``try_acquire`` never barges in. ``release``/``set``/``notify`` never suspend.
"""

from __future__ import annotations

import types
from typing import Any, Callable, Generator, TypeVar

from . import _ffi
from ._core import L, _OP, Runner, Task, _own, _runner, call_deadline
from ._errors import Closed, InvalidArgument, InvalidState, from_code
from ._handle import CHandle

T = TypeVar("T")
_opack = _OP.pack
_EINVALIDSTATE = _ffi.EINVALIDSTATE


@types.coroutine
def _wait_true(make: Callable[..., bytes], *args: Any) -> Generator[bytes, Any, bool]:
    """Await the operation ``make(*args)`` builds - when awaited, in the awaiting task (so
    that ``spawn(lock.acquire)`` checks the new task, not the spawner) - and return True."""
    yield make(*args)
    return True


@types.coroutine
def _wait_none(make: Callable[..., bytes], *args: Any) -> Generator[bytes, Any, None]:
    yield make(*args)


class _SyncHandle(CHandle):
    """A C sync object owned by one runner (created in it, released once)."""

    __slots__ = ("__weakref__",)
    _new: Any = None

    def _create(self, *args: Any) -> Runner:
        r = _runner()
        _own(r)
        if r._pt:
            r._flush()
        rc = type(self)._new(r._outp, r._rtp, *args)
        if rc < 0:
            raise from_code(rc)
        self._ptr: int = r._out.value  # type: ignore[assignment]
        self._runner: Runner = r
        return r

    def release_handle(self) -> None:
        """Drop the C object now; later calls raise :class:`corral.Closed`. The garbage
        collector does this as a backstop."""
        ptr = self._ptr
        if not ptr:
            return
        r = self._runner
        if not r._closed:
            _own(r)
            if r._pt:
                r._flush()
        self._ptr = 0
        type(self)._unref(ptr)

    def _op(self, kind: int, deadline: float | None, timeout: float | None,
            what: str) -> bytes:
        ptr = self._ptr
        if not ptr:
            raise Closed(self._released_msg)
        dl = -1 if deadline is None and timeout is None else call_deadline(deadline, timeout,
                                                                           what)
        return _opack(kind, 0, ptr, dl, 0, 0, 0, 0, 0)

    def _op_dl(self, kind: int, dl: int) -> bytes:
        if not self._ptr:
            raise Closed(self._released_msg)
        return _opack(kind, 0, self._ptr, dl, 0, 0, 0, 0, 0)


def _current(r: Runner, what: str) -> Task:
    t = r._current
    if t is None:
        raise RuntimeError(f"{what} must be called from a corral task")
    return t


# ---- Event ------------------------------------------------------------------------------------

class Event(_SyncHandle):
    """A sticky flag (asyncio/trio ``Event``): ``set()`` wakes every waiter, FIFO; ``await
    wait()`` on a set event still passes through the ready queue (R23); ``clear()`` makes
    later waits park again (waiters already woken stay woken)."""

    __slots__ = ()
    _new = L.corral_event_new
    _unref = L.corral_event_unref
    _released_msg = "the event was released"

    def __init__(self) -> None:
        self._create()

    def set(self) -> int:
        """Set the flag (idempotent); returns how many waiters were woken."""
        self._live()
        return L.corral_event_set(self._ptr)

    def clear(self) -> None:
        self._live()
        L.corral_event_clear(self._ptr)

    def is_set(self) -> bool:
        self._live()
        return L.corral_event_is_set(self._ptr) == 1

    def wait(self, *, deadline: float | None = None,
             timeout: float | None = None) -> Generator[bytes, Any, bool]:
        """``await ev.wait()``: until the flag is set; returns True (asyncio)."""
        return _wait_true(self._op, _ffi.OP_EVENT_WAIT, deadline, timeout, "Event.wait")

    def __repr__(self) -> str:
        if not self._ptr:
            return "<corral.Event released>"
        return f"<corral.Event {'set' if self.is_set() else 'unset'}>"


# ---- Lock ---------------------------------------------------------------------------------------

class Lock(_SyncHandle):
    """A lock owned by the task that acquired it, FIFO, not reentrant.

    ``async with lock:`` (or ``await lock.acquire()`` ... ``lock.release()``). ``release()``
    hands the lock to the first waiter at once (it owns it before it runs), so
    ``try_acquire()`` never barges in (S64). Acquiring a lock the task already owns raises
    :class:`corral.InvalidState` instead of deadlocking; releasing a lock the task does not
    own (or nobody holds) raises :class:`corral.InvalidState`.
    """

    __slots__ = ()
    _new = L.corral_lock_new
    _unref = L.corral_lock_unref
    _released_msg = "the lock was released"

    def __init__(self) -> None:
        self._create()

    @classmethod
    def _wrap(cls, ptr: int, r: Runner) -> "Lock":
        lk = object.__new__(cls)
        L.corral_lock_ref(ptr)
        lk._ptr = ptr
        lk._runner = r
        return lk

    def _mine(self, what: str) -> Task:
        r = self._runner
        _own(r)
        if not self._ptr:
            raise Closed(self._released_msg)
        t = _current(r, what)
        # (a pending cancellation comes first: the await raises it at its cancel point, R23a)
        if L.corral_lock_owner(self._ptr) == t._ptr and not t.cancel_pending():
            raise InvalidState(f"{what}: task {t.name} already owns the lock "
                               f"(corral locks are not reentrant)")
        return t

    def _acquire_op(self, deadline: float | None = None, timeout: float | None = None) -> bytes:
        self._mine("Lock.acquire")
        dl = -1 if deadline is None and timeout is None else call_deadline(
            deadline, timeout, "Lock.acquire")  # at the await: a timeout counts from there
        return _opack(_ffi.OP_LOCK_ACQUIRE, 0, self._ptr, dl, 0, 0, 0, 0, 0)

    def acquire(self, *, deadline: float | None = None,
                timeout: float | None = None) -> Generator[bytes, Any, bool]:
        """``await lock.acquire()``: wait for the lock (a checkpoint); returns True."""
        return _wait_true(self._acquire_op, deadline, timeout)

    def try_acquire(self) -> bool:
        """Take the lock if it is free and nobody waits (not a checkpoint)."""
        r = self._live()
        t = _current(r, "Lock.try_acquire")
        rc = L.corral_lock_try_acquire(self._ptr, t._ptr)
        if rc < 0:
            raise from_code(rc)
        return rc == 1

    def release(self) -> None:
        """Release the lock the current task owns; the first waiter owns it at once."""
        r = self._live()
        t = r._current
        rc = L.corral_lock_release(self._ptr, t._ptr if t is not None else None)
        if rc < 0:
            raise from_code(rc)

    def locked(self) -> bool:
        self._live()
        return L.corral_lock_locked(self._ptr) == 1

    @property
    def owner(self) -> Task | None:
        """The task that owns the lock (None when free, or when the owner is not a running
        Python task)."""
        r = self._live()
        p = L.corral_lock_owner(self._ptr)
        if not p:
            return None
        for t in r._tasks.values():
            if t._ptr == p:
                return t
        return None

    def __aenter__(self) -> Generator[bytes, Any, None]:
        return _wait_none(self._acquire_op)

    async def __aexit__(self, *exc: Any) -> None:
        self.release()  # not a checkpoint (release never suspends)

    def __repr__(self) -> str:
        if not self._ptr:
            return "<corral.Lock released>"
        return f"<corral.Lock {'locked' if self.locked() else 'unlocked'}>"


# ---- Semaphore ----------------------------------------------------------------------------------

class _TooManyReleases(InvalidState, ValueError):
    """A BoundedSemaphore released more often than acquired (asyncio raises ValueError)."""


class Semaphore(_SyncHandle):
    """A counting semaphore (asyncio/trio): ``async with sem:`` or ``await sem.acquire()``
    ... ``sem.release()``. A release while tasks wait hands the permit to the first one
    (no barging). Not owned by a task: any code may release."""

    __slots__ = ()
    _new = L.corral_semaphore_new
    _unref = L.corral_semaphore_unref
    _released_msg = "the semaphore was released"
    _BOUNDED = False

    def __init__(self, value: int = 1) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{type(self).__name__}: value must be an int, "
                            f"not {type(value).__name__}")
        if value < 0:
            raise InvalidArgument(f"{type(self).__name__}: value must be >= 0, got {value}")
        if value > _ffi.INT64_MAX:
            raise InvalidArgument(f"{type(self).__name__}: value {value} is too large")
        self._create(value, value if self._BOUNDED else -1)

    def acquire(self, *, deadline: float | None = None,
                timeout: float | None = None) -> Generator[bytes, Any, bool]:
        """``await sem.acquire()``: take a permit, waiting for one (a checkpoint)."""
        return _wait_true(self._op, _ffi.OP_SEM_ACQUIRE, deadline, timeout,
                          "Semaphore.acquire")

    def try_acquire(self) -> bool:
        """Take a permit if one is free and nobody waits (not a checkpoint)."""
        self._live()
        return L.corral_semaphore_try_acquire(self._ptr) == 1

    def release(self) -> None:
        """Give a permit back: to the first waiter, or counted."""
        self._live()
        rc = L.corral_semaphore_release(self._ptr)
        if rc < 0:
            if rc == _EINVALIDSTATE:
                raise _TooManyReleases(f"{type(self).__name__} released too many times")
            raise from_code(rc)

    @property
    def value(self) -> int:
        """Free permits (0 while tasks wait)."""
        self._live()
        return L.corral_semaphore_value(self._ptr)

    def locked(self) -> bool:
        """True when an acquire would wait."""
        return self.value == 0

    def __aenter__(self) -> Generator[bytes, Any, None]:
        return _wait_none(self._op_dl, _ffi.OP_SEM_ACQUIRE, -1)

    async def __aexit__(self, *exc: Any) -> None:
        self.release()

    def __repr__(self) -> str:
        if not self._ptr:
            return f"<corral.{type(self).__name__} released>"
        return f"<corral.{type(self).__name__} value={self.value}>"


class BoundedSemaphore(Semaphore):
    """A :class:`Semaphore` whose ``release`` past its initial value raises an error that is
    both a :class:`corral.InvalidState` and a ``ValueError`` (asyncio raises ValueError)."""

    __slots__ = ()
    _BOUNDED = True


# ---- Condition ----------------------------------------------------------------------------------

class Condition(_SyncHandle):
    """A condition variable over a :class:`Lock` (its own unless ``lock=`` is given).

    ``async with cond:`` holds the lock; ``await cond.wait()`` (the task must own the lock,
    else :class:`corral.InvalidState`) releases it and parks until notified. Whatever ends
    the wait — a notify, cancellation, the per-call deadline — the task resumes only once
    it owns the lock again, re-acquired FIFO and shielded (R65), so ``async with`` stays
    balanced; only then does it see ``Cancelled`` or :class:`corral.Timeout`.
    ``notify(n=1)``/``notify_all()`` wake waiters FIFO (the notifier need not hold the
    lock). ``await cond.wait_for(predicate)`` is a loop on ``wait``.
    """

    __slots__ = ("_lock",)
    _new = L.corral_condition_new
    _unref = L.corral_condition_unref
    _released_msg = "the condition was released"

    def __init__(self, lock: Lock | None = None) -> None:
        if lock is not None and not isinstance(lock, Lock):
            raise TypeError(f"Condition: lock must be a corral.Lock, not {type(lock).__name__}")
        if lock is not None and not lock._ptr:
            raise Closed(lock._released_msg)
        r = self._create(lock._ptr if lock is not None else None)
        self._lock = lock if lock is not None else Lock._wrap(
            L.corral_condition_lock(self._ptr), r)

    @property
    def lock(self) -> Lock:
        return self._lock

    def locked(self) -> bool:
        return self._lock.locked()

    def acquire(self, *, deadline: float | None = None,
                timeout: float | None = None) -> Generator[bytes, Any, bool]:
        return self._lock.acquire(deadline=deadline, timeout=timeout)

    def release(self) -> None:
        self._lock.release()

    def __aenter__(self) -> Generator[bytes, Any, None]:
        return self._lock.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        self._lock.release()

    def wait(self, *, deadline: float | None = None,
             timeout: float | None = None) -> Generator[bytes, Any, bool]:
        """``await cond.wait()``: release the lock, wait for a notify, own the lock again;
        returns True, or raises ``Cancelled`` / :class:`corral.Timeout` (lock owned)."""
        return _wait_true(self._wait_op, deadline, timeout)

    def _wait(self, dl: int) -> Generator[bytes, Any, bool]:
        return _wait_true(self._wait_op, None, None, dl)

    def _wait_op(self, deadline: float | None, timeout: float | None, dl: int = -1) -> bytes:
        r = self._runner
        _own(r)
        if not self._ptr:
            raise Closed(self._released_msg)
        t = _current(r, "Condition.wait")
        # (a pending cancellation comes first: the await raises it at its cancel point, R23a)
        if L.corral_lock_owner(self._lock._ptr) != t._ptr and not t.cancel_pending():
            raise InvalidState(f"Condition.wait: task {t.name} does not own the lock")
        if deadline is not None or timeout is not None:  # at the await (R37)
            dl = call_deadline(deadline, timeout, "Condition.wait")
        return _opack(_ffi.OP_COND_WAIT, 0, self._ptr, dl, 0, 0, 0, 0, 0)

    async def wait_for(self, predicate: Callable[[], T], *, deadline: float | None = None,
                       timeout: float | None = None) -> T:
        """Wait until ``predicate()`` is true (evaluated with the lock held, first at once)
        and return its value: a loop on :meth:`wait`. The deadline covers the whole loop
        (:class:`corral.Timeout`, lock owned)."""
        if not callable(predicate):
            raise TypeError("Condition.wait_for: predicate must be callable")
        dl = -1 if deadline is None and timeout is None else call_deadline(
            deadline, timeout, "Condition.wait_for")
        result = predicate()
        while not result:
            await self._wait(dl)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> int:
        """Wake up to ``n`` waiters, FIFO; returns how many."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("Condition.notify: n must be an int")
        if n < 0:
            raise InvalidArgument("Condition.notify: n must be >= 0 (notify_all() for all)")
        self._live()
        return L.corral_condition_notify(self._ptr, min(n, 2**31 - 1))

    def notify_all(self) -> int:
        """Wake every waiter, FIFO; returns how many."""
        self._live()
        return L.corral_condition_notify(self._ptr, -1)

    def __repr__(self) -> str:
        if not self._ptr:
            return "<corral.Condition released>"
        return f"<corral.Condition {'locked' if self.locked() else 'unlocked'}>"
