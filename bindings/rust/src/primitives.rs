//! Event, Lock, Semaphore / BoundedSemaphore and Condition (R27, R31, R60, R65).
//!
//! Every wait is one corral operation (a checkpoint with a per-call deadline, FIFO among
//! waiters, cancellation-safe), so a task never needs to wait for two things at once: a
//! [`Condition`] wait releases the lock, parks, and re-acquires the lock (FIFO, shielded)
//! inside that same operation, and only then resumes the task. Whatever a waiter waits for
//! is handed to it by the call that frees it (a released lock belongs to the first waiter
//! before it even runs), so `try_acquire` never barges in.
//!
//! Holding a lock or a permit is a guard ([`LockGuard`], [`Permit`], [`CondGuard`]): the
//! Rust form of `async with lock:`; dropping it releases (never a checkpoint).
use crate::driver::{current, current_rt, TaskRef};
use crate::error::{check, Error, ErrorKind, Result};
use crate::ops::{per_call_deadline, unit, Instant, Op};
use corral_sys as sys;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};
use std::time::Duration;

fn outside_task(what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidState,
        &format!("{what} outside a corral task"),
    )
}

fn null(what: &str) -> Error {
    Error::new(ErrorKind::InvalidArgument, &format!("{what} is NULL"))
}

macro_rules! handle {
    ($name:ident, $raw:ident, $new_ref:ident, $unref:ident) => {
        impl Clone for $name {
            fn clone(&self) -> Self {
                // SAFETY: the handle holds a reference.
                $name {
                    raw: unsafe { sys::$new_ref(self.raw) },
                }
            }
        }
        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: the one reference this handle owns.
                unsafe { sys::$unref(self.raw) }
            }
        }
        impl $name {
            /// The raw handle (borrowed), to hand to C code or another binding.
            pub fn as_raw(&self) -> *mut sys::$raw {
                self.raw
            }
            /// A handle on an object made elsewhere (C code, another binding); a reference is
            /// taken.
            ///
            /// # Safety
            /// `raw` must be a live object of the runtime running on this thread.
            pub unsafe fn from_raw(raw: *mut sys::$raw) -> Result<Self> {
                if raw.is_null() {
                    return Err(null(stringify!($raw)));
                }
                current_rt()?;
                Ok($name {
                    raw: sys::$new_ref(raw),
                })
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:p})"), self.raw)
            }
        }
    };
}

// ---- Event ----------------------------------------------------------------------------------

/// A sticky flag (asyncio / trio `Event`, R65): `set` wakes every waiter in FIFO order;
/// waiting on a set event completes at once (still a checkpoint); `clear` makes later waits
/// park again. Cheap to clone, `!Send`.
pub struct Event {
    raw: *mut sys::corral_event,
}

handle!(Event, corral_event, corral_event_ref, corral_event_unref);

impl Event {
    /// A clear event. Errors: InvalidState outside a running runtime.
    pub fn new() -> Result<Event> {
        let rt = current_rt()?;
        let mut e = ptr::null_mut();
        // SAFETY: loop thread.
        check(unsafe { sys::corral_event_new(&mut e, rt) })?;
        Ok(Event { raw: e })
    }
    /// Set (idempotent): every waiter resumes, FIFO. Returns how many were woken.
    pub fn set(&self) -> Result<usize> {
        check(unsafe { sys::corral_event_set(self.raw) }).map(|n| n as usize)
    }
    /// Clear the flag (waiters already woken stay woken).
    pub fn clear(&self) -> Result<()> {
        check(unsafe { sys::corral_event_clear(self.raw) }).map(|_| ())
    }
    /// True while set.
    pub fn is_set(&self) -> bool {
        unsafe { sys::corral_event_is_set(self.raw) == 1 }
    }
    /// Wait until set (a checkpoint). `.deadline(t)` / `.timeout(d)`: `Err(Timeout)`.
    pub fn wait(&self) -> EventWait {
        EventWait {
            _e: self.clone(),
            op: Op::new(sys::CORRAL_OP_EVENT_WAIT, self.raw.cast(), -1),
        }
    }
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait {
    op: Op,
    _e: Event,
}

impl Future for EventWait {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.op.poll_op(cx).map(|r| r.and_then(unit))
    }
}

// ---- Lock -----------------------------------------------------------------------------------

