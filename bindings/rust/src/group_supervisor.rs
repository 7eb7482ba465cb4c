//! Supervising groups (R52, R55, R49): aiotools' `Supervisor` / `TaskScope` (scoped,
//! SUPERVISE, JOIN) and `PersistentTaskGroup` (free, or scoped when entered) with
//! `shutdown()` and the list of live ones.
use crate::driver::{current, current_driver_rc, JoinHandle, TaskOutput, TaskRef};
use crate::error::{Error, Result};
use crate::group::Group;
use crate::group_resource::Resource;
use crate::group_scoped::{group_run, unwrapped, GroupRun, ScopedHandle, Settings, Unwrapped};
use corral_sys as sys;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::{Rc, Weak};

// ---- Supervisor -------------------------------------------------------------------------------

/// The handle of a supervisor, given to the body of [`supervisor`] (aiotools `Supervisor`
/// / `TaskScope`). Cheap to clone.
#[derive(Clone)]
pub struct Supervisor {
    g: Group,
}

impl ScopedHandle for Supervisor {
    fn from_group(g: Group) -> Self {
        Supervisor { g }
    }
    fn group(&self) -> &Group {
        &self.g
    }
}

impl Supervisor {
    /// Spawn a member task named `name`. Its failure goes to the handler chain (this
    /// supervisor's exception callback if set, else the enclosing chain, ending at the root
    /// handler, R55-R57); siblings and the body go on. Errors: `GroupClosed` after the exit.
    pub fn spawn<F>(&self, name: &str, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        self.g.spawn(name, fut)
    }
    /// aiotools' spelling of [`Supervisor::spawn`].
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
    /// `TaskScope(exception_handler=cb)`: see [`Group::set_exception_cb`].
    pub fn set_exception_cb<F>(&self, cb: F) -> Result<()>
    where
        F: Fn(&Error, Option<&TaskRef>) -> Result<()> + 'static,
    {
        self.g.set_exception_cb(cb)
    }
    /// Non-terminal members.
    pub fn size(&self) -> i64 {
        self.g.size()
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Supervisor(size={})", self.size())
    }
}

/// The future of [`supervisor`].
pub type SupervisorRun<C, B, T> = Unwrapped<GroupRun<Supervisor, C, B, T>>;

/// Run `body` inside a supervisor, as aiotools' `async with Supervisor() as sv` (SUPERVISE,
/// JOIN, scoped): member failures go to the handler chain and affect nobody else; when the
/// body ends, the exit waits for every member. A body error cancels the members and
/// propagates as itself after they ended (R55). See [`GroupRun`] for where to await it.
pub fn supervisor<C, B, T>(body: C) -> SupervisorRun<C, B, T>
where
    C: FnOnce(Supervisor) -> B,
    B: Future<Output = Result<T>>,
{
    unwrapped(group_run(
        Settings {
            policy: sys::CORRAL_GROUP_SUPERVISE,
            exit_mode: sys::CORRAL_GROUP_JOIN,
            name: None,
        },
        body,
    ))
}

// ---- PersistentTaskGroup ------------------------------------------------------------------------

struct Pg {
    g: Group,
    /// The entered form ([`persistent_task_group`]): `shutdown()` cancels and joins the
    /// members spawned through the handle instead of closing the group.
    scoped: bool,
    /// Entered form: the members spawned through the handle (done ones are pruned).
    members: RefCell<Vec<TaskRef>>,
}

/// The live persistent groups of a runtime (aiotools' WeakSet).
#[derive(Default)]
struct LiveGroups(Vec<Weak<Pg>>);

/// aiotools' `PersistentTaskGroup`: a SUPERVISE group for long-lived work, used as an
/// object ([`PersistentTaskGroup::new`]: a free group under the root group) or entered
/// ([`persistent_task_group`]: scoped, JOIN). Failures go to the handler chain (root by
/// default). Cheap to clone; [`all_persistent_groups`] lists the live ones.
#[derive(Clone)]
pub struct PersistentTaskGroup {
    inner: Rc<Pg>,
}

