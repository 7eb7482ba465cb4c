//! Awaitable operations. Each one is a corral checkpoint (R23): its first poll submits a
//! `corral_op` for the current task with `corral_task_await` — which returns `Cancelled`
//! at once when cancellation is pending (the future is then Ready without suspending) — and
//! its outcome arrives with the task's next RESUME record (after at least one pass through
//! the ready queue, even when it could complete at once: no fast path, R76a).
use crate::driver::{with_driver, Outcome, TaskRef};
use crate::error::{Error, ErrorKind, Result};
use corral_sys as sys;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

const INIT: u8 = 0;
const WAITING: u8 = 1;
const DONE: u8 = 2;

/// Ids of submitted operations (never 0): `Cur::op` names the one the polled task awaits.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) struct Op {
    target: *mut std::ffi::c_void,
    pub(crate) deadline: i64,
    /// A relative per-call timeout (ns), turned into `deadline` once, at the first poll.
    timeout: Option<i64>,
    /// `corral_op.arg`: a QUEUE_PUT's priority.
    pub(crate) arg: i32,
    kind: u32,
    state: u8,
    /// While WAITING: this submission's id.
    id: u64,
    _not_send: PhantomData<*mut ()>,
}

impl Op {
    pub(crate) fn new(kind: u32, target: *mut std::ffi::c_void, deadline: i64) -> Op {
        Op {
            target,
            deadline,
            timeout: None,
            arg: 0,
            kind,
            state: INIT,
            id: 0,
            _not_send: PhantomData,
        }
    }

