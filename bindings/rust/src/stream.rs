//! A small `Stream` trait: asynchronous iteration by polling.
//!
//! The crate depends on nothing but `corral-sys`, so instead of `futures_core::Stream` it
//! defines a trait of exactly the same shape (`type Item`, `poll_next`, `size_hint`): an
//! adapter to the `futures` ecosystem is a five-line `impl` in the user's crate (a newtype
//! forwarding `poll_next`). [`StreamExt::next`] gives `while let Some(x) = s.next().await`.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An asynchronous sequence of items (the shape of `futures_core::Stream`): `poll_next`
/// returns `Ready(Some(item))`, `Ready(None)` when the stream is over, or `Pending`.
pub trait Stream {
    /// The items.
    type Item;
    /// Attempt to get the next item.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;
    /// Bounds on the number of items left (`(0, None)`: unknown).
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}

impl<S: Stream + Unpin + ?Sized> Stream for &mut S {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self).poll_next(cx)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (**self).size_hint()
    }
}

impl<S: Stream + Unpin + ?Sized> Stream for Box<S> {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self).poll_next(cx)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (**self).size_hint()
    }
}

/// Methods for every [`Stream`].
pub trait StreamExt: Stream {
    /// The next item: `Some(item)`, or `None` when the stream is over.
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin,
    {
        Next { stream: self }
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}

/// The future of [`StreamExt::next`]. Dropping it drops nothing of the stream: an
/// operation the stream has in flight stays in flight, and an outcome that arrives for it
/// meanwhile is kept for the stream's next poll (so a `select!` loop over `s.next()` loses
/// no item).
#[must_use = "futures do nothing unless awaited"]
pub struct Next<'a, S: ?Sized> {
    stream: &'a mut S,
}

impl<S: Stream + Unpin + ?Sized> Future for Next<'_, S> {
    type Output = Option<S::Item>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut *self.stream).poll_next(cx)
    }
}
