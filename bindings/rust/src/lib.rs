//! corral for Rust: `async fn` futures as corral tasks.
//!
//! corral is an async runtime with one C core (libevent underneath) that makes every
//! scheduling and cancellation decision; this crate drives Rust futures through the core's
//! pull-style host driver (`corral_host_poll`), so a Rust program produces the same trace as
//! the same program in C, Python or Lua (semantics.md, R74).
//!
//! ```no_run
//! use std::time::Duration;
//! let rt = corral::Runtime::new()?;
//! let v = rt.block_on(async {
//!     let h = corral::spawn_named("worker", async {
//!         corral::sleep(Duration::from_millis(10)).await?;
//!         Ok::<_, corral::Error>(42)
//!     })?;
//!     h.await
//! })?;
//! assert_eq!(v, 42);
//! # Ok::<(), corral::Error>(())
//! ```
//!
//! # The model
//! - Every corral awaitable ([`sleep`], [`checkpoint`], joining a [`JoinHandle`],
//!   [`Future::wait`], [`Queue::get`], [`Group::wait_closed`], ...) is a checkpoint (R23): it
//!   returns `Err(Cancelled)` without suspending when the task's cancellation is pending, and
//!   otherwise yields through the core's ready queue at least once.
//! - Cancellation is level-triggered (R24): swallowing `Err(Cancelled)` (`let _ = op.await`)
//!   is harmless, the next checkpoint returns it again. A task whose future returns
//!   `Err(Cancelled)` ends CANCELLED; returning a value after catching it ends COMPLETED (R14).
//! - Dropping a future never cancels a task (R12, R76b); [`JoinHandle::cancel`] does.
//! - Handles are `!Send` (one runtime per thread, R1); `Drop` releases each C reference once.
//! - A panic inside a task fails it (`fail Panic:<msg>` in the trace) and is resumed in the
//!   joiner by `JoinHandle`'s `await`; it never unwinds through C.
//!
//! # Groups and helpers
//! - Presets of the one core group (R42-R59): [`task_group`] (+ [`current_taskgroup`]),
//!   [`open_nursery`], hat's [`Group`] with the [`Resource`] trait and [`using`],
//!   [`supervisor`], [`PersistentTaskGroup`] / [`persistent_task_group`], [`TaskNursery`].
//!   Scoped ones take a closure receiving the handle; their exit is the future's tail, so
//!   await them where they are created. Fail-fast groups end with an `ErrorGroup`
//!   ([`Error::is_group`], [`Error::group_errors`]).
//! - Helpers (R70-R73): [`race`], [`gather_safe`], [`as_completed_safe`] (closure-driven, so
//!   that leaving early cancels and awaits the rest before it returns), [`call_on_cancel`],
//!   [`call_on_done`], [`cancel_and_join`], [`first`], [`cleanup`].
//! - [`RuntimeBuilder::fatal_panics`] makes panics fatal errors (R58).
//!
//! # Cleanup (R66-R69)
//! - [`AsyncContextManager`] (enter/exit with the error in flight) and [`with`], Rust's
//!   `async with`; [`context_manager`] is contextlib's `asynccontextmanager` (a closure that
//!   yields once, R68); [`closing_async`] closes an [`AsyncClose`] type on the way out.
//! - [`ExitStack`] (`AsyncExitStack`, R67) with [`ExitStack::scope`]; [`actxgroup`]
//!   (concurrent enters and exits, R69); the [`defer`] guard and [`adefer`] (every deferred
//!   call runs). All exits run as managed cleanup (R66): shielded, bounded by a grace.
//!
//! # Queues and synchronization (R60-R65)
//! - [`Queue`]: hat's closable queue with direct hand-off (no barging), in FIFO, LIFO
//!   ([`Queue::lifo`]), priority ([`Queue::priority`], the priority given with the put:
//!   [`Queue::put_priority`]) and rendezvous ([`Queue::channel`]) kinds; `put`/`get` are
//!   checkpoints with per-call `.deadline(t)` / `.timeout(d)`; `put_nowait`/`get_nowait`,
//!   `get_until_empty`, `close`; [`Queue::stream`] iterates until closed and drained as a
//!   [`Stream`] (this crate's trait of `futures_core::Stream`'s shape).
//! - [`Event`], [`Lock`] ([`LockGuard`]), [`Semaphore`] (plain and bounded, [`Permit`]),
//!   [`Condition`] ([`CondGuard`]: `wait` re-acquires the lock inside the same operation, so
//!   a task never waits for two things), the watch cell [`Watch`] (versions, `next`,
//!   `wait_for`, `put`).
//! - Integers, floats, byte strings and [`Value`] travel as native corral values (a queue
//!   or cell can be shared with C, Python or Lua code in the process); other types as HOST
//!   tokens.
//!
//! # Limits of this version (see the README)
//! - A task awaits one corral operation at a time: `join!`/`select!` over two corral
//!   awaitables inside one task returns `InvalidState` for the second while the first is
//!   parked (spawn tasks instead). The core has one pending operation per task. An
//!   operation whose outcome arrived but was not collected (its future was not polled in
//!   that poll) keeps it for its next poll and no longer blocks new operations.
//! - Foreign (non-corral) futures work inside tasks when their Waker is called on the
//!   runtime's thread (e.g. a `futures` channel between two corral tasks): the task parks on
//!   a private shielded corral future that the Waker completes. Such a wait is not a cancel
//!   point, and a Waker called from another thread is ignored (a tokio timer never fires).
//!   While a task is parked on a corral operation, its Waker is only noticed after that
//!   operation completes.
//! - An operation future dropped while waiting (a `select!` branch lost to a non-corral
//!   future) withdraws its operation (R31, `corral_task_abandon`): a committed queue item
//!   goes back to the next getter or the queue head, a granted lock or permit to the next
//!   waiter. If the outcome was already delivered (the branch lost in the poll that brought
//!   it), the binding gives it back: a queue item with `put_nowait` (to the next getter or
//!   the queue's tail; dropped if the queue is closed or full again), a lock or permit by a
//!   release.
#![warn(missing_docs)]

