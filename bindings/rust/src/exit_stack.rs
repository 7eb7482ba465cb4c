//! contextlib's `AsyncExitStack` (R66, R67): [`ExitStack`].
use crate::cm::{split, AsyncContextManager, Unwinding};
use crate::error::{Error, ErrorKind, Result};
use crate::helpers_collect::LocalBoxFuture;
use crate::ops::Instant;
use crate::scope::CancelScope;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

/// One registered exit callback.
enum Exit {
    /// `push_callback`: a plain function.
    Callback(Box<dyn FnOnce() -> Result<()>>),
    /// `push_async_callback`: a future awaited at unwinding.
    Async(LocalBoxFuture<Result<()>>),
    /// `enter_context`: a manager's exit, given the error in flight.
    Manager(Box<dyn FnOnce(Option<Error>) -> LocalBoxFuture<Result<bool>>>),
}

impl Exit {
    async fn run(self, current: Option<&Error>) -> Result<bool> {
        match self {
            Exit::Callback(f) => f().map(|()| false),
            Exit::Async(fut) => fut.await.map(|()| false),
            Exit::Manager(exit) => exit(current.cloned()).await,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum State {
    Open,
    Closing,
    Closed,
}

struct Inner {
    exits: RefCell<Vec<Exit>>,
    state: Cell<State>,
    cleanup_timeout: Cell<Option<Duration>>,
}

/// An async exit stack (contextlib's `AsyncExitStack`): exit callbacks pushed while resources
/// are acquired, run LIFO by [`ExitStack::close`] as ONE managed-cleanup scope (R66).
///
/// Unwinding follows R67: every callback runs even if earlier ones fail; a callback failing
/// with `E` makes `E` the error that propagates, with the previous error as its
/// [`Error::context`] (`ValueError:E1 <- ValueError:E2`); a context manager's exit sees the
/// error in flight and may suppress an ordinary one, never `Cancelled`.
///
/// A cheap-to-clone handle (clones share the stack). Rust has no async `Drop`: **a stack whose
/// last handle is dropped without `close` runs nothing** (its callbacks are dropped, like the
/// core's `corral_exitstack_unref`). Use [`ExitStack::scope`], which closes the stack on every
/// way out of its body, cancellation included:
///
/// ```no_run
/// # async fn cleanup(name: &str) -> corral::Result<()> { Ok(()) }
/// # async fn f() -> corral::Result<()> {
/// corral::ExitStack::scope(|st| async move {
///     st.push_async_callback(cleanup("c1"))?;
///     st.push_callback(|| corral::log("c2 ran"))?;
///     corral::sleep_ms(100).await // cancelled? "c2 ran", then cleanup("c1") still runs
/// })
/// .await?;
/// # Ok(()) }
/// ```
///
/// A callback that is not callable is refused by the compiler:
///
/// ```compile_fail
/// # async fn f(st: corral::ExitStack) -> corral::Result<()> {
/// st.push_callback(42)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ExitStack {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for ExitStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExitStack")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .field("cleanup_timeout", &self.cleanup_timeout())
            .finish()
    }
}

impl Default for ExitStack {
    fn default() -> Self {
        ExitStack::new()
    }
}

impl ExitStack {
    /// An empty, open stack whose grace is the task's group chain setting.
    pub fn new() -> ExitStack {
        ExitStack {
            inner: Rc::new(Inner {
                exits: RefCell::new(Vec::new()),
                state: Cell::new(State::Open),
                cleanup_timeout: Cell::new(None),
            }),
        }
    }

    /// `async with AsyncExitStack() as st: body(st)`: run `body` with a new stack, then
    /// [`close`](ExitStack::close) it with the body's outcome, whatever that is (a value, an
    /// error, `Cancelled`). `Ok(None)`: a context manager's exit suppressed the body's error.
    /// Await it where it is created (a dropped future runs nothing).
    pub async fn scope<B, Fut, T>(body: B) -> Result<Option<T>>
    where
        B: FnOnce(ExitStack) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        ExitStack::scope_with(ExitStack::new(), body).await
    }

