//! Closable queues with direct hand-off (R60-R64): FIFO, LIFO, priority and rendezvous.
//!
//! Items are Rust values owned by whoever holds them: the caller until a put succeeds, the
//! queue while buffered, the getter after. Integers, floats, byte strings and [`Value`]s
//! travel as native corral values, so a queue can be shared with C, Python or Lua code in the
//! same process; any other type travels as a HOST token of this binding, moved without a
//! copy (the table is in the README, "Values across languages").
use crate::driver::{current_driver_rc, Driver};
use crate::error::{check, Error, ErrorKind, Result};
use crate::helpers::AsyncIterator;
use crate::ops::{per_call_deadline, unit, Instant, Op};
use crate::stream::Stream;
#[allow(unused_imports)] // documentation links
use crate::value::Value;
use crate::value::{drop_owned, take_owned, Encoded, Outgoing};
use corral_sys as sys;
use std::fmt;
use std::future::Future as StdFuture;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};

/// The order in which buffered items come out (`corral_queue_new_kind`). Parked getters and
/// putters are FIFO in every kind, and direct hand-off (R60) applies to all.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueKind {
    /// First in, first out (hat / asyncio `Queue`).
    Fifo,
    /// Last in, first out (asyncio `LifoQueue`).
    Lifo,
    /// Smallest priority first, equal priorities FIFO (asyncio `PriorityQueue`; the
    /// priority is given with the put: [`Queue::put_priority`],
    /// [`Queue::put_nowait_priority`]).
    Priority,
    /// Capacity 0 (trio's channel of size 0): a put completes only when a getter takes
    /// its item; `maxsize` is ignored (reads 0).
    Rendezvous,
}

impl QueueKind {
    fn raw(self) -> i32 {
        match self {
            QueueKind::Fifo => sys::CORRAL_QUEUE_FIFO,
            QueueKind::Lifo => sys::CORRAL_QUEUE_LIFO,
            QueueKind::Priority => sys::CORRAL_QUEUE_PRIORITY,
            QueueKind::Rendezvous => sys::CORRAL_QUEUE_RENDEZVOUS,
        }
    }
    fn from_raw(k: i32) -> QueueKind {
        match k {
            sys::CORRAL_QUEUE_LIFO => QueueKind::Lifo,
            sys::CORRAL_QUEUE_PRIORITY => QueueKind::Priority,
            sys::CORRAL_QUEUE_RENDEZVOUS => QueueKind::Rendezvous,
            _ => QueueKind::Fifo,
        }
    }
}

/// A failed `put_nowait`: the error and the item, which stays the caller's.
pub struct PutError<T> {
    /// QueueClosed, QueueFull, Closed.
    pub error: Error,
    /// The item that was not put.
    pub item: T,
}

