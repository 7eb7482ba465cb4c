//! aiotools' `actxgroup` (R69): enter many context managers concurrently, exit them
//! concurrently, [`CtxGroup::exit_states`].
//!
//! Enters and exits run as member tasks of internal COLLECT groups, like the other helpers'
//! (R59): their errors are values (no handler sees them, no group trace lines), the tasks
//! still show in the trace (`e1 done v1`, `x2 fail ValueError:x2`).
use crate::cm::{split, AsyncContextManager, Unwinding};
use crate::error::{Error, ErrorKind, Result};
use crate::helpers_collect::{state, stop_status, Collect};
use crate::scope::CancelScope;
use corral_sys as sys;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

/// A manager shared between the group and the task entering it (the task gives it back).
type Slot<C> = Rc<RefCell<Option<C>>>;

/// The builder of [`actxgroup`]; [`CtxGroup::run`] enters it.
#[must_use = "nothing runs until run is awaited"]
pub struct CtxGroup<C> {
    cms: RefCell<Option<Vec<C>>>,
    enter_prefix: String,
    exit_prefix: String,
    exit_states: RefCell<Vec<Option<Error>>>,
}

/// aiotools' `actxgroup(cms)` (R69): a context group over `cms`.
///
/// [`run`](CtxGroup::run) enters every manager concurrently, the enter of manager `i`
/// (1-based, input order) in a task named `enter<i>`; runs the body with the values in input
/// order; then exits the entered managers concurrently, manager `i` in a task named `exit<i>`
/// ([`CtxGroup::names`] changes the prefixes), as managed cleanup (R66). Every exit runs: one
/// failing does not cancel the others (R67). [`run_return_exceptions`](CtxGroup::run_return_exceptions)
/// is aiotools' `return_exceptions=True`.
///
/// Differences from aiotools: a manager whose enter failed is never exited, the body is
/// skipped when an enter failed (strict mode), and exit errors are raised (an `ErrorGroup`),
/// not only recorded. Exits never suppress the body's error.
pub fn actxgroup<I>(cms: I) -> CtxGroup<I::Item>
where
    I: IntoIterator,
    I::Item: AsyncContextManager,
{
    let cms: Vec<I::Item> = cms.into_iter().collect();
    CtxGroup {
        exit_states: RefCell::new((0..cms.len()).map(|_| None).collect()),
        cms: RefCell::new(Some(cms)),
        enter_prefix: "enter".into(),
        exit_prefix: "exit".into(),
    }
}

/// What the enter phase gave.
struct Entered<C: AsyncContextManager> {
    slots: Vec<Slot<C>>,
    values: Vec<Result<C::Value>>,
    /// Per manager: its enter task FAILED (a cancelled enter is not an error, R69).
    failed: Vec<bool>,
    /// The caller's cancellation (or an error of the group itself) while entering.
    stopped: Option<Error>,
}

