//! contextlib's `asynccontextmanager` for Rust (R68): [`context_manager`] turns an async
//! closure that yields exactly once ([`Yielder::yield_`]) into an [`AsyncContextManager`].
//!
//! Rust has no async generators, so the closure's future is the generator: enter polls it
//! until it reaches `yield_` (which parks it without a corral operation), exit resumes it with
//! the error in flight. Everything runs in the task that enters and exits the manager.
use crate::cm::AsyncContextManager;
use crate::error::{Error, ErrorKind, Result};
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Where the generator stands.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Phase {
    /// Running (or parked on a corral operation).
    Running,
    /// Parked at a `yield_`, waiting for exit.
    Yielded,
}

/// What the generator and its manager share.
struct Shared<T> {
    phase: Cell<Phase>,
    /// The value of the pending `yield_`, taken by enter.
    value: RefCell<Option<T>>,
    /// What the resumed `yield_` returns: `Some(None)` = normal exit, `Some(Some(e))` = `e`
    /// thrown in.
    resume: RefCell<Option<Option<Error>>>,
}

/// The handle a [`context_manager`] closure gets: its one yield point.
pub struct Yielder<T> {
    shared: Rc<Shared<T>>,
}

impl<T> Yielder<T> {
    /// Give `value` to the `with` body and wait for the exit. `Ok(())` on a normal exit;
    /// `Err(e)` when the body ended with `e` (the error is thrown in): propagate it with `?`,
    /// or handle it and return `Ok(())` to suppress it (ignored for `Cancelled`, R68).
    /// Not a corral operation: it does not park the task (the body runs meanwhile).
    pub fn yield_(&self, value: T) -> YieldPoint<'_, T> {
        YieldPoint {
            shared: &self.shared,
            value: Some(value),
        }
    }
}

/// The future of [`Yielder::yield_`].
#[must_use = "futures do nothing unless awaited"]
pub struct YieldPoint<'a, T> {
    shared: &'a Shared<T>,
    value: Option<T>,
}

impl<T> Unpin for YieldPoint<'_, T> {}

impl<T> Future for YieldPoint<'_, T> {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(v) = self.value.take() {
            *self.shared.value.borrow_mut() = Some(v);
            self.shared.phase.set(Phase::Yielded);
            return Poll::Pending; // the manager's enter sees the phase, nothing needs a wake
        }
        match self.shared.resume.borrow_mut().take() {
            Some(None) => Poll::Ready(Ok(())),
            Some(Some(e)) => Poll::Ready(Err(e)),
            None => Poll::Pending,
        }
    }
}

/// The context manager of [`context_manager`].
#[must_use = "a context manager does nothing unless entered"]
pub struct FnContextManager<F, Fut, T> {
    start: Option<F>,
    generator: Option<Pin<Box<Fut>>>,
    shared: Rc<Shared<T>>,
}

/// `@asynccontextmanager` (R68): the manager whose enter runs `f` up to its one
/// [`Yielder::yield_`] and gives the yielded value to the body, and whose exit resumes it
/// (as managed cleanup, R66, when exited by [`crate::with`], [`crate::ExitStack`] or
/// [`crate::actxgroup`]) with the body's error thrown in.
///
/// ```no_run
/// # async fn f() -> corral::Result<()> {
/// let cm = corral::context_manager(|y| async move {
///     corral::log("acquire")?;
///     let out = y.yield_(42).await; // the body runs here
///     corral::sleep_ms(1).await?;   // may await while cancelled: managed cleanup
///     corral::log("release")?;
///     out                            // re-raise the body's error (Ok(()) would suppress it)
/// });
/// corral::with(cm, |v| async move { corral::log(&format!("got {v}")) }).await?;
/// # Ok(()) }
/// ```
///
/// The protocol errors are `InvalidState` (R68): the closure finished without yielding
/// (`didn't yield`, from enter); it yielded again after a normal exit (`didn't stop`) or after
/// an error was thrown in (`didn't stop after throw`). When an error was thrown in: finishing
/// with `Ok(())` suppresses it (never `Cancelled`), returning that same error re-raises it,
/// returning another error makes that one propagate with the original as its context (R67).
/// Entering twice, or exiting before entering, is `InvalidState`.
pub fn context_manager<F, Fut, T>(f: F) -> FnContextManager<F, Fut, T>
where
    F: FnOnce(Yielder<T>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    FnContextManager {
        start: Some(f),
        generator: None,
        shared: Rc::new(Shared {
            phase: Cell::new(Phase::Running),
            value: RefCell::new(None),
            resume: RefCell::new(None),
        }),
    }
}

