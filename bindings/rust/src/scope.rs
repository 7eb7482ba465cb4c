//! Cancel scopes (R24-R40): `move_on_*`, `fail_*`, `shield`, `uncancellable`.
//!
//! A scope wraps a future: it is entered on the future's first poll (so a relative deadline
//! counts from the entry, R37) on the task polling it, and exited when the future ends, with
//! the status the body ended with. Scopes must nest (LIFO), which they do when each scope
//! future is awaited where it is created. Entering or leaving is never a checkpoint.
use crate::driver::with_driver;
use crate::error::{Error, ErrorKind, Result};
use crate::ops::{nanos, Instant};
use corral_sys as sys;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Why a scope was cancelled (R29).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Not cancelled.
    None,
    /// `cancel()`.
    Explicit,
    /// Its deadline expired.
    Deadline,
    /// A group close.
    GroupClose,
    /// A fail-fast group.
    FailFast,
    /// The parent.
    Parent,
    /// A signal (R51).
    Signal,
    /// Runtime shutdown / deadlock.
    Shutdown,
}

impl Cause {
    pub(crate) fn from_raw(c: i32) -> Cause {
        match c {
            sys::CORRAL_CAUSE_EXPLICIT => Cause::Explicit,
            sys::CORRAL_CAUSE_DEADLINE => Cause::Deadline,
            sys::CORRAL_CAUSE_GROUP_CLOSE => Cause::GroupClose,
            sys::CORRAL_CAUSE_FAIL_FAST => Cause::FailFast,
            sys::CORRAL_CAUSE_PARENT => Cause::Parent,
            sys::CORRAL_CAUSE_SIGNAL => Cause::Signal,
            sys::CORRAL_CAUSE_SHUTDOWN => Cause::Shutdown,
            _ => Cause::None,
        }
    }
    /// "EXPLICIT", "DEADLINE", ... ("NONE").
    pub fn name(self) -> &'static str {
        match self {
            Cause::None => "NONE",
            Cause::Explicit => "EXPLICIT",
            Cause::Deadline => "DEADLINE",
            Cause::GroupClose => "GROUP_CLOSE",
            Cause::FailFast => "FAIL_FAST",
            Cause::Parent => "PARENT",
            Cause::Signal => "SIGNAL",
            Cause::Shutdown => "SHUTDOWN",
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Copy, Clone)]
enum Deadline {
    None,
    After(i64),
    At(i64),
    /// A cleanup scope's grace from the task's current group chain (corral_cleanup_enter).
    Grace,
}

struct Inner {
    kind: i32,
    shield: bool,
    deadline: Cell<Deadline>,
    raw: Cell<*mut sys::corral_scope>,
    cancel_requested: Cell<bool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: our one reference; NULL-safe.
        unsafe { sys::corral_scope_unref(self.raw.get()) }
    }
}

/// A cancel scope handle. Cheap to clone (clones share the scope), so the body can hold one
/// to cancel it or move its deadline; its flags stay readable after exit.
#[derive(Clone)]
pub struct CancelScope {
    inner: Rc<Inner>,
}

