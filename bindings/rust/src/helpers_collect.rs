//! The helpers that run member tasks (R59, R70, R71, R77): `race`, `gather_safe` and
//! `as_completed_safe`. Each enters a COLLECT group on the calling task, spawns the members
//! (named by the caller or `<helper>.<index>`), takes their outcomes in completion order
//! with one `NEXT_DONE` operation at a time (a task awaits one corral operation at a time,
//! so no `select!`), and leaves the group with its exit, which waits for every member. The
//! outcomes a helper delivers are consumed (no handler sees them); failures it did not
//! take go to the handler chain when it leaves (R59).
use crate::driver::{JoinHandle, TaskOutput};
use crate::error::{Error, ErrorKind, Result};
use crate::group::Group;
use crate::group_scoped::{enter, exit_op, status_value, Settings};
use crate::ops::Op;
use corral_sys as sys;
use std::future::{Future, IntoFuture};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A boxed, non-`Send` future: what heterogeneous member lists hold
/// (`vec![Box::pin(a()) as LocalBoxFuture<_>, Box::pin(b())]`).
pub type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// An entered COLLECT group and its members by spawn index (also [`crate::actxgroup`]'s).
pub(crate) struct Collect<T> {
    pub(crate) g: Group,
    pub(crate) members: Vec<JoinHandle<T>>,
}

/// One operation on the entered group, with its INT result.
pub(crate) struct GroupOp<'a> {
    _g: &'a Group,
    op: Op,
    value: Option<sys::corral_value>,
}

impl Future for GroupOp<'_> {
    type Output = Result<i64>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<i64>> {
        let this = &mut *self;
        let r = match this.value.take() {
            Some(v) => this.op.poll_op_value(cx, v),
            None => this.op.poll_op(cx),
        };
        r.map(|r| {
            r.and_then(|o| match o.status {
                // SAFETY: NEXT_DONE resumes with an INT value.
                0 => Ok(unsafe { o.value.as_.i }),
                code => Err(Error::from_outcome(code, o.error)),
            })
        })
    }
}

/// The members' task names: `names[i]`, else `<helper>.<i>` (R77) - a shorter list names
/// the first members, as in every language; a longer one is InvalidArgument.
fn names_for(helper: &str, n: usize, names: Option<Vec<String>>) -> Result<Vec<String>> {
    let given = names.unwrap_or_default();
    if given.len() > n {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            &format!("{helper}: {} names for {n} members", given.len()),
        ));
    }
    let mut given = given.into_iter();
    Ok((0..n)
        .map(|i| given.next().unwrap_or_else(|| format!("{helper}.{i}")))
        .collect())
}

impl<T: 'static> Collect<T> {
    /// Enter the group and spawn the members. On a spawn failure the members already
    /// spawned are cancelled and awaited, and the error is returned.
    pub(crate) async fn start<F>(
        helper: &str,
        futs: Vec<F>,
        names: Option<Vec<String>>,
    ) -> Result<Self>
    where
        F: Future + 'static,
        F::Output: TaskOutput<Ok = T>,
    {
        let (c, spawn_error) = Collect::start_partial(helper, futs, names)?;
        if let Some(e) = spawn_error {
            c.g.close(true)?;
            c.exit(0).await?;
            return Err(e);
        }
        Ok(c)
    }

    /// Enter the group and spawn the members until one fails to spawn: the group with the
    /// members that did start, and that spawn error (the futures after it are dropped
    /// unstarted). The caller decides what the started members do; it must still leave the
    /// group. Errors: the group could not be entered (nothing started).
    pub(crate) fn start_partial<F>(
        helper: &str,
        futs: Vec<F>,
        names: Option<Vec<String>>,
    ) -> Result<(Self, Option<Error>)>
    where
        F: Future + 'static,
        F::Output: TaskOutput<Ok = T>,
    {
        let names = names_for(helper, futs.len(), names)?;
        let g = enter(&Settings {
            policy: sys::CORRAL_GROUP_COLLECT,
            exit_mode: sys::CORRAL_GROUP_JOIN,
            name: None,
        })?;
        let mut c = Collect {
            g,
            members: Vec::new(),
        };
        for (f, name) in futs.into_iter().zip(names) {
            #[cfg(test)]
            if let Some(e) = test_hooks::injected_spawn_failure() {
                return Ok((c, Some(e)));
            }
            match c.g.spawn(&name, f) {
                Ok(h) => c.members.push(h),
                Err(e) => return Ok((c, Some(e))),
            }
        }
        Ok((c, None))
    }
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }
    pub(crate) fn next_done(&self) -> GroupOp<'_> {
        next_done(&self.g)
    }
    pub(crate) fn exit(&self, status: i32) -> GroupOp<'_> {
        exit(&self.g, status)
    }
}

/// The spawn index of the next member of entered COLLECT group `g` that ended (a
/// checkpoint).
fn next_done(g: &Group) -> GroupOp<'_> {
    GroupOp {
        _g: g,
        op: Op::new(sys::CORRAL_OP_GROUP_NEXT_DONE, g.raw.cast(), -1),
        value: None,
    }
}

