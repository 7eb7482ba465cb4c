//! hat's `Resource` protocol (R50) and its async-context-manager exit, [`using`].
use crate::error::{Error, ErrorKind, Result};
use crate::group::{Group, GroupWait};
use crate::ops::Instant;
use crate::scope::CancelScope;
use std::future::Future;

/// hat's `Resource`: anything with an `async_group` gets the group's state, waits and
/// closing as default methods. `close` and `async_close` always cancel (hat >= 0.7.6).
///
/// ```no_run
/// use corral::{Group, Resource};
/// struct Server { group: Group }
/// impl Resource for Server {
///     fn async_group(&self) -> &Group { &self.group }
/// }
/// ```
pub trait Resource {
    /// The group that owns the resource's tasks.
    fn async_group(&self) -> &Group;
    /// OPEN.
    fn is_open(&self) -> bool {
        self.async_group().is_open()
    }
    /// CLOSING or CLOSED.
    fn is_closing(&self) -> bool {
        self.async_group().is_closing()
    }
    /// CLOSED.
    fn is_closed(&self) -> bool {
        self.async_group().is_closed()
    }
    /// Start closing with cancellation (R45); never waits. Called from one of the group's own
    /// tasks, it cancels that task too: its next checkpoint returns `Err(Cancelled)`.
    fn close(&self) -> Result<()> {
        self.async_group().close(true)
    }
    /// Wait until CLOSING.
    fn wait_closing(&self) -> GroupWait {
        self.async_group().wait_closing()
    }
    /// Wait until CLOSED.
    fn wait_closed(&self) -> GroupWait {
        self.async_group().wait_closed()
    }
    /// `close()` then `wait_closed()` (R48).
    fn async_close(&self) -> impl Future<Output = Result<()>> {
        let g = self.async_group().clone();
        async move { g.async_close(true).await }
    }
}

impl Resource for Group {
    fn async_group(&self) -> &Group {
        self
    }
}

/// `async with resource:` (R50, R49 CANCEL exit): run `body(resource)`, then close the
/// resource's group with cancellation and wait until it is CLOSED, as managed cleanup
/// (R66: shielded, bounded by the group's cleanup grace; if the grace runs out the wait is
/// abandoned and `CleanupTimeout` goes to the handler chain). The body's outcome is
/// returned (an error of the exit only when the body succeeded). Rust has no async `Drop`,
/// so the exit is this function's tail: await it where it is created.
///
/// A resource whose group is not open is refused with `GroupClosed` and the body does not
/// run (a closed group used as a context manager twice).
pub async fn using<R, F, Fut, T>(resource: R, body: F) -> Result<T>
where
    R: Resource,
    F: FnOnce(R) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let g = resource.async_group().clone();
    if !g.is_open() {
        return Err(Error::new(
            ErrorKind::GroupClosed,
            "using: the resource's group is already closing",
        ));
    }
    let out = body(resource).await;
    let deadline = match g.cleanup_timeout() {
        Some(grace) => Some(Instant::now()? + grace),
        None => None,
    };
    let exit = CancelScope::cleanup_until(deadline)
        .run(g.async_close(true))
        .await;
    match (out, exit) {
        (Ok(_), Err(e)) => Err(e),
        (out, _) => out, // Ok(None): the grace ran out; the body's outcome goes on
    }
}
