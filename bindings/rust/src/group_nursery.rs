//! trio-style nurseries (R49, R53, R28): `open_nursery`, `Nursery::start_soon`,
//! `Nursery::cancel_scope`, and the cancel scope of any group ([`GroupScope`]).
use crate::driver::TaskOutput;
use crate::error::{check, Result};
use crate::group::Group;
use crate::group_scoped::{group_run, GroupRun, ScopedHandle, Settings};
use crate::ops::Instant;
use crate::scope::Cause;
use corral_sys as sys;
use std::fmt;
use std::future::Future;

/// The handle of a nursery, given to the body of [`open_nursery`] (trio's `Nursery`).
/// Cheap to clone; members may keep one to spawn siblings or cancel the nursery.
#[derive(Clone)]
pub struct Nursery {
    g: Group,
}

impl ScopedHandle for Nursery {
    fn from_group(g: Group) -> Self {
        Nursery { g }
    }
    fn group(&self) -> &Group {
        &self.g
    }
}

impl Nursery {
    /// trio's `start_soon`: spawn a member task named `name` (lazily, R7; trio returns
    /// nothing, so neither does this). A member failure cancels the nursery (body and
    /// members) and is collected into the ErrorGroup its exit returns. Spawning stays
    /// allowed while the exit waits and after `cancel_scope().cancel()` (R44; the task gets
    /// `Cancelled` at its first checkpoint). Errors: `GroupClosed` after the nursery was left
    /// or a failure closed it.
    pub fn start_soon<F>(&self, name: &str, fut: F) -> Result<()>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        self.g.spawn(name, fut).map(drop)
    }
    /// trio's `nursery.cancel_scope`: cancelling it cancels the body and every member
    /// without closing the nursery; the nursery's exit absorbs that cancellation, and
    /// [`GroupScope::cancelled_caught`] says so afterwards.
    pub fn cancel_scope(&self) -> GroupScope {
        GroupScope { g: self.g.clone() }
    }
    /// Non-terminal members.
    pub fn size(&self) -> i64 {
        self.g.size()
    }
}

impl fmt::Debug for Nursery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nursery(size={})", self.size())
    }
}

/// Run `body` inside a nursery, as trio's `async with open_nursery() as n` (FAIL_FAST,
/// JOIN, scoped: R49, R53, R54). `Ok(Some(v))`: the body's value; `Ok(None)`: the
/// nursery's own cancel scope cut the body short (R28); `Err(ErrorGroup)`: members or the
/// body failed (strict, as trio since `strict_exception_groups=True`); else the body's
/// error or `Err(Cancelled)` from outside. See [`GroupRun`] for where to await it.
pub fn open_nursery<C, B, T>(body: C) -> GroupRun<Nursery, C, B, T>
where
    C: FnOnce(Nursery) -> B,
    B: Future<Output = Result<T>>,
{
    group_run(
        Settings {
            policy: sys::CORRAL_GROUP_FAIL_FAST,
            exit_mode: sys::CORRAL_GROUP_JOIN,
            name: None,
        },
        body,
    )
}

/// The cancel scope of a group (`corral_group_scope`): trio's `nursery.cancel_scope`.
/// It stays readable after the group's exit.
#[derive(Clone)]
pub struct GroupScope {
    g: Group,
}

impl GroupScope {
    fn raw(&self) -> *mut sys::corral_scope {
        // SAFETY: borrowed, valid while the group lives (self holds a reference).
        unsafe { sys::corral_group_scope(self.g.raw) }
    }
    /// Cancel (cause EXPLICIT; sticky): every member and, for a scoped group, the body are
    /// cancelled; the group stays open. True if this call cancelled it.
    pub fn cancel(&self) -> bool {
        unsafe { sys::corral_scope_cancel(self.raw()) == 1 }
    }
    /// True once cancelled (by `cancel`, a close or a fail-fast failure).
    pub fn cancel_called(&self) -> bool {
        unsafe { sys::corral_scope_cancel_called(self.raw()) == 1 }
    }
    /// True when the group's exit absorbed a cancellation the scope owned (R28).
    pub fn cancelled_caught(&self) -> bool {
        unsafe { sys::corral_scope_cancelled_caught(self.raw()) == 1 }
    }
    /// The cause of the first cancellation (R29).
    pub fn cause(&self) -> Cause {
        Cause::from_raw(unsafe { sys::corral_scope_cause(self.raw()) })
    }
    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        let d = unsafe { sys::corral_scope_deadline(self.raw()) };
        (d >= 0).then(|| Instant::from_nanos(d))
    }
    /// Move the deadline (absolute; `None` removes it; a past one cancels at once, R37).
    pub fn set_deadline(&self, t: Option<Instant>) -> Result<()> {
        let ns = t.map_or(-1, |t| t.as_nanos());
        check(unsafe { sys::corral_scope_set_deadline(self.raw(), ns) }).map(|_| ())
    }
}

impl fmt::Debug for GroupScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GroupScope(cancel_called={}, cancelled_caught={})",
            self.cancel_called(),
            self.cancelled_caught()
        )
    }
}

impl Group {
    /// The group's cancel scope (see [`GroupScope`]): cancelling it cancels the members
    /// without closing the group.
    pub fn cancel_scope(&self) -> GroupScope {
        GroupScope { g: self.clone() }
    }
}
