//! The hat-style free group (R42-R48, R55-R57): `Group`, its builder (hat's
//! `Group(exception_cb=None, log_exceptions=True)`), subgroups, `wrap`, close and waits,
//! the cleanup grace (R66). Dropping a handle never closes the group.
use crate::driver::{
    current_driver_rc, spawn_on, Driver, HandlerFn, JoinHandle, TaskOutput, TaskRef,
    BINDING_HANDLER,
};
use crate::error::{check, cstring, Error, Result};
use crate::ops::{nanos, per_call_deadline, Op};
use crate::sync::Future;
use corral_sys as sys;
use std::ffi::CStr;
use std::fmt;
use std::future::Future as StdFuture;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A free group (hat.aio `Group`: SUPERVISE policy, CANCEL exit, R52). Named groups emit
/// `<name> CLOSING` / `<name> CLOSED` trace lines. Cheap to clone (clones share the group).
/// The other presets ([`crate::task_group`], [`crate::open_nursery`], ...) are built on the
/// same core group.
pub struct Group {
    pub(crate) raw: *mut sys::corral_group,
    pub(crate) d: Rc<Driver>,
}

/// Configures a [`Group`] as hat's constructor does (`Group::builder().name("G")
/// .exception_cb(cb).build()`).
#[derive(Default)]
#[must_use = "a builder does nothing until build() is called"]
pub struct GroupBuilder<'a> {
    name: Option<&'a str>,
    parent: Option<&'a Group>,
    cb: Option<HandlerFn>,
    log_exceptions: Option<bool>,
    cleanup_timeout: Option<Option<Duration>>,
}

impl<'a> GroupBuilder<'a> {
    /// The group's name (trace lines; unnamed groups print none).
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }
    /// Create it as a subgroup of `parent` (R47; default: under the root group).
    pub fn parent(mut self, parent: &'a Group) -> Self {
        self.parent = Some(parent);
        self
    }
    /// The exception callback (see [`Group::set_exception_cb`]); it wins over
    /// `log_exceptions`.
    pub fn exception_cb<F>(mut self, cb: F) -> Self
    where
        F: Fn(&Error, Option<&TaskRef>) -> Result<()> + 'static,
    {
        self.cb = Some(Rc::new(cb));
        self
    }
    /// hat's `log_exceptions` (default `true`). `true`, without an exception callback:
    /// failures go along the handler chain (the parent's callback, else the root handler,
    /// which logs `unhandled error in task <name>: ...` on standard error and counts it,
    /// R57) — the corpus pins this (S61: `root handler T CleanupTimeout`). `false`: the
    /// group takes its members' failures silently (a callback that does nothing; the trace
    /// still shows `<group> handler <task> <err>`). A subgroup inherits its parent's
    /// handling either way unless this or a callback is set on it.
    pub fn log_exceptions(mut self, on: bool) -> Self {
        self.log_exceptions = Some(on);
        self
    }
    /// The managed-cleanup grace of this group and its subgroups (R66; `None` = inherit).
    pub fn cleanup_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.cleanup_timeout = Some(timeout);
        self
    }
    /// Create the group. Errors: InvalidState outside a running runtime, GroupClosed when
    /// the parent is not open (R44).
    pub fn build(self) -> Result<Group> {
        let g = Group::create(self.parent.map_or(ptr::null_mut(), |p| p.raw), self.name)?;
        if let Some(cb) = self.cb {
            g.install_handler(cb)?;
        } else if self.log_exceptions == Some(false) {
            g.install_handler(Rc::new(|_: &Error, _: Option<&TaskRef>| Ok(())))?;
        }
        if let Some(t) = self.cleanup_timeout {
            g.set_cleanup_timeout(t)?;
        }
        Ok(g)
    }
}