/// A lock owned by a task (asyncio / trio `Lock`, R60's hand-off rule): FIFO, not reentrant
/// (acquiring it again in the owning task fails with InvalidState instead of deadlocking).
/// `acquire().await` gives a [`LockGuard`]; dropping the guard releases the lock, which
/// passes to the first waiter at once (it owns the lock before it runs), so nobody barges
/// in. Cheap to clone, `!Send`.
pub struct Lock {
    raw: *mut sys::corral_lock,
}

handle!(Lock, corral_lock, corral_lock_ref, corral_lock_unref);

impl Lock {
    /// A free lock. Errors: InvalidState outside a running runtime.
    pub fn new() -> Result<Lock> {
        let rt = current_rt()?;
        let mut l = ptr::null_mut();
        check(unsafe { sys::corral_lock_new(&mut l, rt) })?;
        Ok(Lock { raw: l })
    }
    /// Acquire (a checkpoint): the guard, once the current task owns the lock. Errors:
    /// InvalidState (the task already owns it), Cancelled, Timeout (`.deadline(t)` /
    /// `.timeout(d)`). Dropping the future while it waits withdraws the wait (R31: a lock
    /// granted but not yet observed passes on to the next waiter).
    pub fn acquire(&self) -> LockAcquire {
        LockAcquire {
            op: Op::new(sys::CORRAL_OP_LOCK_ACQUIRE, self.raw.cast(), -1),
            lock: self.clone(),
        }
    }
    /// Take the lock without waiting (not a checkpoint), if it is free and nobody waits:
    /// `Some(guard)`, or `None` when busy. Errors: InvalidState (outside a task, or the
    /// current task already owns it).
    pub fn try_acquire(&self) -> Result<Option<LockGuard>> {
        let task = current().ok_or_else(|| outside_task("Lock::try_acquire"))?;
        // SAFETY: loop thread; the task is the one being polled.
        let rc = check(unsafe { sys::corral_lock_try_acquire(self.raw, task.raw) })?;
        Ok((rc == 1).then(|| LockGuard {
            lock: self.clone(),
            task,
            held: true,
        }))
    }
    /// Release a lock the current task owns without a guard (one kept with
    /// [`LockGuard::forget`]). Errors: InvalidState (not locked, or owned by another task).
    pub fn release(&self) -> Result<()> {
        let task = current().ok_or_else(|| outside_task("Lock::release"))?;
        check(unsafe { sys::corral_lock_release(self.raw, task.raw) }).map(|_| ())
    }
    /// True while some task owns the lock.
    pub fn locked(&self) -> bool {
        unsafe { sys::corral_lock_locked(self.raw) == 1 }
    }
    /// The owner, if any.
    pub fn owner(&self) -> Option<TaskRef> {
        // SAFETY: borrowed; we take our own reference.
        let t = unsafe { sys::corral_lock_owner(self.raw) };
        (!t.is_null()).then(|| TaskRef {
            raw: unsafe { sys::corral_task_ref(t) },
        })
    }
    /// True when the current task owns the lock.
    pub fn owned_by_current(&self) -> bool {
        current().is_some_and(|t| unsafe { sys::corral_lock_owner(self.raw) } == t.raw)
    }
}

/// The future of [`Lock::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct LockAcquire {
    op: Op,
    lock: Lock,
}

impl Future for LockAcquire {
    type Output = Result<LockGuard>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<LockGuard>> {
        let this = &mut *self;
        this.op.poll_op(cx).map(|r| {
            r.and_then(unit)?;
            let task = current().ok_or_else(|| outside_task("Lock::acquire"))?;
            Ok(LockGuard {
                lock: this.lock.clone(),
                task,
                held: true,
            })
        })
    }
}

/// A held lock (`async with lock:`). Dropping it releases the lock (to the first waiter);
/// the task that acquired it is recorded, so the guard may be dropped anywhere on the
/// runtime's thread.
#[must_use = "the lock is released when the guard is dropped"]
pub struct LockGuard {
    lock: Lock,
    task: TaskRef,
    held: bool,
}