impl<T> PutError<T> {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        self.error.kind()
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PutError({})", self.error)
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> From<PutError<T>> for Error {
    fn from(e: PutError<T>) -> Error {
        e.error
    }
}

/// A closable queue with direct hand-off (R60-R64): hat's `Queue` (plus asyncio's LIFO and
/// priority variants and trio's rendezvous channel). Cheap to clone (a reference to the same
/// queue), `!Send`. Dropping a handle never closes the queue; items still buffered when the
/// last reference goes are dropped.
pub struct Queue<T> {
    raw: *mut sys::corral_queue,
    d: Rc<Driver>,
    _t: PhantomData<T>,
}

impl<T: 'static> Queue<T> {
    /// An unbounded FIFO queue.
    pub fn new() -> Result<Queue<T>> {
        Queue::with_kind(0, QueueKind::Fifo)
    }
    /// A FIFO queue of at most `maxsize` items (<= 0: unbounded, as in hat and asyncio).
    pub fn bounded(maxsize: i64) -> Result<Queue<T>> {
        Queue::with_kind(maxsize, QueueKind::Fifo)
    }
    /// A LIFO queue (asyncio `LifoQueue`); `maxsize` <= 0: unbounded.
    pub fn lifo(maxsize: i64) -> Result<Queue<T>> {
        Queue::with_kind(maxsize, QueueKind::Lifo)
    }
    /// A priority queue (asyncio `PriorityQueue`): smallest priority first, equal priorities
    /// FIFO. Give the priority with the item ([`Queue::put_priority`],
    /// [`Queue::put_nowait_priority`]; plain puts use priority 0).
    pub fn priority(maxsize: i64) -> Result<Queue<T>> {
        Queue::with_kind(maxsize, QueueKind::Priority)
    }
    /// A rendezvous channel (capacity 0, trio's `open_memory_channel(0)`): `put` completes
    /// when a getter takes the item; `put_nowait` succeeds only while a getter waits.
    pub fn channel() -> Result<Queue<T>> {
        Queue::with_kind(0, QueueKind::Rendezvous)
    }
    /// A queue of the given kind. Errors: InvalidState outside a running runtime.
    pub fn with_kind(maxsize: i64, kind: QueueKind) -> Result<Queue<T>> {
        let d = current_driver_rc()?;
        let mut q = ptr::null_mut();
        // SAFETY: loop thread (the driver is current on this thread).
        check(unsafe { sys::corral_queue_new_kind(&mut q, d.rt, maxsize, kind.raw()) })?;
        Ok(Queue {
            raw: q,
            d,
            _t: PhantomData,
        })
    }
    /// A handle on a queue made elsewhere (by C code or another binding on this runtime);
    /// a reference is taken. Items of another type than `T` are refused by the gets with
    /// InvalidArgument (and dropped).
    ///
    /// # Safety
    /// `raw` must be a live `corral_queue` of the runtime running on this thread.
    pub unsafe fn from_raw(raw: *mut sys::corral_queue) -> Result<Queue<T>> {
        if raw.is_null() {
            return Err(Error::new(ErrorKind::InvalidArgument, "queue is NULL"));
        }
        let d = current_driver_rc()?;
        Ok(Queue {
            raw: sys::corral_queue_ref(raw),
            d,
            _t: PhantomData,
        })
    }
    /// The raw queue (borrowed), to hand to C code or another binding.
    pub fn as_raw(&self) -> *mut sys::corral_queue {
        self.raw
    }
    /// The queue's kind.
    pub fn kind(&self) -> QueueKind {
        // SAFETY: the handle holds a reference.
        QueueKind::from_raw(unsafe { sys::corral_queue_kind(self.raw) })
    }

    // ---- without waiting (R62; not checkpoints) ----

    /// Put without waiting (not a checkpoint): hands the item to the first parked getter or
    /// buffers it. Errors (the item comes back in the error): QueueClosed, QueueFull (also a
    /// rendezvous channel with no getter waiting).
    pub fn put_nowait(&self, item: T) -> std::result::Result<(), PutError<T>> {
        self.put_nowait_raw(item, 0)
    }
    /// `put_nowait` with a priority (a priority queue; other kinds ignore it).
    pub fn put_nowait_priority(
        &self,
        item: T,
        priority: i32,
    ) -> std::result::Result<(), PutError<T>> {
        self.put_nowait_raw(item, priority)
    }
    fn put_nowait_raw(&self, item: T, priority: i32) -> std::result::Result<(), PutError<T>> {
        let enc = Encoded::new(&self.d, item);
        // SAFETY: loop thread; the value is valid for the call (BYTES are copied).
        let rc = unsafe { sys::corral_queue_put_nowait_priority(self.raw, &enc.raw, priority) };
        if rc < 0 {
            let error = Error::last(rc);
            return Err(PutError {
                error,
                item: enc.reclaim(&self.d),
            });
        }
        Ok(())
    }
    /// Get without waiting (not a checkpoint): the first item (promoting a parked putter).
    /// Errors: QueueEmpty (also when closed and empty, as in hat), InvalidArgument (an item
    /// of another type, which is dropped).
    pub fn get_nowait(&self) -> Result<T> {
        let mut v = sys::corral_value::default();
        // SAFETY: loop thread; on success we own the item.
        check(unsafe { sys::corral_queue_get_nowait(self.raw, &mut v) })?;
        take_owned(&self.d, &mut v)
    }
    /// hat's `get_nowait_until_empty`: every item that can be had without waiting; the last
    /// one is returned, the earlier ones are dropped. Errors: QueueEmpty.
    pub fn get_nowait_until_empty(&self) -> Result<T> {
        let mut v = sys::corral_value::default();
        // SAFETY: as get_nowait.
        check(unsafe { sys::corral_queue_get_nowait_until_empty(self.raw, &mut v) })?;
        take_owned(&self.d, &mut v)
    }