impl CancelScope {
    fn make(kind: i32, deadline: Deadline, shield: bool) -> CancelScope {
        CancelScope {
            inner: Rc::new(Inner {
                kind,
                shield,
                deadline: Cell::new(deadline),
                raw: Cell::new(ptr::null_mut()),
                cancel_requested: Cell::new(false),
            }),
        }
    }
    /// A plain cancel scope without deadline (absorbs its own cancellation).
    pub fn new() -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_MOVE_ON, Deadline::None, false)
    }
    /// `move_on_after(d)`: cancelled `d` after entry; absorbs (R37).
    pub fn move_on_after(d: Duration) -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_MOVE_ON, Deadline::After(nanos(d)), false)
    }
    /// `move_on_at(t)`.
    pub fn move_on_at(t: Instant) -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_MOVE_ON, Deadline::At(t.as_nanos()), false)
    }
    /// `fail_after(d)`: like move_on, but its own deadline expiry raises `Timeout` (R38).
    pub fn fail_after(d: Duration) -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_FAIL, Deadline::After(nanos(d)), false)
    }
    /// `fail_at(t)`.
    pub fn fail_at(t: Instant) -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_FAIL, Deadline::At(t.as_nanos()), false)
    }
    /// A shield scope (R32): outer cancellation does not reach the body.
    pub fn shield() -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_MOVE_ON, Deadline::None, true)
    }

    /// A managed-cleanup scope (R66): a shield whose deadline is now + the cleanup timeout of
    /// the task's current group chain ([`crate::Group::set_cleanup_timeout`]; unlimited by
    /// default). If that grace runs out, the scope cancels its body, absorbs that
    /// cancellation (`run` gives `Ok(None)`) and a `CleanupTimeout` error goes to the handler
    /// chain. Rust cannot await in `Drop`: write async cleanup as `cleanup(body).await`.
    pub fn cleanup() -> CancelScope {
        CancelScope::make(sys::CORRAL_SCOPE_CLEANUP, Deadline::Grace, true)
    }
    /// A managed-cleanup scope with an explicit absolute deadline (`None`: unlimited).
    pub fn cleanup_until(deadline: Option<Instant>) -> CancelScope {
        let d = deadline.map_or(Deadline::None, |t| Deadline::At(t.as_nanos()));
        CancelScope::make(sys::CORRAL_SCOPE_CLEANUP, d, true)
    }

    /// Run `body` inside this scope (the scope can be entered once). `Ok(Some(v))` when the
    /// body completed, `Ok(None)` when the scope absorbed the body's `Cancelled` (R28),
    /// `Err(Timeout)` when a fail scope's deadline fired, else the body's error.
    pub fn run<F, T>(&self, body: F) -> Scoped<F>
    where
        F: Future<Output = Result<T>>,
    {
        Scoped {
            scope: self.clone(),
            body,
            state: 0,
            uncancellable: None,
        }
    }

    /// Cancel (cause EXPLICIT; sticky). Before entry, the scope is cancelled when entered.
    /// Returns true if this call cancelled it.
    pub fn cancel(&self) -> bool {
        let raw = self.inner.raw.get();
        if raw.is_null() {
            return !self.inner.cancel_requested.replace(true);
        }
        unsafe { sys::corral_scope_cancel(raw) == 1 }
    }
    /// Move the deadline (absolute); a value <= now cancels at once; a later deadline never
    /// un-cancels (R37). Errors: InvalidState after exit.
    pub fn set_deadline(&self, t: Option<Instant>) -> Result<()> {
        let ns = t.map_or(-1, |t| t.as_nanos());
        let raw = self.inner.raw.get();
        if raw.is_null() {
            self.inner.deadline.set(if ns < 0 {
                Deadline::None
            } else {
                Deadline::At(ns)
            });
            return Ok(());
        }
        let rc = unsafe { sys::corral_scope_set_deadline(raw, ns) };
        if rc < 0 {
            Err(Error::last(rc))
        } else {
            Ok(())
        }
    }
    /// The absolute deadline, if any (known once entered for relative scopes).
    pub fn deadline(&self) -> Option<Instant> {
        let raw = self.inner.raw.get();
        if raw.is_null() {
            return match self.inner.deadline.get() {
                Deadline::At(t) => Some(Instant::from_nanos(t)),
                _ => None,
            };
        }
        let d = unsafe { sys::corral_scope_deadline(raw) };
        (d >= 0).then(|| Instant::from_nanos(d))
    }
    /// True once cancelled.
    pub fn cancel_called(&self) -> bool {
        let raw = self.inner.raw.get();
        if raw.is_null() {
            return self.inner.cancel_requested.get();
        }
        unsafe { sys::corral_scope_cancel_called(raw) == 1 }
    }
    /// True when this scope absorbed a `Cancelled` (R28).
    pub fn cancelled_caught(&self) -> bool {
        let raw = self.inner.raw.get();
        !raw.is_null() && unsafe { sys::corral_scope_cancelled_caught(raw) == 1 }
    }
    /// The cause of the first cancellation (R29).
    pub fn cause(&self) -> Cause {
        let raw = self.inner.raw.get();
        if raw.is_null() {
            return if self.inner.cancel_requested.get() {
                Cause::Explicit
            } else {
                Cause::None
            };
        }
        Cause::from_raw(unsafe { sys::corral_scope_cause(raw) })
    }

    fn enter(&self) -> Result<()> {
        if !self.inner.raw.get().is_null() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "a cancel scope can be entered once",
            ));
        }
        let task = with_driver(|d| d.cur.get().task).unwrap_or(ptr::null_mut());
        if task.is_null() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "entering a cancel scope outside a corral task",
            ));
        }
        let mut s = ptr::null_mut();
        let i = &self.inner;
        // SAFETY: loop thread; the task is in its step.
        let rc = unsafe {
            match i.deadline.get() {
                Deadline::None => {
                    sys::corral_scope_enter(&mut s, task, i.kind, -1, i.shield as i32)
                }
                Deadline::At(t) => {
                    sys::corral_scope_enter(&mut s, task, i.kind, t, i.shield as i32)
                }
                Deadline::After(d) if i.kind == sys::CORRAL_SCOPE_FAIL => {
                    sys::corral_fail_after(&mut s, task, d)
                }
                Deadline::After(d) => sys::corral_move_on_after(&mut s, task, d),
                Deadline::Grace => sys::corral_cleanup_enter(&mut s, task),
            }
        };
        if rc < 0 {
            return Err(Error::last(rc));
        }
        i.raw.set(s);
        if i.cancel_requested.get() {
            unsafe { sys::corral_scope_cancel(s) };
        }
        Ok(())
    }
}

impl Default for CancelScope {
    fn default() -> Self {
        CancelScope::new()
    }
}