fn invalid(msg: &str) -> Error {
    Error::new(ErrorKind::InvalidState, msg)
}

/// Poll `generator` until it finishes or parks at a yield (`Ok(None)`).
async fn step<Fut>(generator: &mut Pin<Box<Fut>>, phase: &Cell<Phase>) -> Option<Result<()>>
where
    Fut: Future<Output = Result<()>>,
{
    phase.set(Phase::Running);
    poll_fn(|cx| match generator.as_mut().poll(cx) {
        Poll::Ready(r) => Poll::Ready(Some(r)),
        Poll::Pending if phase.get() == Phase::Yielded => Poll::Ready(None),
        Poll::Pending => Poll::Pending, // parked on a corral operation
    })
    .await
}

impl<F, Fut, T> AsyncContextManager for FnContextManager<F, Fut, T>
where
    F: FnOnce(Yielder<T>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    type Value = T;

    async fn enter(&mut self) -> Result<T> {
        let Some(start) = self.start.take() else {
            return Err(invalid("context manager already entered"));
        };
        let generator = self.generator.insert(Box::pin(start(Yielder {
            shared: self.shared.clone(),
        })));
        let r = step(generator, &self.shared.phase).await;
        if r.is_some() {
            self.generator = None; // finished: never poll it again
        }
        match r {
            None => Ok(self
                .shared
                .value
                .borrow_mut()
                .take()
                .expect("a yielded value")),
            Some(Ok(())) => Err(invalid("didn't yield")),
            Some(Err(e)) => Err(e),
        }
    }

    async fn exit(mut self, error: Option<&Error>) -> Result<bool> {
        let Some(mut generator) = self.generator.take() else {
            return Err(invalid("context manager exited before it was entered"));
        };
        *self.shared.resume.borrow_mut() = Some(error.cloned());
        let r = step(&mut generator, &self.shared.phase).await;
        match (error, r) {
            (None, None) => Err(invalid("didn't stop")),
            (None, Some(r)) => r.map(|()| false),
            (Some(thrown), None) => Err(replacing(invalid("didn't stop after throw"), thrown)),
            (Some(_), Some(Ok(()))) => Ok(true), // suppress (Unwinding refuses for Cancelled)
            (Some(thrown), Some(Err(e))) if same_error(thrown, &e) => Ok(false), // re-raised
            (Some(thrown), Some(Err(e))) => Err(replacing(e, thrown)),
        }
    }
}

/// R68: an error the generator raises instead of the one thrown in has that one as its
/// context ("context = original") - by itself, not only under `with` (an actxgroup exit
/// task reports it too). A Cancelled is never made a context, and an error that already
/// has its own context keeps it.
fn replacing(e: Error, thrown: &Error) -> Error {
    if thrown.is_cancelled() || e.context().is_some() {
        return e;
    }
    e.with_context(thrown)
}

/// True when `e` is `thrown` re-raised: the same core object, or the same code for errors
/// without one (`Cancelled`, [`Error::from_code`]).
fn same_error(thrown: &Error, e: &Error) -> bool {
    e.same_as(thrown)
        || (e.as_raw().is_null() && thrown.as_raw().is_null() && e.code() == thrown.code())
}