    /// A per-call absolute deadline (R41), replacing any earlier deadline or timeout.
    pub(crate) fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline.as_nanos();
        self.timeout = None;
    }

    /// A per-call timeout, relative to the time of the first poll (the await's entry).
    pub(crate) fn set_timeout(&mut self, d: Duration) {
        self.timeout = Some(nanos(d));
    }

    /// Submitted, and its outcome not collected yet.
    pub(crate) fn is_waiting(&self) -> bool {
        self.state == WAITING
    }

    pub(crate) fn join(task: *mut sys::corral_task) -> Op {
        Op::new(sys::CORRAL_OP_JOIN, task.cast(), -1)
    }

    /// Submit (first poll) or collect the outcome (the poll after the RESUME record, or any
    /// later poll when the outcome was kept for this op: see `Driver::stash`). `cx`'s Waker is
    /// woken when the outcome arrives (combinators that poll only woken sub-futures).
    pub(crate) fn poll_op(&mut self, cx: &Context<'_>) -> Poll<Result<Outcome>> {
        self.poll_op_value(cx, sys::corral_value::default())
    }

    /// As `poll_op`, submitting `value` with the operation (QUEUE_PUT's item).
    pub(crate) fn poll_op_value(
        &mut self,
        cx: &Context<'_>,
        value: sys::corral_value,
    ) -> Poll<Result<Outcome>> {
        match self.state {
            INIT => {
                let r = with_driver(|d| {
                    let mut cur = d.cur.get();
                    if cur.task.is_null() {
                        return Poll::Ready(Err(outside_task()));
                    }
                    if let Some(t) = self.timeout.take() {
                        // SAFETY: loop thread, inside a task's poll.
                        let now = unsafe { sys::corral_rt_now(d.rt) };
                        self.deadline = now.max(0).saturating_add(t.max(0));
                    }
                    if cur.op != 0 && !d.stash(&mut cur) {
                        return Poll::Ready(Err(Error::new(
                            ErrorKind::InvalidState,
                            "this task already awaits a corral operation: a corral task awaits \
                             one corral operation at a time (select!/join! over corral \
                             awaitables inside one task need a core change; spawn tasks instead)",
                        )));
                    }
                    let op = sys::corral_op {
                        kind: self.kind,
                        arg: self.arg,
                        target: self.target,
                        deadline: self.deadline,
                        value,
                    };
                    // SAFETY: the task is in its step (we are inside its poll).
                    let rc = unsafe { sys::corral_task_await(cur.task, &op) };
                    if rc == sys::CORRAL_PENDING {
                        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
                        cur.op = self.id;
                        d.cur.set(cur);
                        d.set_op_waker(cur.slot, cx.waker());
                        self.state = WAITING;
                        Poll::Pending
                    } else {
                        self.state = DONE;
                        Poll::Ready(Err(Error::last(rc)))
                    }
                });
                r.unwrap_or_else(|| Poll::Ready(Err(outside_task())))
            }
            WAITING => with_driver(|d| {
                let mut cur = d.cur.get();
                if cur.op != self.id {
                    // Delivered in an earlier poll that did not poll this future?
                    return match d.unstash(cur.slot, self.id) {
                        Some(o) => {
                            self.state = DONE;
                            Poll::Ready(Ok(o))
                        }
                        None => Poll::Pending,
                    };
                }
                match d.resume.take() {
                    Some(o) => {
                        cur.op = 0;
                        d.cur.set(cur);
                        self.state = DONE;
                        Poll::Ready(Ok(o))
                    }
                    None => Poll::Pending,
                }
            })
            .unwrap_or(Poll::Pending),
            _ => Poll::Ready(Err(Error::new(
                ErrorKind::InvalidState,
                "corral operation polled after it completed",
            ))),
        }
    }

    /// The future holding this op is dropped (R31, R76b). While WAITING inside its task's
    /// poll: if its outcome already came (in this poll, or kept from an earlier one), it was
    /// delivered and nobody will observe it, so the binding gives back what can be given
    /// back: a queue item goes back with `corral_queue_unget` (to the next parked getter or
    /// the front, as the core's own rollback does; never lost), a granted lock is released (to
    /// the next waiter), a permit is released, a condition wait that re-acquired its lock
    /// releases it; other owned values are released. Otherwise the core withdraws the wait
    /// (`corral_task_abandon`: no effect, or a committed outcome rolled back as the header
    /// says: a queue item to the next getter or the head, a lock to the next waiter, a
    /// permit released; an abandoned condition wait leaves the task without the lock).
    /// Either way the task is in its step again and may await anew. Dropped outside its
    /// task's poll (runtime teardown, after `corral_rt_close`; or an op future moved to
    /// another task) nothing is called: a wait left parked keeps its task parked and its
    /// outcome is discarded when it arrives. Returns true when the op certainly had no
    /// effect (a put's item is still ours).
    pub(crate) fn withdraw(&mut self) -> bool {
        if self.state != WAITING {
            return false;
        }
        self.state = DONE;
        with_driver(|d| {
            let mut cur = d.cur.get();
            let o = if cur.op == self.id {
                cur.op = 0;
                d.cur.set(cur);
                match d.resume.take() {
                    Some(o) => o,
                    // SAFETY: the task is being polled and awaits this op.
                    None => return unsafe { sys::corral_task_abandon(cur.task) } == 0,
                }
            } else {
                match d.unstash(cur.slot, self.id) {
                    Some(o) => o,
                    None => return false,
                }
            };
            // SAFETY (all arms): loop thread; the target is alive (the op's future holds a
            // reference to it) and the task is the one being polled.
            match self.kind {
                sys::CORRAL_OP_QUEUE_GET if o.status == 0 && o.owned => {
                    // back to the next parked getter or the queue's front, past maxsize
                    // and on a closed queue too: the queue owns it again
                    let mut v = o.value;
                    if unsafe { sys::corral_queue_unget(self.target.cast(), &mut v) } == 0 {
                        return false;
                    }
                }
                sys::CORRAL_OP_LOCK_ACQUIRE if o.status == 0 => unsafe {
                    sys::corral_lock_release(self.target.cast(), cur.task);
                },
                sys::CORRAL_OP_SEM_ACQUIRE if o.status == 0 => unsafe {
                    sys::corral_semaphore_release(self.target.cast());
                },
                sys::CORRAL_OP_COND_WAIT => unsafe {
                    // Whatever ended the wait, the task owns the lock again (R65).
                    let l = sys::corral_condition_lock(self.target.cast());
                    if sys::corral_lock_owner(l) == cur.task {
                        sys::corral_lock_release(l, cur.task);
                    }
                },
                _ => {}
            }
            d.discard(o);
            o.status != 0
        })
        .unwrap_or(false)
    }
}

impl Drop for Op {
    fn drop(&mut self) {
        self.withdraw();
    }
}

fn outside_task() -> Error {
    Error::new(
        ErrorKind::InvalidState,
        "awaiting a corral operation outside a corral task",
    )
}

/// The outcome of an operation whose success carries no value.
pub(crate) fn unit(o: Outcome) -> Result<()> {
    if o.status == 0 {
        Ok(())
    } else {
        Err(Error::from_outcome(o.status, o.error))
    }
}

macro_rules! unit_future {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[must_use = "futures do nothing unless awaited"]
        pub struct $name {
            pub(crate) op: Op,
        }
        impl Future for $name {
            type Output = Result<()>;
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
                self.op.poll_op(cx).map(|r| r.and_then(unit))
            }
        }
    };
}

unit_future!(
    /// The future of [`checkpoint`].
    Checkpoint
);

/// [`TaskRef::join`]'s future; holds a reference to the task.
#[must_use = "futures do nothing unless awaited"]
pub struct Join {
    pub(crate) _task: TaskRef,
    pub(crate) op: Op,
}

