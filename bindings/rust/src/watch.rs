//! The watch cell (codestare's `accessor` done right, R65).
use crate::driver::{current_driver_rc, Driver};
use crate::error::{check, Error, ErrorKind, Result};
use crate::ops::{per_call_deadline, unit, Instant, Op};
use crate::value::{clone_borrowed, Encoded, Outgoing};
use corral_sys as sys;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A watch cell: one current value and a version that counts writes (the initial value is
/// version 0). codestare's `accessor` without its lost writes and poisoned timeouts (R65):
///
/// * readers wait for **a version newer than the one they saw** ([`Watch::next`],
///   [`Watch::next_after`]), so a write between two waits is never missed, several writes
///   before a reader runs are seen once, as the latest, and a wait that timed out or was
///   cancelled leaves nothing behind;
/// * [`Watch::wait_for`] returns the first value matching a predicate (at once if the
///   current one does);
/// * [`Watch::put`] is a write that waits until a reader waits.
///
/// Values follow the queue rules (native corral values for integers, floats, byte strings
/// and [`crate::Value`], so C or another binding can share the cell; HOST tokens otherwise).
/// Reading clones the value (`T: Clone`). Cheap to clone, `!Send`.
pub struct Watch<T> {
    raw: *mut sys::corral_watch,
    d: Rc<Driver>,
    _t: PhantomData<T>,
}

impl<T: Clone + 'static> Watch<T> {
    /// A cell holding `initial` (version 0). Errors: InvalidState outside a running runtime.
    pub fn new(initial: T) -> Result<Watch<T>> {
        let d = current_driver_rc()?;
        let enc = Encoded::new(&d, initial);
        let mut w = ptr::null_mut();
        // SAFETY: loop thread; the initial value is taken on success (BYTES copied).
        let rc = unsafe { sys::corral_watch_new(&mut w, d.rt, &enc.raw) };
        if rc < 0 {
            let e = Error::last(rc);
            drop(enc.reclaim(&d));
            return Err(e);
        }
        Ok(Watch {
            raw: w,
            d,
            _t: PhantomData,
        })
    }
    /// A handle on a cell made elsewhere (C code, another binding); a reference is taken.
    ///
    /// # Safety
    /// `raw` must be a live `corral_watch` of the runtime running on this thread.
    pub unsafe fn from_raw(raw: *mut sys::corral_watch) -> Result<Watch<T>> {
        if raw.is_null() {
            return Err(Error::new(ErrorKind::InvalidArgument, "watch is NULL"));
        }
        let d = current_driver_rc()?;
        Ok(Watch {
            raw: sys::corral_watch_ref(raw),
            d,
            _t: PhantomData,
        })
    }
    /// The raw cell (borrowed).
    pub fn as_raw(&self) -> *mut sys::corral_watch {
        self.raw
    }
    /// A copy of the current value. Errors: InvalidArgument (a value of another type).
    pub fn get(&self) -> Result<T> {
        self.get_versioned().map(|(v, _)| v)
    }
    /// The current value and its version.
    pub fn get_versioned(&self) -> Result<(T, u64)> {
        let mut v = sys::corral_value::default();
        let mut version = 0u64;
        // SAFETY: loop thread; the value is borrowed until the next write (copied at once).
        check(unsafe { sys::corral_watch_get(self.raw, &mut v, &mut version) })?;
        Ok((clone_borrowed::<T>(&self.d, &v)?, version))
    }
    /// The current version (the number of writes so far).
    pub fn version(&self) -> u64 {
        let mut v = sys::corral_value::default();
        let mut version = 0u64;
        unsafe { sys::corral_watch_get(self.raw, &mut v, &mut version) };
        version
    }
    /// Store `v` (the old value is dropped), bump the version and wake every waiting reader
    /// (FIFO). Not a checkpoint. Returns how many readers were woken.
    pub fn set(&self, v: T) -> Result<usize> {
        let enc = Encoded::new(&self.d, v);
        // SAFETY: loop thread; taken on success.
        let rc = unsafe { sys::corral_watch_set(self.raw, &enc.raw) };
        if rc < 0 {
            let e = Error::last(rc);
            drop(enc.reclaim(&self.d));
            return Err(e);
        }
        Ok(rc as usize)
    }
    /// Readers waiting now.
    pub fn readers(&self) -> usize {
        unsafe { sys::corral_watch_readers(self.raw) }.max(0) as usize
    }
    /// Wait for a version newer than the current one (read at the await's entry) and return
    /// the value current when the reader runs (a later write wins). A checkpoint;
    /// `.deadline(t)` / `.timeout(d)`: `Err(Timeout)`, leaving nothing behind.
    pub fn next(&self) -> WatchNext<T> {
        self.next_raw(None)
    }
    /// Wait for a version newer than `seen` (returns at once if there is one already) and
    /// return the current value; read its version right after with [`Watch::version`] (no
    /// other task runs in between) and pass it to the next call, so no write is missed.
    pub fn next_after(&self, seen: u64) -> WatchNext<T> {
        self.next_raw(Some(seen))
    }
    fn next_raw(&self, seen: Option<u64>) -> WatchNext<T> {
        WatchNext {
            op: Op::new(sys::CORRAL_OP_WATCH_NEXT, self.raw.cast(), -1),
            w: self.clone(),
            seen,
        }
    }
    /// The first value for which `pred` holds: the current one (no checkpoint), else each
    /// newer value as it comes (`wait_for(pred)` of codestare's accessor). A deadline
    /// (`.deadline(t)` / `.timeout(d)`) covers the whole wait; a timed-out or cancelled wait
    /// does not affect later ones.
    pub fn wait_for<P: FnMut(&T) -> bool>(&self, pred: P) -> WatchWaitFor<T, P> {
        WatchWaitFor {
            w: self.clone(),
            pred,
            op: None,
            deadline: -1,
            timeout: None,
        }
    }
    /// A write that waits until a reader waits (a checkpoint): with a reader parked it
    /// writes at once; otherwise it parks until a reader's `next` would park, which makes
    /// the write happen and returns it. Cancelled, timed out or dropped while waiting: no
    /// write, the value is dropped.
    pub fn put(&self, v: T) -> WatchPut<T> {
        WatchPut {
            op: Op::new(sys::CORRAL_OP_WATCH_PUT, self.raw.cast(), -1),
            w: self.clone(),
            item: Outgoing::new(v),
        }
    }
}