    /// [`scope`](ExitStack::scope) over a stack made beforehand (e.g. with a
    /// [`cleanup_timeout`](ExitStack::set_cleanup_timeout)).
    pub async fn scope_with<B, Fut, T>(stack: ExitStack, body: B) -> Result<Option<T>>
    where
        B: FnOnce(ExitStack) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let out = body(stack.clone()).await;
        stack.close(out).await
    }

    /// Bound the unwinding of [`close`](ExitStack::close) (R66): the callbacks must be done
    /// within `timeout` of the start of `close` (`None`: the task's group chain setting,
    /// [`crate::Group::set_cleanup_timeout`], unlimited by default). When the grace runs out,
    /// the callback running is cancelled, the rest run in a cancelled scope (plain callbacks
    /// still run; awaits return `Cancelled` at once), `CleanupTimeout` goes to the handler
    /// chain and `close` returns the outcome it was unwinding with.
    /// Errors: `InvalidState` once closing has started.
    pub fn set_cleanup_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.check_open("set_cleanup_timeout")?;
        self.inner.cleanup_timeout.set(timeout);
        Ok(())
    }

    /// The setting of [`set_cleanup_timeout`](ExitStack::set_cleanup_timeout).
    pub fn cleanup_timeout(&self) -> Option<Duration> {
        self.inner.cleanup_timeout.get()
    }

    /// Push a plain callback (contextlib's `callback(fn, *args)`: capture the arguments).
    /// It cannot await (use [`push_async_callback`](ExitStack::push_async_callback)).
    /// Errors: `InvalidState` once closing has started (from a callback too).
    pub fn push_callback<F>(&self, f: F) -> Result<()>
    where
        F: FnOnce() -> Result<()> + 'static,
    {
        self.push(Exit::Callback(Box::new(f)), "push_callback")
    }

    /// Push an async callback (contextlib's `push_async_callback(fn, *args)`): a future,
    /// which does nothing until it is awaited at unwinding (pass `cleanup("c1")` or an
    /// `async move` block). Errors: `InvalidState` once closing has started.
    pub fn push_async_callback<F>(&self, fut: F) -> Result<()>
    where
        F: Future<Output = Result<()>> + 'static,
    {
        self.push(Exit::Async(Box::pin(fut)), "push_async_callback")
    }

    /// Enter `cm` and push its exit (contextlib's `enter_async_context`); returns the
    /// entered value. If `enter` fails nothing is pushed. If the stack started closing while
    /// `enter` was running, nothing is pushed: `cm` is exited at once, as managed cleanup
    /// (R66), with that `InvalidState` in flight, and the `InvalidState` is returned (its
    /// exit cannot suppress it; an error the exit raises wins, with the `InvalidState` as its
    /// context). Errors: `InvalidState` when the stack is not open; `enter`'s error.
    pub async fn enter_context<C>(&self, mut cm: C) -> Result<C::Value>
    where
        C: AsyncContextManager + 'static,
    {
        self.check_open("enter_context")?;
        let value = cm.enter().await?;
        if let Err(e) = self.check_open("enter_context") {
            let mut unwinding = Unwinding::new(Some(e.clone()));
            let ran = self
                .cleanup_scope()?
                .run(async {
                    // a suppression flag does not make this a success
                    let r = cm.exit(unwinding.current()).await;
                    unwinding.record(r.map(|_suppress| false));
                    unwinding.scope_status()
                })
                .await;
            return Err(match unwinding.finish(None::<()>, ran) {
                Err(err) => err,
                Ok(_) => e,
            });
        }
        let exit = move |error: Option<Error>| -> LocalBoxFuture<Result<bool>> {
            Box::pin(async move { cm.exit(error.as_ref()).await })
        };
        self.push(Exit::Manager(Box::new(exit)), "enter_context")?;
        Ok(value)
    }

    /// Move every callback (and the cleanup timeout) to a new stack, which the caller now
    /// owns; this one stays open and empty (contextlib's `pop_all`: hand the resources on
    /// once setup succeeded). Errors: `InvalidState` once closing has started.
    pub fn pop_all(&self) -> Result<ExitStack> {
        self.check_open("pop_all")?;
        let moved = ExitStack::new();
        *moved.inner.exits.borrow_mut() = self.inner.exits.take();
        moved.inner.cleanup_timeout.set(self.cleanup_timeout());
        Ok(moved)
    }

    /// The number of callbacks waiting.
    pub fn len(&self) -> usize {
        self.inner.exits.borrow().len()
    }

    /// True when no callback is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once [`close`](ExitStack::close) has started.
    pub fn is_closed(&self) -> bool {
        self.inner.state.get() != State::Open
    }

    /// The managed-cleanup scope of this stack's exits: its own `cleanup_timeout` when set,
    /// else the group chain's (R66: the nearest ExitStack/group setting).
    fn cleanup_scope(&self) -> Result<CancelScope> {
        Ok(match self.cleanup_timeout() {
            Some(grace) => CancelScope::cleanup_until(Some(Instant::now()? + grace)),
            None => CancelScope::cleanup(),
        })
    }

    /// Unwind with the outcome the body ended with (`aclose()` is `close(Ok(()))`): run the
    /// callbacks LIFO inside one managed-cleanup scope (R66) and return the outcome that
    /// propagates (R67): `Ok(Some(v))` when nothing failed, `Ok(None)` when a context
    /// manager suppressed the error, else the last error (a callback's error with the one it
    /// replaced as context; `Cancelled` when the task was cancelled and no callback failed).
    /// When the result is an error other than `Cancelled` while the task's cancellation is
    /// pending, the cancellation stays pending: the next checkpoint raises it (R24).
    /// Errors: `InvalidState` when the stack was already closed (`outcome` is dropped), or
    /// when called outside a corral task (no callback ran; the stack stays open).
    pub async fn close<T>(&self, outcome: Result<T>) -> Result<Option<T>> {
        self.check_open("close")?;
        let scope = self.cleanup_scope()?;
        self.inner.state.set(State::Closing);
        let (value, error) = split(outcome);
        let mut unwinding = Unwinding::new(error);
        let mut started = false;
        let ran = scope
            .run(async {
                started = true;
                // Popped one at a time: a callback sees the stack as it is (and cannot push).
                loop {
                    let next = self.inner.exits.borrow_mut().pop();
                    let Some(exit) = next else { break };
                    let r = exit.run(unwinding.current()).await;
                    unwinding.record(r);
                }
                unwinding.scope_status()
            })
            .await;
        if !started {
            // The cleanup scope could not be entered (outside a task): nothing ran, the stack
            // stays open.
            self.inner.state.set(State::Open);
            return Err(ran.expect_err("a scope that did not run its body failed"));
        }
        self.inner.state.set(State::Closed);
        unwinding.finish(value, ran)
    }

    fn push(&self, exit: Exit, who: &str) -> Result<()> {
        self.check_open(who)?;
        self.inner.exits.borrow_mut().push(exit);
        Ok(())
    }

    fn check_open(&self, who: &str) -> Result<()> {
        match self.inner.state.get() {
            State::Open => Ok(()),
            _ => Err(Error::new(
                ErrorKind::InvalidState,
                &format!("ExitStack::{who}: the exit stack is already closed"),
            )),
        }
    }
}