/// The future of [`CancelScope::run`] (and of [`uncancellable`]).
#[must_use = "futures do nothing unless awaited"]
pub struct Scoped<F> {
    scope: CancelScope,
    body: F,
    state: u8,
    uncancellable: Option<bool>,
}

impl<F, T> Future for Scoped<F>
where
    F: Future<Output = Result<T>>,
{
    type Output = Result<Option<T>>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Option<T>>> {
        // SAFETY: `body` is structurally pinned; other fields are Unpin and never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.state == 0 {
            if let Err(e) = this.scope.enter() {
                this.state = 2;
                return Poll::Ready(Err(e));
            }
            this.state = 1;
        } else if this.state == 2 {
            return Poll::Ready(Err(Error::new(
                ErrorKind::InvalidState,
                "scope future polled after completion",
            )));
        }
        let body = unsafe { Pin::new_unchecked(&mut this.body) };
        let out = match body.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(out) => out,
        };
        this.state = 2;
        let status = match &out {
            Ok(_) => 0,
            Err(e) => e.code(),
        };
        let raw = this.scope.inner.raw.get();
        // SAFETY: the scope is the innermost one of this task when scopes nest.
        let rc = unsafe {
            match this.uncancellable {
                Some(raise) => sys::corral_scope_exit_uncancellable(raw, status, raise as i32),
                None => sys::corral_scope_exit(raw, status),
            }
        };
        Poll::Ready(match (rc, out) {
            (0, Ok(v)) => Ok(Some(v)),
            (0, Err(_)) => Ok(None), // absorbed (R28)
            (rc, Err(e)) if rc == e.code() => Err(e),
            (sys::CORRAL_ECANCELLED, _) => Err(Error::cancelled()),
            (sys::CORRAL_EINVALIDSTATE, _) => Err(Error::last(rc)),
            (rc, _) => Err(Error::from_code(rc)),
        })
    }
}

/// Run `body` with a deadline `d` from now; `Ok(None)` if the deadline cut it short (R37).
pub async fn move_on_after<F, T>(d: Duration, body: F) -> Result<Option<T>>
where
    F: Future<Output = Result<T>>,
{
    CancelScope::move_on_after(d).run(body).await
}

/// Run `body` until the absolute deadline `t`; `Ok(None)` if the deadline cut it short.
pub async fn move_on_at<F, T>(t: Instant, body: F) -> Result<Option<T>>
where
    F: Future<Output = Result<T>>,
{
    CancelScope::move_on_at(t).run(body).await
}

/// Run `body` with a deadline `d` from now; `Err(Timeout)` if the deadline fired (R38).
pub async fn fail_after<F, T>(d: Duration, body: F) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    CancelScope::fail_after(d)
        .run(body)
        .await?
        .ok_or_else(|| Error::from_code(sys::CORRAL_ETIMEOUT))
}

/// Run `body` until the absolute deadline `t`; `Err(Timeout)` if it fired.
pub async fn fail_at<F, T>(t: Instant, body: F) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    CancelScope::fail_at(t)
        .run(body)
        .await?
        .ok_or_else(|| Error::from_code(sys::CORRAL_ETIMEOUT))
}

/// Run `body` shielded from outer cancellation (R32). A pending outer cancellation is
/// raised at the next checkpoint after it.
pub async fn shield<F, T>(body: F) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    CancelScope::shield()
        .run(body)
        .await?
        .ok_or_else(Error::cancelled)
}

/// `uncancellable(op, raise_cancel)` (R33, R34): run `body` in the current task inside a
/// shield. Then its error propagates if it failed; else, if cancellation is pending,
/// `raise_cancel = true` returns `Err(Cancelled)` (the value is dropped) and `false` returns
/// the value, the cancellation staying pending for the next checkpoint.
pub async fn uncancellable<F, T>(body: F, raise_cancel: bool) -> Result<T>
where
    F: Future<Output = Result<T>>,
{
    let s = Scoped {
        scope: CancelScope::shield(),
        body,
        state: 0,
        uncancellable: Some(raise_cancel),
    };
    s.await?.ok_or_else(Error::cancelled)
}

/// Run `body` as managed cleanup (R66, [`CancelScope::cleanup`]): shielded, bounded by the
/// cleanup grace of the task's current group chain. `Ok(Some(v))` when the body completed,
/// `Ok(None)` when the grace ran out (its `CleanupTimeout` went to the handler chain: go on
/// with the outcome you were unwinding with), else the body's error.
pub async fn cleanup<F, T>(body: F) -> Result<Option<T>>
where
    F: Future<Output = Result<T>>,
{
    CancelScope::cleanup().run(body).await
}

/// True when a checkpoint of the current task would return `Cancelled` (R30). Reads the
/// core's flag word, no call.
pub fn cancel_pending() -> bool {
    with_driver(|d| {
        let t = d.cur.get().task;
        !t.is_null() && unsafe { sys::corral_task_cancel_pending(t) == 1 }
    })
    .unwrap_or(false)
}