impl PersistentTaskGroup {
    fn register(g: Group, scoped: bool) -> PersistentTaskGroup {
        let inner = Rc::new(Pg {
            g,
            scoped,
            members: RefCell::new(Vec::new()),
        });
        let weak = Rc::downgrade(&inner);
        inner.g.d.with_registry(|r: &mut LiveGroups| r.0.push(weak));
        PersistentTaskGroup { inner }
    }
    /// A free persistent group named `name` under the root group (its CLOSING/CLOSED lines
    /// are traced). Errors: InvalidState outside a running runtime.
    pub fn new(name: &str) -> Result<PersistentTaskGroup> {
        Ok(Self::register(
            Group::create(std::ptr::null_mut(), Some(name))?,
            false,
        ))
    }
    /// An unnamed free persistent group.
    pub fn unnamed() -> Result<PersistentTaskGroup> {
        Ok(Self::register(
            Group::create(std::ptr::null_mut(), None)?,
            false,
        ))
    }
    /// Spawn a member task named `name`. Errors: `GroupClosed` after `shutdown()` of the
    /// object form (aiotools still accepts tasks after a bare `shutdown()`; corral's closed
    /// groups never do, R44) and after the exit of the entered form.
    pub fn spawn<F>(&self, name: &str, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        let h = self.inner.g.spawn(name, fut)?;
        if self.inner.scoped {
            let mut m = self.inner.members.borrow_mut();
            let n = m.len();
            if n >= 64 && n.is_power_of_two() {
                m.retain(|t| !t.is_done()); // prune at powers of two
            }
            m.push(h.task().clone());
        }
        Ok(h)
    }
    /// aiotools' spelling of [`PersistentTaskGroup::spawn`].
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
    /// Cancel every member and wait until none is left (aiotools).
    ///
    /// * Object form ([`PersistentTaskGroup::new`]): `close(cancel=True)` + `wait_closed`;
    ///   the group is closed for good (`P CLOSING`, then `P CLOSED`). If the caller is
    ///   cancelled while waiting, the shutdown goes on and the caller gets `Err(Cancelled)`.
    /// * Entered form ([`persistent_task_group`]): the members spawned through the handle
    ///   that are alive are cancelled and joined (their outcomes are ignored: failures went
    ///   to the handler chain already), again until none is left (members spawned while it
    ///   waits are cancelled too); the body is not cancelled and the group is not closed: it
    ///   stays OPEN and `spawn` works until the exit, which waits for members spawned later.
    ///   If the caller is cancelled while waiting, it gets `Err(Cancelled)` (the members
    ///   stay cancelled). Called from a member, that member is cancelled as well (and not
    ///   joined).
    pub async fn shutdown(&self) -> Result<()> {
        if !self.inner.scoped {
            return self.inner.g.async_close(true).await;
        }
        let me = current();
        let is_me = |t: &TaskRef| me.as_ref().is_some_and(|m| m.as_raw() == t.as_raw());
        loop {
            let live: Vec<TaskRef> = {
                let mut m = self.inner.members.borrow_mut();
                m.retain(|t| !t.is_done());
                m.iter().cloned().collect()
            };
            if live.iter().all(&is_me) {
                if let Some(t) = live.first() {
                    t.cancel()?; // the caller itself: cancelled, never joined
                }
                return Ok(());
            }
            for t in &live {
                t.cancel()?;
            }
            for t in live.iter().filter(|t| !is_me(t)) {
                match t.join().await {
                    Ok(()) => {}
                    // The caller's own cancellation (a member ending cancelled joins as
                    // TaskCancelled).
                    Err(e) if e.is_cancelled() => return Err(e),
                    Err(_) if t.is_done() => {} // the member's outcome
                    Err(e) => return Err(e),
                }
            }
        }
    }
    /// aiotools' `exception_handler`: see [`Group::set_exception_cb`].
    pub fn set_exception_cb<F>(&self, cb: F) -> Result<()>
    where
        F: Fn(&Error, Option<&TaskRef>) -> Result<()> + 'static,
    {
        self.inner.g.set_exception_cb(cb)
    }
    /// The name ("" when unnamed).
    pub fn name(&self) -> String {
        self.inner.g.name()
    }
    /// Non-terminal members.
    pub fn size(&self) -> i64 {
        self.inner.g.size()
    }
    /// True when both handles are the same group.
    pub fn ptr_eq(&self, other: &PersistentTaskGroup) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Resource for PersistentTaskGroup {
    fn async_group(&self) -> &Group {
        &self.inner.g
    }
}

impl ScopedHandle for PersistentTaskGroup {
    fn from_group(g: Group) -> Self {
        PersistentTaskGroup::register(g, true)
    }
    fn group(&self) -> &Group {
        &self.inner.g
    }
}

impl fmt::Debug for PersistentTaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersistentTaskGroup({:?})", self.name())
    }
}

/// The future of [`persistent_task_group`].
pub type PersistentRun<C, B, T> = GroupRun<PersistentTaskGroup, C, B, T>;

/// `async with PersistentTaskGroup(name=...) as pg`: a scoped SUPERVISE group with JOIN
/// exit (like [`supervisor`], but named, listed by [`all_persistent_groups`] while live,
/// and usable after the body through the handle until it is CLOSED). `shutdown()` cancels
/// and joins the current members and leaves the group open (see
/// [`PersistentTaskGroup::shutdown`]).
///
/// `Ok(Some(v))`: the body's value; `Ok(None)`: the group's own scope cancelled the body
/// and the exit absorbed that cancellation (R28, R49: e.g. `pg.async_group()
/// .cancel_scope().cancel()`, or `pg.async_close()` from the body, an unshielded self-wait,
/// R17), as [`crate::open_nursery`]; else the body's error or `Err(Cancelled)` from outside.
pub fn persistent_task_group<C, B, T>(name: &str, body: C) -> PersistentRun<C, B, T>
where
    C: FnOnce(PersistentTaskGroup) -> B,
    B: Future<Output = Result<T>>,
{
    group_run(
        Settings {
            policy: sys::CORRAL_GROUP_SUPERVISE,
            exit_mode: sys::CORRAL_GROUP_JOIN,
            name: Some(name.to_string()),
        },
        body,
    )
}

/// aiotools' `all_ptaskgroups()`: the persistent groups of the running runtime that are not
/// CLOSED and still have a handle, in creation order (empty outside a runtime).
pub fn all_persistent_groups() -> Vec<PersistentTaskGroup> {
    let Ok(d) = current_driver_rc() else {
        return Vec::new();
    };
    d.with_registry(|r: &mut LiveGroups| {
        let mut live = Vec::new();
        r.0.retain(|w| match w.upgrade() {
            Some(inner) if !inner.g.is_closed() => {
                live.push(PersistentTaskGroup { inner });
                true
            }
            _ => false,
        });
        live
    })
}