/// Leave entered group `g` (R49: waits for every member; a cancel point only after that).
fn exit(g: &Group, status: i32) -> GroupOp<'_> {
    GroupOp {
        _g: g,
        op: exit_op(g.raw),
        value: Some(status_value(status)),
    }
}

/// The exit status for how the body stopped: `Cancelled` is passed on (the exit then
/// cancels the members itself), anything else leaves with 0 after an explicit close.
pub(crate) fn stop_status(err: Option<&Error>) -> i32 {
    match err {
        Some(e) if e.is_cancelled() => sys::CORRAL_ECANCELLED,
        _ => 0,
    }
}

/// A member's task state.
pub(crate) fn state<T>(h: &JoinHandle<T>) -> i32 {
    // SAFETY: the handle references the task.
    unsafe { sys::corral_task_state(h.task().as_raw()) }
}

// ---- race -----------------------------------------------------------------------------------

/// The future builder of [`race`].
#[must_use = "futures do nothing unless awaited"]
pub struct Race<F> {
    futs: Vec<F>,
    continue_on_error: bool,
    names: Option<Vec<String>>,
}

/// aiotools' `race` (R70): run `futs` as member tasks of an internal group; the first to
/// complete wins, the others are cancelled and awaited, then `(value, errors)` is returned.
/// Without `continue_on_error`, the first failure before any success cancels the rest and
/// is returned (after they ended); with it, failures before the winner are collected in
/// occurrence order into `errors`, and if every member fails the result is an ErrorGroup of
/// them. An empty list is `InvalidArgument`. Losers that fail while being cancelled go to
/// the handler chain. Members are named by [`Race::names`] or `race.<index>`.
pub fn race<I>(futs: I) -> Race<I::Item>
where
    I: IntoIterator,
{
    Race {
        futs: futs.into_iter().collect(),
        continue_on_error: false,
        names: None,
    }
}

impl<F> Race<F> {
    /// Collect failures and wait for a success (R70).
    pub fn continue_on_error(mut self, on: bool) -> Self {
        self.continue_on_error = on;
        self
    }
    /// The member tasks' names, one per member (else `InvalidArgument`).
    pub fn names<N, S>(mut self, names: N) -> Self
    where
        N: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.names = Some(names.into_iter().map(Into::into).collect());
        self
    }
}

impl<F> IntoFuture for Race<F>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    type Output = Result<(<F::Output as TaskOutput>::Ok, Vec<Error>)>;
    type IntoFuture = LocalBoxFuture<Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run_race(self))
    }
}

async fn run_race<F>(r: Race<F>) -> Result<(<F::Output as TaskOutput>::Ok, Vec<Error>)>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    if r.futs.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "race: no members"));
    }
    let c = Collect::start("race", r.futs, r.names).await?;
    let n = c.len();
    let (mut left, mut win, mut first_error, mut stopped) = (n, None, None, None);
    let mut failed = Vec::new();
    while left > 0 && win.is_none() && first_error.is_none() {
        let i = match c.next_done().await {
            Ok(i) if (i as usize) < n => i as usize,
            Ok(_) => continue, // spawned into the group by someone else
            Err(e) => {
                stopped = Some(e);
                break;
            }
        };
        left -= 1;
        match state(&c.members[i]) {
            sys::CORRAL_TASK_COMPLETED => win = Some(i),
            sys::CORRAL_TASK_FAILED => {
                let e = c.members[i].take_outcome().err().expect("a failed member");
                if r.continue_on_error {
                    failed.push(e);
                } else {
                    first_error = Some(e);
                }
            }
            _ => {} // cancelled from elsewhere: neither wins nor fails
        }
    }
    c.g.close(true)?; // the losers (R70)
    c.exit(stop_status(stopped.as_ref())).await?;
    if let Some(e) = stopped {
        return Err(e);
    }
    if let Some(i) = win {
        return Ok((c.members[i].take_outcome()?, failed));
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Err(Error::group(&failed)?)
}

// ---- gather_safe ------------------------------------------------------------------------------

/// The future builder of [`gather_safe`].
#[must_use = "futures do nothing unless awaited"]
pub struct GatherSafe<F> {
    futs: Vec<F>,
    names: Option<Vec<String>>,
}

/// aiotools' `gather_safe` (R71, R59): run `futs` as member tasks of an internal group,
/// wait for all, and return each outcome in input order — its value, its error (errors are
/// values: no handler sees them), or `TaskCancelled`. If the caller is cancelled, the
/// members are cancelled and awaited, then `Err(Cancelled)` is returned. Members are named
/// by [`GatherSafe::names`] or `gather_safe.<index>`.
pub fn gather_safe<I>(futs: I) -> GatherSafe<I::Item>
where
    I: IntoIterator,
{
    GatherSafe {
        futs: futs.into_iter().collect(),
        names: None,
    }
}

impl<F> GatherSafe<F> {
    /// The member tasks' names, one per member (else `InvalidArgument`).
    pub fn names<N, S>(mut self, names: N) -> Self
    where
        N: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.names = Some(names.into_iter().map(Into::into).collect());
        self
    }
}

