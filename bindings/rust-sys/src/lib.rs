//! Raw FFI declarations for libcorral, the C core of the corral async runtime.
//!
//! Everything here mirrors `#include <corral.h>` (core/include/corral.h and
//! core/include/corral/*.h) one to one: opaque handle types, the three transparent structs
//! (`corral_value`, `corral_op`, `corral_record`), every `#define` constant and every
//! `CORRAL_API` function, in this single file. Each item's documentation names the C
//! declaration and repeats its doc comment; the header is the reference. The test
//! `tests/header_match.rs` compiles a C program generated from this file against the
//! header, so a header change that is not mirrored here fails `cargo test`.
//!
//! Linking: see `build.rs` (pkg-config first, then the bundled CMake build;
//! `CORRAL_SYS_MODE=pkg-config|bundled` forces one). Dependants read the header location
//! from `DEP_CORRAL_INCLUDE`.
//!
//! Safety: all functions are `unsafe`; the threading rule of each is in its C comment
//! ("Thread: loop" = only the runtime's thread). The safe wrapper is the `corral` crate.
#![no_std]
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]

use core::ffi::{c_char, c_int, c_void};
use core::fmt;
use core::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// `corral_rt` (corral/runtime.h): a runtime: one libevent loop, one FIFO ready queue,
    /// one timer heap, a REAL or VIRTUAL clock, the root group. Opaque, refcounted.
    corral_rt;
    /// `corral_task` (corral/runtime.h, corral/task.h): a task driven by a fiber, a step
    /// callback or a host. Opaque, refcounted.
    corral_task;
    /// `corral_group` (corral/runtime.h, corral/group.h): a group of tasks (a free group,
    /// or a scoped one entered with `corral_group_enter`). Opaque, refcounted.
    corral_group;
    /// `corral_error` (corral/common.h): an immutable, refcounted error object (code, kind,
    /// message, optional host payload and context).
    corral_error;
    /// `corral_future` (corral/future.h): a one-shot future. Opaque, refcounted.
    corral_future;
    /// `corral_queue` (corral/queue.h): a closable queue (FIFO, LIFO, priority or rendezvous).
    /// Opaque, refcounted.
    corral_queue;
    /// `corral_scope` (corral/scope.h): a cancel scope. Opaque, refcounted.
    corral_scope;
    /// `corral_event` (corral/sync.h): a sticky flag; set wakes every waiter in FIFO order.
    /// Opaque, refcounted.
    corral_event;
    /// `corral_lock` (corral/sync.h): a lock owned by a task, FIFO, not reentrant. Opaque,
    /// refcounted.
    corral_lock;
    /// `corral_exitstack` (corral/exitstack.h): an exit stack for C fibers (R66, R67).
    /// Opaque, refcounted.
    corral_exitstack;
    /// `corral_ctxgroup` (corral/context.h): a context group (aiotools actxgroup, R69) for
    /// C fibers. Opaque, refcounted.
    corral_ctxgroup;
    /// `corral_semaphore` (corral/sync.h): a Semaphore or BoundedSemaphore. Opaque, refcounted.
    corral_semaphore;
    /// `corral_condition` (corral/sync.h): a condition over a lock. Opaque, refcounted.
    corral_condition;
    /// `corral_watch` (corral/sync.h): a watch cell: one value and a version that counts
    /// writes. Opaque, refcounted.
    corral_watch;
}

// ---- corral/common.h: versions ----------------------------------------------------------

/// `CORRAL_VERSION_MAJOR` (corral/common.h).
pub const CORRAL_VERSION_MAJOR: c_int = 0;
/// `CORRAL_VERSION_MINOR` (corral/common.h).
pub const CORRAL_VERSION_MINOR: c_int = 1;
/// `CORRAL_VERSION_PATCH` (corral/common.h).
pub const CORRAL_VERSION_PATCH: c_int = 0;
/// `CORRAL_VERSION_NUMBER` (corral/common.h): MAJOR * 10000 + MINOR * 100 + PATCH.
pub const CORRAL_VERSION_NUMBER: c_int =
    CORRAL_VERSION_MAJOR * 10000 + CORRAL_VERSION_MINOR * 100 + CORRAL_VERSION_PATCH;
/// `CORRAL_VERSION_STRING` (corral/common.h), without the trailing NUL.
pub const CORRAL_VERSION_STRING: &str = "0.1.0";
/// `CORRAL_SOVERSION` (corral/common.h): the shared library is libcorral.so.<SOVERSION>.
pub const CORRAL_SOVERSION: c_int = 0;
/// Twin of the macro `CORRAL_VERSION_CHECK(M, m, p)` (corral/common.h): true when the
/// headers these declarations mirror are at least version (M, m, p).
pub const fn CORRAL_VERSION_CHECK(major: c_int, minor: c_int, patch: c_int) -> bool {
    CORRAL_VERSION_NUMBER >= major * 10000 + minor * 100 + patch
}

// ---- corral/common.h: status and error codes --------------------------------------------

/// `CORRAL_OK` (corral/common.h).
pub const CORRAL_OK: c_int = 0;
/// `CORRAL_PENDING` (corral/common.h): corral_task_await parked the operation; its outcome
/// arrives with the task's next step.
pub const CORRAL_PENDING: c_int = 1;
/// `CORRAL_DONE` (corral/common.h): corral_host_poll: the run is over; read the outcome
/// with corral_rt_run_status.
pub const CORRAL_DONE: c_int = 2;
/// `CORRAL_ECANCELLED` (corral/common.h): Cancelled: control flow, never an error value.
pub const CORRAL_ECANCELLED: c_int = -1000;
/// `CORRAL_ETIMEOUT` (corral/common.h): Timeout: a fail_* scope or per-call deadline.
pub const CORRAL_ETIMEOUT: c_int = -1001;
/// `CORRAL_ETASKCANCELLED` (corral/common.h): TaskCancelled: joined task ended CANCELLED.
pub const CORRAL_ETASKCANCELLED: c_int = -1002;
/// `CORRAL_EFUTURECANCELLED` (corral/common.h): FutureCancelled: awaited future was cancelled.
pub const CORRAL_EFUTURECANCELLED: c_int = -1003;
/// `CORRAL_EINVALIDSTATE` (corral/common.h): InvalidState.
pub const CORRAL_EINVALIDSTATE: c_int = -1004;
/// `CORRAL_EINVALIDARG` (corral/common.h): InvalidArgument (NULL handle, bad duration...).
pub const CORRAL_EINVALIDARG: c_int = -1005;
/// `CORRAL_EGROUPCLOSED` (corral/common.h): GroupClosed.
pub const CORRAL_EGROUPCLOSED: c_int = -1006;
/// `CORRAL_EQUEUECLOSED` (corral/common.h): QueueClosed.
pub const CORRAL_EQUEUECLOSED: c_int = -1007;
/// `CORRAL_EQUEUEEMPTY` (corral/common.h): QueueEmpty.
pub const CORRAL_EQUEUEEMPTY: c_int = -1008;
/// `CORRAL_EQUEUEFULL` (corral/common.h): QueueFull.
pub const CORRAL_EQUEUEFULL: c_int = -1009;
/// `CORRAL_EERRORGROUP` (corral/common.h): ErrorGroup.
pub const CORRAL_EERRORGROUP: c_int = -1010;
/// `CORRAL_ESTRAYCANCELLATION` (corral/common.h): StrayCancellation (R14).
pub const CORRAL_ESTRAYCANCELLATION: c_int = -1011;
/// `CORRAL_ECLEANUPTIMEOUT` (corral/common.h): CleanupTimeout (R66).
pub const CORRAL_ECLEANUPTIMEOUT: c_int = -1012;
/// `CORRAL_EDEADLOCK` (corral/common.h): Deadlock (R10).
pub const CORRAL_EDEADLOCK: c_int = -1013;
/// `CORRAL_EUSER` (corral/common.h): User(kind, message): a host or C user error.
pub const CORRAL_EUSER: c_int = -1014;
/// `CORRAL_ECLOSED` (corral/common.h): the handle (or its runtime) was closed.
pub const CORRAL_ECLOSED: c_int = -1015;
/// `CORRAL_ESTOPPED` (corral/common.h): the loop was stopped by corral_rt_stop.
pub const CORRAL_ESTOPPED: c_int = -1016;
/// `CORRAL_ENOMEM` (corral/common.h): `-ENOMEM`; system failures are negative errno values.
pub const CORRAL_ENOMEM: c_int = -libc::ENOMEM;

// ---- corral/common.h: values --------------------------------------------------------------

/// `CORRAL_VALUE_NONE` (corral/common.h): no value (None / nil / unit).
pub const CORRAL_VALUE_NONE: u32 = 0;
/// `CORRAL_VALUE_INT` (corral/common.h): `as.i`.
pub const CORRAL_VALUE_INT: u32 = 1;
/// `CORRAL_VALUE_DOUBLE` (corral/common.h): `as.d`.
pub const CORRAL_VALUE_DOUBLE: u32 = 2;
/// `CORRAL_VALUE_BYTES` (corral/common.h): `as.p`, `len` bytes; the core copies them when it
/// takes a value.
pub const CORRAL_VALUE_BYTES: u32 = 3;
/// `CORRAL_VALUE_PTR` (corral/common.h): `as.p`; `dtor` (may be NULL) runs once when the
/// value is dropped.
pub const CORRAL_VALUE_PTR: u32 = 4;
/// `CORRAL_VALUE_HOST` (corral/common.h): `as.token` of binding `binding`; released by a
/// RELEASE record.
pub const CORRAL_VALUE_HOST: u32 = 5;

/// The anonymous union `as` of `corral_value` (corral/common.h).
#[repr(C)]
#[derive(Copy, Clone)]
pub union corral_value_as {
    /// `as.i`: CORRAL_VALUE_INT.
    pub i: i64,
    /// `as.d`: CORRAL_VALUE_DOUBLE.
    pub d: f64,
    /// `as.p`: CORRAL_VALUE_BYTES / CORRAL_VALUE_PTR.
    pub p: *const c_void,
    /// `as.token`: CORRAL_VALUE_HOST.
    pub token: u64,
}

/// `corral_value` (corral/common.h): the values that may cross languages. One of the
/// transparent structs of the ABI; it never changes layout. C field `type` is `type_`,
/// the union `as` is `as_`.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct corral_value {
    /// `type`: CORRAL_VALUE_*.
    pub type_: u32,
    /// `binding`: HOST: the binding that owns the token (any non-zero id it chose).
    pub binding: u32,
    /// `as`: the payload.
    pub as_: corral_value_as,
    /// `len`: BYTES: length in bytes.
    pub len: u64,
    /// `dtor`: PTR: destructor, or NULL.
    pub dtor: Option<unsafe extern "C" fn(p: *mut c_void)>,
}

impl Default for corral_value {
    /// A NONE value (all zero), like `(corral_value){0}`.
    fn default() -> Self {
        corral_value {
            type_: CORRAL_VALUE_NONE,
            binding: 0,
            as_: corral_value_as { token: 0 },
            len: 0,
            dtor: None,
        }
    }
}

impl fmt::Debug for corral_value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("corral_value");
        d.field("type", &self.type_).field("binding", &self.binding);
        // SAFETY: every union member is plain old data of the same size.
        unsafe {
            match self.type_ {
                CORRAL_VALUE_INT => d.field("i", &self.as_.i),
                CORRAL_VALUE_DOUBLE => d.field("d", &self.as_.d),
                CORRAL_VALUE_BYTES | CORRAL_VALUE_PTR => d.field("p", &self.as_.p),
                _ => d.field("token", &self.as_.token),
            };
        }
        d.field("len", &self.len).finish()
    }
}

// ---- corral/runtime.h ---------------------------------------------------------------------

/// `CORRAL_RT_VIRTUAL_CLOCK` (corral/runtime.h): time starts at 0 and jumps only when idle (R10).
pub const CORRAL_RT_VIRTUAL_CLOCK: u32 = 0x1;
/// `CORRAL_RT_SIGNALS` (corral/runtime.h): corral_rt_run/host_poll handle SIGINT/SIGTERM (R51).
pub const CORRAL_RT_SIGNALS: u32 = 0x2;
/// `CORRAL_RT_STRICT` (corral/runtime.h): first unhandled error cancels main and is raised (R57).
pub const CORRAL_RT_STRICT: u32 = 0x4;
/// `CORRAL_RT_ESCALATE_SIGNALS` (corral/runtime.h): the second SIGINT/SIGTERM cancels every
/// shield of every live task (R51, R66).
pub const CORRAL_RT_ESCALATE_SIGNALS: u32 = 0x8;

