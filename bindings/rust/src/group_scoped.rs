//! Scoped groups (R42, R49, R53, R54): the machinery every `async with <group>` preset
//! shares ([`GroupRun`]), and the fail-fast `corral::task_group` (asyncio/aiotools
//! `TaskGroup`) with `current_taskgroup`.
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
use crate::driver::{current_driver_rc, spawn_on, with_driver, JoinHandle, TaskOutput};
use crate::error::{cstring, Error, ErrorKind, Result};
use crate::group::Group;
use crate::ops::Op;
use corral_sys as sys;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

/// A handle type given to the body of a scoped group.
pub trait ScopedHandle: Clone {
    /// The handle of the entered group.
    fn from_group(g: Group) -> Self;
    /// The group behind it.
    fn group(&self) -> &Group;
}

/// The group settings of a scoped preset.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub policy: i32,
    pub exit_mode: i32,
    pub name: Option<String>,
}

enum State<H, C, B, T> {
    Init(Option<C>),
    Body(H, Pin<Box<B>>),
    /// The handle keeps the op's target alive.
    Exiting(#[allow(dead_code)] H, Op, Option<Result<T>>),
    Done,
}

/// The future of a scoped group: enters the group on the first poll, runs the body, leaves
/// with the exit of R49. `Ok(Some(v))`: the body's value; `Ok(None)`: the group scope
/// absorbed the body's `Cancelled` (R28, e.g. a nursery's `cancel_scope().cancel()`);
/// `Err(ErrorGroup)` for a fail-fast group with failures (R54); else the body's error, or
/// `Err(Cancelled)` when the task's cancellation is pending (the exit is a cancel point).
///
/// Await it where it is created: like cancel scopes, groups must nest with the task's
/// scopes, and dropping the future before it finished leaves the group entered (the core
/// then drops the body's part when the task ends).
#[must_use = "futures do nothing unless awaited"]
pub struct GroupRun<H, C, B, T> {
    settings: Settings,
    state: State<H, C, B, T>,
}

impl<H, C, B, T> Unpin for GroupRun<H, C, B, T> {}

pub(crate) fn group_run<H, C, B, T>(settings: Settings, body: C) -> GroupRun<H, C, B, T>
where
    H: ScopedHandle,
    C: FnOnce(H) -> B,
    B: Future<Output = Result<T>>,
{
    GroupRun {
        settings,
        state: State::Init(Some(body)),
    }
}

pub(crate) fn current_task() -> Result<*mut sys::corral_task> {
    let task = with_driver(|d| d.cur.get().task).unwrap_or(ptr::null_mut());
    if task.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidState,
            "entering a group outside a corral task",
        ));
    }
    Ok(task)
}

/// Enter a scoped group on the current task (never a checkpoint).
pub(crate) fn enter(s: &Settings) -> Result<Group> {
    let d = current_driver_rc()?;
    let task = current_task()?;
    let name = s.name.as_deref().map(cstring);
    let mut g = ptr::null_mut();
    // SAFETY: loop thread; the task is in its step.
    let rc = unsafe {
        sys::corral_group_enter(
            &mut g,
            task,
            name.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            s.policy,
            s.exit_mode,
        )
    };
    if rc < 0 {
        return Err(Error::last(rc));
    }
    Ok(Group::from_raw(g, d))
}

/// The INT status the exit op carries for a body outcome (an error is recorded on the task so
/// that the exit can raise or collect that very object).
pub(crate) fn body_status<T>(out: &Result<T>) -> (i32, Option<Error>) {
    match out {
        Ok(_) => (0, None),
        Err(e) if e.is_cancelled() => (e.code(), None),
        Err(e) => {
            let e = if e.as_raw().is_null() {
                Error::new(e.kind(), "")
            } else {
                e.clone()
            };
            let task = with_driver(|d| d.cur.get().task).unwrap_or(ptr::null_mut());
            // SAFETY: the task is in its step; a reference is taken.
            let rc = unsafe { sys::corral_task_set_error(task, e.as_raw()) };
            (if rc < 0 { e.code() } else { rc }, Some(e))
        }
    }
}