impl LockGuard {
    /// The lock.
    pub fn lock(&self) -> &Lock {
        &self.lock
    }
    /// The task that owns the lock through this guard.
    pub fn task(&self) -> &TaskRef {
        &self.task
    }
    /// True while the guard's task owns the lock (false after an abandoned condition wait,
    /// R31).
    pub fn is_held(&self) -> bool {
        self.held
    }
    /// Release now (the same as dropping the guard, with the outcome). Errors: InvalidState
    /// when the guard no longer holds the lock.
    pub fn release(mut self) -> Result<()> {
        self.release_now()
    }
    /// Keep the lock without the guard (the owner releases it later with
    /// [`Lock::release`]).
    pub fn forget(mut self) {
        self.held = false;
    }
    fn release_now(&mut self) -> Result<()> {
        if !self.held {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "lock_release: the guard does not hold the lock",
            ));
        }
        self.held = false;
        // SAFETY: loop thread; both handles are referenced.
        check(unsafe { sys::corral_lock_release(self.lock.raw, self.task.raw) }).map(|_| ())
    }
    /// Re-read ownership from the core (after a condition wait).
    fn refresh(&mut self) {
        self.held = unsafe { sys::corral_lock_owner(self.lock.raw) } == self.task.raw;
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.held {
            // Errors (the runtime closed meanwhile) have nowhere to go; nothing is lost.
            let _ = self.release_now();
        }
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LockGuard(held={}, task={:?})", self.held, self.task)
    }
}

// ---- Semaphore --------------------------------------------------------------------------------

/// asyncio's `Semaphore` and `BoundedSemaphore` (R60's hand-off rule): `acquire().await`
/// gives a [`Permit`] (dropping it releases the permit); a release with waiters hands the
/// permit to the first one instead of counting it. A bounded semaphore refuses a release
/// past its bound (InvalidState; asyncio raises ValueError). Cheap to clone, `!Send`.
pub struct Semaphore {
    raw: *mut sys::corral_semaphore,
}

handle!(
    Semaphore,
    corral_semaphore,
    corral_semaphore_ref,
    corral_semaphore_unref
);

impl Semaphore {
    /// A semaphore with `value` permits. Errors: InvalidArgument (negative value).
    pub fn new(value: i64) -> Result<Semaphore> {
        Semaphore::with_bound(value, -1)
    }
    /// asyncio's `BoundedSemaphore(value)`: at most `value` free permits.
    pub fn bounded(value: i64) -> Result<Semaphore> {
        Semaphore::with_bound(value, value)
    }
    /// `value` permits and at most `bound` free ones (`bound < 0`: unbounded). Errors:
    /// InvalidArgument (negative value, bound below value).
    pub fn with_bound(value: i64, bound: i64) -> Result<Semaphore> {
        let rt = current_rt()?;
        let mut s = ptr::null_mut();
        check(unsafe { sys::corral_semaphore_new(&mut s, rt, value, bound) })?;
        Ok(Semaphore { raw: s })
    }
    /// Acquire a permit (a checkpoint). Errors: Cancelled, Timeout (`.deadline(t)` /
    /// `.timeout(d)`). Dropping the future while it waits withdraws the wait (a permit
    /// granted but not yet observed is given back, R31).
    pub fn acquire(&self) -> SemAcquire {
        SemAcquire {
            op: Op::new(sys::CORRAL_OP_SEM_ACQUIRE, self.raw.cast(), -1),
            sem: self.clone(),
        }
    }
    /// Take a permit without waiting (not a checkpoint) if one is free and nobody waits.
    pub fn try_acquire(&self) -> Result<Option<Permit>> {
        let rc = check(unsafe { sys::corral_semaphore_try_acquire(self.raw) })?;
        Ok((rc == 1).then(|| Permit {
            sem: self.clone(),
            held: true,
        }))
    }
    /// Give a permit back without a guard (asyncio's `release()`): to the first waiter, or
    /// counted. Errors: InvalidState (a bounded semaphore already at its bound).
    pub fn release(&self) -> Result<()> {
        check(unsafe { sys::corral_semaphore_release(self.raw) }).map(|_| ())
    }
    /// Free permits (0 while tasks wait).
    pub fn value(&self) -> i64 {
        unsafe { sys::corral_semaphore_value(self.raw) }
    }
    /// True when an acquire would wait (asyncio's `locked()`).
    pub fn locked(&self) -> bool {
        self.value() == 0
    }
}

/// The future of [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct SemAcquire {
    op: Op,
    sem: Semaphore,
}

impl Future for SemAcquire {
    type Output = Result<Permit>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Permit>> {
        let this = &mut *self;
        this.op.poll_op(cx).map(|r| {
            r.and_then(unit)?;
            Ok(Permit {
                sem: this.sem.clone(),
                held: true,
            })
        })
    }
}

/// A permit of a [`Semaphore`]; dropping it releases the permit.
#[must_use = "the permit is released when it is dropped"]
pub struct Permit {
    sem: Semaphore,
    held: bool,
}