    // ---- awaitable (R61; checkpoints) ----

    /// Get (a checkpoint, R23): the first item, waiting for one; `Err(QueueClosed)` once the
    /// queue is closed and drained. `.deadline(t)` / `.timeout(d)` set a per-call deadline
    /// (`Err(Timeout)`, no item consumed). Cancelled or timed out while parked: no item is
    /// lost (R64); an item handed over first wins (R27).
    pub fn get(&self) -> QueueGet<T> {
        self.get_raw(-1, false)
    }
    /// [`Queue::get`] with a per-call absolute deadline (R41).
    pub fn get_until(&self, deadline: Instant) -> QueueGet<T> {
        self.get_raw(deadline.as_nanos(), false)
    }
    /// hat's `get_until_empty` (R61): wait for one item, then drain without waiting; the
    /// last item is returned, the earlier ones are dropped.
    pub fn get_until_empty(&self) -> QueueGet<T> {
        self.get_raw(-1, true)
    }
    fn get_raw(&self, deadline: i64, until_empty: bool) -> QueueGet<T> {
        QueueGet {
            op: Op::new(sys::CORRAL_OP_QUEUE_GET, self.raw.cast(), deadline),
            q: self.clone(),
            until_empty,
        }
    }
    /// Put (a checkpoint), waiting for room (or, for a rendezvous channel, for a getter).
    /// Errors: QueueClosed (also when closed while parked, R63), Timeout (a per-call
    /// deadline), Cancelled. On any error the item was not enqueued and is dropped.
    pub fn put(&self, item: T) -> QueuePut<T> {
        self.put_raw(item, 0, -1)
    }
    /// [`Queue::put`] with a per-call absolute deadline (R41).
    pub fn put_until(&self, item: T, deadline: Instant) -> QueuePut<T> {
        self.put_raw(item, 0, deadline.as_nanos())
    }
    /// [`Queue::put`] with a priority (a priority queue: smallest first; other kinds ignore
    /// it).
    pub fn put_priority(&self, item: T, priority: i32) -> QueuePut<T> {
        self.put_raw(item, priority, -1)
    }
    fn put_raw(&self, item: T, priority: i32, deadline: i64) -> QueuePut<T> {
        let mut op = Op::new(sys::CORRAL_OP_QUEUE_PUT, self.raw.cast(), deadline);
        op.arg = priority;
        QueuePut {
            op,
            q: self.clone(),
            item: Outgoing::new(item),
        }
    }

    /// The items until the queue is closed and drained, as a [`Stream`] (each item a
    /// checkpoint; errors such as `Cancelled` come as `Some(Err(..))`).
    pub fn stream(&self) -> QueueStream<T> {
        QueueStream {
            q: self.clone(),
            get: None,
            done: false,
        }
    }
}

impl<T> Queue<T> {
    /// Close (R63): idempotent; parked putters fail with QueueClosed (their items are not
    /// enqueued); if the buffer is empty, parked getters too. Buffered items stay gettable.
    pub fn close(&self) -> Result<()> {
        // SAFETY: loop thread.
        check(unsafe { sys::corral_queue_close(self.raw) }).map(|_| ())
    }
    /// Items buffered (0 for a rendezvous channel, whose items wait with their putters).
    pub fn qsize(&self) -> i64 {
        unsafe { sys::corral_queue_size(self.raw) }
    }
    /// True when nothing is buffered.
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }
    /// True when a `put_nowait` would fail with QueueFull (a rendezvous channel is full
    /// unless a getter waits).
    pub fn full(&self) -> bool {
        unsafe { sys::corral_queue_full(self.raw) == 1 }
    }
    /// The bound (0 = unbounded; 0 for a rendezvous channel).
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

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Queue(size={})", self.qsize())
    }
}