pub(crate) fn exit_op(raw: *mut sys::corral_group) -> Op {
    Op::new(sys::CORRAL_OP_GROUP_EXIT, raw.cast(), -1)
}

pub(crate) fn status_value(status: i32) -> sys::corral_value {
    sys::corral_value {
        type_: sys::CORRAL_VALUE_INT,
        as_: sys::corral_value_as { i: status as i64 },
        ..Default::default()
    }
}

impl<H, C, B, T> Future for GroupRun<H, C, B, T>
where
    H: ScopedHandle,
    C: FnOnce(H) -> B,
    B: Future<Output = Result<T>>,
{
    type Output = Result<Option<T>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Option<T>>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Init(c) => {
                    let c = c.take().expect("init state holds the body");
                    let h = match enter(&this.settings) {
                        Ok(g) => H::from_group(g),
                        Err(e) => {
                            this.state = State::Done;
                            return Poll::Ready(Err(e));
                        }
                    };
                    let body = Box::pin(c(h.clone()));
                    this.state = State::Body(h, body);
                }
                State::Body(h, body) => {
                    let out = match body.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(out) => out,
                    };
                    let h = h.clone();
                    let (status, _) = body_status(&out);
                    let op = exit_op(h.group().raw);
                    this.state = State::Exiting(h, op, Some(out));
                    if let State::Exiting(_, op, out) = &mut this.state {
                        return match op.poll_op_value(cx, status_value(status)) {
                            Poll::Pending => Poll::Pending,
                            Poll::Ready(r) => {
                                let out = out.take();
                                this.state = State::Done;
                                Poll::Ready(finish(r, out))
                            }
                        };
                    }
                }
                State::Exiting(_, op, out) => {
                    return match op.poll_op(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(r) => {
                            let out = out.take();
                            this.state = State::Done;
                            Poll::Ready(finish(r, out))
                        }
                    };
                }
                State::Done => {
                    return Poll::Ready(Err(Error::new(
                        ErrorKind::InvalidState,
                        "group future polled after completion",
                    )))
                }
            }
        }
    }
}

/// Combine the exit's outcome with what the body ended with.
fn finish<T>(r: Result<crate::driver::Outcome>, body: Option<Result<T>>) -> Result<Option<T>> {
    let o = r?;
    let body = body.unwrap_or_else(|| Err(Error::new(ErrorKind::InvalidState, "no body outcome")));
    match (o.status, body) {
        (0, Ok(v)) => Ok(Some(v)),
        // The group scope absorbed the body's Cancelled (R28): there is no value.
        (0, Err(_)) => Ok(None),
        // The body's own error propagates as itself (a fatal error raised by the exit, R58,
        // is another object and wins).
        (rc, Err(e))
            if rc == e.code()
                && rc != sys::CORRAL_EERRORGROUP
                && (o.error.is_null() || o.error == e.as_raw()) =>
        {
            Err(e)
        }
        (sys::CORRAL_ECANCELLED, _) => Err(Error::cancelled()),
        (rc, _) => Err(Error::from_outcome(rc, o.error)),
    }
}

/// A scoped group future whose body always has a value when it succeeds: an absorbed
/// cancellation is `InvalidState` (it cannot happen unless the group's scope is cancelled
/// from outside, which these presets do not expose).
#[must_use = "futures do nothing unless awaited"]
pub struct Unwrapped<F>(F);

impl<F, T> Future for Unwrapped<F>
where
    F: Future<Output = Result<Option<T>>> + Unpin,
{
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        Pin::new(&mut self.0).poll(cx).map(|r| {
            r?.ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidState,
                    "the group absorbed the body's cancellation; the body has no value",
                )
            })
        })
    }
}

pub(crate) fn unwrapped<F>(f: F) -> Unwrapped<F> {
    Unwrapped(f)
}