/// `corral_trace_fn` (corral/runtime.h): receives one complete trace line, without the
/// trailing newline.
pub type corral_trace_fn =
    Option<unsafe extern "C" fn(line: *const c_char, len: usize, ud: *mut c_void)>;

// ---- corral/task.h ------------------------------------------------------------------------

/// `CORRAL_TASK_CREATED` (corral/task.h): task state (R11).
pub const CORRAL_TASK_CREATED: c_int = 0;
/// `CORRAL_TASK_RUNNING` (corral/task.h).
pub const CORRAL_TASK_RUNNING: c_int = 1;
/// `CORRAL_TASK_READY` (corral/task.h).
pub const CORRAL_TASK_READY: c_int = 2;
/// `CORRAL_TASK_PARKED` (corral/task.h).
pub const CORRAL_TASK_PARKED: c_int = 3;
/// `CORRAL_TASK_COMPLETED` (corral/task.h).
pub const CORRAL_TASK_COMPLETED: c_int = 4;
/// `CORRAL_TASK_FAILED` (corral/task.h).
pub const CORRAL_TASK_FAILED: c_int = 5;
/// `CORRAL_TASK_CANCELLED` (corral/task.h).
pub const CORRAL_TASK_CANCELLED: c_int = 6;

/// `corral_fiber_fn` (corral/task.h): a fiber body. `result` starts as NONE; set it and
/// return 0 to complete, or return a negative code.
pub type corral_fiber_fn = Option<
    unsafe extern "C" fn(
        self_: *mut corral_task,
        arg: *mut c_void,
        result: *mut corral_value,
    ) -> c_int,
>;
/// `corral_step_fn` (corral/task.h): a step body, called for the first step and for each
/// resumption; it must await or finish before returning.
pub type corral_step_fn = Option<
    unsafe extern "C" fn(
        self_: *mut corral_task,
        status: c_int,
        value: *const corral_value,
        arg: *mut c_void,
    ),
>;

/// `CORRAL_OP_CHECKPOINT` (corral/task.h): schedule point + cancel point.
pub const CORRAL_OP_CHECKPOINT: u32 = 0;
/// `CORRAL_OP_SLEEP` (corral/task.h): until `deadline` (absolute).
pub const CORRAL_OP_SLEEP: u32 = 1;
/// `CORRAL_OP_FUTURE` (corral/task.h): target: corral_future*; value borrowed.
pub const CORRAL_OP_FUTURE: u32 = 2;
/// `CORRAL_OP_JOIN` (corral/task.h): target: corral_task*; value borrowed.
pub const CORRAL_OP_JOIN: u32 = 3;
/// `CORRAL_OP_QUEUE_GET` (corral/task.h): target: corral_queue*; value owned by the receiver.
pub const CORRAL_OP_QUEUE_GET: u32 = 4;
/// `CORRAL_OP_QUEUE_PUT` (corral/task.h): target: corral_queue*; `value` is taken.
pub const CORRAL_OP_QUEUE_PUT: u32 = 5;
/// `CORRAL_OP_GROUP_WAIT_CLOSING` (corral/task.h): target: corral_group*.
pub const CORRAL_OP_GROUP_WAIT_CLOSING: u32 = 6;
/// `CORRAL_OP_GROUP_WAIT_CLOSED` (corral/task.h): target: corral_group*.
pub const CORRAL_OP_GROUP_WAIT_CLOSED: u32 = 7;
/// `CORRAL_OP_GROUP_EXIT` (corral/task.h): target: a scoped corral_group*; value: INT body
/// status.
pub const CORRAL_OP_GROUP_EXIT: u32 = 8;
/// `CORRAL_OP_GROUP_NEXT_DONE` (corral/task.h): target: an entered COLLECT group; value: INT
/// spawn index of the next member that ended.
pub const CORRAL_OP_GROUP_NEXT_DONE: u32 = 9;
/// `CORRAL_OP_EVENT_WAIT` (corral/task.h, corral/sync.h): target: corral_event*.
pub const CORRAL_OP_EVENT_WAIT: u32 = 10;
/// `CORRAL_OP_LOCK_ACQUIRE` (corral/task.h): target: corral_lock*; the awaiting task becomes
/// the owner.
pub const CORRAL_OP_LOCK_ACQUIRE: u32 = 11;
/// `CORRAL_OP_SEM_ACQUIRE` (corral/task.h): target: corral_semaphore*.
pub const CORRAL_OP_SEM_ACQUIRE: u32 = 12;
/// `CORRAL_OP_COND_WAIT` (corral/task.h): target: corral_condition*; the task must own its
/// lock.
pub const CORRAL_OP_COND_WAIT: u32 = 13;
/// `CORRAL_OP_WATCH_NEXT` (corral/task.h): target: corral_watch*; value: INT last version
/// seen; resumes with the version that woke it: read the value and the current version with
/// corral_watch_get and pass that version to the next wait.
pub const CORRAL_OP_WATCH_NEXT: u32 = 14;
/// `CORRAL_OP_WATCH_PUT` (corral/task.h): target: corral_watch*; `value` is taken once a
/// reader waits (as QUEUE_PUT).
pub const CORRAL_OP_WATCH_PUT: u32 = 15;

/// `corral_op` (corral/task.h): an awaitable operation. `deadline` is the per-call absolute
/// deadline (R41; -1 none, a past value = do not block) except for SLEEP, where it is the
/// wake-up time.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct corral_op {
    /// `kind`: CORRAL_OP_*.
    pub kind: u32,
    /// `arg` (was `reserved`): QUEUE_PUT into a PRIORITY queue: the item's priority;
    /// otherwise 0.
    pub arg: i32,
    /// `target`: the future, task, queue or group.
    pub target: *mut c_void,
    /// `deadline`.
    pub deadline: i64,
    /// `value`: QUEUE_PUT: the item (taken).
    pub value: corral_value,
}

// ---- corral/future.h ----------------------------------------------------------------------

/// `CORRAL_FUTURE_PENDING` (corral/future.h).
pub const CORRAL_FUTURE_PENDING: c_int = 0;
/// `CORRAL_FUTURE_RESULT` (corral/future.h).
pub const CORRAL_FUTURE_RESULT: c_int = 1;
/// `CORRAL_FUTURE_ERROR` (corral/future.h).
pub const CORRAL_FUTURE_ERROR: c_int = 2;
/// `CORRAL_FUTURE_CANCELLED` (corral/future.h).
pub const CORRAL_FUTURE_CANCELLED: c_int = 3;

/// `corral_future_cb` (corral/future.h): a done callback, run as a ready-queue entry on the
/// loop thread.
pub type corral_future_cb = Option<unsafe extern "C" fn(f: *mut corral_future, ud: *mut c_void)>;

// ---- corral/scope.h -----------------------------------------------------------------------

/// `CORRAL_SCOPE_MOVE_ON` (corral/scope.h): plain cancel scope / move_on_*: absorbs, never raises.
pub const CORRAL_SCOPE_MOVE_ON: c_int = 0;
/// `CORRAL_SCOPE_FAIL` (corral/scope.h): fail_*: raises Timeout when its deadline caused the cancel.
pub const CORRAL_SCOPE_FAIL: c_int = 1;
/// `CORRAL_SCOPE_CLEANUP` (corral/scope.h): managed cleanup (R66): always a shield; when its
/// deadline passes it reports CleanupTimeout (corral_cleanup_enter).
pub const CORRAL_SCOPE_CLEANUP: c_int = 2;
/// `CORRAL_SHIELD_GUARD` (corral/scope.h): corral_scope_enter's shield argument for a shield a
/// binding needs while it waits on the task's behalf; signal escalation leaves it alone.
pub const CORRAL_SHIELD_GUARD: c_int = 2;
/// `CORRAL_CAUSE_NONE` (corral/scope.h): not cancelled.
pub const CORRAL_CAUSE_NONE: c_int = 0;
/// `CORRAL_CAUSE_EXPLICIT` (corral/scope.h).
pub const CORRAL_CAUSE_EXPLICIT: c_int = 1;
/// `CORRAL_CAUSE_DEADLINE` (corral/scope.h).
pub const CORRAL_CAUSE_DEADLINE: c_int = 2;
/// `CORRAL_CAUSE_GROUP_CLOSE` (corral/scope.h).
pub const CORRAL_CAUSE_GROUP_CLOSE: c_int = 3;
/// `CORRAL_CAUSE_FAIL_FAST` (corral/scope.h).
pub const CORRAL_CAUSE_FAIL_FAST: c_int = 4;
/// `CORRAL_CAUSE_PARENT` (corral/scope.h).
pub const CORRAL_CAUSE_PARENT: c_int = 5;
/// `CORRAL_CAUSE_SIGNAL` (corral/scope.h).
pub const CORRAL_CAUSE_SIGNAL: c_int = 6;
/// `CORRAL_CAUSE_SHUTDOWN` (corral/scope.h).
pub const CORRAL_CAUSE_SHUTDOWN: c_int = 7;

// ---- corral/group.h -----------------------------------------------------------------------

/// `CORRAL_GROUP_SUPERVISE` (corral/group.h): member failures go to the handler chain (R55).
pub const CORRAL_GROUP_SUPERVISE: c_int = 0;
/// `CORRAL_GROUP_FAIL_FAST` (corral/group.h): a member failure cancels the group; ErrorGroup at
/// exit.
pub const CORRAL_GROUP_FAIL_FAST: c_int = 1;
/// `CORRAL_GROUP_COLLECT` (corral/group.h): a helper's internal group (R59, R70, R71): member
/// outcomes are handed to the body in completion order (CORRAL_OP_GROUP_NEXT_DONE); failures
/// the body did not take go to the handler chain when it leaves. Scoped (enter) only.
pub const CORRAL_GROUP_COLLECT: c_int = 2;
/// `CORRAL_GROUP_JOIN` (corral/group.h): exit waits for the members (TaskGroup, nursery).
pub const CORRAL_GROUP_JOIN: c_int = 0;
/// `CORRAL_GROUP_CANCEL` (corral/group.h): exit closes with cancellation, then waits (hat
/// Group).
pub const CORRAL_GROUP_CANCEL: c_int = 1;

/// `corral_group_handler_fn` (corral/group.h): an exception callback, run as a ready-queue
/// entry when a member FAILED; a negative return (with `*raised`) forwards an error to the
/// parent's chain.
pub type corral_group_handler_fn = Option<
    unsafe extern "C" fn(
        g: *mut corral_group,
        member: *mut corral_task,
        err: *mut corral_error,
        raised: *mut *mut corral_error,
        ud: *mut c_void,
    ) -> c_int,
>;

// ---- corral/queue.h -----------------------------------------------------------------------

/// `CORRAL_QUEUE_FIFO` (corral/queue.h): first in, first out (hat / asyncio Queue).
pub const CORRAL_QUEUE_FIFO: c_int = 0;
/// `CORRAL_QUEUE_LIFO` (corral/queue.h): last in, first out (asyncio LifoQueue).
pub const CORRAL_QUEUE_LIFO: c_int = 1;
/// `CORRAL_QUEUE_PRIORITY` (corral/queue.h): smallest priority first, equal priorities FIFO.
pub const CORRAL_QUEUE_PRIORITY: c_int = 2;
/// `CORRAL_QUEUE_RENDEZVOUS` (corral/queue.h): capacity 0 (trio's channel of size 0): a put
/// completes only when a getter takes the item; maxsize is ignored.
pub const CORRAL_QUEUE_RENDEZVOUS: c_int = 3;

// ---- corral/helpers.h ---------------------------------------------------------------------

/// `corral_member` (corral/helpers.h): one member of race / gather_safe: a fiber body run as
/// a task named `name` (NULL = "<helper>.<index>"). Transparent.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct corral_member {
    /// `name`: the task's name, or NULL.
    pub name: *const c_char,
    /// `fn`: the fiber body.
    pub fn_: corral_fiber_fn,
    /// `arg`: its argument.
    pub arg: *mut c_void,
}

/// `corral_pred_fn` (corral/helpers.h): a predicate for corral_first: 1 = match, 0 = no
/// match, negative code = fail with it.
pub type corral_pred_fn =
    Option<unsafe extern "C" fn(v: *const corral_value, ud: *mut c_void) -> c_int>;

// ---- corral/exitstack.h -------------------------------------------------------------------

/// `corral_exit_fn` (corral/exitstack.h): a plain exit callback (must not block); `current`
/// is the current error (borrowed, may be NULL). Returns 0 or a negative code.
pub type corral_exit_fn =
    Option<unsafe extern "C" fn(ud: *mut c_void, current: *mut corral_error) -> c_int>;
/// `corral_exit_fiber_fn` (corral/exitstack.h): an exit callback run in the closing fiber
/// (may block). Returns 0 or a negative code.
pub type corral_exit_fiber_fn = Option<
    unsafe extern "C" fn(
        self_: *mut corral_task,
        ud: *mut c_void,
        current: *mut corral_error,
    ) -> c_int,