impl<T> Clone for Watch<T> {
    fn clone(&self) -> Self {
        Watch {
            raw: unsafe { sys::corral_watch_ref(self.raw) },
            d: self.d.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> Drop for Watch<T> {
    fn drop(&mut self) {
        unsafe { sys::corral_watch_unref(self.raw) }
    }
}

impl<T> fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Watch({:p})", self.raw)
    }
}

fn version_now(raw: *mut sys::corral_watch) -> u64 {
    let mut v = sys::corral_value::default();
    let mut version = 0u64;
    unsafe { sys::corral_watch_get(raw, &mut v, &mut version) };
    version
}

fn seen_value(seen: u64) -> sys::corral_value {
    sys::corral_value {
        type_: sys::CORRAL_VALUE_INT,
        as_: sys::corral_value_as { i: seen as i64 },
        ..Default::default()
    }
}

/// The future of [`Watch::next`] / [`Watch::next_after`].
#[must_use = "futures do nothing unless awaited"]
pub struct WatchNext<T> {
    op: Op,
    w: Watch<T>,
    seen: Option<u64>,
}

impl<T> Unpin for WatchNext<T> {}

impl<T: Clone + 'static> Future for WatchNext<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        let seen = *this.seen.get_or_insert_with(|| version_now(this.w.raw));
        this.op.poll_op_value(cx, seen_value(seen)).map(|r| {
            r.and_then(|o| {
                if o.status != 0 {
                    return Err(Error::from_outcome(o.status, o.error));
                }
                this.w.get()
            })
        })
    }
}

/// The future of [`Watch::wait_for`].
#[must_use = "futures do nothing unless awaited"]
pub struct WatchWaitFor<T, P> {
    w: Watch<T>,
    pred: P,
    op: Option<(Op, u64)>,
    deadline: i64,
    timeout: Option<Duration>,
}

impl<T, P> WatchWaitFor<T, P> {
    /// An absolute deadline for the whole wait (R41): `Err(Timeout)`.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = deadline.as_nanos();
        self.timeout = None;
        self
    }
    /// A timeout for the whole wait, from the await's entry.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
}

impl<T, P> Unpin for WatchWaitFor<T, P> {}

impl<T: Clone + 'static, P: FnMut(&T) -> bool> Future for WatchWaitFor<T, P> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        if let Some(d) = this.timeout.take() {
            match Instant::now() {
                Ok(now) => this.deadline = (now + d).as_nanos(),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        loop {
            if this.op.is_none() {
                let (v, version) = this.w.get_versioned()?;
                if (this.pred)(&v) {
                    return Poll::Ready(Ok(v));
                }
                let op = Op::new(sys::CORRAL_OP_WATCH_NEXT, this.w.raw.cast(), this.deadline);
                this.op = Some((op, version));
            }
            let (op, seen) = this.op.as_mut().expect("set above");
            match op.poll_op_value(cx, seen_value(*seen)) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => {
                    this.op = None;
                    let o = r?;
                    if o.status != 0 {
                        return Poll::Ready(Err(Error::from_outcome(o.status, o.error)));
                    }
                }
            }
        }
    }
}

/// The future of [`Watch::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct WatchPut<T: 'static> {
    op: Op,
    w: Watch<T>,
    item: Outgoing<T>,
}

per_call_deadline!(WatchNext<T>, WatchPut<T>);

impl<T> Unpin for WatchPut<T> {}

impl<T: 'static> Drop for WatchPut<T> {
    fn drop(&mut self) {
        // Withdrawn without effect (R31): the value was not written and is still ours.
        if self.op.withdraw() {
            self.item.withdrawn(&self.w.d);
        }
    }
}

impl<T: 'static> Future for WatchPut<T> {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        let raw = this.item.raw(&this.w.d);
        this.op.poll_op_value(cx, raw).map(|r| {
            let status = r.as_ref().map_or_else(|e| e.code(), |o| o.status);
            this.item.settle(&this.w.d, status);
            r.and_then(unit)
        })
    }
}