impl Group {
    pub(crate) fn create(parent: *mut sys::corral_group, name: Option<&str>) -> Result<Group> {
        let d = current_driver_rc()?;
        let c = name.map(cstring);
        let mut g = ptr::null_mut();
        check(unsafe {
            sys::corral_group_new(
                &mut g,
                d.rt,
                parent,
                c.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            )
        })?;
        Ok(Group { raw: g, d })
    }
    /// A handle on a group the caller holds a reference to (taken over).
    pub(crate) fn from_raw(raw: *mut sys::corral_group, d: Rc<Driver>) -> Group {
        Group { raw, d }
    }
    /// A builder (hat's keyword arguments).
    pub fn builder<'a>() -> GroupBuilder<'a> {
        GroupBuilder::default()
    }
    /// hat's `Group()` named `name` under the root group (failed members go to the root
    /// handler, which logs and counts them: [`GroupBuilder::log_exceptions`]).
    pub fn new(name: &str) -> Result<Group> {
        Group::builder().name(name).build()
    }
    /// An unnamed group (no trace lines) under the root group, as [`Group::new`].
    pub fn unnamed() -> Result<Group> {
        Group::builder().build()
    }
    /// A subgroup (R47) inheriting this group's exception handling. Errors: GroupClosed when
    /// this group is not open.
    pub fn subgroup(&self, name: Option<&str>) -> Result<Group> {
        Group::create(self.raw, name)
    }
    /// hat's `create_subgroup`: a named subgroup (R47) that inherits this group's exception
    /// handling (use [`GroupBuilder::parent`] to override it). Errors: GroupClosed.
    pub fn create_subgroup(&self, name: &str) -> Result<Group> {
        Group::create(self.raw, Some(name))
    }
    /// Spawn a task named `name` into this group. Errors: GroupClosed (R44).
    pub fn spawn<F>(&self, name: &str, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: StdFuture + 'static,
        F::Output: TaskOutput,
    {
        spawn_on(&self.d, self.raw, Some(name), fut)
    }
    /// hat's `wrap`: a member task `name` that awaits `target` (a [`Future`] or a
    /// [`JoinHandle`]) and ends with its outcome. When the group cancels it (a close), it
    /// cancels the target: a future is cancelled and the wrapper ends cancelled; a task is
    /// cancelled and awaited inside a shield, so the group closes only after it. Dropping the
    /// returned handle never cancels anything. Errors: GroupClosed (R44; the target is left
    /// as it was). A non-awaitable target does not compile.
    pub fn wrap<W: Wrap>(&self, target: W, name: &str) -> Result<JoinHandle<W::Output>> {
        self.spawn(name, target.into_wrapper())
    }
    /// A named group under the root group whose exception callback is `cb`.
    pub fn with_exception_cb<F>(name: &str, cb: F) -> Result<Group>
    where
        F: Fn(&Error, Option<&TaskRef>) -> Result<()> + 'static,
    {
        Group::builder().name(name).exception_cb(cb).build()
    }
    /// Make `cb(err, task)` this group's exception callback (R55, R56; replaces an earlier
    /// one). It runs on the loop thread, outside any task
    /// (its actor is `"<group>.cb"`: [`crate::log`] there logs as that actor, and so is the
    /// actor of an error it raises), when
    /// a member FAILED (`task` is the member; never for Cancelled) or for an error reported
    /// to this group (`task` is None), after the `<group> handler <task> <err>` trace line.
    /// Subgroups without a callback of their own use it. Returning `Err(e)` (or panicking:
    /// `Panic:<msg>`) passes `e`, with the original error as its context, on along the
    /// handler chain at the parent group, ending at the root handler (R57).
    pub fn set_exception_cb<F>(&self, cb: F) -> Result<()>
    where
        F: Fn(&Error, Option<&TaskRef>) -> Result<()> + 'static,
    {
        self.install_handler(Rc::new(cb))
    }
    pub(crate) fn install_handler(&self, f: HandlerFn) -> Result<()> {
        let name = self.name();
        let actor = format!("{}.cb", if name.is_empty() { "group" } else { &name });
        let idx = self.d.handlers.borrow_mut().insert((f, actor));
        let token = idx as u64 + 1;
        let rc = unsafe { sys::corral_group_set_host_handler(self.raw, BINDING_HANDLER, token) };
        if rc < 0 {
            let e = Error::last(rc);
            let old = self.d.handlers.borrow_mut().remove(idx);
            drop(old);
            return Err(e);
        }
        self.forget_handler(token);
        Ok(())
    }
    /// Remove the exception callback: failures go to the parent's chain.
    pub fn clear_exception_cb(&self) -> Result<()> {
        check(unsafe { sys::corral_group_set_host_handler(self.raw, BINDING_HANDLER, 0) })?;
        self.forget_handler(0);
        Ok(())
    }
    /// Drop the callback this group had before `keep` (HANDLER records carry the group's
    /// current token, so an older one is never asked for again).
    fn forget_handler(&self, keep: u64) {
        let mut map = self.d.group_handlers.borrow_mut();
        let key = self.raw as usize;
        let old = if keep == 0 {
            map.remove(&key)
        } else {
            map.insert(key, keep)
        };
        drop(map);
        if let Some(old) = old {
            let f = self.d.handlers.borrow_mut().remove(old as usize - 1);
            drop(f);
        }
    }
    /// Close (R45, R46): OPEN -> CLOSING; with `cancel`, members are cancelled. Never waits.
    /// A later `close(true)` escalates a `close(false)`; other repeats do nothing.
    pub fn close(&self, cancel: bool) -> Result<()> {
        check(unsafe { sys::corral_group_close(self.raw, cancel as i32) }).map(|_| ())
    }
    /// OPEN.
    pub fn is_open(&self) -> bool {
        unsafe { sys::corral_group_is_open(self.raw) == 1 }
    }
    /// CLOSING or CLOSED.
    pub fn is_closing(&self) -> bool {
        unsafe { sys::corral_group_is_closing(self.raw) == 1 }
    }
    /// CLOSED.
    pub fn is_closed(&self) -> bool {
        unsafe { sys::corral_group_is_closed(self.raw) == 1 }
    }
    /// Non-terminal members.
    pub fn size(&self) -> i64 {
        unsafe { sys::corral_group_size(self.raw) }
    }
    /// The name ("" when unnamed).
    pub fn name(&self) -> String {
        let p = unsafe { sys::corral_group_name(self.raw) };
        if p.is_null() {
            return String::new();
        }
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
    /// Set the managed-cleanup grace (R66) of code running in this group and its subgroups
    /// (`call_on_cancel`'s function, cleanup scopes, resource exits); `None` inherits the
    /// parent's (the root's default is unlimited).
    pub fn set_cleanup_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        let ns = timeout.map_or(-1, nanos);
        check(unsafe { sys::corral_group_set_cleanup_timeout(self.raw, ns) }).map(|_| ())
    }
    /// The effective cleanup grace (`None` = unlimited).
    pub fn cleanup_timeout(&self) -> Option<Duration> {
        let ns = unsafe { sys::corral_group_cleanup_timeout(self.raw) };
        (ns >= 0).then(|| Duration::from_nanos(ns as u64))
    }
    /// True when both handles are the same group.
    pub fn ptr_eq(&self, other: &Group) -> bool {
        self.raw == other.raw
    }
    /// The raw group (borrowed).
    pub fn as_raw(&self) -> *mut sys::corral_group {
        self.raw
    }
    /// Wait until CLOSING (a checkpoint; cancelling the waiter never affects the group, R21).
    /// `.deadline(t)` / `.timeout(d)`: a per-call deadline (R41), `Err(Timeout)` when it
    /// passes first; a past one does not block (`Ok` if the group is CLOSING already).
    pub fn wait_closing(&self) -> GroupWait {
        self.wait(sys::CORRAL_OP_GROUP_WAIT_CLOSING)
    }
    /// Wait until CLOSED. A shielded wait on the task's own group fails with InvalidState
    /// (R17). `.deadline(t)` / `.timeout(d)` as for [`Group::wait_closing`].
    pub fn wait_closed(&self) -> GroupWait {
        self.wait(sys::CORRAL_OP_GROUP_WAIT_CLOSED)
    }
    fn wait(&self, kind: u32) -> GroupWait {
        GroupWait {
            _g: self.clone(),
            op: Op::new(kind, self.raw.cast(), -1),
        }
    }
    /// `close(cancel)` then `wait_closed()` (R48): if the caller is cancelled while waiting,
    /// closing goes on and the caller gets `Err(Cancelled)`.
    pub async fn async_close(&self, cancel: bool) -> Result<()> {
        self.close(cancel)?;
        self.wait_closed().await
    }
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Group({:?})", self.name())
    }
}