>;

// ---- corral/context.h --------------------------------------------------------------------

/// `corral_acm` (corral/context.h): an async context manager's operations, both run in a C
/// fiber. `enter` returns 0 (optionally storing the entered value) or a negative code; `exit`
/// gets the body's status and the error in flight and returns 1 to suppress an ordinary
/// error (R68), 0, or a negative code that replaces the status (R67).
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct corral_acm {
    pub enter: Option<
        unsafe extern "C" fn(
            self_: *mut corral_task,
            ud: *mut c_void,
            value: *mut corral_value,
        ) -> c_int,
    >,
    pub exit: Option<
        unsafe extern "C" fn(
            self_: *mut corral_task,
            ud: *mut c_void,
            status: c_int,
            current: *mut corral_error,
        ) -> c_int,
    >,
}

/// `CORRAL_CTXGROUP_RETURN_ERRORS` (corral/context.h): enter every manager even if some
/// fail (aiotools return_exceptions=True).
pub const CORRAL_CTXGROUP_RETURN_ERRORS: c_int = 1;

// ---- corral/host.h ------------------------------------------------------------------------

/// `CORRAL_RECORD_START` (corral/host.h): first step of `task`.
pub const CORRAL_RECORD_START: u32 = 1;
/// `CORRAL_RECORD_RESUME` (corral/host.h): outcome of the task's await: status, value, error.
pub const CORRAL_RECORD_RESUME: u32 = 2;
/// `CORRAL_RECORD_CALLBACK` (corral/host.h): a host done callback: token = the callback's token.
pub const CORRAL_RECORD_CALLBACK: u32 = 3;
/// `CORRAL_RECORD_RELEASE` (corral/host.h): the core dropped HOST value `token` of `binding`.
pub const CORRAL_RECORD_RELEASE: u32 = 4;
/// `CORRAL_RECORD_HANDLER` (corral/host.h): run a host exception callback (corral/group.h):
/// token = the callback's, source = the corral_group*, task = the failed member (NULL for
/// reported errors), error = the error (borrowed until the next poll).
pub const CORRAL_RECORD_HANDLER: u32 = 5;
/// `CORRAL_RECORD_OWNED` (corral/host.h): RESUME: the value's token now belongs to the host.
pub const CORRAL_RECORD_OWNED: u32 = 0x1;

/// `corral_record` (corral/host.h): one unit of host work. Transparent (part of the ABI
/// baseline); pass `size_of::<corral_record>()` to corral_host_poll, which checks it.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct corral_record {
    /// `kind`: CORRAL_RECORD_*.
    pub kind: u32,
    /// `flags`: CORRAL_RECORD_OWNED.
    pub flags: u32,
    /// `status`: RESUME: 0 or a negative code.
    pub status: i32,
    /// `binding`: the binding id of `token`.
    pub binding: u32,
    /// `token`: START/RESUME: the task's token; CALLBACK/RELEASE: the token.
    pub token: u64,
    /// `task`: START/RESUME: the task (borrowed); CALLBACK: NULL.
    pub task: *mut corral_task,
    /// `source`: CALLBACK: the corral_future* that completed (borrowed).
    pub source: *mut c_void,
    /// `error`: RESUME with an error: borrowed until the next poll.
    pub error: *mut corral_error,
    /// `value`: RESUME with status 0; borrowed unless CORRAL_RECORD_OWNED.
    pub value: corral_value,
}

impl Default for corral_record {
    fn default() -> Self {
        corral_record {
            kind: 0,
            flags: 0,
            status: 0,
            binding: 0,
            token: 0,
            task: core::ptr::null_mut(),
            source: core::ptr::null_mut(),
            error: core::ptr::null_mut(),
            value: corral_value::default(),
        }
    }
}

/// `CORRAL_CMD_AWAIT` (corral/host.h): `corral_task_await(task, &op)`.
pub const CORRAL_CMD_AWAIT: u32 = 1;
/// `CORRAL_CMD_FINISH` (corral/host.h): `corral_task_finish(task, status, &op.value, repr, error)`.
pub const CORRAL_CMD_FINISH: u32 = 2;
/// `CORRAL_CMD_UNREF` (corral/host.h): `corral_task_unref(task)`.
pub const CORRAL_CMD_UNREF: u32 = 3;

/// `corral_host_cmd` (corral/host.h): one queued host call, for corral_host_poll_submit.
/// Transparent and part of the ABI (the size is checked like records'): pass
/// `size_of::<corral_host_cmd>()` as `cmd_size`.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct corral_host_cmd {
    /// `kind`: CORRAL_CMD_*.
    pub kind: u32,
    /// `status`: FINISH: 0 or a negative code.
    pub status: i32,
    /// `task`: the task the call is about.
    pub task: *mut corral_task,
    /// `repr`: FINISH: trace text of the value, or NULL.
    pub repr: *const c_char,
    /// `error`: FINISH: the error (a reference is taken), or NULL.
    pub error: *mut corral_error,
    /// `op`: AWAIT: the operation; FINISH: `op.value` is the value.
    pub op: corral_op,
}

// ---- functions ----------------------------------------------------------------------------

