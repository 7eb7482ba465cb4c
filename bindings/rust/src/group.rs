//! Scoped task groups (R42, R49, R53, R54): `corral::task_group`, the `async with
//! TaskGroup()` of corral.
//!
//! ```no_run
//! # async fn f() -> corral::Result<()> {
//! let r = corral::task_group(|tg| async move {
//!     tg.spawn("A", async { corral::sleep_ms(10).await?; Err::<(), _>(corral::Error::user("ValueError", "a")) })?;
//!     tg.spawn("B", corral::sleep_ms(100))?;
//!     corral::sleep_ms(50).await
//! })
//! .await;
//! let e = r.unwrap_err(); // ErrorGroup: [ValueError:a]
//! assert_eq!(e.kind(), corral::ErrorKind::ErrorGroup);
//! assert_eq!(e.group_errors().len(), 1);
//! # Ok(()) }
//! ```
use crate::driver::{current_driver_rc, spawn_on, with_driver, Driver, JoinHandle, TaskOutput};
use crate::error::{Error, ErrorKind, Result};
use crate::ops::Op;
use corral_sys as sys;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};

/// The handle of a scoped task group, given to the body of [`task_group`]. Cheap to clone
/// (clones share the group); spawning after the group was left fails with `GroupClosed`.
pub struct TaskGroup {
    raw: *mut sys::corral_group,
    d: Rc<Driver>,
}

impl TaskGroup {
    /// Spawn a member task named `name` (lazily, R7). A member failure cancels the group
    /// (the body and the other members); its error is collected into the ErrorGroup the
    /// group's exit returns (R53, R54). Errors: `GroupClosed` after the group was left.
    pub fn spawn<F>(&self, name: &str, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        spawn_on(&self.d, self.raw, Some(name), fut)
    }
    /// Non-terminal members.
    pub fn size(&self) -> i64 {
        // SAFETY: raw is referenced by self.
        unsafe { sys::corral_group_size(self.raw) }
    }
    /// The raw group (borrowed).
    pub fn as_raw(&self) -> *mut sys::corral_group {
        self.raw
    }
}

impl Clone for TaskGroup {
    fn clone(&self) -> Self {
        TaskGroup {
            // SAFETY: raw is referenced by self.
            raw: unsafe { sys::corral_group_ref(self.raw) },
            d: self.d.clone(),
        }
    }
}

impl Drop for TaskGroup {
    fn drop(&mut self) {
        // SAFETY: the one reference this handle owns.
        unsafe { sys::corral_group_unref(self.raw) }
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskGroup(size={})", self.size())
    }
}

enum State<C, B, T> {
    Init(Option<C>),
    Body(TaskGroup, Pin<Box<B>>),
    /// The group handle keeps the op's target alive.
    Exiting(#[allow(dead_code)] TaskGroup, Op, Option<Result<T>>),
    Done,
}

/// The future of [`task_group`].
#[must_use = "futures do nothing unless awaited"]
pub struct TaskGroupRun<C, B, T> {
    state: State<C, B, T>,
}

impl<C, B, T> Unpin for TaskGroupRun<C, B, T> {}

/// Run `body` inside a fail-fast task group, as `async with TaskGroup() as tg` does (R42,
/// R49): the group is entered on the first poll (never a checkpoint) on the current task,
/// so the body and the members run inside its cancel scope; `body(tg)` is then built and
/// awaited. When the body ends, the group waits for every member (a body error or
/// cancellation cancels them first); that wait is not a cancel point.
///
/// The result: `Err(ErrorGroup)` when members (or the body) failed — its members are in
/// [`Error::group_errors`], errors beat cancellation (R54) —, else the body's error, else
/// `Err(Cancelled)` when the task's cancellation is pending (the exit is a cancel point
/// after the wait), else the body's value.
///
/// Await it where it is created: like cancel scopes, groups must nest with the task's
/// scopes, and dropping the future before it finished leaves the group entered.
pub fn task_group<C, B, T>(body: C) -> TaskGroupRun<C, B, T>
where
    C: FnOnce(TaskGroup) -> B,
    B: Future<Output = Result<T>>,
{
    TaskGroupRun {
        state: State::Init(Some(body)),
    }
}

fn enter() -> Result<TaskGroup> {
    let d = current_driver_rc()?;
    let task = with_driver(|d| d.cur.get().task).unwrap_or(ptr::null_mut());
    if task.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidState,
            "entering a task group outside a corral task",
        ));
    }
    let mut g = ptr::null_mut();
    // SAFETY: loop thread; the task is in its step.
    let rc = unsafe {
        sys::corral_group_enter(
            &mut g,
            task,
            ptr::null(),
            sys::CORRAL_GROUP_FAIL_FAST,
            sys::CORRAL_GROUP_JOIN,
        )
    };
    if rc < 0 {
        return Err(Error::last(rc));
    }
    Ok(TaskGroup { raw: g, d })
}