impl Permit {
    /// Release now, with the outcome (InvalidState: a bounded semaphore at its bound, after
    /// extra plain releases).
    pub fn release(mut self) -> Result<()> {
        self.held = false;
        self.sem.release()
    }
    /// Keep the permit (it is not released when dropped; give it back with
    /// [`Semaphore::release`]).
    pub fn forget(mut self) {
        self.held = false;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.held {
            let _ = self.sem.release();
        }
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permit({:?})", self.sem)
    }
}

// ---- Condition ------------------------------------------------------------------------------

/// A condition variable over a [`Lock`] (asyncio / trio `Condition`, R65). `acquire().await`
/// gives a [`CondGuard`] (the lock, held), whose `wait()` releases the lock, parks until
/// notified, and resumes **only once the task owns the lock again** (re-acquired FIFO and
/// shielded from cancellation), whatever ended the wait: a notify (`Ok`), cancellation
/// (`Err(Cancelled)`) or the per-call deadline (`Err(Timeout)`). So the guard is always
/// balanced, and a task never waits for two things at once. `notify(n)` / `notify_all()` wake
/// FIFO; the notifier need not hold the lock. Cheap to clone, `!Send`.
pub struct Condition {
    raw: *mut sys::corral_condition,
}

handle!(
    Condition,
    corral_condition,
    corral_condition_ref,
    corral_condition_unref
);

impl Condition {
    /// A condition with a lock of its own.
    pub fn new() -> Result<Condition> {
        Condition::make(ptr::null_mut())
    }
    /// A condition over `lock` (several conditions may share one lock).
    pub fn with_lock(lock: &Lock) -> Result<Condition> {
        Condition::make(lock.raw)
    }
    fn make(lock: *mut sys::corral_lock) -> Result<Condition> {
        let rt = current_rt()?;
        let mut c = ptr::null_mut();
        check(unsafe { sys::corral_condition_new(&mut c, rt, lock) })?;
        Ok(Condition { raw: c })
    }
    /// The condition's lock.
    pub fn lock(&self) -> Lock {
        // SAFETY: borrowed while the condition lives; we take our own reference.
        Lock {
            raw: unsafe { sys::corral_lock_ref(sys::corral_condition_lock(self.raw)) },
        }
    }
    /// Acquire the lock (a checkpoint): `async with cond:`.
    pub fn acquire(&self) -> CondAcquire {
        CondAcquire {
            inner: self.lock().acquire(),
            cond: self.clone(),
        }
    }
    /// Wake up to `n` waiters, FIFO; returns how many were woken. Each resumes once it owns
    /// the lock again.
    pub fn notify(&self, n: usize) -> Result<usize> {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        check(unsafe { sys::corral_condition_notify(self.raw, n) }).map(|n| n as usize)
    }
    /// Wake every waiter, FIFO.
    pub fn notify_all(&self) -> Result<usize> {
        check(unsafe { sys::corral_condition_notify(self.raw, -1) }).map(|n| n as usize)
    }
    /// True while some task owns the lock.
    pub fn locked(&self) -> bool {
        self.lock().locked()
    }
    /// Wait with a lock guard obtained from [`Condition::lock`] (see [`CondGuard::wait`]).
    pub fn wait<'a>(&'a self, guard: &'a mut LockGuard) -> CondWait<'a> {
        CondWait {
            op: Op::new(sys::CORRAL_OP_COND_WAIT, self.raw.cast(), -1),
            guard,
            _cond: self,
        }
    }
    /// `wait_for(predicate)` with a lock guard obtained from [`Condition::lock`] (see
    /// [`CondGuard::wait_for`]).
    pub fn wait_for<'a, P: FnMut() -> bool>(
        &'a self,
        guard: &'a mut LockGuard,
        pred: P,
    ) -> CondWaitFor<'a, P> {
        CondWaitFor {
            cond: self,
            guard,
            pred,
            op: None,
            deadline: -1,
            timeout: None,
        }
    }
}

/// The future of [`Condition::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct CondAcquire {
    inner: LockAcquire,
    cond: Condition,
}

impl CondAcquire {
    /// A per-call absolute deadline for the acquire (R41).
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.inner.op.set_deadline(deadline);
        self
    }
    /// A per-call timeout for the acquire, from the await's entry.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.inner.op.set_timeout(d);
        self
    }
}

impl Future for CondAcquire {
    type Output = Result<CondGuard>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<CondGuard>> {
        let this = &mut *self;
        Pin::new(&mut this.inner).poll(cx).map(|r| {
            r.map(|guard| CondGuard {
                cond: this.cond.clone(),
                guard,
            })
        })
    }
}

