//! codestare's `TaskNursery` (R52, R66, R67): a free SUPERVISE group whose first member,
//! the sentinel `<name>.sentinel`, waits until cancelled and then runs the nursery's exit
//! callbacks LIFO as managed cleanup; a name registry; failures shut the run down.
use crate::driver::{current_driver_rc, JoinHandle, TaskOutput, TaskRef};
use crate::error::{Error, ErrorKind, Result};
use crate::group::Group;
use crate::group_resource::Resource;
use crate::helpers::call_on_cancel;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

type AsyncCallback = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = Result<()>>>>>;

enum ExitCallback {
    Sync(Box<dyn FnOnce() -> Result<()>>),
    Async(AsyncCallback),
}

type Callbacks = Rc<RefCell<Vec<ExitCallback>>>;

struct Inner {
    g: Group,
    name: String,
    callbacks: Callbacks,
    sentinel: TaskRef,
}

/// The live nurseries of a runtime by name (codestare's `Registry`).
#[derive(Default)]
struct Registry(Vec<(String, Weak<Inner>)>);

/// codestare's `TaskNursery`. Cheap to clone (clones share the nursery).
///
/// * `TaskNursery::new("N")` creates the free group `N` (SUPERVISE, under the root group)
///   and its sentinel member `N.sentinel`, and registers the nursery under `N`.
/// * [`TaskNursery::create_task`] spawns members; [`TaskNursery::push_callback`] /
///   [`TaskNursery::push_async_callback`] register exit callbacks.
/// * Closing the group ([`TaskNursery::aclose`], [`crate::using`], the run's end) cancels
///   the sentinel first (lowest id), which runs the callbacks LIFO as managed cleanup
///   (R66, R67: every callback runs; the last error wins and fails the sentinel).
/// * A member failure is escalated: logged on standard error, then main is cancelled, so
///   the run shuts down (codestare's loop exception handler).
#[derive(Clone)]
pub struct TaskNursery {
    inner: Rc<Inner>,
}

async fn run_exit_callbacks(callbacks: Callbacks) -> Result<()> {
    let mut last = None;
    loop {
        let cb = callbacks.borrow_mut().pop();
        let r = match cb {
            None => break,
            Some(ExitCallback::Sync(f)) => f(),
            Some(ExitCallback::Async(f)) => f().await,
        };
        if let Err(e) = r {
            last = Some(e);
        }
    }
    last.map_or(Ok(()), Err)
}

/// The default exception handling of a nursery: log, then shut the run down.
fn escalate(name: String) -> impl Fn(&Error, Option<&TaskRef>) -> Result<()> {
    move |e, t| {
        let who = t.map_or_else(|| "-".to_string(), |t| t.name());
        eprintln!("corral: error in TaskNursery {name} (task {who}): {e}; shutting down the run");
        crate::driver::shutdown().map(|_| ())
    }
}

impl TaskNursery {
    /// A nursery named `name` (registered under it; a later nursery with the same name
    /// replaces it in the registry). Errors: InvalidState outside a running runtime.
    pub fn new(name: &str) -> Result<TaskNursery> {
        let g = Group::create(std::ptr::null_mut(), Some(name))?;
        g.install_handler(Rc::new(escalate(name.to_string())))?;
        let callbacks: Callbacks = Rc::default();
        let cbs = callbacks.clone();
        let sentinel = g.spawn(
            &format!("{name}.sentinel"),
            call_on_cancel(move || run_exit_callbacks(cbs)),
        )?;
        let inner = Rc::new(Inner {
            g,
            name: name.to_string(),
            callbacks,
            sentinel: sentinel.task().clone(),
        });
        let weak = Rc::downgrade(&inner);
        inner.g.d.with_registry(|r: &mut Registry| {
            r.0.retain(|(n, w)| n != name && w.strong_count() > 0);
            r.0.push((name.to_string(), weak));
        });
        Ok(TaskNursery { inner })
    }
    /// A nursery named `TaskNursery-<n>`, `n` = the number of live registered nurseries
    /// (codestare's default name).
    pub fn unnamed() -> Result<TaskNursery> {
        let n = Self::registry().len();
        TaskNursery::new(&format!("TaskNursery-{n}"))
    }
    /// The live nurseries of the running runtime by name (empty outside a runtime).
    pub fn registry() -> BTreeMap<String, TaskNursery> {
        let Ok(d) = current_driver_rc() else {
            return BTreeMap::new();
        };
        d.with_registry(|r: &mut Registry| {
            r.0.retain(|(_, w)| w.strong_count() > 0);
            r.0.iter()
                .filter_map(|(n, w)| {
                    Some((
                        n.clone(),
                        TaskNursery {
                            inner: w.upgrade()?,
                        },
                    ))
                })
                .collect()
        })
    }
    /// The nursery registered under `name`.
    pub fn get(name: &str) -> Option<TaskNursery> {
        Self::registry().remove(name)
    }
    /// The name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }
    /// The sentinel task.
    pub fn sentinel(&self) -> &TaskRef {
        &self.inner.sentinel
    }
    /// Spawn a member task named `name`. Errors: `GroupClosed` once the nursery is closing.
    pub fn create_task<F>(
        &self,
        name: &str,
        fut: F,
    ) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        self.inner.g.spawn(name, fut)
    }
    fn accepting(&self) -> Result<()> {
        if self.inner.g.is_open()
            && !self.inner.sentinel.is_done()
            && !self.inner.sentinel.cancel_pending()
        {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::GroupClosed,
            &format!("TaskNursery {} is already shut down", self.inner.name),
        ))
    }
    /// Register `f` to run at exit (after the callbacks registered later). Errors:
    /// `GroupClosed` once the nursery is closing (it would never run).
    pub fn push_callback<F>(&self, f: F) -> Result<()>
    where
        F: FnOnce() -> Result<()> + 'static,
    {
        self.accepting()?;
        self.inner
            .callbacks
            .borrow_mut()
            .push(ExitCallback::Sync(Box::new(f)));
        Ok(())
    }
    /// Register async `f` to be run and awaited at exit, in the sentinel task. Errors: as
    /// [`TaskNursery::push_callback`].
    pub fn push_async_callback<F, Fut>(&self, f: F) -> Result<()>
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future<Output = Result<()>> + 'static,
    {
        self.accepting()?;
        let f: AsyncCallback = Box::new(move || Box::pin(f()));
        self.inner
            .callbacks
            .borrow_mut()
            .push(ExitCallback::Async(f));
        Ok(())
    }
    /// Close with cancellation (the sentinel runs the exit callbacks) and wait until the
    /// nursery is CLOSED.
    pub async fn aclose(&self) -> Result<()> {
        self.inner.g.async_close(true).await
    }
    /// True when both handles are the same nursery.
    pub fn ptr_eq(&self, other: &TaskNursery) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Resource for TaskNursery {
    fn async_group(&self) -> &Group {
        &self.inner.g
    }
}

impl fmt::Debug for TaskNursery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskNursery({:?})", self.inner.name)
    }
}
