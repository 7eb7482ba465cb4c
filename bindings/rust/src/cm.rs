//! Async context managers (R66-R68): the [`AsyncContextManager`] protocol, [`with`] (Rust's
//! `async with`), and [`closing_async`] for types with an async close ([`AsyncClose`]).
//!
//! Rust has no async `Drop`, so an exit is the tail of a future: [`with`] runs the body, then
//! the exit as managed cleanup (R66). What the exits of [`with`], [`crate::ExitStack`],
//! [`crate::adefer`] and [`crate::actxgroup`] do with the error in flight is one rule, R67,
//! implemented once here ([`Unwinding`]).
use crate::error::{Error, Result};
use crate::scope::CancelScope;
use std::future::Future;
use std::rc::Rc;

/// An async context manager: a pair of enter/exit operations (contextlib's
/// `__aenter__`/`__aexit__`).
///
/// `exit` receives the error in flight (`None` when the body succeeded; `Cancelled` when the
/// task is being cancelled) and returns `Ok(true)` to suppress it. Only ordinary errors can be
/// suppressed: returning `Ok(true)` while `Cancelled` is in flight changes nothing (R68). An
/// exit failing with `E` makes `E` the error that propagates, with the error in flight as its
/// [`Error::context`] (R67).
///
/// [`with`], [`crate::ExitStack::enter_context`] and [`crate::actxgroup`] call `exit` once,
/// and only after `enter` succeeded, inside a managed-cleanup scope (R66: shielded from
/// cancellation, bounded by the cleanup grace), so an exit may await. Implement the methods
/// with `async fn`:
///
/// ```no_run
/// use corral::{AsyncContextManager, Error, Result};
/// struct Connection { name: &'static str }
/// impl AsyncContextManager for Connection {
///     type Value = &'static str;
///     async fn enter(&mut self) -> Result<&'static str> {
///         corral::sleep_ms(1).await?; // connect
///         Ok(self.name)
///     }
///     async fn exit(self, error: Option<&Error>) -> Result<bool> {
///         corral::sleep_ms(1).await?; // disconnect, even when cancelled (managed cleanup)
///         Ok(false)                   // never suppress
///     }
/// }
/// ```
pub trait AsyncContextManager {
    /// What `enter` gives the body (`async with cm as value`).
    type Value;
    /// Enter (acquire). An error here means the manager is not entered: `exit` is not called.
    fn enter(&mut self) -> impl Future<Output = Result<Self::Value>>;
    /// Exit (release) with the error in flight; `Ok(true)` suppresses an ordinary error.
    fn exit(self, error: Option<&Error>) -> impl Future<Output = Result<bool>>;
}

/// `async with cm as value: body(value)`: enter `cm`, run `body`, then exit `cm` with the
/// body's error as managed cleanup (R66: shielded, bounded by the cleanup grace of the task's
/// group chain; if the grace runs out the exit is cut short, `CleanupTimeout` goes to the
/// handler chain and the body's outcome goes on).
///
/// Returns `Ok(Some(v))` when the body completed, `Ok(None)` when the exit suppressed the
/// body's error, else the error that propagates (R67: the exit's own error, with the body's
/// as its context, wins over the body's). `Cancelled` is never suppressed. If `enter` fails,
/// its error is returned and neither the body nor the exit runs. Await it where it is created
/// (a dropped future runs no exit).
pub async fn with<C, B, Fut, T>(mut cm: C, body: B) -> Result<Option<T>>
where
    C: AsyncContextManager,
    B: FnOnce(C::Value) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let value = cm.enter().await?;
    let out = body(value).await;
    let (value, error) = split(out);
    let mut unwinding = Unwinding::new(error);
    let scope = CancelScope::cleanup();
    let ran = scope
        .run(async {
            let r = cm.exit(unwinding.current()).await;
            unwinding.record(r);
            unwinding.scope_status()
        })
        .await;
    unwinding.finish(value, ran)
}