/// A corral queue is an async iterable (as hat's `Queue` is): `get` until it is closed and
/// drained (R63). Each item is a checkpoint.
impl<T: 'static> AsyncIterator for Queue<T> {
    type Item = T;
    async fn next_item(&mut self) -> Result<Option<T>> {
        match self.get().await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == ErrorKind::QueueClosed => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The future of [`Queue::get`] and [`Queue::get_until_empty`].
#[must_use = "futures do nothing unless awaited"]
pub struct QueueGet<T> {
    op: Op, // dropped first: Op::withdraw may put an item back into `q`
    q: Queue<T>,
    until_empty: bool,
}

per_call_deadline!(QueueGet<T>, QueuePut<T>);

impl<T> Unpin for QueueGet<T> {}

impl<T: 'static> StdFuture for QueueGet<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        this.op.poll_op(cx).map(|r| {
            r.and_then(|o| {
                if o.status != 0 {
                    return Err(Error::from_outcome(o.status, o.error));
                }
                let mut v = o.value;
                if this.until_empty {
                    let mut last = sys::corral_value::default();
                    // SAFETY: loop thread, inside the task's poll; on success we own `last`.
                    if unsafe { sys::corral_queue_get_nowait_until_empty(this.q.raw, &mut last) }
                        == 0
                    {
                        drop_owned(&this.q.d, &mut v);
                        v = last;
                    }
                }
                take_owned(&this.q.d, &mut v)
            })
        })
    }
}

/// The future of [`Queue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct QueuePut<T: 'static> {
    op: Op,
    q: Queue<T>,
    item: Outgoing<T>,
}

impl<T> Unpin for QueuePut<T> {}

impl<T: 'static> Drop for QueuePut<T> {
    fn drop(&mut self) {
        // Dropped while parked (R31): when the put is withdrawn without effect, the item
        // was never taken and is still ours (a HOST token goes back out of the slab).
        if self.op.withdraw() {
            self.item.withdrawn(&self.q.d);
        }
    }
}

impl<T: 'static> StdFuture for QueuePut<T> {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = &mut *self;
        let raw = this.item.raw(&this.q.d);
        this.op.poll_op_value(cx, raw).map(|r| {
            let status = r.as_ref().map_or_else(|e| e.code(), |o| o.status);
            this.item.settle(&this.q.d, status);
            r.and_then(unit)
        })
    }
}

/// [`Queue::stream`]: the queue's items until it is closed and drained (R63), each a
/// checkpoint. Implements this crate's [`Stream`] (the shape of `futures_core::Stream`)
/// and [`AsyncIterator`]. Dropping it while a get is in flight withdraws that get (R31: an
/// item already committed to it goes back to the queue).
pub struct QueueStream<T: 'static> {
    q: Queue<T>,
    get: Option<QueueGet<T>>,
    done: bool,
}

impl<T: 'static> QueueStream<T> {
    /// The queue.
    pub fn queue(&self) -> &Queue<T> {
        &self.q
    }
}

impl<T> Unpin for QueueStream<T> {}

impl<T: 'static> Stream for QueueStream<T> {
    type Item = Result<T>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let q = &this.q;
        let get = this.get.get_or_insert_with(|| q.get());
        match Pin::new(get).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(r) => {
                this.get = None;
                match r {
                    Ok(v) => Poll::Ready(Some(Ok(v))),
                    Err(e) if e.kind() == ErrorKind::QueueClosed => {
                        this.done = true;
                        Poll::Ready(None)
                    }
                    Err(e) => Poll::Ready(Some(Err(e))),
                }
            }
        }
    }
}

impl<T: 'static> AsyncIterator for QueueStream<T> {
    type Item = T;
    async fn next_item(&mut self) -> Result<Option<T>> {
        crate::stream::StreamExt::next(self).await.transpose()
    }
}
