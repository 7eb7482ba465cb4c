//! One-shot futures and closable queues.
//! Rust values travel through the core as HOST tokens of this binding: the core never
//! formats or copies them, and tells the driver when it drops one (RELEASE records).
use crate::driver::{current_driver_rc, Driver, BINDING_CALLBACK};
use crate::error::{check, Error, ErrorKind, Result};
use crate::ops::{Instant, Op};
use corral_sys as sys;
use std::any::Any;
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
    /// Cancel: true if it was pending.
    pub fn cancel(&self) -> bool {
        unsafe { sys::corral_future_cancel(self.raw) == 1 }
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
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        this.op.poll_op().map(|r| {
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

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Queue(size={})", unsafe {
            sys::corral_queue_size(self.raw)
        })
    }
}

// ---- Queue --------------------------------------------------------------------------------------

/// A failed `put_nowait`: the error and the item, which stays the caller's.
pub struct PutError<T> {
    /// QueueClosed, QueueFull, Closed.
    pub error: Error,
    /// The item that was not put.
    pub item: T,
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PutError({})", self.error)
    }
}

impl<T> From<PutError<T>> for Error {
    fn from(e: PutError<T>) -> Error {
        e.error
    }
}

/// A closable FIFO queue with direct hand-off (R60-R64). Items are Rust values owned by
/// whoever holds them: the queue while buffered, the getter after.
pub struct Queue<T> {
    raw: *mut sys::corral_queue,
    d: Rc<Driver>,
    _t: PhantomData<T>,
}

impl<T: 'static> Queue<T> {
    /// An unbounded queue.
    pub fn new() -> Result<Queue<T>> {
        Queue::bounded(0)
    }
    /// A queue of at most `maxsize` items (<= 0: unbounded).
    pub fn bounded(maxsize: i64) -> Result<Queue<T>> {
        let d = current_driver_rc()?;
        let mut q = ptr::null_mut();
        check(unsafe { sys::corral_queue_new(&mut q, d.rt, maxsize) })?;
        Ok(Queue {
            raw: q,
            d,
            _t: PhantomData,
        })
    }
    /// Put without waiting (not a checkpoint): hands the item to the first parked getter or
    /// buffers it. On failure the item comes back in the error.
    pub fn put_nowait(&self, item: T) -> std::result::Result<(), PutError<T>> {
        let v = self.d.put_value(Box::new(item));
        let rc = unsafe { sys::corral_queue_put_nowait(self.raw, &v) };
        if rc < 0 {
            let error = Error::last(rc);
            let item = match self.d.take_value(&v).map(|b| b.downcast::<T>()) {
                Some(Ok(b)) => *b,
                _ => unreachable!("the token just stored holds a T"),
            };
            return Err(PutError { error, item });
        }
        Ok(())
    }
    /// Get without waiting (not a checkpoint). Errors: QueueEmpty (also when closed and
    /// empty).
    pub fn get_nowait(&self) -> Result<T> {
        let mut v = sys::corral_value::default();
        check(unsafe { sys::corral_queue_get_nowait(self.raw, &mut v) })?;
        self.take(&mut v)
    }
    fn take(&self, v: &mut sys::corral_value) -> Result<T> {
        match self.d.take_value(v) {
            Some(b) => b.downcast::<T>().map(|b| *b).map_err(|_| wrong_type()),
            None => {
                unsafe { sys::corral_value_clear(v) };
                Err(wrong_type())
            }
        }
    }
    /// Get (a checkpoint): the first item, waiting for one; QueueClosed once closed and
    /// drained.
    pub fn get(&self) -> QueueGet<T> {
        self.get_raw(-1)
    }
    /// Get with a per-call absolute deadline (R41): `Timeout` when it passes first, with no
    /// item consumed.
    pub fn get_until(&self, deadline: Instant) -> QueueGet<T> {
        self.get_raw(deadline.as_nanos())
    }
    fn get_raw(&self, deadline: i64) -> QueueGet<T> {
        QueueGet {
            op: Op::new(sys::CORRAL_OP_QUEUE_GET, self.raw.cast(), deadline),
            q: self.clone(),
        }
    }
    /// Put (a checkpoint), waiting for room in a bounded queue. Errors: QueueClosed; on
    /// cancellation or timeout the item is not enqueued (and is dropped).
    pub fn put(&self, item: T) -> QueuePut<T> {
        self.put_raw(item, -1)
    }
    /// Put with a per-call absolute deadline.
    pub fn put_until(&self, item: T, deadline: Instant) -> QueuePut<T> {
        self.put_raw(item, deadline.as_nanos())
    }
    fn put_raw(&self, item: T, deadline: i64) -> QueuePut<T> {
        QueuePut {
            q: self.clone(),
            item: Some(Box::new(item)),
            value: sys::corral_value::default(),
            op: Op::new(sys::CORRAL_OP_QUEUE_PUT, self.raw.cast(), deadline),
        }
    }
    /// Close (R63): idempotent; parked putters fail, and parked getters too if empty.
    pub fn close(&self) -> Result<()> {
        check(unsafe { sys::corral_queue_close(self.raw) }).map(|_| ())
    }
    /// Items buffered.
    pub fn qsize(&self) -> i64 {
        unsafe { sys::corral_queue_size(self.raw) }
    }
    /// The bound (0 = unbounded).
    pub fn maxsize(&self) -> i64 {
        unsafe { sys::corral_queue_maxsize(self.raw) }
    }
    /// True once closed.
    pub fn is_closed(&self) -> bool {
        unsafe { sys::corral_queue_is_closed(self.raw) == 1 }
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            raw: unsafe { sys::corral_queue_ref(self.raw) },
            d: self.d.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        unsafe { sys::corral_queue_unref(self.raw) }
    }
}

/// The future of [`Queue::get`].
#[must_use = "futures do nothing unless awaited"]
pub struct QueueGet<T> {
    op: Op, // dropped first: Op::withdraw may put an item back into `q`
    q: Queue<T>,
}

impl<T> Unpin for QueueGet<T> {}

impl<T: 'static> StdFuture for QueueGet<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        this.op.poll_op().map(|r| {
            r.and_then(|o| {
                if o.status != 0 {
                    return Err(Error::from_outcome(o.status, o.error));
                }
                let mut v = o.value;
                this.q.take(&mut v)
            })
        })
    }
}

/// The future of [`Queue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct QueuePut<T> {
    q: Queue<T>,
    item: Option<Box<dyn Any>>,
    value: sys::corral_value,
    op: Op,
}

impl<T> Unpin for QueuePut<T> {}

impl<T> Drop for QueuePut<T> {
    fn drop(&mut self) {
        // Dropped while parked (R31): when the put is withdrawn without effect, the item
        // was never taken and is still ours.
        if self.op.withdraw() {
            drop(self.q.d.take_value(&self.value));
        }
    }
}

impl<T: 'static> StdFuture for QueuePut<T> {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        if let Some(item) = this.item.take() {
            this.value = this.q.d.put_value(item);
        }
        match this.op.poll_op_value(this.value) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(r) => {
                let status = match &r {
                    Ok(o) => o.status,
                    Err(e) => e.code(),
                };
                if status != 0 {
                    // Not taken by the queue (cancelled at entry, closed, aborted): still ours.
                    drop(this.q.d.take_value(&this.value));
                }
                Poll::Ready(r.and_then(|o| {
                    if o.status == 0 {
                        Ok(())
                    } else {
                        Err(Error::from_outcome(o.status, o.error))
                    }
                }))
            }
        }
    }
}