impl Future for Join {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.op.poll_op(cx).map(|r| r.and_then(unit))
    }
}

per_call_deadline!(Join);

/// A schedule point and a cancel point (R23): yields once through the ready queue; returns
/// `Err(Cancelled)` at once when cancellation is pending.
pub fn checkpoint() -> Checkpoint {
    Checkpoint {
        op: Op::new(sys::CORRAL_OP_CHECKPOINT, ptr::null_mut(), -1),
    }
}

/// A point in time on the runtime's clock: nanoseconds since the runtime was created (REAL)
/// or since the run started (VIRTUAL, t = 0). Deadlines are absolute (R3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

impl Instant {
    /// The current tick's time (time never advances inside a step). Errors: InvalidState
    /// outside a running runtime.
    pub fn now() -> Result<Instant> {
        let rt = crate::driver::current_rt()?;
        let t = unsafe { sys::corral_rt_now(rt) };
        if t < 0 {
            Err(Error::last(t as i32))
        } else {
            Ok(Instant(t))
        }
    }
    /// An instant from raw nanoseconds. A negative value is a time before the clock's start:
    /// it becomes 0, which as a deadline is past - "try without blocking" (R40, R41), as
    /// Python and Lua treat any past deadline.
    pub const fn from_nanos(ns: i64) -> Instant {
        Instant(if ns < 0 { 0 } else { ns })
    }
    /// Nanoseconds on the runtime's clock.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }
    /// Whole milliseconds (as traces print them).
    pub const fn as_millis(self) -> i64 {
        self.0 / 1_000_000
    }
    /// `self + d`, saturating.
    pub fn saturating_add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(nanos(d)))
    }
}

impl std::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl std::ops::Sub<Duration> for Instant {
    type Output = Instant;
    /// `self - d`, stopping at the clock's start (0: a past deadline, R40).
    fn sub(self, d: Duration) -> Instant {
        Instant::from_nanos(self.0.saturating_sub(nanos(d)))
    }
}

pub(crate) fn nanos(d: Duration) -> i64 {
    d.as_nanos().min(i64::MAX as u128) as i64
}

/// The current time on the runtime's clock ([`Instant::now`]).
pub fn now() -> Result<Instant> {
    Instant::now()
}

/// The future of [`sleep`] / [`sleep_until`].
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    op: Op,
    relative: Option<i64>,
}

impl Future for Sleep {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(d) = self.relative.take() {
            // Relative -> absolute exactly once, at the entry of the await (R3).
            match Instant::now() {
                Ok(now) => self.op.deadline = now.0.saturating_add(d),
                Err(_) => return Poll::Ready(Err(outside_task())),
            }
        }
        self.op.poll_op(cx).map(|r| r.and_then(unit))
    }
}

/// Sleep for `d` (a checkpoint; `sleep(Duration::ZERO)` is a plain checkpoint).
pub fn sleep(d: Duration) -> Sleep {
    Sleep {
        op: Op::new(sys::CORRAL_OP_SLEEP, ptr::null_mut(), 0),
        relative: Some(nanos(d)),
    }
}

/// Sleep until `deadline` (absolute; a past deadline is a plain checkpoint). A negative
/// instant fails with InvalidArgument.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        op: Op::new(sys::CORRAL_OP_SLEEP, ptr::null_mut(), deadline.0),
        relative: None,
    }
}

/// Sleep `ms` milliseconds (a signed count, as the scenario pseudocode writes it; negative
/// durations fail with InvalidArgument).
pub fn sleep_ms(ms: i64) -> Sleep {
    if ms < 0 {
        return sleep_until(Instant(-2)); // rejected by the core: "deadline is negative"
    }
    sleep(Duration::from_millis(ms as u64))
}

/// `deadline(Instant)` / `timeout(Duration)` builder methods for an op future with an `op`
/// field (R41): the per-call deadline of the one operation the future submits.
macro_rules! per_call_deadline {
    ($($t:ident $(<$($g:tt),*>)?),* $(,)?) => {$(
        impl$(<$($g),*>)? $t$(<$($g),*>)? {
            /// A per-call absolute deadline (R41): when it passes first the await ends with
            /// `Err(Timeout)` and has no effect. A past deadline means "do not block".
            pub fn deadline(mut self, deadline: $crate::ops::Instant) -> Self {
                self.op.set_deadline(deadline);
                self
            }
            /// A per-call timeout, measured from the await's entry (its first poll); the
            /// same as [`Self::deadline`] at `now + d`.
            pub fn timeout(mut self, d: ::std::time::Duration) -> Self {
                self.op.set_timeout(d);
                self
            }
        }
    )*};
}
pub(crate) use per_call_deadline;