/// A body outcome as (value, error in flight).
pub(crate) fn split<T>(out: Result<T>) -> (Option<T>, Option<Error>) {
    match out {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    }
}

/// The error in flight while exit callbacks run, one callback at a time (R67, contextlib
/// semantics): a callback's error replaces it (the old one becomes its context), an exit
/// returning true suppresses it unless it is `Cancelled`.
pub(crate) struct Unwinding {
    error: Option<Error>,
    /// A callback ended `Cancelled`: the cleanup scope's grace ran out (its exit decides).
    saw_cancelled: bool,
}

impl Unwinding {
    pub(crate) fn new(error: Option<Error>) -> Unwinding {
        Unwinding {
            error,
            saw_cancelled: false,
        }
    }

    /// The error the next callback sees.
    pub(crate) fn current(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Take one callback's outcome into account (`Ok(true)`: suppress).
    pub(crate) fn record(&mut self, r: Result<bool>) {
        match r {
            Ok(false) => {}
            Ok(true) => {
                if !self.error.as_ref().is_some_and(Error::is_cancelled) {
                    self.error = None; // R68: Cancelled is never suppressed
                }
            }
            Err(e) if e.is_cancelled() => self.saw_cancelled = true,
            Err(e) => {
                // An error beats Cancelled, which stays pending in the task (R24) and so needs
                // no context; any other error becomes the new one's context.
                let e = match &self.error {
                    Some(prev) if !prev.is_cancelled() => e.with_context(prev),
                    _ => e,
                };
                self.error = Some(e);
            }
        }
    }

    /// What the cleanup scope's body ends with: `Cancelled` if a callback was cut short, so
    /// that the scope absorbs its own grace expiry (R66).
    pub(crate) fn scope_status(&self) -> Result<()> {
        if self.saw_cancelled {
            Err(Error::cancelled())
        } else {
            Ok(())
        }
    }

    /// The outcome once the cleanup scope ended with `ran`: the current error, else the
    /// body's value (`None` when its error was suppressed). `Ok(None)` from the scope is a
    /// grace expiry: the outcome goes on (R66). A `Cancelled` the scope does not own (a
    /// callback returned it on its own) is kept like C's `corral_exitstack_close` does.
    pub(crate) fn finish<T>(self, value: Option<T>, ran: Result<Option<()>>) -> Result<Option<T>> {
        let mut error = self.error;
        if let Err(e) = ran {
            error.get_or_insert(e);
        }
        match error {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

/// A type with an async close (Python: an object with `aclose()`/`close()` coroutine methods),
/// closed by [`closing_async`].
pub trait AsyncClose {
    /// Close; may await.
    fn aclose(&self) -> impl Future<Output = Result<()>>;
}

impl<T: AsyncClose + ?Sized> AsyncClose for Rc<T> {
    fn aclose(&self) -> impl Future<Output = Result<()>> {
        (**self).aclose()
    }
}

/// The context manager of [`closing_async`].
#[must_use = "a context manager does nothing unless entered"]
pub struct Closing<T>(T);

/// contextlib's `aclosing(thing)` / hat's `closing_async`: a context manager whose value is
/// `thing` (a clone: use a handle type, or an `Rc`) and whose exit awaits `thing.aclose()` as
/// managed cleanup, on every way out of the body. Its exit never suppresses; an error of
/// `aclose` propagates (R67). Rust streams have no async close (dropping one closes it), so
/// there is no stream flavour.
pub fn closing_async<T: AsyncClose + Clone>(thing: T) -> Closing<T> {
    Closing(thing)
}

impl<T: AsyncClose + Clone> AsyncContextManager for Closing<T> {
    type Value = T;
    async fn enter(&mut self) -> Result<T> {
        Ok(self.0.clone())
    }
    async fn exit(self, _error: Option<&Error>) -> Result<bool> {
        self.0.aclose().await.map(|()| false)
    }
}
