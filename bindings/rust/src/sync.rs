//! One-shot futures (R19-R22).
//! Rust values travel through the core as HOST tokens of this binding: the core never
//! formats or copies them, and tells the driver when it drops one (RELEASE records).
use crate::driver::{current_driver_rc, Driver, BINDING_CALLBACK};
use crate::error::{check, Error, ErrorKind, Result};
use crate::ops::{Instant, Op};
use corral_sys as sys;
use std::fmt;
use std::future::Future as StdFuture;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};

// ---- Future -------------------------------------------------------------------------------------

/// State of a [`Future`] (R19).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FutureState {
    /// Not completed.
    Pending,
    /// Completed with a value.
    Result,
    /// Completed with an error.
    Error,
    /// Cancelled.
    Cancelled,
}

/// A one-shot future (R19-R22) holding a Rust value. Awaiting it (`f.wait().await`) is a
/// checkpoint and gives every waiter a clone of the value; cancelling a waiter never
/// affects the future (R21); awaiting a cancelled future gives `FutureCancelled` (R22).
pub struct Future<T> {
    raw: *mut sys::corral_future,
    d: Rc<Driver>,
    _t: PhantomData<T>,
}

/// Identifies a done callback for [`Future::remove_done_callback`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CallbackId(i64, usize);

impl<T: Clone + 'static> Future<T> {
    /// A pending future. Errors: InvalidState outside a running runtime.
    pub fn new() -> Result<Future<T>> {
        let d = current_driver_rc()?;
        let mut f = ptr::null_mut();
        check(unsafe { sys::corral_future_new(&mut f, d.rt) })?;
        Ok(Future {
            raw: f,
            d,
            _t: PhantomData,
        })
    }
    /// Complete with a value; listeners are queued, none runs here (R8). Errors:
    /// InvalidState if not pending (the value is dropped), Closed.
    pub fn set_result(&self, v: T) -> Result<()> {
        let val = self.d.put_value(Box::new(v));
        let rc = unsafe { sys::corral_future_set_result(self.raw, &val) };
        if rc < 0 {
            let e = Error::last(rc);
            drop(self.d.take_value(&val));
            return Err(e);
        }
        Ok(())
    }
    /// Complete with an error. Errors as for `set_result`.
    pub fn set_error(&self, e: Error) -> Result<()> {
        let e = if e.as_raw().is_null() {
            Error::new(e.kind(), "")
        } else {
            e
        };
        check(unsafe { sys::corral_future_set_error(self.raw, e.as_raw()) }).map(|_| ())
    }
    /// Cancel: `Ok(true)` if it was pending, `Ok(false)` if already done. Errors: `Closed`
    /// after [`Future::close`] (as completing it would), as in every language.
    pub fn cancel(&self) -> Result<bool> {
        // SAFETY: loop thread; the handle holds a reference.
        check(unsafe { sys::corral_future_cancel(self.raw) }).map(|rc| rc == 1)
    }
    /// The state.
    pub fn state(&self) -> FutureState {
        match unsafe { sys::corral_future_state(self.raw) } {
            sys::CORRAL_FUTURE_RESULT => FutureState::Result,
            sys::CORRAL_FUTURE_ERROR => FutureState::Error,
            sys::CORRAL_FUTURE_CANCELLED => FutureState::Cancelled,
            _ => FutureState::Pending,
        }
    }
    /// True while pending.
    pub fn is_pending(&self) -> bool {
        self.state() == FutureState::Pending
    }
    /// The outcome without waiting: None while pending.
    pub fn result(&self) -> Option<Result<T>> {
        let mut v = sys::corral_value::default();
        let rc = unsafe { sys::corral_future_result(self.raw, &mut v) };
        match rc {
            sys::CORRAL_EINVALIDSTATE if self.is_pending() => None,
            0 => Some(self.d.clone_value::<T>(&v).ok_or_else(wrong_type)),
            code => Some(Err(Error::from_outcome(code, unsafe {
                sys::corral_future_error(self.raw)
            }))),
        }
    }
    /// Add a done callback, run as its own ready-queue entry after completion, in
    /// registration order with the waiters (R20); added after completion, it is queued at
    /// once. It runs outside any task: log with [`crate::log_as`].
    pub fn add_done_callback(&self, cb: impl FnOnce() + 'static) -> Result<CallbackId> {
        let token = self.d.callbacks.borrow_mut().insert(Box::new(cb));
        let id = unsafe {
            sys::corral_future_add_host_callback(self.raw, BINDING_CALLBACK, token as u64)
        };
        if id < 0 {
            let c = self.d.callbacks.borrow_mut().remove(token);
            drop(c);
            return Err(Error::last(id as i32));
        }
        Ok(CallbackId(id, token))
    }
    /// Remove a callback that has not been queued yet; true if removed.
    pub fn remove_done_callback(&self, id: CallbackId) -> bool {
        let removed = unsafe { sys::corral_future_remove_callback(self.raw, id.0) } == 1;
        if removed {
            let c = self.d.callbacks.borrow_mut().remove(id.1);
            drop(c);
        }
        removed
    }
    /// Await the outcome (a checkpoint): a clone of the value, the error, or
    /// `FutureCancelled`.
    pub fn wait(&self) -> FutureWait<T> {
        self.wait_until_raw(-1)
    }
    /// Await with a per-call absolute deadline (R41): `Timeout` when it passes first.
    pub fn wait_until(&self, deadline: Instant) -> FutureWait<T> {
        self.wait_until_raw(deadline.as_nanos())
    }
    fn wait_until_raw(&self, deadline: i64) -> FutureWait<T> {
        FutureWait {
            f: self.clone(),
            op: Op::new(sys::CORRAL_OP_FUTURE, self.raw.cast(), deadline),
        }
    }
    /// Close: cancels it if pending; later calls fail with Closed. Idempotent.
    pub fn close(&self) -> Result<()> {
        check(unsafe { sys::corral_future_close(self.raw) }).map(|_| ())
    }
}

fn wrong_type() -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        "the value is not a Rust value of the expected type",
    )
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            raw: unsafe { sys::corral_future_ref(self.raw) },
            d: self.d.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> Drop for Future<T> {
    fn drop(&mut self) {
        unsafe { sys::corral_future_unref(self.raw) }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corral::Future({:p})", self.raw)
    }
}

/// The future of [`Future::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct FutureWait<T> {
    f: Future<T>,
    op: Op,
}

impl<T> Unpin for FutureWait<T> {}

impl<T: Clone + 'static> StdFuture for FutureWait<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        this.op.poll_op(cx).map(|r| {
            r.and_then(|o| {
                if o.status != 0 {
                    return Err(Error::from_outcome(o.status, o.error));
                }
                this.f.d.clone_value::<T>(&o.value).ok_or_else(wrong_type)
            })
        })
    }
}

impl<T: Clone + 'static> std::future::IntoFuture for &Future<T> {
    type Output = Result<T>;
    type IntoFuture = FutureWait<T>;
    fn into_future(self) -> FutureWait<T> {
        self.wait()
    }
}