impl<C, B, T> Future for TaskGroupRun<C, B, T>
where
    C: FnOnce(TaskGroup) -> B,
    B: Future<Output = Result<T>>,
{
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        loop {
            match &mut self.state {
                State::Init(c) => {
                    let c = c.take().expect("init state holds the body");
                    let tg = match enter() {
                        Ok(tg) => tg,
                        Err(e) => {
                            self.state = State::Done;
                            return Poll::Ready(Err(e));
                        }
                    };
                    let body = Box::pin(c(tg.clone()));
                    self.state = State::Body(tg, body);
                }
                State::Body(tg, body) => {
                    let out = match body.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(out) => out,
                    };
                    let tg = tg.clone();
                    let mut status = 0;
                    let out = match out {
                        Ok(v) => Ok(v),
                        Err(e) if e.is_cancelled() => {
                            status = e.code();
                            Err(e)
                        }
                        Err(e) => {
                            // The exit needs the error object behind a body error.
                            let e = if e.as_raw().is_null() {
                                Error::new(e.kind(), "")
                            } else {
                                e
                            };
                            let task = with_driver(|d| d.cur.get().task).unwrap_or(ptr::null_mut());
                            // SAFETY: the task is in its step; a reference is taken.
                            status = unsafe { sys::corral_task_set_error(task, e.as_raw()) };
                            Err(e)
                        }
                    };
                    if status >= 0 && out.is_err() {
                        // set_error failed (cannot happen inside a step): report as is.
                        status = out.as_ref().err().map_or(0, |e| e.code());
                    }
                    self.state = State::Exiting(
                        tg.clone(),
                        Op::new(sys::CORRAL_OP_GROUP_EXIT, tg.raw.cast(), -1),
                        Some(out),
                    );
                    if let State::Exiting(_, op, out) = &mut self.state {
                        let v = sys::corral_value {
                            type_: sys::CORRAL_VALUE_INT,
                            as_: sys::corral_value_as { i: status as i64 },
                            ..Default::default()
                        };
                        return match op.poll_op_value(v) {
                            Poll::Pending => Poll::Pending,
                            Poll::Ready(r) => {
                                let out = out.take();
                                self.state = State::Done;
                                Poll::Ready(finish(r, out))
                            }
                        };
                    }
                }
                State::Exiting(_, op, out) => {
                    return match op.poll_op() {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(r) => {
                            let out = out.take();
                            self.state = State::Done;
                            Poll::Ready(finish(r, out))
                        }
                    };
                }
                State::Done => {
                    return Poll::Ready(Err(Error::new(
                        ErrorKind::InvalidState,
                        "task group future polled after completion",
                    )))
                }
            }
        }
    }
}

/// Combine the exit's outcome with what the body ended with.
fn finish<T>(r: Result<crate::driver::Outcome>, body: Option<Result<T>>) -> Result<T> {
    let o = r?;
    let body = body.unwrap_or_else(|| Err(Error::new(ErrorKind::InvalidState, "no body outcome")));
    match (o.status, body) {
        (0, Ok(v)) => Ok(v),
        // The group scope absorbed the body's Cancelled (R28): there is no value.
        (0, Err(_)) => Err(Error::new(
            ErrorKind::InvalidState,
            "the task group absorbed the body's cancellation; the body has no value",
        )),
        (rc, Err(e)) if rc == e.code() && rc != sys::CORRAL_EERRORGROUP => Err(e),
        (sys::CORRAL_ECANCELLED, _) => Err(Error::cancelled()),
        (rc, _) => Err(Error::from_outcome(rc, o.error)),
    }
}