impl<C> CtxGroup<C>
where
    C: AsyncContextManager + 'static,
    C::Value: 'static,
{
    /// The prefixes of the enter and exit task names (`"enter"`, `"exit"` by default): the
    /// tasks of manager `i` are `<enter_prefix><i>` and `<exit_prefix><i>`.
    pub fn names(mut self, enter_prefix: &str, exit_prefix: &str) -> Self {
        self.enter_prefix = enter_prefix.into();
        self.exit_prefix = exit_prefix.into();
        self
    }

    /// `async with actxgroup(cms) as values: body(values)` in strict mode (R69): the first
    /// enter failure cancels the pending enters, the managers that did enter are exited, the
    /// body is skipped and an `ErrorGroup` of the enter errors (input order; cancelled
    /// enters are not errors) is returned.
    ///
    /// Otherwise the body's outcome, unless exits failed: then an `ErrorGroup` of the exit
    /// errors in input order, with the body's error as its context (R67; with `Cancelled` in
    /// flight the group is returned and the cancellation stays pending, R24). If the caller is
    /// cancelled while entering, the entered managers are exited and `Err(Cancelled)`
    /// returned. Errors: `InvalidState` when the group was already run.
    pub async fn run<B, Fut, T>(&self, body: B) -> Result<T>
    where
        B: FnOnce(Vec<C::Value>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let entered = self.enter_all(true).await?;
        if entered.stopped.is_some() || entered.values.iter().any(Result::is_err) {
            return self.abort(entered).await;
        }
        let Entered { slots, values, .. } = entered;
        let values = values.into_iter().map(|v| v.expect("entered")).collect();
        let out = body(values).await;
        self.exit_body(&slots, out).await
    }

    /// [`run`](CtxGroup::run) with aiotools' `return_exceptions=True`: every enter runs to
    /// completion, the body gets each manager's value or enter error (input order), and only
    /// the managers that entered are exited. The outcome is as for `run`.
    pub async fn run_return_exceptions<B, Fut, T>(&self, body: B) -> Result<T>
    where
        B: FnOnce(Vec<Result<C::Value>>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let entered = self.enter_all(false).await?;
        if entered.stopped.is_some() {
            return self.abort(entered).await;
        }
        let Entered { slots, values, .. } = entered;
        let entered = only_entered(slots, &values);
        let out = body(values).await;
        self.exit_body(&entered, out).await
    }

    /// Per manager in input order: `None` when its exit succeeded or it was never exited
    /// (its enter failed, or the group has not exited yet), a `TaskCancelled` error when the
    /// cleanup grace cut its exit short (recorded, not raised), else the exit's error.
    pub fn exit_states(&self) -> Vec<Option<Error>> {
        self.exit_states.borrow().clone()
    }

    /// Run the enters as tasks `<enter_prefix><i>`; in strict mode the first failure cancels
    /// the others. Returns once every enter task ended.
    async fn enter_all(&self, strict: bool) -> Result<Entered<C>> {
        let Some(cms) = self.cms.borrow_mut().take() else {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "actxgroup: a context group can be entered once",
            ));
        };
        let slots: Vec<Slot<C>> = cms
            .into_iter()
            .map(|cm| Rc::new(RefCell::new(Some(cm))))
            .collect();
        let enters = slots.iter().map(|slot| {
            let slot = slot.clone();
            async move {
                let mut cm = slot.borrow_mut().take().expect("one enter per manager");
                let r = cm.enter().await;
                *slot.borrow_mut() = Some(cm);
                r
            }
        });
        let names = (1..=slots.len()).map(|i| format!("{}{i}", self.enter_prefix));
        let c = Collect::start("actxgroup", enters.collect(), Some(names.collect())).await?;
        let (n, mut left, mut stopped, mut cancelled) = (c.len(), c.len(), None, false);
        while left > 0 {
            match c.next_done().await {
                Ok(i) if (i as usize) < n => {
                    left -= 1;
                    let failed = state(&c.members[i as usize]) == sys::CORRAL_TASK_FAILED;
                    if strict && failed && !cancelled {
                        // Cancel the pending enters (R69). Not a close of the group, whose
                        // cancellation would reach this task's own body too.
                        for h in &c.members {
                            if !h.is_done() {
                                h.cancel()?;
                            }
                        }
                        cancelled = true;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    stopped = Some(e);
                    break;
                }
            }
        }
        if let Err(e) = c.exit(stop_status(stopped.as_ref())).await {
            stopped.get_or_insert(e);
        }
        let failed = c
            .members
            .iter()
            .map(|h| state(h) == sys::CORRAL_TASK_FAILED);
        let failed = failed.collect();
        let values = c.members.iter().map(|h| h.take_outcome()).collect();
        Ok(Entered {
            slots,
            values,
            failed,
            stopped,
        })
    }

    /// The enter phase did not succeed: exit the managers that entered with the error in
    /// flight (the caller's cancellation, or the ErrorGroup of the enter failures), then
    /// return it (or the exit errors' group).
    async fn abort<T>(&self, entered: Entered<C>) -> Result<T> {
        let Entered {
            slots,
            values,
            failed,
            stopped,
        } = entered;
        let error = match stopped {
            Some(e) => e,
            None => Error::group(&enter_errors(&values, &failed))?,
        };
        self.exit_body(&only_entered(slots, &values), Err(error))
            .await
    }

    /// Exit the managers left in `slots` with `out`'s error and combine (R67).
    async fn exit_body<T>(&self, slots: &[Slot<C>], out: Result<T>) -> Result<T> {
        let (value, error) = split(out);
        let states = self.exit_all(slots, error.clone()).await;
        let failed: Vec<Error> = states
            .iter()
            .flatten()
            .filter(|e| e.kind() != ErrorKind::TaskCancelled)
            .cloned()
            .collect();
        *self.exit_states.borrow_mut() = states;
        let mut unwinding = Unwinding::new(error);
        if !failed.is_empty() {
            unwinding.record(Err(Error::group(&failed)?));
        }
        Ok(unwinding
            .finish(value, Ok(Some(())))?
            .expect("a context group never suppresses"))
    }

    /// Run the exits of the managers in `slots` as tasks `<exit_prefix><i>`, concurrently, in
    /// one managed-cleanup scope (R66). Returns the exit state per slot. An exit cut short by
    /// the grace is a TaskCancelled state (its CleanupTimeout went to the handler chain).
    async fn exit_all(&self, slots: &[Slot<C>], error: Option<Error>) -> Vec<Option<Error>> {
        let mut states: Vec<Option<Error>> = slots.iter().map(|_| None).collect();
        let mut indexes = Vec::new();
        let mut exits = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            if let Some(cm) = slot.borrow_mut().take() {
                let error = error.clone();
                indexes.push(i);
                exits.push(async move { cm.exit(error.as_ref()).await.map(|_suppress| ()) });
            }
        }
        if exits.is_empty() {
            return states;
        }
        let names = indexes
            .iter()
            .map(|i| format!("{}{}", self.exit_prefix, i + 1));
        let _ = CancelScope::cleanup()
            .run(async {
                let c = Collect::start("actxgroup", exits, Some(names.collect())).await?;
                let (n, mut left, mut stopped) = (c.len(), c.len(), None);
                while left > 0 {
                    match c.next_done().await {
                        Ok(i) if (i as usize) < n => left -= 1,
                        Ok(_) => {}
                        Err(e) => {
                            stopped = Some(e); // the grace ran out
                            break;
                        }
                    }
                }
                let exited = c.exit(stop_status(stopped.as_ref())).await;
                for (k, h) in c.members.iter().enumerate() {
                    match state(h) {
                        sys::CORRAL_TASK_FAILED => states[indexes[k]] = h.take_outcome().err(),
                        // cut short by the grace: recorded, not raised (CleanupTimeout went
                        // to the handler chain, R66)
                        sys::CORRAL_TASK_CANCELLED => {
                            states[indexes[k]] = Some(Error::from_code(sys::CORRAL_ETASKCANCELLED))
                        }
                        _ => {}
                    }
                }
                match (stopped, exited) {
                    (Some(e), _) | (None, Err(e)) => Err(e),
                    (None, Ok(_)) => Ok(()),
                }
            })
            .await;
        states
    }
}

/// The slots of the managers that entered; the others are emptied (never exited, R69).
fn only_entered<C, V>(slots: Vec<Slot<C>>, values: &[Result<V>]) -> Vec<Slot<C>> {
    for (slot, v) in slots.iter().zip(values) {
        if v.is_err() {
            slot.borrow_mut().take();
        }
    }
    slots
}

/// The errors of the enters that failed, in input order; those of the cancelled ones
/// (TaskCancelled) only when none failed (an enter that ended cancelled on its own).
fn enter_errors<V>(values: &[Result<V>], failed: &[bool]) -> Vec<Error> {
    let errors = values.iter().zip(failed);
    let errors: Vec<(Error, bool)> = errors
        .filter_map(|(v, f)| v.as_ref().err().map(|e| (e.clone(), *f)))
        .collect();
    let any_failed = errors.iter().any(|(_, f)| *f);
    errors
        .into_iter()
        .filter(|(_, f)| *f || !any_failed)
        .map(|(e, _)| e)
        .collect()
}