impl<F> IntoFuture for GatherSafe<F>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    type Output = Result<Vec<Result<<F::Output as TaskOutput>::Ok>>>;
    type IntoFuture = LocalBoxFuture<Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run_gather(self))
    }
}

async fn run_gather<F>(gs: GatherSafe<F>) -> Result<Vec<Result<<F::Output as TaskOutput>::Ok>>>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    let c = Collect::start("gather_safe", gs.futs, gs.names).await?;
    let n = c.len();
    let (mut left, mut stopped) = (n, None);
    while left > 0 {
        match c.next_done().await {
            Ok(i) if (i as usize) < n => left -= 1,
            Ok(_) => {}
            Err(e) => {
                stopped = Some(e);
                break;
            }
        }
    }
    if stopped.as_ref().is_some_and(|e| !e.is_cancelled()) {
        c.g.close(true)?;
    }
    // Every member was taken, or the caller is unwinding and the exit reports the rest.
    c.exit(stop_status(stopped.as_ref())).await?;
    if let Some(e) = stopped {
        return Err(e);
    }
    Ok(c.members.iter().map(JoinHandle::take_outcome).collect())
}

// ---- as_completed_safe ------------------------------------------------------------------------

/// The builder of [`as_completed_safe`]; [`AsCompleted::for_each`] runs it.
#[must_use = "nothing runs until for_each is awaited"]
pub struct AsCompleted<F> {
    futs: Vec<F>,
    names: Option<Vec<String>>,
}

/// aiotools' `as_completed_safe` (R71): run `futs` as member tasks of an internal group
/// and hand their [`JoinHandle`]s to a loop body in completion order (awaiting one gives
/// its value or error; it is done, but the await is still a checkpoint). Rust cannot await
/// in `Drop`, so the loop is a closure: [`AsCompleted::for_each`] guarantees that leaving
/// it early — the body returns `ControlFlow::Break`, an error, or the caller is cancelled —
/// cancels the remaining members and awaits them *before* it returns. Members are named by
/// [`AsCompleted::names`] or `as_completed_safe.<index>`.
pub fn as_completed_safe<I>(futs: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
{
    AsCompleted {
        futs: futs.into_iter().collect(),
        names: None,
    }
}

impl<F> AsCompleted<F>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    /// The member tasks' names, one per member (else `InvalidArgument`).
    pub fn names<N, S>(mut self, names: N) -> Self
    where
        N: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Run `body(handle)` for each member in completion order. `Ok(Some(r))` when the body
    /// broke out with `ControlFlow::Break(r)`, `Ok(None)` when every member was handed out;
    /// the body's error (or `Err(Cancelled)`) after the remaining members were cancelled and
    /// awaited.
    pub async fn for_each<B, Fut, R>(self, mut body: B) -> Result<Option<R>>
    where
        B: FnMut(JoinHandle<<F::Output as TaskOutput>::Ok>) -> Fut,
        Fut: Future<Output = Result<ControlFlow<R>>>,
    {
        let Collect { g, members } =
            Collect::start("as_completed_safe", self.futs, self.names).await?;
        let mut handles: Vec<Option<_>> = members.into_iter().map(Some).collect();
        let n = handles.len();
        let mut left = n;
        let mut out: Result<Option<R>> = Ok(None);
        while left > 0 {
            let i = match next_done(&g).await {
                Ok(i) if (i as usize) < n => i as usize,
                Ok(_) => continue,
                Err(e) => {
                    out = Err(e);
                    break;
                }
            };
            left -= 1;
            let Some(h) = handles[i].take() else { continue };
            match body(h).await {
                Ok(ControlFlow::Continue(())) => {}
                Ok(ControlFlow::Break(r)) => {
                    out = Ok(Some(r));
                    break;
                }
                Err(e) => {
                    out = Err(e);
                    break;
                }
            }
        }
        let err = out.as_ref().err();
        if left > 0 && !err.is_some_and(Error::is_cancelled) {
            g.close(true)?; // leaving early: cancel the rest (R71)
        }
        let exited = exit(&g, stop_status(err)).await;
        match (out, exited) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e),
            (Ok(r), Ok(_)) => Ok(r),
        }
    }
}

/// Fault injection for the unit tests: a spawn failure (`Os(ENOMEM)`) that cannot be
/// provoked from outside.
#[cfg(test)]
pub(crate) mod test_hooks {
    use crate::error::Error;
    use std::cell::Cell;

    thread_local! {
        static FAIL_SPAWN: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// Make the spawn after the next `skip` ones (in any helper) fail.
    pub(crate) fn fail_spawn_after(skip: usize) {
        FAIL_SPAWN.with(|f| f.set(Some(skip)));
    }

    pub(super) fn injected_spawn_failure() -> Option<Error> {
        FAIL_SPAWN.with(|f| match f.get() {
            Some(0) => {
                f.set(None);
                Some(Error::from_code(corral_sys::CORRAL_ENOMEM))
            }
            Some(n) => {
                f.set(Some(n - 1));
                None
            }
            None => None,
        })
    }
}