// ---- TaskGroup ------------------------------------------------------------------------------

/// The handle of a fail-fast task group (asyncio/aiotools `TaskGroup`), given to the body
/// of [`task_group`] and returned by [`current_taskgroup`]. Cheap to clone (clones share
/// the group); spawning after the group was left fails with `GroupClosed`.
#[derive(Clone)]
pub struct TaskGroup {
    g: Group,
}

impl ScopedHandle for TaskGroup {
    fn from_group(g: Group) -> Self {
        TaskGroup { g }
    }
    fn group(&self) -> &Group {
        &self.g
    }
}

impl TaskGroup {
    /// Spawn a member task named `name` (lazily, R7). A member failure cancels the group
    /// (the body and the other members); its error is collected into the ErrorGroup the
    /// group's exit returns (R53, R54). Errors: `GroupClosed` after the group was left or
    /// once a failure closed it.
    pub fn spawn<F>(&self, name: &str, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        spawn_on(&self.g.d, self.g.raw, Some(name), fut)
    }
    /// aiotools' spelling of [`TaskGroup::spawn`].
    pub fn create_task<F>(
        &self,
        name: &str,
        fut: F,
    ) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        self.spawn(name, fut)
    }
    /// Non-terminal members.
    pub fn size(&self) -> i64 {
        self.g.size()
    }
    /// The group's name ("" when unnamed).
    pub fn name(&self) -> String {
        self.g.name()
    }
    /// True when both handles are the same group.
    pub fn ptr_eq(&self, other: &TaskGroup) -> bool {
        self.g.ptr_eq(&other.g)
    }
    /// The raw group (borrowed).
    pub fn as_raw(&self) -> *mut sys::corral_group {
        self.g.raw
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskGroup(size={})", self.size())
    }
}

/// The future of [`task_group`].
pub type TaskGroupRun<C, B, T> = Unwrapped<GroupRun<TaskGroup, C, B, T>>;

/// Run `body` inside a fail-fast task group, as `async with TaskGroup() as tg` does (R42,
/// R49): the group is entered on the first poll (never a checkpoint) on the current task,
/// so the body and the members run inside its cancel scope; `body(tg)` is then built and
/// awaited. When the body ends, the group waits for every member (a body error or
/// cancellation cancels them first); that wait is not a cancel point.
///
/// The result: `Err(ErrorGroup)` when members (or the body) failed — its members are in
/// [`Error::group_errors`], errors beat cancellation (R54) —, else the body's error, else
/// `Err(Cancelled)` when the task's cancellation is pending (the exit is a cancel point
/// after the wait), else the body's value. See [`GroupRun`] for where to await it.
pub fn task_group<C, B, T>(body: C) -> TaskGroupRun<C, B, T>
where
    C: FnOnce(TaskGroup) -> B,
    B: Future<Output = Result<T>>,
{
    unwrapped(group_run(
        Settings {
            policy: sys::CORRAL_GROUP_FAIL_FAST,
            exit_mode: sys::CORRAL_GROUP_JOIN,
            name: None,
        },
        body,
    ))
}

/// aiotools' `current_taskgroup`: the group code running in the current task spawns into
/// by default — the innermost scoped group the task entered and has not left (a
/// [`task_group`], nursery, supervisor, or a helper's internal group), else the group the
/// task is a member of (so a member of a task group sees that group) — or `None` for a
/// member of the root group and outside a task.
pub fn current_taskgroup() -> Option<TaskGroup> {
    let d = current_driver_rc().ok()?;
    let task = with_driver(|d| d.cur.get().task)?;
    if task.is_null() {
        return None;
    }
    // SAFETY: loop thread; borrowed, so a reference is taken.
    let g = unsafe { sys::corral_task_current_group(task) };
    if g.is_null() {
        return None;
    }
    let g = unsafe { sys::corral_group_ref(g) };
    Some(TaskGroup {
        g: Group::from_raw(g, d),
    })
}
