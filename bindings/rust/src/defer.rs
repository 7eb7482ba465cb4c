//! Go-style deferred cleanup (aiotools' `defer`/`adefer`, R67, R66): the synchronous
//! [`defer`] guard and the async [`adefer`] with its registrar [`Defer`].
use crate::error::Result;
use crate::exit_stack::ExitStack;
use std::future::Future;

/// The guard of [`defer`]: runs its closure when dropped.
#[must_use = "the closure runs when the guard is dropped: bind it (`let _g = defer(...)`)"]
pub struct DeferGuard<F: FnOnce()> {
    f: Option<F>,
}

/// aiotools' `defer` for synchronous cleanup: a guard that runs `f` when it goes out of scope
/// (return, `?`, panic, or the task's future being dropped). Guards run in reverse order of
/// creation, as Rust drops locals. `f` cannot await, and an async closure is refused by the
/// compiler (it returns a future, not `()`); use [`adefer`] for async cleanup:
///
/// ```compile_fail
/// let _g = corral::defer(|| async { corral::sleep_ms(1).await });
/// ```
pub fn defer<F: FnOnce()>(f: F) -> DeferGuard<F> {
    DeferGuard { f: Some(f) }
}

impl<F: FnOnce()> DeferGuard<F> {
    /// Disarm the guard: the closure never runs.
    pub fn dismiss(mut self) {
        self.f = None;
    }
}

impl<F: FnOnce()> Drop for DeferGuard<F> {
    fn drop(&mut self) {
        if let Some(f) = self.f.take() {
            f();
        }
    }
}

/// The registrar of an [`adefer`] body (aiotools' `defer` argument). A cheap-to-clone handle.
#[derive(Clone, Debug)]
pub struct Defer {
    stack: ExitStack,
}

impl Defer {
    /// Defer a plain call to the end of the body. Errors: `InvalidState` once the body ended
    /// (a registrar kept past it).
    pub fn defer<F>(&self, f: F) -> Result<()>
    where
        F: FnOnce() -> Result<()> + 'static,
    {
        self.stack.push_callback(f)
    }

    /// Defer an async call (a future, awaited at the end of the body in the body's task).
    /// Errors: `InvalidState` once the body ended.
    pub fn defer_async<F>(&self, fut: F) -> Result<()>
    where
        F: Future<Output = Result<()>> + 'static,
    {
        self.stack.push_async_callback(fut)
    }
}

/// aiotools' `adefer`: run `body` with a registrar; when the body ends — value, error or
/// cancellation — the deferred calls run LIFO in this task as one managed-cleanup scope (R66:
/// an async one can still await while the task is cancelled), and **every one runs** (R67;
/// aiotools stops at the first failing call). A failing deferred call's error propagates with
/// the previous error as its context, as with [`ExitStack`].
///
/// ```no_run
/// # async fn f() -> corral::Result<()> {
/// corral::adefer(|d| async move {
///     d.defer(|| corral::log("deferred first"))?;
///     d.defer_async(async { corral::sleep_ms(5).await?; corral::log("deferred second") })?;
///     corral::sleep_ms(10).await // "deferred second", then "deferred first"
/// })
/// .await
/// # }
/// ```
pub async fn adefer<B, Fut, T>(body: B) -> Result<T>
where
    B: FnOnce(Defer) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let stack = ExitStack::new();
    let out = body(Defer {
        stack: stack.clone(),
    })
    .await;
    // Deferred calls are not context managers: nothing can suppress the body's error, so the
    // outcome is the body's value or an error.
    Ok(stack
        .close(out)
        .await?
        .expect("deferred calls cannot suppress an error"))
}