impl Clone for Group {
    fn clone(&self) -> Self {
        Group {
            raw: unsafe { sys::corral_group_ref(self.raw) },
            d: self.d.clone(),
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        unsafe { sys::corral_group_unref(self.raw) }
    }
}

/// The future of [`Group::wait_closing`] / [`Group::wait_closed`].
#[must_use = "futures do nothing unless awaited"]
pub struct GroupWait {
    _g: Group,
    op: Op,
}

per_call_deadline!(GroupWait);

impl StdFuture for GroupWait {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.op.poll_op(cx).map(|r| {
            r.and_then(|o| {
                if o.status == 0 {
                    Ok(())
                } else {
                    Err(Error::from_outcome(o.status, o.error))
                }
            })
        })
    }
}

// ---- wrap ---------------------------------------------------------------------------------

/// What [`Group::wrap`] accepts: a corral [`Future`] or a [`JoinHandle`].
pub trait Wrap {
    /// The value the wrapper ends with.
    type Output: 'static;
    /// The wrapper's body.
    fn into_wrapper(self) -> Pin<Box<dyn StdFuture<Output = Result<Self::Output>>>>;
}

impl<T: Clone + 'static> Wrap for Future<T> {
    type Output = T;
    fn into_wrapper(self) -> Pin<Box<dyn StdFuture<Output = Result<T>>>> {
        Box::pin(async move {
            match self.wait().await {
                Err(e) if e.is_cancelled() => {
                    // the group cancelled the wrapper: cancel what it wraps (a closed future
                    // has nothing left to cancel)
                    let _ = self.cancel();
                    Err(e)
                }
                other => other,
            }
        })
    }
}

impl<T: Clone + 'static> Wrap for &Future<T> {
    type Output = T;
    fn into_wrapper(self) -> Pin<Box<dyn StdFuture<Output = Result<T>>>> {
        self.clone().into_wrapper()
    }
}

impl<T: 'static> Wrap for JoinHandle<T> {
    type Output = T;
    fn into_wrapper(mut self) -> Pin<Box<dyn StdFuture<Output = Result<T>>>> {
        Box::pin(async move {
            match (&mut self).await {
                Err(e) if e.is_cancelled() => {
                    // Cancel the wrapped task and wait for it, shielded: the group closes
                    // only after it ended (its outcome is not ours to report).
                    let task = self.task().clone();
                    task.cancel()?;
                    let _ = crate::scope::shield(task.join()).await;
                    Err(e)
                }
                other => other,
            }
        })
    }
}