/// A condition's lock, held (`async with cond:`); dropping it releases the lock.
#[must_use = "the lock is released when the guard is dropped"]
pub struct CondGuard {
    cond: Condition,
    guard: LockGuard,
}

impl CondGuard {
    /// Release the lock, wait until notified, and take the lock back before resuming (one
    /// operation, R65): `Ok(())` when notified; `Err(Cancelled)` / `Err(Timeout)` (a per-call
    /// deadline: `.deadline(t)` / `.timeout(d)`) with the lock held again all the same. A
    /// notified waiter that is cancelled while it queues for the lock keeps the notification
    /// (`Ok`, then `Cancelled` at its next checkpoint). Dropping the future while it waits
    /// (R31) leaves the guard without the lock ([`CondGuard::is_held`] is false).
    pub fn wait(&mut self) -> CondWait<'_> {
        self.cond.wait(&mut self.guard)
    }
    /// Wait until `pred()` holds (asyncio's `wait_for`): a loop on [`CondGuard::wait`], the
    /// predicate evaluated with the lock held, first before any wait (true at once: no
    /// checkpoint). A deadline covers the whole loop.
    pub fn wait_for<P: FnMut() -> bool>(&mut self, pred: P) -> CondWaitFor<'_, P> {
        self.cond.wait_for(&mut self.guard, pred)
    }
    /// Wake up to `n` waiters ([`Condition::notify`]).
    pub fn notify(&self, n: usize) -> Result<usize> {
        self.cond.notify(n)
    }
    /// Wake every waiter ([`Condition::notify_all`]).
    pub fn notify_all(&self) -> Result<usize> {
        self.cond.notify_all()
    }
    /// The condition.
    pub fn condition(&self) -> &Condition {
        &self.cond
    }
    /// True while the guard's task owns the lock.
    pub fn is_held(&self) -> bool {
        self.guard.held
    }
    /// Release the lock now, with the outcome.
    pub fn release(self) -> Result<()> {
        self.guard.release()
    }
}

impl fmt::Debug for CondGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CondGuard({:?})", self.guard)
    }
}

/// The future of [`CondGuard::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct CondWait<'a> {
    op: Op,
    guard: &'a mut LockGuard,
    _cond: &'a Condition,
}

per_call_deadline!(EventWait, LockAcquire, SemAcquire, CondWait<'a>);

impl Future for CondWait<'_> {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        match this.op.poll_op(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(r) => {
                this.guard.refresh();
                Poll::Ready(r.and_then(unit))
            }
        }
    }
}

impl Drop for CondWait<'_> {
    fn drop(&mut self) {
        if self.op.is_waiting() {
            self.op.withdraw();
            self.guard.refresh();
        }
    }
}

/// The future of [`CondGuard::wait_for`].
#[must_use = "futures do nothing unless awaited"]
pub struct CondWaitFor<'a, P> {
    cond: &'a Condition,
    guard: &'a mut LockGuard,
    pred: P,
    op: Option<Op>,
    deadline: i64,
    timeout: Option<Duration>,
}

impl<P> CondWaitFor<'_, P> {
    /// An absolute deadline for the whole loop (R41): `Err(Timeout)`, lock held.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = deadline.as_nanos();
        self.timeout = None;
        self
    }
    /// A timeout for the whole loop, from the await's entry.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
}

impl<P> Unpin for CondWaitFor<'_, P> {}

impl<P: FnMut() -> bool> Future for CondWaitFor<'_, P> {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        if let Some(d) = this.timeout.take() {
            match Instant::now() {
                Ok(now) => this.deadline = (now + d).as_nanos(),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        loop {
            if this.op.is_none() {
                if (this.pred)() {
                    return Poll::Ready(Ok(()));
                }
                this.op = Some(Op::new(
                    sys::CORRAL_OP_COND_WAIT,
                    this.cond.raw.cast(),
                    this.deadline,
                ));
            }
            let op = this.op.as_mut().expect("set above");
            match op.poll_op(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => {
                    this.op = None;
                    this.guard.refresh();
                    r.and_then(unit)?;
                }
            }
        }
    }
}

impl<P> Drop for CondWaitFor<'_, P> {
    fn drop(&mut self) {
        if let Some(op) = self.op.as_mut() {
            if op.is_waiting() {
                op.withdraw();
                self.guard.refresh();
            }
        }
    }
}
