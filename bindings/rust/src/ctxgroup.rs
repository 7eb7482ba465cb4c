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
///
/// An enter that ended CANCELLED on its own (it cancelled its own task; the caller was not
/// cancelled) is no failure: it neither aborts the strict group nor is an enter error. Its
/// value is `Err(TaskCancelled)` and its manager is not exited (it did not enter).
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
    /// enter that FAILED cancels the pending enters, the managers that did enter are exited,
    /// the body is skipped and an `ErrorGroup` of the enter errors (input order; cancelled
    /// enters are not errors) is returned.
    ///
    /// Otherwise the body gets each manager's value in input order: `Ok(value)`, or
    /// `Err(TaskCancelled)` for an enter that ended cancelled on its own (not exited);
    /// `values.into_iter().collect::<Result<Vec<_>>>()?` gives the plain values. The outcome
    /// is the body's, unless exits failed: then an `ErrorGroup` of the exit errors in input
    /// order, with the body's error as its context (R67; with `Cancelled` in flight the group
    /// is returned and the cancellation stays pending, R24). If the exits could not be
    /// started, that error is returned (the body's error as its context; the exits that did
    /// start all run, their failures are in [`exit_states`](CtxGroup::exit_states)). If the
    /// caller is cancelled while entering, the entered managers are exited and
    /// `Err(Cancelled)` returned. Errors: `InvalidState` when the group was already run.
    pub async fn run<B, Fut, T>(&self, body: B) -> Result<T>
    where
        B: FnOnce(Vec<Result<C::Value>>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_mode(true, body).await
    }

    /// [`run`](CtxGroup::run) with aiotools' `return_exceptions=True`: every enter runs to
    /// completion, the body gets each manager's value or enter error (input order), and only
    /// the managers that entered are exited. The outcome is as for `run`.
    pub async fn run_return_exceptions<B, Fut, T>(&self, body: B) -> Result<T>
    where
        B: FnOnce(Vec<Result<C::Value>>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_mode(false, body).await
    }

    /// `run` (`strict`) or `run_return_exceptions`.
    async fn run_mode<B, Fut, T>(&self, strict: bool, body: B) -> Result<T>
    where
        B: FnOnce(Vec<Result<C::Value>>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let entered = self.enter_all(strict).await?;
        // Only a FAILED enter aborts a strict group; a CANCELLED one is no failure (R69).
        if entered.stopped.is_some() || (strict && entered.failed.contains(&true)) {
            return self.abort(entered).await;
        }
        let Entered { slots, values, .. } = entered;
        let entered = only_entered(slots, &values);
        let out = body(values).await;
        self.exit_body(&entered, out).await
    }

    /// Per manager in input order: `None` when its exit succeeded or it was never exited
    /// (its enter failed or was cancelled, its exit could not be started, or the group has
    /// not exited yet), a `TaskCancelled` error when the cleanup grace cut its exit short (the
    /// exit task ended CANCELLED: recorded, not raised), else the error its exit FAILED with
    /// (raised, whatever its kind, even `TaskCancelled`).
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

    /// Exit the managers left in `slots` with `out`'s error and combine (R67): the error that
    /// kept the exits from starting wins, else the `ErrorGroup` of the exits that FAILED.
    async fn exit_body<T>(&self, slots: &[Slot<C>], out: Result<T>) -> Result<T> {
        let (value, error) = split(out);
        let exits = self.exit_all(slots, error.clone()).await;
        *self.exit_states.borrow_mut() = exits.states;
        let mut unwinding = Unwinding::new(error);
        if let Some(e) = exits.error {
            unwinding.record(Err(e));
        } else if !exits.failed.is_empty() {
            unwinding.record(Err(Error::group(&exits.failed)?));
        }
        Ok(unwinding
            .finish(value, Ok(Some(())))?
            .expect("a context group never suppresses"))
    }

    /// Run the exits of the managers in `slots` as tasks `<exit_prefix><i>`, concurrently, in
    /// one managed-cleanup scope (R66). The state of each exit is decided by its task's
    /// state: FAILED is a failure (whatever the error's kind), CANCELLED is a cut by the
    /// grace (a TaskCancelled state, not raised; its CleanupTimeout went to the handler
    /// chain). If an exit cannot be started (a spawn failure), the ones that did start still
    /// all run to their end and the spawn error is returned in `error`.
    async fn exit_all(&self, slots: &[Slot<C>], error: Option<Error>) -> Exits {
        let mut out = Exits {
            states: slots.iter().map(|_| None).collect(),
            failed: Vec::new(),
            error: None,
        };
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
            return out;
        }
        let names = indexes
            .iter()
            .map(|i| format!("{}{}", self.exit_prefix, i + 1));
        let mut failed_at = Vec::new();
        let mut start_error = None;
        let ran = CancelScope::cleanup()
            .run(async {
                // Started exits are never cancelled for a later spawn failure: every exit
                // that started runs (R67).
                let (c, spawn_error) =
                    Collect::start_partial("actxgroup", exits, Some(names.collect()))?;
                start_error = spawn_error;
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
                    let i = indexes[k];
                    match state(h) {
                        sys::CORRAL_TASK_FAILED => {
                            out.states[i] = h.take_outcome().err();
                            failed_at.push(i);
                        }
                        // cut short by the grace: recorded, not raised (CleanupTimeout went
                        // to the handler chain, R66)
                        sys::CORRAL_TASK_CANCELLED => {
                            out.states[i] = Some(Error::from_code(sys::CORRAL_ETASKCANCELLED))
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
        // Ok(None): the scope absorbed its own grace expiry (R66), the outcome goes on.
        out.error = start_error.or(ran.err());
        failed_at.sort_unstable();
        out.failed = failed_at
            .into_iter()
            .filter_map(|i| out.states[i].clone())
            .collect();
        out
    }
}

/// What [`CtxGroup::exit_all`] gives: the exit state per slot, the errors of the exits that
/// FAILED (input order; raised), and the error that kept exits from starting.
struct Exits {
    states: Vec<Option<Error>>,
    failed: Vec<Error>,
    error: Option<Error>,
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

/// The errors of the enters that FAILED, in input order; a cancelled enter is not an
/// error (R69), also when no enter failed.
fn enter_errors<V>(values: &[Result<V>], failed: &[bool]) -> Vec<Error> {
    values
        .iter()
        .zip(failed)
        .filter(|(_, f)| **f)
        .filter_map(|(v, _)| v.as_ref().err().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helpers_collect::test_hooks::fail_spawn_after;

    /// Enters with its name; its exit sleeps 2 ms (so a cancelled exit would log nothing),
    /// logs what it saw and fails when `exit_fails`.
    struct Logged {
        name: &'static str,
        exit_fails: bool,
        log: Rc<RefCell<Vec<String>>>,
    }

    impl AsyncContextManager for Logged {
        type Value = &'static str;
        async fn enter(&mut self) -> Result<&'static str> {
            Ok(self.name)
        }
        async fn exit(self, error: Option<&Error>) -> Result<bool> {
            crate::sleep_ms(2).await?;
            let seen = error.map_or("none".into(), |e| e.to_string());
            let (name, log) = (self.name, self.log);
            log.borrow_mut().push(format!("exit {name} saw {seen}"));
            if self.exit_fails {
                return Err(Error::user("ValueError", &format!("x{name}")));
            }
            Ok(false)
        }
    }

    #[test]
    fn exits_that_fail_to_start_propagate_the_error_and_the_started_ones_all_run() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let cms = ["a", "b", "c"].map(|name| Logged {
            name,
            exit_fails: name == "b",
            log: log.clone(),
        });
        let rt = crate::Runtime::builder().virtual_clock().build().unwrap();
        let (r, states) = rt
            .block_on(async move {
                let g = actxgroup(cms);
                let r = g
                    .run(|_| async {
                        fail_spawn_after(2); // exit1 and exit2 start, exit3 cannot
                        Err::<(), _>(Error::user("ValueError", "body"))
                    })
                    .await;
                Ok::<_, Error>((r, g.exit_states()))
            })
            .unwrap();
        let e = r.unwrap_err();
        // The spawn failure propagates, with the body's error as its context (R67).
        assert_eq!(e.kind(), ErrorKind::Os(libc_enomem()), "{e}");
        assert_eq!(e.context().unwrap().to_string(), "ValueError:body");
        // The exits that started all ran to their end; the one that did not start is not
        // exited; a started exit's failure is recorded.
        assert_eq!(
            *log.borrow(),
            ["exit a saw ValueError:body", "exit b saw ValueError:body"]
        );
        let states: Vec<String> = states
            .iter()
            .map(|s| s.as_ref().map_or("none".into(), |e| e.to_string()))
            .collect();
        assert_eq!(states, ["none", "ValueError:xb", "none"]);
    }

    fn libc_enomem() -> i32 {
        -sys::CORRAL_ENOMEM
    }
}