mod cm;
mod cm_generator;
mod ctxgroup;
mod defer;
mod driver;
mod error;
mod exit_stack;
mod group;
mod group_nursery;
mod group_resource;
mod group_scoped;
mod group_supervisor;
mod group_task_nursery;
mod helpers;
mod helpers_collect;
mod ops;
mod primitives;
mod queue;
mod repr;
mod scope;
mod stream;
mod sync;
mod value;
mod watch;

pub use cm::{closing_async, with, AsyncClose, AsyncContextManager, Closing};
pub use cm_generator::{context_manager, FnContextManager, YieldPoint, Yielder};
pub use ctxgroup::{actxgroup, CtxGroup};
pub use defer::{adefer, defer, Defer, DeferGuard};
pub use driver::{
    current, inject_signal, log, log_as, run, shutdown, spawn, spawn_named, unhandled_count,
    Builder, JoinHandle, JoinWait, Runtime, RuntimeBuilder, TaskOutput, TaskRef,
};
pub use error::{Error, ErrorKind, Result};
pub use exit_stack::ExitStack;
pub use group::{Group, GroupBuilder, GroupWait, Wrap};
pub use group_nursery::{open_nursery, GroupScope, Nursery};
pub use group_resource::{using, Resource};
pub use group_scoped::{
    current_taskgroup, task_group, GroupRun, ScopedHandle, TaskGroup, TaskGroupRun, Unwrapped,
};
pub use group_supervisor::{
    all_persistent_groups, persistent_task_group, supervisor, PersistentRun, PersistentTaskGroup,
    Supervisor, SupervisorRun,
};
pub use group_task_nursery::TaskNursery;
pub use helpers::{
    call_on_cancel, call_on_done, cancel_and_join, first, iter, AsyncIterator, Iter,
};
pub use helpers_collect::{
    as_completed_safe, gather_safe, race, AsCompleted, GatherSafe, LocalBoxFuture, Race,
};
pub use ops::{checkpoint, now, sleep, sleep_ms, sleep_until, Checkpoint, Instant, Join, Sleep};
pub use primitives::{
    CondAcquire, CondGuard, CondWait, CondWaitFor, Condition, Event, EventWait, Lock, LockAcquire,
    LockGuard, Permit, SemAcquire, Semaphore,
};
pub use queue::{PutError, Queue, QueueGet, QueueKind, QueuePut, QueueStream};
pub use repr::repr_of;
pub use scope::{
    cancel_pending, cleanup, fail_after, fail_at, move_on_after, move_on_at, shield, uncancellable,
    CancelScope, Cause, Scoped,
};
pub use stream::{Next, Stream, StreamExt};
pub use sync::{CallbackId, Future, FutureState, FutureWait};
pub use value::Value;
pub use watch::{Watch, WatchNext, WatchPut, WatchWaitFor};

/// The raw FFI crate.
pub use corral_sys as sys;
