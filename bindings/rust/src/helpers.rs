//! The seed libraries' coroutine helpers that need no member tasks (R73, R66, R15-R16):
//! `call_on_cancel`, `call_on_done`, `cancel_and_join`, and `first` over [`AsyncIterator`].
//!
//! hat's `call(fn, *args, **kwargs)` ("call fn; await the result if it is awaitable") has
//! no Rust counterpart: a closure's type already says whether it returns a future, so write
//! `f(x)` or `f(x).await`. Likewise R73's keyword arguments are what a Rust closure
//! captures: `call_on_cancel(move || fn_(123, "k"))`.
use crate::driver::JoinHandle;
use crate::error::{Error, ErrorKind, Result};
use crate::ops::Op;
use crate::scope::cleanup;
use corral_sys as sys;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

/// A wait that only cancellation ends (`SLEEP` without a deadline; a checkpoint).
struct Forever(Op);

impl Future for Forever {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.0.poll_op(cx).map(|r| {
            r.and_then(|o| match o.status {
                0 => Ok(()),
                code => Err(Error::from_outcome(code, o.error)),
            })
        })
    }
}

fn forever() -> Forever {
    Forever(Op::new(sys::CORRAL_OP_SLEEP, ptr::null_mut(), -1))
}

/// hat's `call_on_cancel` (R73): wait until the current task is cancelled, then run `f()`
/// as managed cleanup (R66: shielded, bounded by the cleanup grace of the task's group
/// chain) and return its outcome, so a task whose body is `call_on_cancel(f)` ends
/// COMPLETED with `f`'s value (R14). If the grace runs out, `f` is cut short, its
/// `CleanupTimeout` goes to the handler chain and this returns `Err(Cancelled)` (the
/// outcome the task was unwinding with). A synchronous function is `|| async { Ok(f()) }`.
pub async fn call_on_cancel<F, Fut, T>(f: F) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    match forever().await {
        Err(e) if e.is_cancelled() => {}
        Err(e) => return Err(e),
        Ok(()) => {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "call_on_cancel: the wait ended without a cancellation",
            ))
        }
    }
    cleanup(f()).await?.ok_or_else(Error::cancelled)
}

/// hat's `call_on_done` (R73): await `awaitable` (a corral [`crate::Future`] by reference,
/// a [`JoinHandle`], any future), ignoring its outcome, then run `f()` and return its
/// outcome. If the current task is cancelled while waiting, `f` is not called and
/// `Err(Cancelled)` is returned; a corral future or task awaited is *not* cancelled (R21),
/// an inline future is dropped.
pub async fn call_on_done<A, X, F, Fut, T>(awaitable: A, f: F) -> Result<T>
where
    A: IntoFuture<Output = Result<X>>,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    if let Err(e) = awaitable.await {
        if e.is_cancelled() {
            return Err(e);
        }
    }
    f().await
}

/// aiotools' `cancel_and_wait` for one task: cancel it, then join it. `Ok(None)` when it
/// ended CANCELLED, `Ok(Some(v))` when it completed anyway (R14), its error when it failed
/// (a panic in it is resumed here, as joins do). The join is a checkpoint: if the caller is
/// cancelled meanwhile, `Err(Cancelled)` (the task stays cancelled).
pub async fn cancel_and_join<T: 'static>(task: JoinHandle<T>) -> Result<Option<T>> {
    task.cancel()?;
    match task.await {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind() == ErrorKind::TaskCancelled => Ok(None),
        Err(e) => Err(e),
    }
}

// ---- first ----------------------------------------------------------------------------------

/// An async iterator, the async iterable of `first` (std's `AsyncIterator` is unstable).
/// `Ok(None)` ends it.
pub trait AsyncIterator {
    /// The items.
    type Item;
    /// The next item (may await).
    fn next_item(&mut self) -> impl Future<Output = Result<Option<Self::Item>>>;
}

impl<I: AsyncIterator> AsyncIterator for &mut I {
    type Item = I::Item;
    fn next_item(&mut self) -> impl Future<Output = Result<Option<I::Item>>> {
        (**self).next_item()
    }
}

/// An [`AsyncIterator`] over a plain iterator (no checkpoints, like an async generator
/// that never awaits).
pub struct Iter<I>(I);

/// Adapt a plain iterator (see [`Iter`]).
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter(items.into_iter())
}

impl<I: Iterator> AsyncIterator for Iter<I> {
    type Item = I::Item;
    async fn next_item(&mut self) -> Result<Option<I::Item>> {
        Ok(self.0.next())
    }
}

/// hat's `first(xs, fn, default)`: consume `items` until one satisfies `pred` and return
/// it; `Ok(None)` when the iterable ends first (apply the default with `unwrap_or`).
/// Items up to and including the match are consumed, the rest stay (pass `&mut it` to
/// keep iterating). A predicate's error is returned as is. Pass `|_| Ok(true)` for "any".
pub async fn first<I, P>(mut items: I, mut pred: P) -> Result<Option<I::Item>>
where
    I: AsyncIterator,
    P: FnMut(&I::Item) -> Result<bool>,
{
    while let Some(x) = items.next_item().await? {
        if pred(&x)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}