extern "C" {
    // ---- corral/common.h ----
    /// `corral_version` (corral/common.h). C doc comment: The library's CORRAL_VERSION_NUMBER, for comparing against the headers. Thread: any.
    pub fn corral_version() -> c_int;
    /// `corral_version_string` (corral/common.h). C doc comment: The library's version as a static string ("0.1.0"). Thread: any.
    pub fn corral_version_string() -> *const c_char;
    /// `corral_strerror` (corral/common.h). C doc comment: Static text for a code ("operation cancelled"). Thread: any.
    pub fn corral_strerror(code: c_int) -> *const c_char;
    /// `corral_error_name` (corral/common.h). C doc comment: The R2 kind name of a code ("Cancelled", "Timeout", ...); "Errno" for system codes. Thread: any.
    pub fn corral_error_name(code: c_int) -> *const c_char;
    /// `corral_errno` (corral/common.h). C doc comment: The nearest errno for code written in libdill's style (R75): ECANCELED, ETIMEDOUT, EPIPE for QueueClosed/GroupClosed, EAGAIN for QueueEmpty/QueueFull, EINVAL for InvalidState/InvalidArgument, EBADF for Closed; -code for system codes. Thread: any.
    pub fn corral_errno(code: c_int) -> c_int;
    /// `corral_last_error_message` (corral/common.h). C doc comment: Detail of the last failure on this thread ("sleep: negative duration"), or "" if none. Valid until the next corral call on this thread. Thread: any (thread-local).
    pub fn corral_last_error_message() -> *const c_char;
    /// `corral_ms` (corral/common.h). C doc comment: n milliseconds in nanoseconds, saturating. Thread: any.
    pub fn corral_ms(n: i64) -> i64;
    /// `corral_s` (corral/common.h). C doc comment: n seconds in nanoseconds, saturating. Thread: any.
    pub fn corral_s(n: i64) -> i64;
    /// `corral_value_clear` (corral/common.h). C doc comment: Drop a value the caller owns: frees BYTES copies made by the core, runs a PTR's dtor, and leaves a NONE value. HOST tokens are the binding's own business (nothing to do). NULL-safe. Thread: any.
    pub fn corral_value_clear(v: *mut corral_value);
    /// `corral_error_new` (corral/common.h). C doc comment: Create an error. `code` is a CORRAL_E* kind code; for CORRAL_EUSER `kind` names the host kind ("ValueError"), otherwise `kind` may be NULL (the R2 name is used). `msg` may be NULL. Strings are copied. Errors: CORRAL_EINVALIDARG (out NULL, code >= 0, EUSER without kind), CORRAL_ENOMEM. Thread: any.
    pub fn corral_error_new(
        out: *mut *mut corral_error,
        code: c_int,
        kind: *const c_char,
        msg: *const c_char,
    ) -> c_int;
    /// `corral_error_new_group` (corral/common.h). C doc comment: Create an ErrorGroup (R54) holding `n` errors in order (a reference to each is taken; none may be Cancelled). Its message is the members' canonical list, "[ValueError:a, ...]". Errors: CORRAL_EINVALIDARG, CORRAL_ENOMEM. Thread: any.
    pub fn corral_error_new_group(
        out: *mut *mut corral_error,
        errors: *const *mut corral_error,
        n: usize,
    ) -> c_int;
    /// `corral_error_group_size` (corral/common.h). C doc comment: Members of an ErrorGroup: the count (0 for other errors and NULL), and member i (borrowed; NULL when out of range). Thread: any.
    pub fn corral_error_group_size(e: *const corral_error) -> usize;
    /// `corral_error_group_get` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_group_get(e: *const corral_error, i: usize) -> *mut corral_error;
    /// `corral_error_set_host` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_set_host(
        e: *mut corral_error,
        rt: *mut corral_rt,
        host: *const corral_value,
    ) -> c_int;
    /// `corral_error_set_context` (corral/common.h). C doc comment: Attach `context` (the error that was being handled); takes a reference. Thread: any.
    pub fn corral_error_set_context(e: *mut corral_error, context: *mut corral_error) -> c_int;
    /// `corral_error_set_fatal` (corral/common.h). C doc comment: Mark an error fatal (R58: Python KeyboardInterrupt/SystemExit, a Rust panic the binding treats as fatal). A task failing with a fatal error behaves as FAIL_FAST in every group: the group is closed with cancellation and a scoped group's exit raises that error itself (not wrapped); in a free group it also goes to the root, which cancels main, and the run ends with it after cleanup. Handlers never see it. Thread: any, before the error is shared.
    pub fn corral_error_set_fatal(e: *mut corral_error, fatal: c_int) -> c_int;
    /// `corral_error_is_fatal` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_is_fatal(e: *const corral_error) -> c_int;
    /// `corral_error_code` (corral/common.h). C doc comment: Accessors; all borrowed and valid while `e` is referenced. NULL-safe (0 / "" / NULL).
    pub fn corral_error_code(e: *const corral_error) -> c_int;
    /// `corral_error_kind` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_kind(e: *const corral_error) -> *const c_char;
    /// `corral_error_message` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_message(e: *const corral_error) -> *const c_char;
    /// `corral_error_host` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_host(e: *const corral_error) -> *const corral_value;
    /// `corral_error_context` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_context(e: *const corral_error) -> *mut corral_error;
    /// `corral_error_format` (corral/common.h). C doc comment: Canonical trace text "Kind[:msg][ <- context]" into buf (always NUL-terminated if cap > 0). Returns the full length (like snprintf). Thread: any.
    pub fn corral_error_format(e: *const corral_error, buf: *mut c_char, cap: usize) -> c_int;
    /// `corral_error_ref` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_ref(e: *mut corral_error) -> *mut corral_error;
    /// `corral_error_unref` (corral/common.h); see the comment above its group in the header.
    pub fn corral_error_unref(e: *mut corral_error);

    // ---- corral/runtime.h ----
    /// `corral_rt_new` (corral/runtime.h). C doc comment: Create a runtime. The REAL clock counts from this call. The root group ("root", free, SUPERVISE) exists from the start. The caller owns one reference. Errors: CORRAL_EINVALIDARG (out NULL, unknown flag), CORRAL_ENOMEM. Thread: any (the runtime then belongs to the thread that first runs it).
    pub fn corral_rt_new(out: *mut *mut corral_rt, flags: u32) -> c_int;
    /// `corral_rt_ref` (corral/runtime.h); see the comment above its group in the header.
    pub fn corral_rt_ref(rt: *mut corral_rt) -> *mut corral_rt;
    /// `corral_rt_unref` (corral/runtime.h). C doc comment: Drop a reference. When the last user reference goes, the runtime is closed (see corral_rt_close); its memory goes when the last object of it is released. NULL-safe.
    pub fn corral_rt_unref(rt: *mut corral_rt);
    /// `corral_rt_close` (corral/runtime.h). C doc comment: Close: tasks that are not terminal are discarded without running further (fiber stacks are unmapped, not unwound; host tokens are released), and every later call on the runtime or its objects returns CORRAL_ECLOSED. Idempotent. Errors: CORRAL_EINVALIDSTATE when called from inside the runtime's own loop. Thread: loop.
    pub fn corral_rt_close(rt: *mut corral_rt) -> c_int;
    /// `corral_rt_now` (corral/runtime.h). C doc comment: Current time in ns: the time of the current tick (time never advances inside a step). Returns a negative code for a NULL or closed runtime. Thread: loop.
    pub fn corral_rt_now(rt: *mut corral_rt) -> i64;
    /// `corral_rt_root_group` (corral/runtime.h). C doc comment: The runtime's root group (borrowed). NULL for NULL. Thread: loop.
    pub fn corral_rt_root_group(rt: *mut corral_rt) -> *mut corral_group;
    /// `corral_rt_unhandled_count` (corral/runtime.h). C doc comment: Errors reported to the root handler so far (R57). Thread: loop.
    pub fn corral_rt_unhandled_count(rt: *mut corral_rt) -> i64;
    /// `corral_rt_set_fiber_stack_size` (corral/runtime.h). C doc comment: Stack size for fibers spawned later (rounded up to pages, at least 16 KiB; default 256 KiB). Errors: CORRAL_EINVALIDARG. Thread: loop.
    pub fn corral_rt_set_fiber_stack_size(rt: *mut corral_rt, bytes: usize) -> c_int;
    /// `corral_rt_run` (corral/runtime.h). C doc comment: Run `main` (a task of this runtime, normally the first spawned, id 1) as in R51: drive the loop until main ends, then close the root group with cancellation and wait for it, then emit "rt run <outcome>" and return main's outcome: 0 (value via corral_task_value), main's error code, CORRAL_ECANCELLED, or CORRAL_EDEADLOCK. With CORRAL_RT_SIGNALS the first SIGINT/SIGTERM cancels main (cause SIGNAL), the second escalates with CORRAL_RT_ESCALATE_SIGNALS, later ones are ignored, and the previous handlers are restored on return. Only C-driven tasks (fibers, step callbacks) may exist; a runtime with host tasks is driven by corral_host_poll instead. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (already running / already ran / host tasks present), CORRAL_ECLOSED. Thread: loop (this call makes it so).
    pub fn corral_rt_run(rt: *mut corral_rt, main: *mut corral_task) -> c_int;
    /// `corral_rt_run_until_future` (corral/runtime.h). C doc comment: Drive the loop until future f is done, or task t is terminal, without the run() shutdown of R51: no root-group close, no "rt run" line, other tasks stay as they are. Returns 0 when the target is done (read it with corral_future_result / corral_task_result), CORRAL_ESTOPPED after corral_rt_stop, or CORRAL_EDEADLOCK when nothing can make progress (after emitting "rt deadlock [...]"); the call may be repeated. Not while a main run is underway. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (inside the loop, or a main run underway), CORRAL_ECLOSED. Thread: loop (this call makes it so).
    pub fn corral_rt_run_until_future(rt: *mut corral_rt, f: *mut corral_future) -> c_int;
    /// `corral_rt_run_until_task` (corral/runtime.h): as corral_rt_run_until_future, until task `t` is terminal.
    pub fn corral_rt_run_until_task(rt: *mut corral_rt, t: *mut corral_task) -> c_int;
    /// `corral_rt_stop` (corral/runtime.h). C doc comment: Make the running corral_rt_run / corral_rt_run_until_* / corral_host_poll return CORRAL_ESTOPPED after the current step; calling it again resumes where it stopped. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop.
    pub fn corral_rt_stop(rt: *mut corral_rt) -> c_int;
    /// `corral_rt_run_status` (corral/runtime.h). C doc comment: After a run ended (corral_rt_run returned, or corral_host_poll returned CORRAL_DONE): main's outcome as corral_rt_run returns it. CORRAL_EINVALIDSTATE before that. Thread: loop.
    pub fn corral_rt_run_status(rt: *mut corral_rt) -> c_int;
    /// `corral_rt_run_cause` (corral/runtime.h). C doc comment: After a run ended: the cause (CORRAL_CAUSE_*, corral/scope.h) of the cancellation main saw when it ended (CORRAL_CAUSE_SIGNAL after Ctrl-C, ...), or CORRAL_CAUSE_NONE. CORRAL_EINVALIDSTATE before that. Thread: loop.
    pub fn corral_rt_run_cause(rt: *mut corral_rt) -> c_int;
    /// `corral_rt_run_error` (corral/runtime.h). C doc comment: After a run ended with an error: the error object behind corral_rt_run_status (the first unhandled error in strict mode, R57, else main's own error), so a host can raise that very error; borrowed, valid while the runtime lives. NULL otherwise (success, Cancelled, Deadlock, run not over). Thread: loop.
    pub fn corral_rt_run_error(rt: *mut corral_rt) -> *mut corral_error;
    /// `corral_rt_report_error` (corral/runtime.h). C doc comment: Report an error that has no failed task behind it (a host done callback that raised, R20/R76d) to the handler chain of group g (NULL = the root group): queued as an entry that emits "<group> handler <actor> <err>" and runs the chain (R56, R57); the chain's exception callbacks get a NULL member. A reference to e is taken. Errors: CORRAL_EINVALIDARG (NULL actor or error, a Cancelled error, group of another runtime), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_rt_report_error(
        rt: *mut corral_rt,
        g: *mut corral_group,
        actor: *const c_char,
        e: *mut corral_error,
    ) -> c_int;
    /// `corral_rt_inject_signal` (corral/runtime.h). C doc comment: Deliver a (simulated or real) SIGINT/SIGTERM to the run exactly as the signal handler would: the first one cancels main's root scope (cause SIGNAL); with CORRAL_RT_ESCALATE_SIGNALS the second cancels every shield (cause SIGNAL); later ones are ignored. Works with or without CORRAL_RT_SIGNALS (that flag only installs the real handlers). Errors: CORRAL_EINVALIDARG (other signal numbers). Thread: loop.
    pub fn corral_rt_inject_signal(rt: *mut corral_rt, signo: c_int) -> c_int;
    /// `corral_rt_shutdown` (corral/runtime.h): cancel main with cause SHUTDOWN (R52's
    /// escalation); 1 if this call cancelled it, 0 otherwise. Thread: loop.
    pub fn corral_rt_shutdown(rt: *mut corral_rt) -> c_int;
    /// `corral_rt_post_threadsafe` (corral/runtime.h). C doc comment: Call fn(ud) on the loop thread as a ready-queue entry of the next tick, waking the loop if it sleeps (R1). fn never runs inside this call. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED (fn is then never called), CORRAL_ENOMEM. Thread: any.
    pub fn corral_rt_post_threadsafe(
        rt: *mut corral_rt,
        fn_: Option<unsafe extern "C" fn(*mut c_void)>,
        ud: *mut c_void,
    ) -> c_int;
    /// `corral_rt_hold_threadsafe` (corral/runtime.h). C doc comment: Tell the runtime that work outside it (a thread, an external event) will post back, so an idle loop sleeps instead of reporting a deadlock (R10). `delta` is +1 or -1. Errors: CORRAL_EINVALIDARG. Thread: any.
    pub fn corral_rt_hold_threadsafe(rt: *mut corral_rt, delta: c_int) -> c_int;
    /// `corral_rt_set_trace_fd` (corral/runtime.h). C doc comment: Write trace lines ("<t_ms> <actor> <event> [detail]\n") to fd; -1 turns file tracing off. Thread: loop.
    pub fn corral_rt_set_trace_fd(rt: *mut corral_rt, fd: c_int) -> c_int;
    /// `corral_rt_set_trace_fn` (corral/runtime.h). C doc comment: Send trace lines to fn (replaces any previous hook; NULL removes it). Thread: loop.
    pub fn corral_rt_set_trace_fn(
        rt: *mut corral_rt,
        fn_: corral_trace_fn,
        ud: *mut c_void,
    ) -> c_int;
    /// `corral_rt_set_log_fn` (corral/runtime.h). C doc comment: Diagnostics such as the root handler's "unhandled error in task A: ValueError: boom" (R57) go to fn; default: standard error. NULL restores the default. Thread: loop.
    pub fn corral_rt_set_log_fn(rt: *mut corral_rt, fn_: corral_trace_fn, ud: *mut c_void)
        -> c_int;
    /// `corral_log` (corral/runtime.h). C doc comment: Emit "<t> <actor> log <text>". Errors: CORRAL_EINVALIDARG (NULL actor/text). Thread: loop.
    pub fn corral_log(rt: *mut corral_rt, actor: *const c_char, text: *const c_char) -> c_int;
    /// `corral_trace_emit` (corral/runtime.h). C doc comment: Emit "<t> <actor> <event>" verbatim, for bindings' own lines. Thread: loop.
    pub fn corral_trace_emit(
        rt: *mut corral_rt,
        actor: *const c_char,
        event: *const c_char,
    ) -> c_int;

    // ---- corral/task.h ----
    /// `corral_spawn_fiber` (corral/task.h). C doc comment: Spawn a fiber task into `group` (NULL = the root group). `name` is copied (NULL = "task<id>"). `arg_free`, if given, runs on `arg` when the task's memory is released. The caller owns one reference to *out; the runtime holds its own until the task is terminal (R12). Errors: CORRAL_EINVALIDARG, CORRAL_EGROUPCLOSED, CORRAL_ECLOSED, CORRAL_ENOMEM (also when no more guarded stacks can be mapped). On failure nothing is called and arg is not freed. Thread: loop.
    pub fn corral_spawn_fiber(
        out: *mut *mut corral_task,
        rt: *mut corral_rt,
        group: *mut corral_group,
        name: *const c_char,
        fn_: corral_fiber_fn,
        arg: *mut c_void,
        arg_free: Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> c_int;
    /// `corral_spawn_step` (corral/task.h). C doc comment: Spawn a step-callback task. Same contract as corral_spawn_fiber. Thread: loop.
    pub fn corral_spawn_step(
        out: *mut *mut corral_task,
        rt: *mut corral_rt,
        group: *mut corral_group,
        name: *const c_char,
        fn_: corral_step_fn,
        arg: *mut c_void,
        arg_free: Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> c_int;
    /// `corral_spawn_host` (corral/task.h). C doc comment: Spawn a host-driven task: `token` is the binding's handle for its coroutine, handed back in every record of this task and released by a RELEASE record when the task's memory goes. Same contract otherwise. Thread: loop.
    pub fn corral_spawn_host(
        out: *mut *mut corral_task,
        rt: *mut corral_rt,
        group: *mut corral_group,
        name: *const c_char,
        binding: u32,
        token: u64,
    ) -> c_int;
    /// `corral_task_ref` (corral/task.h); see the comment above its group in the header.
    pub fn corral_task_ref(t: *mut corral_task) -> *mut corral_task;
    /// `corral_task_unref` (corral/task.h); see the comment above its group in the header.
    pub fn corral_task_unref(t: *mut corral_task);
    /// `corral_current` (corral/task.h). C doc comment: The task running now on this thread (a fiber or a step callback), or NULL (host tasks are never "current": hosts pass their task explicitly). Borrowed. Thread: any.
    pub fn corral_current() -> *mut corral_task;
    /// `corral_task_id` (corral/task.h). C doc comment: Queries. NULL-safe: id 0, name "", state -1. Thread: loop.
    pub fn corral_task_id(t: *const corral_task) -> u64;
    /// `corral_task_name` (corral/task.h); see the comment above its group in the header.
    pub fn corral_task_name(t: *const corral_task) -> *const c_char;
    /// `corral_task_state` (corral/task.h); see the comment above its group in the header.
    pub fn corral_task_state(t: *const corral_task) -> c_int;
    /// `corral_task_done` (corral/task.h). C doc comment: 1 when terminal, 0 otherwise, negative code for NULL.
    pub fn corral_task_done(t: *const corral_task) -> c_int;
    /// `corral_task_cancel_pending` (corral/task.h). C doc comment: 1 when a checkpoint of this task would raise Cancelled (R25, R30), else 0.
    pub fn corral_task_cancel_pending(t: *const corral_task) -> c_int;
    /// `corral_task_cancel_flag` (corral/task.h). C doc comment: The same answer as a word in the task's memory, kept up to date by the core, so a host can read it without a call (valid while t is referenced; NULL for NULL). Thread: loop.
    pub fn corral_task_cancel_flag(t: *const corral_task) -> *const i32;
    /// `corral_task_rt` (corral/task.h); see the comment above its group in the header.
    pub fn corral_task_rt(t: *const corral_task) -> *mut corral_rt;
    /// `corral_task_cancel` (corral/task.h). C doc comment: Cancel the task's root scope (cause EXPLICIT, R15). Returns 1 if the task was not terminal and its root scope not already cancelled, else 0. Never waits, never runs user code. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop.
    pub fn corral_task_cancel(t: *mut corral_task) -> c_int;
    /// `corral_task_result` (corral/task.h). C doc comment: Outcome of a terminal task: 0 (COMPLETED; *out borrows the value, valid while t is referenced), the error code (FAILED; corral_task_error gives the error), or CORRAL_ETASKCANCELLED (CANCELLED). CORRAL_EINVALIDSTATE while not terminal. Thread: loop.
    pub fn corral_task_result(t: *const corral_task, out: *mut corral_value) -> c_int;
    /// `corral_task_error` (corral/task.h). C doc comment: The error of a FAILED task (borrowed), else NULL.
    pub fn corral_task_error(t: *const corral_task) -> *mut corral_error;
    /// `corral_task_last_error` (corral/task.h). C doc comment: The error object that came with the last outcome this task received (borrowed, valid until its next await), or NULL. This is how a fiber reads the error behind CORRAL_EUSER.
    pub fn corral_task_last_error(t: *const corral_task) -> *mut corral_error;
    /// `corral_task_set_error` (corral/task.h). C doc comment: Record the error a task body is about to end with (takes a reference) and return its code, so a fiber can write `return corral_task_set_error(self, e);`. Thread: loop.
    pub fn corral_task_set_error(self_: *mut corral_task, e: *mut corral_error) -> c_int;
    /// `corral_task_raise` (corral/task.h). C doc comment: Shorthand: make a User(kind, msg) error, record it, return CORRAL_EUSER. Thread: loop.
    pub fn corral_task_raise(
        self_: *mut corral_task,
        kind: *const c_char,
        msg: *const c_char,
    ) -> c_int;
    /// `corral_task_await` (corral/task.h). C doc comment: Await `op` in task `t` (a step or host task in its step; a fiber must use corral_await). Every operation is a checkpoint (R23): if cancellation is pending this returns CORRAL_ECANCELLED at once and performs nothing; otherwise it returns CORRAL_PENDING and the outcome arrives as the task's next step (step driver) or record (host driver), after at least one pass through the ready queue. Errors (nothing performed, no step follows): CORRAL_EINVALIDARG (bad op), CORRAL_EINVALIDSTATE (t is not in its step, or already awaiting), CORRAL_ECLOSED. Thread: loop.
    pub fn corral_task_await(t: *mut corral_task, op: *const corral_op) -> c_int;
    /// `corral_task_finish` (corral/task.h). C doc comment: Finish task `t` (a step or host task, inside its step) with `status`: 0 with `value` (taken; NULL = NONE) and `repr` (the canonical text for the trace "done" line; NULL = the core formats the value), CORRAL_ECANCELLED, or an error code with `err` (a reference is taken; NULL = an error made from the code). Terminal state per R14. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not in its step). Thread: loop.
    pub fn corral_task_finish(
        t: *mut corral_task,
        status: c_int,
        value: *const corral_value,
        repr: *const c_char,
        err: *mut corral_error,
    ) -> c_int;
    /// `corral_task_await_many` (corral/task.h). C doc comment: Submit n awaits in one call, exactly as n calls of corral_task_await in order would; results[i] receives each return value. For hosts that batch their coroutines' awaits (reading corral_task_cancel_flag to raise Cancelled at the cancel point themselves) and flush the batch before any other corral call. Returns 0, or CORRAL_EINVALIDARG for NULL arrays. Thread: loop.
    pub fn corral_task_await_many(
        tasks: *const *mut corral_task,
        ops: *const corral_op,
        results: *mut i32,
        n: usize,
    ) -> c_int;
    /// `corral_task_abandon` (corral/task.h). C doc comment: Withdraw the operation task t (a step or host task) is awaiting, because the host dropped the thing that awaited it (a Rust future in a select!, R31). If the outcome was not committed yet, the wait is removed without any effect and 0 is returned. If it was committed but not yet handed to the host, it is discarded and what can be undone is undone (a queue item goes back to the next parked getter or the head of the queue, ahead of every priority; a granted lock passes to the next waiter and a semaphore permit is given back; a group member handed out by NEXT_DONE is handed out again; a future's or task's result, an event wake-up and a delivered put or watch write simply stay done) and 1 is returned. An abandoned COND_WAIT leaves the task without the lock. Either way the task is back in its step: it must await again or finish. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not awaiting, or a fiber), CORRAL_ECLOSED. Thread: loop.
    pub fn corral_task_abandon(t: *mut corral_task) -> c_int;
    /// `corral_task_take_value` (corral/task.h). C doc comment: Inside the step of step task t: take ownership of the value the step was called with, if the core owned it (a queue item: a PTR keeps its destructor, BYTES their copy). Returns 1 with *out taken (the step's `value` is then NONE), or 0 with *out NONE when the value is only borrowed (a future's or task's result: copy what you need). Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not inside t's step). Thread: loop.
    pub fn corral_task_take_value(t: *mut corral_task, out: *mut corral_value) -> c_int;
    /// `corral_await` (corral/task.h). C doc comment: Fiber-blocking form of corral_task_await for the current fiber: parks it and returns the outcome: 0 with *out (may be NULL) or a negative code. Errors: CORRAL_EINVALIDSTATE when not called from a fiber ("awaiting from outside a task"), plus corral_task_await's.
    pub fn corral_await(op: *const corral_op, out: *mut corral_value) -> c_int;
    /// `corral_checkpoint` (corral/task.h). C doc comment: Fiber shorthands (Thread: loop, from a fiber).
    pub fn corral_checkpoint() -> c_int;
    /// `corral_sleep` (corral/task.h); see the comment above its group in the header.
    pub fn corral_sleep(deadline: i64) -> c_int;
    /// `corral_sleep_for` (corral/task.h); see the comment above its group in the header.
    pub fn corral_sleep_for(duration: i64) -> c_int;
    /// `corral_join` (corral/task.h); see the comment above its group in the header.
    pub fn corral_join(t: *mut corral_task, out: *mut corral_value, deadline: i64) -> c_int;
    /// `corral_task_set_local` (corral/task.h). C doc comment: Task-locals are (key, value) pairs copied into each task spawned by a task (decision 6). Values are plain words: the core never frees them. Thread: loop.
    pub fn corral_task_set_local(t: *mut corral_task, key: *const c_void, value: usize) -> c_int;
    /// `corral_task_get_local` (corral/task.h). C doc comment: Returns 1 and sets *out if the key is present, else 0.
    pub fn corral_task_get_local(
        t: *const corral_task,
        key: *const c_void,
        out: *mut usize,
    ) -> c_int;

    // ---- corral/future.h ----
    /// `corral_future_new` (corral/future.h). C doc comment: Create a pending future; the caller owns one reference. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_future_new(out: *mut *mut corral_future, rt: *mut corral_rt) -> c_int;
    /// `corral_future_ref` (corral/future.h); see the comment above its group in the header.
    pub fn corral_future_ref(f: *mut corral_future) -> *mut corral_future;
    /// `corral_future_unref` (corral/future.h); see the comment above its group in the header.
    pub fn corral_future_unref(f: *mut corral_future);
    /// `corral_future_close` (corral/future.h). C doc comment: Close: cancels the future if pending; later calls return CORRAL_ECLOSED (queries still answer). Idempotent. Thread: loop.
    pub fn corral_future_close(f: *mut corral_future) -> c_int;
    /// `corral_future_set_result` (corral/future.h). C doc comment: Complete with a value (taken; NULL = NONE). Errors: CORRAL_EINVALIDSTATE if not pending, CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop.
    pub fn corral_future_set_result(f: *mut corral_future, v: *const corral_value) -> c_int;
    /// `corral_future_set_error` (corral/future.h). C doc comment: Complete with an error (a reference is taken). Same errors. Thread: loop.
    pub fn corral_future_set_error(f: *mut corral_future, e: *mut corral_error) -> c_int;
    /// `corral_future_cancel` (corral/future.h). C doc comment: Cancel: returns 1 if the future was pending (now CANCELLED), 0 otherwise. Thread: loop.
    pub fn corral_future_cancel(f: *mut corral_future) -> c_int;
    /// `corral_future_state` (corral/future.h). C doc comment: CORRAL_FUTURE_* state, or a negative code for NULL. Thread: loop.
    pub fn corral_future_state(f: *const corral_future) -> c_int;
    /// `corral_future_result` (corral/future.h). C doc comment: Outcome: 0 with *out borrowed (valid while f is referenced), the error code (corral_future_error gives the error), CORRAL_EFUTURECANCELLED, or CORRAL_EINVALIDSTATE while pending. Thread: loop.
    pub fn corral_future_result(f: *const corral_future, out: *mut corral_value) -> c_int;
    /// `corral_future_error` (corral/future.h); see the comment above its group in the header.
    pub fn corral_future_error(f: *const corral_future) -> *mut corral_error;
    /// `corral_future_add_callback` (corral/future.h). C doc comment: Add a done callback; returns a positive id for corral_future_remove_callback. A callback added after completion is queued at once at the tail (R20). Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_future_add_callback(
        f: *mut corral_future,
        cb: corral_future_cb,
        ud: *mut c_void,
    ) -> i64;
    /// `corral_future_add_host_callback` (corral/future.h). C doc comment: Add a host done callback: delivered as a CALLBACK record carrying `token` (corral/host.h).
    pub fn corral_future_add_host_callback(f: *mut corral_future, binding: u32, token: u64) -> i64;
    /// `corral_future_remove_callback` (corral/future.h). C doc comment: Remove a callback that has not been queued yet. Returns 1 if removed, 0 if not found.
    pub fn corral_future_remove_callback(f: *mut corral_future, id: i64) -> c_int;
    /// `corral_future_await` (corral/future.h). C doc comment: Fiber shorthand: await f with a per-call deadline. 0 with *out borrowed, or a code.
    pub fn corral_future_await(
        f: *mut corral_future,
        out: *mut corral_value,
        deadline: i64,
    ) -> c_int;

    // ---- corral/scope.h ----
    /// `corral_cause_name` (corral/scope.h). C doc comment: "EXPLICIT", "DEADLINE", ... ("NONE" for 0). Thread: any.
    pub fn corral_cause_name(cause: c_int) -> *const c_char;
    /// `corral_scope_enter` (corral/scope.h). C doc comment: Enter a scope on task t (NULL = current task) with an absolute deadline (-1 = none; a deadline <= now cancels the scope at once, R40) and a shield flag fixed for its life. The caller owns one reference (the scope stays readable after exit). Errors: CORRAL_EINVALIDARG (bad kind, no task), CORRAL_EINVALIDSTATE (task terminal), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_scope_enter(
        out: *mut *mut corral_scope,
        t: *mut corral_task,
        kind: c_int,
        deadline: i64,
        shield: c_int,
    ) -> c_int;
    /// `corral_move_on_at` (corral/scope.h). C doc comment: Shorthands (deadline relative to the current tick at entry, R37; negative: EINVALIDARG).
    pub fn corral_move_on_at(
        out: *mut *mut corral_scope,
        t: *mut corral_task,
        deadline: i64,
    ) -> c_int;
    /// `corral_move_on_after` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_move_on_after(
        out: *mut *mut corral_scope,
        t: *mut corral_task,
        duration: i64,
    ) -> c_int;
    /// `corral_fail_at` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_fail_at(out: *mut *mut corral_scope, t: *mut corral_task, deadline: i64)
        -> c_int;
    /// `corral_fail_after` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_fail_after(
        out: *mut *mut corral_scope,
        t: *mut corral_task,
        duration: i64,
    ) -> c_int;
    /// `corral_shield` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_shield(out: *mut *mut corral_scope, t: *mut corral_task) -> c_int;
    /// `corral_cleanup_enter` (corral/scope.h). C doc comment: Enter a managed-cleanup scope on task t (NULL = current task), R66: a shield whose deadline is now + the cleanup timeout of t's current group chain (corral_group_set_cleanup_timeout; unlimited by default). Cancellation arriving inside is deferred to the first checkpoint after it. If the grace expires, the scope is cancelled and absorbs it, and a CleanupTimeout error ("<task name>" as actor) is queued to the handler chain, so the outcome that was unwinding is kept. Exit it with corral_scope_exit. Same errors as corral_scope_enter. Thread: loop.
    pub fn corral_cleanup_enter(out: *mut *mut corral_scope, t: *mut corral_task) -> c_int;
    /// `corral_scope_exit` (corral/scope.h). C doc comment: Exit the innermost scope `s` of its task. `status` is what the body ended with (0 or a code); the result is what propagates (see the file comment). The reference stays with the caller. Errors: CORRAL_EINVALIDSTATE (not the innermost scope / already exited), CORRAL_EINVALIDARG. Thread: loop.
    pub fn corral_scope_exit(s: *mut corral_scope, status: c_int) -> c_int;
    /// `corral_scope_exit_uncancellable` (corral/scope.h). C doc comment: Exit an uncancellable (shield) scope (R33, R34): like corral_scope_exit, then if the body succeeded and cancellation is pending, return CORRAL_ECANCELLED when raise_cancel is set (the result must be discarded) or 0 when it is not (the cancellation stays pending).
    pub fn corral_scope_exit_uncancellable(
        s: *mut corral_scope,
        status: c_int,
        raise_cancel: c_int,
    ) -> c_int;
    /// `corral_scope_cancel` (corral/scope.h). C doc comment: Cancel the scope (cause EXPLICIT unless already cancelled; sticky). Parked tasks that become cancel-pending are woken with Cancelled in ascending id order (R26). Returns 1 if this call cancelled it, 0 if it already was. Thread: loop.
    pub fn corral_scope_cancel(s: *mut corral_scope) -> c_int;
    /// `corral_scope_set_deadline` (corral/scope.h). C doc comment: Move the deadline (absolute, -1 = none); a value <= now cancels at once; a later deadline never un-cancels (R37). Errors: CORRAL_EINVALIDSTATE after exit. Thread: loop.
    pub fn corral_scope_set_deadline(s: *mut corral_scope, deadline: i64) -> c_int;
    /// `corral_scope_deadline` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_scope_deadline(s: *const corral_scope) -> i64;
    /// `corral_scope_cancel_called` (corral/scope.h). C doc comment: Flags: 1/0, negative code for NULL.
    pub fn corral_scope_cancel_called(s: *const corral_scope) -> c_int;
    /// `corral_scope_cancelled_caught` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_scope_cancelled_caught(s: *const corral_scope) -> c_int;
    /// `corral_scope_cause` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_scope_cause(s: *const corral_scope) -> c_int;
    /// `corral_scope_ref` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_scope_ref(s: *mut corral_scope) -> *mut corral_scope;
    /// `corral_scope_unref` (corral/scope.h); see the comment above its group in the header.
    pub fn corral_scope_unref(s: *mut corral_scope);
    /// `corral_uncancellable` (corral/scope.h). C doc comment: Fiber shorthand for R33/R34: run fn(self, arg, out) inline inside a shield scope, then apply corral_scope_exit_uncancellable. *out is the body's value exactly as the body set it (not a copy; ownership is whatever the body gave), meaningful when the result is 0.
    pub fn corral_uncancellable(
        fn_: corral_fiber_fn,
        arg: *mut c_void,
        out: *mut corral_value,
        raise_cancel: c_int,
    ) -> c_int;

    // ---- corral/group.h ----
    /// `corral_group_enter` (corral/group.h). C doc comment: Enter a scoped group on task t (NULL = the current task), as `async with TaskGroup()` does (R42): its scope's parent is t's innermost scope and t's body runs inside it, so cancelling t cancels the members, and a FAIL_FAST member failure cancels the body too. Entering is not a checkpoint. The group must be left with CORRAL_OP_GROUP_EXIT (or corral_group_exit) before any scope entered outside it is exited. The group's parent in the group tree is t's group (handler chain). The caller owns one reference. Errors: CORRAL_EINVALIDARG (bad policy/mode, no task), CORRAL_EINVALIDSTATE (task done), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_group_enter(
        out: *mut *mut corral_group,
        t: *mut corral_task,
        name: *const c_char,
        policy: c_int,
        exit_mode: c_int,
    ) -> c_int;
    /// `corral_group_exit` (corral/group.h). C doc comment: Fiber form of CORRAL_OP_GROUP_EXIT: leave scoped group g with the status the body ended with (0, CORRAL_ECANCELLED, or an error code whose error object was recorded with corral_task_set_error). R49: a body that raised cancels the group; CANCEL mode closes it with cancellation; then the exit waits until every member is terminal. That wait is not a cancel point and cannot be abandoned. The result: CORRAL_EERRORGROUP (FAIL_FAST with errors, the ErrorGroup is corral_task_last_error; errors beat cancellation, R54), else the body's error, else a Cancelled the group scope owns is absorbed (R28), else a cancel point.
    pub fn corral_group_exit(g: *mut corral_group, status: c_int) -> c_int;
    /// `corral_group_next_done` (corral/group.h). C doc comment: Fiber form of CORRAL_OP_GROUP_NEXT_DONE on a COLLECT group the current fiber entered: wait for the next member to end and return its spawn index in the group (0 for the first member spawned into it; corral_group_member gives the task). Members are handed out in the order they ended, each once. A checkpoint with a per-call deadline (R41). Errors: CORRAL_ECANCELLED, CORRAL_ETIMEOUT, CORRAL_EINVALIDSTATE (not a COLLECT group entered by this task, or no member left to wait for), CORRAL_EINVALIDARG.
    pub fn corral_group_next_done(g: *mut corral_group, deadline: i64) -> c_int;
    /// `corral_group_member` (corral/group.h). C doc comment: The member of a COLLECT group with spawn index `index` (borrowed; valid while g lives), or NULL when out of range. Thread: loop.
    pub fn corral_group_member(g: *const corral_group, index: i64) -> *mut corral_task;
    /// `corral_task_current_group` (corral/group.h). C doc comment: The group the code running in task t (NULL = current task) spawns into by default, as aiotools' current_taskgroup: the innermost scoped group t entered and has not left, else the group t is a member of, else NULL for a member of the root group (borrowed). Thread: loop.
    pub fn corral_task_current_group(t: *const corral_task) -> *mut corral_group;
    /// `corral_group_scope` (corral/group.h). C doc comment: The group's cancel scope (borrowed; valid while g lives), trio's `nursery.cancel_scope`: corral_scope_cancel on it cancels every member and, for a scoped group, the body, without closing the group (spawning stays allowed, R44); corral_scope_cancelled_caught tells whether the exit absorbed that cancellation. It cannot be exited. Thread: loop.
    pub fn corral_group_scope(g: *mut corral_group) -> *mut corral_scope;
    /// `corral_group_set_cleanup_timeout` (corral/group.h). C doc comment: Managed-cleanup grace for code running in this group and its subgroups (R66): a cleanup scope (corral_cleanup_enter) gets the deadline now + the nearest group's timeout. -1 = inherit from the parent (the default; the root group's default is unlimited). Negative values other than -1: CORRAL_EINVALIDARG. Thread: loop.
    pub fn corral_group_set_cleanup_timeout(g: *mut corral_group, timeout: i64) -> c_int;
    /// `corral_group_cleanup_timeout` (corral/group.h). C doc comment: The effective timeout (-1 = unlimited).
    pub fn corral_group_cleanup_timeout(g: *const corral_group) -> i64;
    /// `corral_group_wrap` (corral/group.h). C doc comment: Wrap an existing future or task into group g (hat `Group.wrap`): spawns a step task `name` in g that awaits `target` and ends with its outcome (INT, DOUBLE, BOOL and BYTES values are copied; a PTR value is lent without its destructor; a HOST value fails the wrapper with InvalidArgument: hosts wrap in their own language). When the group cancels the wrapper, it cancels the target (a task is then awaited, shielded, so the group closes after it). kind: CORRAL_OP_FUTURE or CORRAL_OP_JOIN. The caller owns one reference to *out. Errors: as corral_spawn_step. Thread: loop.
    pub fn corral_group_wrap(
        out: *mut *mut corral_task,
        g: *mut corral_group,
        name: *const c_char,
        kind: u32,
        target: *mut c_void,
    ) -> c_int;
    /// `corral_group_new` (corral/group.h). C doc comment: Create a free group under `parent` (NULL = the root group). `name` may be NULL (unnamed: no trace lines). The caller owns one reference. Errors: CORRAL_EINVALIDARG, CORRAL_EGROUPCLOSED (parent not open), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_group_new(
        out: *mut *mut corral_group,
        rt: *mut corral_rt,
        parent: *mut corral_group,
        name: *const c_char,
    ) -> c_int;
    /// `corral_group_ref` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_ref(g: *mut corral_group) -> *mut corral_group;
    /// `corral_group_unref` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_unref(g: *mut corral_group);
    /// `corral_group_set_host_handler` (corral/group.h). C doc comment: Make the group's exception callback a host's (token 0 removes it): when a failure reaches this group in the handler chain, the host gets a CORRAL_RECORD_HANDLER record (after the "<group> handler <task> <err>" trace line) and runs its callback. Replaces a C callback. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop.
    pub fn corral_group_set_host_handler(g: *mut corral_group, binding: u32, token: u64) -> c_int;
    /// `corral_group_set_handler` (corral/group.h). C doc comment: Set the group's exception callback (NULL = use the parent's chain). Thread: loop.
    pub fn corral_group_set_handler(
        g: *mut corral_group,
        fn_: corral_group_handler_fn,
        ud: *mut c_void,
    ) -> c_int;
    /// `corral_group_close` (corral/group.h). C doc comment: Close (R45, R46): OPEN -> CLOSING for the group and its subgroups; with `cancel`, their scopes are cancelled (cause GROUP_CLOSE) and parked members woken in ascending id order. A later close with cancel escalates; other repeats are no-ops. Never waits. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED. Thread: loop.
    pub fn corral_group_close(g: *mut corral_group, cancel: c_int) -> c_int;
    /// `corral_group_is_open` (corral/group.h). C doc comment: State queries: 1/0, negative code for NULL.
    pub fn corral_group_is_open(g: *const corral_group) -> c_int;
    /// `corral_group_is_closing` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_is_closing(g: *const corral_group) -> c_int;
    /// `corral_group_is_closed` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_is_closed(g: *const corral_group) -> c_int;
    /// `corral_group_name` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_name(g: *const corral_group) -> *const c_char;
    /// `corral_group_size` (corral/group.h). C doc comment: Number of non-terminal members.
    pub fn corral_group_size(g: *const corral_group) -> i64;
    /// `corral_group_wait_closing` (corral/group.h). C doc comment: Fiber shorthands: wait for CLOSING / CLOSED (checkpoints; a shielded self-wait fails with InvalidState, R17), and close + wait_closed (R48).
    pub fn corral_group_wait_closing(g: *mut corral_group, deadline: i64) -> c_int;
    /// `corral_group_wait_closed` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_wait_closed(g: *mut corral_group, deadline: i64) -> c_int;
    /// `corral_group_async_close` (corral/group.h); see the comment above its group in the header.
    pub fn corral_group_async_close(g: *mut corral_group, cancel: c_int, deadline: i64) -> c_int;

    // ---- corral/queue.h ----
    /// `corral_queue_new` (corral/queue.h). C doc comment: Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_queue_new(out: *mut *mut corral_queue, rt: *mut corral_rt, maxsize: i64)
        -> c_int;
    /// `corral_queue_ref` (corral/queue.h); see the comment above its group in the header.
    pub fn corral_queue_ref(q: *mut corral_queue) -> *mut corral_queue;
    /// `corral_queue_unref` (corral/queue.h); see the comment above its group in the header.
    pub fn corral_queue_unref(q: *mut corral_queue);
    /// `corral_queue_put_nowait` (corral/queue.h). C doc comment: Put without waiting: hands the item to the first parked getter or buffers it. On failure the item stays the caller's. Errors: CORRAL_EQUEUECLOSED, CORRAL_EQUEUEFULL, CORRAL_EINVALIDARG. Thread: loop.
    pub fn corral_queue_put_nowait(q: *mut corral_queue, v: *const corral_value) -> c_int;
    /// `corral_queue_get_nowait` (corral/queue.h). C doc comment: Get without waiting (promotes the first parked putter). Errors: CORRAL_EQUEUEEMPTY (also when closed and empty), CORRAL_EINVALIDARG. Thread: loop.
    pub fn corral_queue_get_nowait(q: *mut corral_queue, out: *mut corral_value) -> c_int;
    /// `corral_queue_close` (corral/queue.h). C doc comment: Close (R63): idempotent; parked putters fail with QueueClosed; if the buffer is empty, parked getters too. Buffered items stay gettable. Thread: loop.
    pub fn corral_queue_close(q: *mut corral_queue) -> c_int;
    /// `corral_queue_size` (corral/queue.h). C doc comment: Queries (negative code for NULL).
    pub fn corral_queue_size(q: *const corral_queue) -> i64;
    /// `corral_queue_maxsize` (corral/queue.h); see the comment above its group in the header.
    pub fn corral_queue_maxsize(q: *const corral_queue) -> i64;
    /// `corral_queue_is_closed` (corral/queue.h); see the comment above its group in the header.
    pub fn corral_queue_is_closed(q: *const corral_queue) -> c_int;
    /// `corral_queue_get` (corral/queue.h). C doc comment: Fiber shorthands with per-call deadlines (R41, R61).
    pub fn corral_queue_get(q: *mut corral_queue, out: *mut corral_value, deadline: i64) -> c_int;
    /// `corral_queue_put` (corral/queue.h); see the comment above its group in the header.
    pub fn corral_queue_put(q: *mut corral_queue, v: *const corral_value, deadline: i64) -> c_int;
    /// `corral_queue_new_kind` (corral/queue.h). C doc comment: A queue of the given CORRAL_QUEUE_* kind. Same errors (and CORRAL_EINVALIDARG for an unknown kind). Thread: loop.
    pub fn corral_queue_new_kind(
        out: *mut *mut corral_queue,
        rt: *mut corral_rt,
        maxsize: i64,
        kind: c_int,
    ) -> c_int;
    /// `corral_queue_kind` (corral/queue.h); see the comment above its group in the header.
    pub fn corral_queue_kind(q: *const corral_queue) -> c_int;
    /// `corral_queue_put_nowait_priority` (corral/queue.h). C doc comment: put_nowait with a priority (used by PRIORITY queues, ignored by the others; the async form passes it in corral_op.arg).
    pub fn corral_queue_put_nowait_priority(
        q: *mut corral_queue,
        v: *const corral_value,
        priority: i32,
    ) -> c_int;
    /// `corral_queue_full` (corral/queue.h). C doc comment: 1 when the queue has no room: a put_nowait on the open queue would fail with QueueFull (a RENDEZVOUS queue is full unless a getter waits); 0 otherwise. A size query, as hat.aio's full(): closing does not change it (a put then fails with QueueClosed first). Negative code for NULL.
    pub fn corral_queue_full(q: *const corral_queue) -> c_int;
    /// `corral_queue_put_priority` (corral/queue.h). Fiber shorthand: put with a priority (PRIORITY queues) and a per-call deadline. Thread: loop, from a fiber.
    pub fn corral_queue_put_priority(
        q: *mut corral_queue,
        v: *const corral_value,
        priority: i32,
        deadline: i64,
    ) -> c_int;
    /// `corral_queue_get_until_empty` (corral/queue.h). C doc comment: hat's get_until_empty (R61): wait for one item, then drain the rest without waiting; *out receives the last item (the earlier ones are dropped). Thread: loop, from a fiber.
    pub fn corral_queue_get_until_empty(
        q: *mut corral_queue,
        out: *mut corral_value,
        deadline: i64,
    ) -> c_int;
    /// `corral_queue_get_nowait_until_empty` (corral/queue.h). C doc comment: hat's get_nowait_until_empty: the same without waiting (CORRAL_EQUEUEEMPTY when empty).
    pub fn corral_queue_get_nowait_until_empty(
        q: *mut corral_queue,
        out: *mut corral_value,
    ) -> c_int;
    /// `corral_queue_unget` (corral/queue.h). C doc comment: Give back an item just taken from q and not used (R31: a host binding whose task dropped a get outcome it had already received): it goes to the first parked getter, else to the front of the buffer - ahead of every priority, past maxsize if need be, also on a closed queue (it was in the queue before) - so it is neither lost nor reordered. On success the queue owns the item and *item is cleared; on failure it stays the caller's. Only for an item taken from this queue: anything else would let the queue grow past its maxsize. Errors: CORRAL_EINVALIDARG, CORRAL_ENOMEM, CORRAL_ECLOSED (runtime closed). Thread: loop.
    pub fn corral_queue_unget(q: *mut corral_queue, item: *mut corral_value) -> c_int;

    // ---- corral/sync.h ----
    /// `corral_event_new` (corral/sync.h). C doc comment: Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_event_new(out: *mut *mut corral_event, rt: *mut corral_rt) -> c_int;
    /// `corral_event_ref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_event_ref(e: *mut corral_event) -> *mut corral_event;
    /// `corral_event_unref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_event_unref(e: *mut corral_event);
    /// `corral_event_set` (corral/sync.h). C doc comment: Set (idempotent): every parked waiter resumes, FIFO. Returns how many were woken.
    pub fn corral_event_set(e: *mut corral_event) -> c_int;
    /// `corral_event_clear` (corral/sync.h). C doc comment: Clear the flag; waiters already woken stay woken.
    pub fn corral_event_clear(e: *mut corral_event) -> c_int;
    /// `corral_event_is_set` (corral/sync.h). C doc comment: 1/0, negative code for NULL.
    pub fn corral_event_is_set(e: *const corral_event) -> c_int;
    /// `corral_event_wait` (corral/sync.h). C doc comment: Fiber shorthand for CORRAL_OP_EVENT_WAIT.
    pub fn corral_event_wait(e: *mut corral_event, deadline: i64) -> c_int;
    /// `corral_lock_new` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_lock_new(out: *mut *mut corral_lock, rt: *mut corral_rt) -> c_int;
    /// `corral_lock_ref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_lock_ref(l: *mut corral_lock) -> *mut corral_lock;
    /// `corral_lock_unref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_lock_unref(l: *mut corral_lock);
    /// `corral_lock_try_acquire` (corral/sync.h). C doc comment: Take the lock for task t (NULL = current task) if it is free and nobody waits: 1 taken, 0 busy. Errors: CORRAL_EINVALIDSTATE (t already owns it: not reentrant), CORRAL_EINVALIDARG (no task, or a task of another runtime), CORRAL_ECLOSED. Not a checkpoint.
    pub fn corral_lock_try_acquire(l: *mut corral_lock, t: *mut corral_task) -> c_int;
    /// `corral_lock_release` (corral/sync.h). C doc comment: Release by its owner t (NULL = current task): ownership passes to the first waiter at once. Errors: CORRAL_EINVALIDSTATE (not locked, or t is not the owner), CORRAL_EINVALIDARG.
    pub fn corral_lock_release(l: *mut corral_lock, t: *mut corral_task) -> c_int;
    /// `corral_lock_locked` (corral/sync.h). C doc comment: 1/0, negative code for NULL.
    pub fn corral_lock_locked(l: *const corral_lock) -> c_int;
    /// `corral_lock_owner` (corral/sync.h). C doc comment: The owner (borrowed), or NULL.
    pub fn corral_lock_owner(l: *const corral_lock) -> *mut corral_task;
    /// `corral_lock_acquire` (corral/sync.h). C doc comment: Fiber shorthand for CORRAL_OP_LOCK_ACQUIRE (a task that already owns the lock gets CORRAL_EINVALIDSTATE instead of a deadlock).
    pub fn corral_lock_acquire(l: *mut corral_lock, deadline: i64) -> c_int;
    /// `corral_semaphore_new` (corral/sync.h). C doc comment: `value` >= 0 permits. `bound` < 0: a plain semaphore; otherwise a bounded one, whose release past `bound` permits is refused (asyncio's BoundedSemaphore raises ValueError). Errors: CORRAL_EINVALIDARG (negative value, bound < value), CORRAL_ECLOSED, CORRAL_ENOMEM.
    pub fn corral_semaphore_new(
        out: *mut *mut corral_semaphore,
        rt: *mut corral_rt,
        value: i64,
        bound: i64,
    ) -> c_int;
    /// `corral_semaphore_ref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_semaphore_ref(s: *mut corral_semaphore) -> *mut corral_semaphore;
    /// `corral_semaphore_unref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_semaphore_unref(s: *mut corral_semaphore);
    /// `corral_semaphore_try_acquire` (corral/sync.h). C doc comment: Take a permit if one is free and nobody waits: 1 taken, 0 none. Not a checkpoint.
    pub fn corral_semaphore_try_acquire(s: *mut corral_semaphore) -> c_int;
    /// `corral_semaphore_release` (corral/sync.h). C doc comment: Give a permit back: handed to the first waiter, or counted. Errors: CORRAL_EINVALIDSTATE (a bounded semaphore already at its bound), CORRAL_EINVALIDARG.
    pub fn corral_semaphore_release(s: *mut corral_semaphore) -> c_int;
    /// `corral_semaphore_value` (corral/sync.h). C doc comment: Free permits (0 while tasks wait), negative code for NULL.
    pub fn corral_semaphore_value(s: *const corral_semaphore) -> i64;
    /// `corral_semaphore_acquire` (corral/sync.h). C doc comment: Fiber shorthand for CORRAL_OP_SEM_ACQUIRE.
    pub fn corral_semaphore_acquire(s: *mut corral_semaphore, deadline: i64) -> c_int;
    /// `corral_condition_new` (corral/sync.h). C doc comment: A condition over `lock` (a reference is taken; NULL = a new lock of its own).
    pub fn corral_condition_new(
        out: *mut *mut corral_condition,
        rt: *mut corral_rt,
        lock: *mut corral_lock,
    ) -> c_int;
    /// `corral_condition_ref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_condition_ref(c: *mut corral_condition) -> *mut corral_condition;
    /// `corral_condition_unref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_condition_unref(c: *mut corral_condition);
    /// `corral_condition_lock` (corral/sync.h). C doc comment: The condition's lock (borrowed).
    pub fn corral_condition_lock(c: *const corral_condition) -> *mut corral_lock;
    /// `corral_condition_notify` (corral/sync.h). C doc comment: Wake up to n waiters (n < 0: all), FIFO: each moves to the lock's queue and resumes once it owns the lock again. Returns how many were woken. The caller need not own the lock.
    pub fn corral_condition_notify(c: *mut corral_condition, n: c_int) -> c_int;
    /// `corral_condition_wait` (corral/sync.h). C doc comment: Fiber shorthand for CORRAL_OP_COND_WAIT: the caller must own the lock, which is released while it waits. Whatever ends the wait (notify, cancellation, the per-call deadline), the waiter resumes only after it owns the lock again (re-acquired in FIFO order, shielded from cancellation, R65), then gets 0, CORRAL_ECANCELLED or CORRAL_ETIMEOUT, so `async with cond` stays balanced. Errors: CORRAL_EINVALIDSTATE (the lock is not the caller's). Predicate loops (wait_for) are built on this by each binding.
    pub fn corral_condition_wait(c: *mut corral_condition, deadline: i64) -> c_int;
    /// `corral_watch_new` (corral/sync.h). C doc comment: `initial` is taken (NULL = NONE); its version is 0.
    pub fn corral_watch_new(
        out: *mut *mut corral_watch,
        rt: *mut corral_rt,
        initial: *const corral_value,
    ) -> c_int;
    /// `corral_watch_ref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_watch_ref(w: *mut corral_watch) -> *mut corral_watch;
    /// `corral_watch_unref` (corral/sync.h); see the comment above its group in the header.
    pub fn corral_watch_unref(w: *mut corral_watch);
    /// `corral_watch_get` (corral/sync.h). C doc comment: The current value (borrowed until the next write) and its version (may be NULL).
    pub fn corral_watch_get(
        w: *const corral_watch,
        out: *mut corral_value,
        version: *mut u64,
    ) -> c_int;
    /// `corral_watch_set` (corral/sync.h). C doc comment: Store v (taken; the old value is dropped), bump the version, wake every waiting reader (FIFO). Returns how many readers were woken. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED.
    pub fn corral_watch_set(w: *mut corral_watch, v: *const corral_value) -> c_int;
    /// `corral_watch_readers` (corral/sync.h). C doc comment: Number of readers waiting now.
    pub fn corral_watch_readers(w: *const corral_watch) -> i64;
    /// `corral_watch_next` (corral/sync.h). C doc comment: Fiber shorthand for CORRAL_OP_WATCH_NEXT: wait until the version is newer than *seen, then store the current version in *seen (read the value with corral_watch_get).
    pub fn corral_watch_next(w: *mut corral_watch, seen: *mut u64, deadline: i64) -> c_int;
    /// `corral_watch_put` (corral/sync.h). C doc comment: Fiber shorthand for CORRAL_OP_WATCH_PUT: wait until a reader waits, then write v (taken on success; on failure, including cancellation, it stays the caller's).
    pub fn corral_watch_put(w: *mut corral_watch, v: *const corral_value, deadline: i64) -> c_int;

    // ---- corral/helpers.h ----
    /// `corral_gather_safe` (corral/helpers.h). C doc comment: gather_safe (R71): run the n members concurrently in an internal group, wait for all, and store a reference to each member task in tasks[i] (input order); read each outcome with corral_task_result / corral_task_error (errors are values: no handler sees them, R59). If the calling task is cancelled, the members are cancelled and awaited, the tasks are still stored, and CORRAL_ECANCELLED is returned. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not in a fiber), CORRAL_ENOMEM. Thread: loop, from a fiber.
    pub fn corral_gather_safe(
        members: *const corral_member,
        n: usize,
        tasks: *mut *mut corral_task,
    ) -> c_int;
    /// `corral_race` (corral/helpers.h). C doc comment: race (R70): the first member to complete wins; the others are cancelled and awaited; then 0 is returned with the winner's value moved into *out and its spawn index in *winner. Without continue_on_error the first failure before any success cancels the rest and is returned. With it, failures before the winner are collected in occurrence order into *errors; if all fail, CORRAL_EERRORGROUP. n == 0: CORRAL_EINVALIDARG. Thread: loop, from a fiber.
    pub fn corral_race(
        members: *const corral_member,
        n: usize,
        continue_on_error: c_int,
        out: *mut corral_value,
        winner: *mut usize,
        errors: *mut *mut corral_error,
    ) -> c_int;
    /// `corral_call_on_cancel` (corral/helpers.h). C doc comment: call_on_cancel (R73): wait until the calling task is cancelled, then run fn(self, arg, out) as managed cleanup (corral_cleanup_enter) and return its status. Thread: loop, from a fiber.
    pub fn corral_call_on_cancel(
        fn_: corral_fiber_fn,
        arg: *mut c_void,
        out: *mut corral_value,
    ) -> c_int;
    /// `corral_call_on_done` (corral/helpers.h). C doc comment: call_on_done (R73): await future f (its outcome is ignored), then run fn(self, arg, out) and return its status. Cancelled while waiting: fn is not called, f is not cancelled (R21), and CORRAL_ECANCELLED is returned. Thread: loop, from a fiber.
    pub fn corral_call_on_done(
        f: *mut corral_future,
        fn_: corral_fiber_fn,
        arg: *mut c_void,
        out: *mut corral_value,
    ) -> c_int;
    /// `corral_cancel_and_join` (corral/helpers.h). C doc comment: cancel_and_join (aiotools cancel_and_wait): cancel task t and wait until it is terminal. Returns 0 when it ended CANCELLED or COMPLETED (then *out borrows its value), its error code when it FAILED. Thread: loop, from a fiber.
    pub fn corral_cancel_and_join(t: *mut corral_task, out: *mut corral_value) -> c_int;
    /// `corral_first` (corral/helpers.h). C doc comment: first over a queue: get items until one matches pred (NULL = any item), move it into *out and return 1; when the queue is closed and drained, return 0 with *out NONE. Errors: CORRAL_ECANCELLED, CORRAL_ETIMEOUT, a predicate's code, CORRAL_EINVALIDARG. Thread: loop, from a fiber.
    pub fn corral_first(
        q: *mut corral_queue,
        pred: corral_pred_fn,
        ud: *mut c_void,
        out: *mut corral_value,
        deadline: i64,
    ) -> c_int;

    // ---- corral/exitstack.h ----
    // Fiber-only API (corral_exitstack_close runs in a C fiber): declared so the crate
    // mirrors the header; the safe crate does not call it.
    /// `corral_exitstack_new` (corral/exitstack.h). C doc comment: Create an empty stack for runtime rt (cleanup timeout -1 = the task's group chain). The caller owns one reference. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_exitstack_new(out: *mut *mut corral_exitstack, rt: *mut corral_rt) -> c_int;
    /// `corral_exitstack_ref` (corral/exitstack.h). C doc comment: Take a reference (NULL-safe). Thread: loop.
    pub fn corral_exitstack_ref(st: *mut corral_exitstack) -> *mut corral_exitstack;
    /// `corral_exitstack_unref` (corral/exitstack.h). C doc comment: Drop a reference; the last one frees the stack and discards callbacks not run yet. Thread: loop.
    pub fn corral_exitstack_unref(st: *mut corral_exitstack);
    /// `corral_exitstack_set_cleanup_timeout` (corral/exitstack.h). C doc comment: Grace bound of close in ns (>= 0), or -1 to use the task's group chain. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (closed). Thread: loop.
    pub fn corral_exitstack_set_cleanup_timeout(st: *mut corral_exitstack, timeout: i64) -> c_int;
    /// `corral_exitstack_cleanup_timeout` (corral/exitstack.h). C doc comment: The setting (-1 = group chain), or CORRAL_EINVALIDARG for NULL. Thread: loop.
    pub fn corral_exitstack_cleanup_timeout(st: *const corral_exitstack) -> i64;
    /// `corral_exitstack_push` (corral/exitstack.h). C doc comment: Push a plain callback (run LIFO at close); ud is borrowed. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_exitstack_push(
        st: *mut corral_exitstack,
        fn_: corral_exit_fn,
        ud: *mut c_void,
    ) -> c_int;
    /// `corral_exitstack_push_fiber` (corral/exitstack.h). C doc comment: Push a fiber callback (run LIFO at close, in the closing fiber). Errors as corral_exitstack_push. Thread: loop.
    pub fn corral_exitstack_push_fiber(
        st: *mut corral_exitstack,
        fn_: corral_exit_fiber_fn,
        ud: *mut c_void,
    ) -> c_int;
    /// `corral_exitstack_size` (corral/exitstack.h). C doc comment: Number of callbacks waiting, or CORRAL_EINVALIDARG for NULL. Thread: loop.
    pub fn corral_exitstack_size(st: *const corral_exitstack) -> i64;
    /// `corral_exitstack_pop_all` (corral/exitstack.h). C doc comment: Move every callback (and the cleanup timeout) to a new stack *out; st stays open and empty. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_exitstack_pop_all(
        st: *mut corral_exitstack,
        out: *mut *mut corral_exitstack,
    ) -> c_int;
    /// `corral_exitstack_close` (corral/exitstack.h). C doc comment: Fiber only. Run the callbacks LIFO inside one managed-cleanup scope and return the status that propagates (R66, R67). Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not in a fiber, closed), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop, from a fiber.
    pub fn corral_exitstack_close(st: *mut corral_exitstack, status: c_int) -> c_int;
    /// `corral_exitstack_enter` (corral/exitstack.h). C doc comment: Fiber only. Enter cm and push its exit; a failed enter pushes nothing and returns its code. Errors: as corral_acm_enter, CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (closed), CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_exitstack_enter(
        st: *mut corral_exitstack,
        cm: *const corral_acm,
        ud: *mut c_void,
        value: *mut corral_value,
    ) -> c_int;
    // ---- corral/context.h ----
    // Fiber-only API (enter and exit run in a C fiber): declared so the crate mirrors the
    // header; the safe crate drives its own AsyncContextManager with the same rules.
    /// `corral_acm_enter` (corral/context.h). C doc comment: Fiber only. Enter cm (*value NONE first) and return its code; an error other than Cancelled is then the task's last error. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (not in a fiber). Thread: loop.
    pub fn corral_acm_enter(
        cm: *const corral_acm,
        ud: *mut c_void,
        value: *mut corral_value,
    ) -> c_int;
    /// `corral_acm_exit` (corral/context.h). C doc comment: Fiber only. Run cm->exit as managed cleanup and return the status that propagates under R68 (ordinary errors suppressible, Cancelled never). Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_acm_exit(cm: *const corral_acm, ud: *mut c_void, status: c_int) -> c_int;
    /// `corral_ctxgroup_new` (corral/context.h). C doc comment: Create an empty context group; the caller owns one reference. Errors: CORRAL_EINVALIDARG, CORRAL_ECLOSED, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_ctxgroup_new(out: *mut *mut corral_ctxgroup, rt: *mut corral_rt) -> c_int;
    /// `corral_ctxgroup_ref` (corral/context.h). C doc comment: Take a reference (NULL-safe). Thread: loop.
    pub fn corral_ctxgroup_ref(g: *mut corral_ctxgroup) -> *mut corral_ctxgroup;
    /// `corral_ctxgroup_unref` (corral/context.h). C doc comment: Drop a reference; the last one frees the group (entered managers are not exited). Thread: loop.
    pub fn corral_ctxgroup_unref(g: *mut corral_ctxgroup);
    /// `corral_ctxgroup_set_task_names` (corral/context.h). C doc comment: Name the helper tasks "<enter_prefix><i>" and "<exit_prefix><i>". Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (entered), CORRAL_ENOMEM. Thread: loop.
    pub fn corral_ctxgroup_set_task_names(
        g: *mut corral_ctxgroup,
        enter_prefix: *const c_char,
        exit_prefix: *const c_char,
    ) -> c_int;
    /// `corral_ctxgroup_add` (corral/context.h). C doc comment: Append a manager (ud borrowed). Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE (entered), CORRAL_ENOMEM. Thread: loop.
    pub fn corral_ctxgroup_add(
        g: *mut corral_ctxgroup,
        cm: *const corral_acm,
        ud: *mut c_void,
    ) -> c_int;
    /// `corral_ctxgroup_size` (corral/context.h). C doc comment: Number of managers, or CORRAL_EINVALIDARG for NULL. Thread: loop.
    pub fn corral_ctxgroup_size(g: *const corral_ctxgroup) -> i64;
    /// `corral_ctxgroup_enter` (corral/context.h). C doc comment: Fiber only. Enter every manager concurrently (R69); strict by default. Errors: CORRAL_EERRORGROUP (enter errors), CORRAL_ECANCELLED, CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_ctxgroup_enter(g: *mut corral_ctxgroup, flags: c_int) -> c_int;
    /// `corral_ctxgroup_value` (corral/context.h). C doc comment: Manager i's entered value (borrowed), NONE when it did not enter. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE. Thread: loop.
    pub fn corral_ctxgroup_value(
        g: *const corral_ctxgroup,
        i: usize,
        out: *mut corral_value,
    ) -> c_int;
    /// `corral_ctxgroup_enter_error` (corral/context.h). C doc comment: Manager i's enter error (borrowed) or NULL. Thread: loop.
    pub fn corral_ctxgroup_enter_error(g: *const corral_ctxgroup, i: usize) -> *mut corral_error;
    /// `corral_ctxgroup_exit` (corral/context.h). C doc comment: Fiber only. Exit the entered managers concurrently as managed cleanup; returns status or CORRAL_EERRORGROUP of the exit errors. Errors: CORRAL_EINVALIDARG, CORRAL_EINVALIDSTATE, CORRAL_ENOMEM. Thread: loop.
    pub fn corral_ctxgroup_exit(g: *mut corral_ctxgroup, status: c_int) -> c_int;
    /// `corral_ctxgroup_exit_state` (corral/context.h). C doc comment: Manager i's exit error (borrowed) or NULL. Thread: loop.
    pub fn corral_ctxgroup_exit_state(g: *const corral_ctxgroup, i: usize) -> *mut corral_error;
    /// `corral_exitstack_closed` (corral/exitstack.h). C doc comment: 1 once close has started, 0 before; CORRAL_EINVALIDARG for NULL. Thread: loop.
    pub fn corral_exitstack_closed(st: *const corral_exitstack) -> c_int;

    // ---- corral/host.h ----
    /// `corral_host_poll` (corral/host.h). C doc comment: Drive the run of `main` (same meaning as corral_rt_run, R51), returning at most `cap` records in recs. Returns 0 with *n >= 1, or CORRAL_DONE with *n == 0 when the run is over (corral_rt_run_status gives main's outcome). The first call starts the run; signals are handled as in corral_rt_run while the run lasts. A host task that was handed out in the previous batch and neither awaited nor finished is failed with InvalidState. Errors: CORRAL_EINVALIDARG (NULL, cap 0, record_size mismatch, main of another runtime), CORRAL_EINVALIDSTATE (called from inside the loop, or a different main), CORRAL_ECLOSED. Thread: loop (this call makes it so).
    pub fn corral_host_poll(
        rt: *mut corral_rt,
        main: *mut corral_task,
        recs: *mut corral_record,
        cap: usize,
        record_size: usize,
        n: *mut usize,
    ) -> c_int;
    /// `corral_group_handler_raised` (corral/host.h). C doc comment: The host callback of a HANDLER record raised `raised`: the original error becomes its context and the chain goes on at the group's parent (R56), within the handling of that record. A reference to raised is taken. Errors: CORRAL_EINVALIDARG (not a HANDLER record, NULL error), CORRAL_ECLOSED. Thread: loop, while handling that record.
    pub fn corral_group_handler_raised(
        rec: *const corral_record,
        raised: *mut corral_error,
    ) -> c_int;
    /// `corral_host_poll_submit` (corral/host.h). C doc comment: Run `ncmds` queued calls in order, exactly as the direct calls would run at that point (results[i] receives each return value: CORRAL_PENDING, CORRAL_ECANCELLED, 0, or an error; UNREF gives 0), then poll as corral_host_poll does: one FFI crossing per batch. A host queueing its coroutines' awaits must raise Cancelled itself at the cancel point (read corral_task_cancel_flag before queueing an AWAIT) and must flush its queue before any other corral call, so the core sees the same sequence as with direct calls. Errors: as corral_host_poll, plus CORRAL_EINVALIDARG for NULL arrays with ncmds > 0 or a command-size mismatch (nothing is run then). Thread: loop.
    pub fn corral_host_poll_submit(
        rt: *mut corral_rt,
        main: *mut corral_task,
        cmds: *const corral_host_cmd,
        ncmds: usize,
        cmd_size: usize,
        results: *mut i32,
        recs: *mut corral_record,
        cap: usize,
        record_size: usize,
        n: *mut usize,
    ) -> c_int;
}
