//! The runtime and the host driver: Rust futures as corral tasks (design.md, "The driver
//! contract"). The core decides every wake-up; this module only turns the records of
//! `corral_host_poll` into polls of the right future, in record order.
use crate::error::{cstring, Error, ErrorKind, Result};
use crate::repr::repr_of;
use crate::scope::Cause;
use corral_sys as sys;
use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::ffi::CString;
use std::future::Future;
use std::marker::PhantomData;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// Binding ids this crate gives the core for its tokens (any non-zero ids it chooses).
pub(crate) const BINDING_TASK: u32 = 0x5253_0001;
pub(crate) const BINDING_VALUE: u32 = 0x5253_0002;
pub(crate) const BINDING_CALLBACK: u32 = 0x5253_0003;
pub(crate) const BINDING_HANDLER: u32 = 0x5253_0004;

/// A group's exception callback (see `Group::set_exception_cb`).
pub(crate) type HandlerFn = Rc<dyn Fn(&Error, Option<&TaskRef>) -> Result<()>>;

const RECORDS: usize = 256;

thread_local! {
    /// The driver running on this thread (set for the duration of `block_on`).
    static CURRENT: Cell<*const Driver> = const { Cell::new(ptr::null()) };
}

/// The driver of the current thread, if `block_on` is running here.
pub(crate) fn with_driver<R>(f: impl FnOnce(&Driver) -> R) -> Option<R> {
    let p = CURRENT.with(|c| c.get());
    if p.is_null() {
        None
    } else {
        // SAFETY: CURRENT is set only while the Driver (kept alive by block_on's Rc) lives.
        Some(f(unsafe { &*p }))
    }
}

pub(crate) fn current_driver_rc() -> Result<Rc<Driver>> {
    with_driver(|d| d.this.borrow().upgrade())
        .flatten()
        .ok_or_else(no_runtime)
}

pub(crate) fn no_runtime() -> Error {
    Error::new(
        ErrorKind::InvalidState,
        "no corral runtime is running on this thread",
    )
}

/// A simple slab: tokens are indices.
pub(crate) struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Slab<T> {
    const fn new() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
    pub(crate) fn insert(&mut self, v: T) -> usize {
        if let Some(i) = self.free.pop() {
            self.items[i] = Some(v);
            i
        } else {
            self.items.push(Some(v));
            self.items.len() - 1
        }
    }
    pub(crate) fn remove(&mut self, i: usize) -> Option<T> {
        let v = self.items.get_mut(i)?.take();
        if v.is_some() {
            self.free.push(i);
        }
        v
    }
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i)?.as_ref()
    }
    fn drain(&mut self) -> Vec<T> {
        self.free.clear();
        mem::take(&mut self.items).into_iter().flatten().collect()
    }
}

/// How a task's future ended, as the core needs it.
pub(crate) enum Finish {
    Ok(Option<CString>),
    Err(Error),
    Panic(String),
}

/// A task as the driver sees it: poll it, or drop its future early.
pub(crate) trait Pollable {
    fn poll_task(&self, cx: &mut Context<'_>) -> Poll<Finish>;
    fn drop_future(&self);
    /// The payload of the panic the task ended with (moved out, for a fatal panic, R58).
    fn take_panic(&self) -> Option<Box<dyn Any + Send>>;
}

type TaskFuture = Rc<dyn Pollable>;

struct TaskSlot {
    fut: Option<TaskFuture>,
    /// Distinguishes reuses of the slot (for wakers).
    gen: u32,
    /// Parked on `wake` inside the shield `shield`, waiting for a Waker (foreign future).
    foreign: bool,
    wake: *mut sys::corral_future,
    shield: *mut sys::corral_scope,
    /// The id of the op this task is parked on in the core (0: none).
    op: u64,
    /// The Waker the op future was polled with, when it is not the task's own (a
    /// combinator's sub-waker): woken when the outcome arrives, before the poll.
    op_waker: Option<Waker>,
    /// Outcomes delivered to this task whose op futures did not collect them in the poll
    /// that brought them (the future was alive but not polled then): (op id, outcome),
    /// collected by the op future's next poll or rolled back when it is dropped.
    stash: Vec<(u64, Outcome)>,
}

impl Drop for TaskSlot {
    fn drop(&mut self) {
        // SAFETY: our references; valid memory even after the runtime closed.
        unsafe {
            if !self.shield.is_null() {
                sys::corral_scope_unref(self.shield);
            }
            if !self.wake.is_null() {
                sys::corral_future_unref(self.wake);
            }
        }
    }
}

// ---- wakers: foreign futures inside corral tasks -------------------------------------------
//
// A task future may also wait for a non-corral future (a `futures` channel fed by another
// task, a hand-written future). When its poll returns Pending without a corral operation,
// the task parks on a private corral future inside a shield (so it is no cancel point, and
// an idle runtime still detects a deadlock); the Waker completes that future, which queues
// the task at the ready tail like any wake-up. Wakers work on the runtime's thread; a wake
// from another thread is ignored (the loop would not notice it).

const VTABLE: RawWakerVTable = RawWakerVTable::new(waker_clone, waker_wake, waker_wake, waker_drop);

fn waker_for(slot: u32, gen: u32) -> Waker {
    let data = ((slot as usize) << 32 | gen as usize) as *const ();
    // SAFETY: the vtable functions only decode `data` as two integers.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

unsafe fn waker_clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

unsafe fn waker_wake(data: *const ()) {
    let d = data as usize;
    with_driver(|drv| drv.wake_slot((d >> 32) as u32, d as u32));
}

unsafe fn waker_drop(_: *const ()) {}

/// The outcome of a task's parked operation, from a RESUME record.
#[derive(Copy, Clone)]
pub(crate) struct Outcome {
    pub status: i32,
    pub value: sys::corral_value,
    pub owned: bool,
    pub error: *mut sys::corral_error,
}

/// The task being polled now.
#[derive(Copy, Clone)]
pub(crate) struct Cur {
    pub task: *mut sys::corral_task,
    pub slot: u32,
    /// The id of the op the task awaits: parked in the core, or its outcome in `resume`.
    pub op: u64,
    /// Its Waker was called during this poll.
    pub woken: bool,
}

const NO_CUR: Cur = Cur {
    task: ptr::null_mut(),
    slot: u32::MAX,
    op: 0,
    woken: false,
};

pub(crate) struct Driver {
    pub(crate) rt: *mut sys::corral_rt,
    this: RefCell<std::rc::Weak<Driver>>,
    tasks: RefCell<Slab<TaskSlot>>,
    pub(crate) values: RefCell<Slab<Box<dyn Any>>>,
    pub(crate) callbacks: RefCell<Slab<Box<dyn FnOnce()>>>,
    /// Exception callbacks of groups (HANDLER records); token = index + 1. The core never
    /// releases these tokens, so they live until replaced or until the runtime is dropped.
    pub(crate) handlers: RefCell<Slab<(HandlerFn, String)>>,
    /// The current handler token of each group that has one (key: the corral_group*).
    pub(crate) group_handlers: RefCell<std::collections::HashMap<usize, u64>>,
    pub(crate) cur: Cell<Cur>,
    /// The actor of the callback running now (a done callback: "callback"; a group's
    /// exception callback: its actor), for log() outside a task, as Python and Lua do.
    cb_actor: RefCell<Option<String>>,
    pub(crate) resume: Cell<Option<Outcome>>,
    ran: Cell<bool>,
    next_gen: Cell<u32>,
    /// The main task while `block_on` runs (TaskNursery's escalation cancels it).
    pub(crate) main: Cell<*mut sys::corral_task>,
    /// Panics in tasks are fatal errors (R58, `RuntimeBuilder::fatal_panics`).
    fatal_panics: bool,
    /// The first fatal panic: its error and payload, resumed by `block_on` when the run ends
    /// with that error.
    fatal: RefCell<Option<(Error, Box<dyn Any + Send>)>>,
    /// Per-runtime registries of the group presets (live persistent groups, TaskNursery
    /// names), keyed by their type.
    registry: RefCell<std::collections::HashMap<std::any::TypeId, Box<dyn Any>>>,
}

impl Driver {
    // ---- host values (queue items, future results) ----

    /// Store a Rust value; the core will carry `{BINDING_VALUE, token}`.
    pub(crate) fn put_value(&self, v: Box<dyn Any>) -> sys::corral_value {
        let token = self.values.borrow_mut().insert(v) as u64;
        sys::corral_value {
            type_: sys::CORRAL_VALUE_HOST,
            binding: BINDING_VALUE,
            as_: sys::corral_value_as { token },
            ..Default::default()
        }
    }

    /// Take back a value the host owns (an OWNED record value, a failed put).
    pub(crate) fn take_value(&self, v: &sys::corral_value) -> Option<Box<dyn Any>> {
        if v.type_ != sys::CORRAL_VALUE_HOST || v.binding != BINDING_VALUE {
            return None;
        }
        // SAFETY: HOST values carry a token.
        let token = unsafe { v.as_.token } as usize;
        let item = self.values.borrow_mut().remove(token);
        item
    }

    /// Clone a value the core still owns (a future's result, borrowed by the record).
    pub(crate) fn clone_value<T: Clone + 'static>(&self, v: &sys::corral_value) -> Option<T> {
        if v.type_ != sys::CORRAL_VALUE_HOST || v.binding != BINDING_VALUE {
            return None;
        }
        // SAFETY: HOST values carry a token.
        let token = unsafe { v.as_.token } as usize;
        self.values
            .borrow()
            .get(token)?
            .downcast_ref::<T>()
            .cloned()
    }

    /// Drop an outcome nobody consumed (owned values are released).
    pub(crate) fn discard(&self, o: Outcome) {
        if o.owned {
            let mut v = o.value;
            if let Some(b) = self.take_value(&v) {
                drop(b);
            } else if v.type_ != sys::CORRAL_VALUE_HOST {
                // SAFETY: an owned BYTES/PTR value handed to the host.
                unsafe { sys::corral_value_clear(&mut v) };
            }
        }
    }

    // ---- outcomes kept for op futures that were not polled when they arrived ----

    /// The task being polled submits a new op while the outcome of its previous one (`cur.op`)
    /// sits in `resume`, not collected: the core awaits nothing, so keep that outcome for
    /// its future and let the new op go. False when the previous op is still parked.
    pub(crate) fn stash(&self, cur: &mut Cur) -> bool {
        let Some(o) = self.resume.take() else {
            return false;
        };
        if let Some(Some(s)) = self.tasks.borrow_mut().items.get_mut(cur.slot as usize) {
            s.stash.push((cur.op, o));
        } else {
            self.discard(o);
        }
        cur.op = 0;
        self.cur.set(*cur);
        true
    }

    /// The kept outcome of op `id` of the task in `slot`.
    pub(crate) fn unstash(&self, slot: u32, id: u64) -> Option<Outcome> {
        let mut tasks = self.tasks.try_borrow_mut().ok()?;
        let s = tasks.items.get_mut(slot as usize)?.as_mut()?;
        let i = s.stash.iter().position(|(x, _)| *x == id)?;
        Some(s.stash.swap_remove(i).1)
    }

    /// Remember the Waker an op future was submitted with, unless it is the task's own.
    pub(crate) fn set_op_waker(&self, slot: u32, w: &Waker) {
        if ptr::eq(w.vtable(), &VTABLE) {
            return;
        }
        if let Ok(mut tasks) = self.tasks.try_borrow_mut() {
            if let Some(Some(s)) = tasks.items.get_mut(slot as usize) {
                s.op_waker = Some(w.clone());
            }
        }
    }

    // ---- tasks ----

    /// Spawn `fut` as a host task. The returned task pointer carries one reference.
    pub(crate) fn spawn_raw(
        &self,
        group: *mut sys::corral_group,
        name: Option<&str>,
        fut: TaskFuture,
    ) -> Result<*mut sys::corral_task> {
        let gen = self.next_gen.get().wrapping_add(1);
        self.next_gen.set(gen);
        let slot = self.tasks.borrow_mut().insert(TaskSlot {
            fut: Some(fut),
            gen,
            foreign: false,
            wake: ptr::null_mut(),
            shield: ptr::null_mut(),
            op: 0,
            op_waker: None,
            stash: Vec::new(),
        });
        let cname = name.map(cstring);
        let mut t = ptr::null_mut();
        // SAFETY: loop thread; the name is copied.
        let rc = unsafe {
            sys::corral_spawn_host(
                &mut t,
                self.rt,
                group,
                cname.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                BINDING_TASK,
                slot as u64,
            )
        };
        if rc < 0 {
            let err = Error::last(rc);
            let s = self.tasks.borrow_mut().remove(slot);
            drop(s);
            return Err(err);
        }
        Ok(t)
    }

    /// Run `f` on this runtime's registry of type `R` (created empty on first use).
    pub(crate) fn with_registry<R: Default + 'static, X>(&self, f: impl FnOnce(&mut R) -> X) -> X {
        let mut map = self.registry.borrow_mut();
        let slot = map
            .entry(std::any::TypeId::of::<R>())
            .or_insert_with(|| Box::new(R::default()));
        f(slot
            .downcast_mut::<R>()
            .expect("registry slot of its own type"))
    }

    /// Finish `task` after a panic (R58: as a fatal error when configured; the first fatal
    /// payload is kept for `block_on`).
    fn finish_panic(
        &self,
        task: *mut sys::corral_task,
        msg: String,
        payload: Option<Box<dyn Any + Send>>,
    ) {
        let e = Error::user("Panic", &msg);
        if self.fatal_panics && !e.as_raw().is_null() {
            // SAFETY: the error is ours alone until the core takes its reference below.
            unsafe { sys::corral_error_set_fatal(e.as_raw(), 1) };
            if let Some(p) = payload {
                let mut fatal = self.fatal.borrow_mut();
                if fatal.is_none() {
                    *fatal = Some((e.clone(), p));
                }
            }
        }
        // SAFETY: task is in its step; the core takes a reference to the error.
        unsafe { sys::corral_task_finish(task, e.code(), ptr::null(), ptr::null(), e.as_raw()) };
    }

    fn finish(&self, task: *mut sys::corral_task, fin: Finish) {
        // SAFETY: task is in its step (handed out by this batch); value NULL = NONE.
        unsafe {
            match fin {
                Finish::Ok(repr) => {
                    sys::corral_task_finish(
                        task,
                        0,
                        ptr::null(),
                        repr.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                        ptr::null_mut(),
                    );
                }
                Finish::Err(e) => {
                    sys::corral_task_finish(task, e.code(), ptr::null(), ptr::null(), e.as_raw());
                }
                Finish::Panic(msg) => self.finish_panic(task, msg, None),
            }
        }
    }

    /// One START/RESUME record: poll the task's future once.
    fn step(&self, slot: u32, task: *mut sys::corral_task) {
        let (fut, op, gen, shield, op_waker) = {
            let mut tasks = self.tasks.borrow_mut();
            match tasks.items.get_mut(slot as usize).and_then(|s| s.as_mut()) {
                Some(s) => {
                    let shield = if s.foreign {
                        s.foreign = false;
                        mem::replace(&mut s.shield, ptr::null_mut())
                    } else {
                        ptr::null_mut()
                    };
                    (
                        s.fut.take(),
                        mem::take(&mut s.op),
                        s.gen,
                        shield,
                        s.op_waker.take(),
                    )
                }
                None => (None, 0, 0, ptr::null_mut(), None),
            }
        };
        if !shield.is_null() {
            // Woken after a foreign wait: leave the private shield (never a checkpoint).
            if let Some(o) = self.resume.take() {
                self.discard(o);
            }
            // SAFETY: the shield is this task's innermost scope (entered in park_foreign).
            unsafe {
                sys::corral_scope_exit(shield, 0);
                sys::corral_scope_unref(shield);
            }
        }
        let Some(fut) = fut else {
            if let Some(o) = self.resume.take() {
                self.discard(o);
            }
            return;
        };
        self.cur.set(Cur {
            task,
            slot,
            op,
            woken: false,
        });
        if let Some(w) = op_waker {
            if op != 0 {
                // The op's outcome is here: tell the combinator that polled it.
                w.wake();
            }
        }
        let waker = waker_for(slot, gen);
        let mut cx = Context::from_waker(&waker);
        let polled = panic::catch_unwind(AssertUnwindSafe(|| fut.poll_task(&mut cx)));
        let mut cur = self.cur.replace(NO_CUR);
        if let Some(o) = self.resume.take() {
            if cur.op != 0 && matches!(polled, Ok(Poll::Pending)) {
                // Its op future is alive but was not polled in this poll: keep the outcome
                // for that future's next poll (or its rollback when it is dropped).
                match self.tasks.borrow_mut().items.get_mut(slot as usize) {
                    Some(Some(s)) => s.stash.push((cur.op, o)),
                    _ => self.discard(o),
                }
                cur.op = 0;
            } else {
                self.discard(o);
            }
        }
        if !matches!(polled, Ok(Poll::Pending)) {
            // The task is over: outcomes kept for futures it leaked go.
            let kept = match self.tasks.borrow_mut().items.get_mut(slot as usize) {
                Some(Some(s)) => mem::take(&mut s.stash),
                _ => Vec::new(),
            };
            for (_, o) in kept {
                self.discard(o);
            }
        }
        if cur.op != 0 && !matches!(polled, Ok(Poll::Pending)) {
            // The future ended while an op future it leaked (mem::forget) is still parked:
            // withdraw the wait so that the task can finish.
            // SAFETY: loop thread; an error (not awaiting) is harmless.
            unsafe { sys::corral_task_abandon(task) };
        }
        match polled {
            Ok(Poll::Pending) if cur.op != 0 => {
                let mut tasks = self.tasks.borrow_mut();
                if let Some(Some(s)) = tasks.items.get_mut(slot as usize) {
                    s.fut = Some(fut);
                    s.op = cur.op;
                }
            }
            Ok(Poll::Pending) => {
                if let Err(e) = self.park_foreign(slot, task, cur.woken) {
                    self.finish(task, Finish::Err(e));
                    fut.drop_future();
                } else if let Some(Some(s)) = self.tasks.borrow_mut().items.get_mut(slot as usize) {
                    s.fut = Some(fut);
                }
            }
            Ok(Poll::Ready(Finish::Panic(msg))) => {
                let payload = if self.fatal_panics {
                    fut.take_panic()
                } else {
                    None
                };
                self.finish_panic(task, msg, payload);
                drop(fut);
            }
            Ok(Poll::Ready(fin)) => {
                self.finish(task, fin);
                drop(fut);
            }
            Err(p) => {
                self.finish_panic(task, panic_message(&*p), Some(p));
                fut.drop_future();
            }
        }
    }

    /// The task's future is Pending on a foreign future: park it until its Waker is called.
    fn park_foreign(&self, slot: u32, task: *mut sys::corral_task, woken: bool) -> Result<()> {
        let mut tasks = self.tasks.borrow_mut();
        let Some(Some(s)) = tasks.items.get_mut(slot as usize) else {
            return Err(Error::new(ErrorKind::InvalidState, "task slot vanished"));
        };
        // SAFETY: loop thread; the task is in its step.
        unsafe {
            if s.wake.is_null() || sys::corral_future_state(s.wake) != sys::CORRAL_FUTURE_PENDING {
                sys::corral_future_unref(s.wake);
                s.wake = ptr::null_mut();
                let rc = sys::corral_future_new(&mut s.wake, self.rt);
                if rc < 0 {
                    return Err(Error::last(rc));
                }
            }
            // a guard: signal escalation (R51) must not cut the wait for a foreign future
            let mut shield = ptr::null_mut();
            let rc = sys::corral_scope_enter(
                &mut shield,
                task,
                sys::CORRAL_SCOPE_MOVE_ON,
                -1,
                sys::CORRAL_SHIELD_GUARD,
            );
            if rc < 0 {
                return Err(Error::last(rc));
            }
            let op = sys::corral_op {
                kind: sys::CORRAL_OP_FUTURE,
                arg: 0,
                target: s.wake.cast(),
                deadline: -1,
                value: sys::corral_value::default(),
            };
            let rc = sys::corral_task_await(task, &op);
            if rc != sys::CORRAL_PENDING {
                let e = Error::last(rc);
                sys::corral_scope_exit(shield, 0);
                sys::corral_scope_unref(shield);
                return Err(e);
            }
            s.foreign = true;
            s.shield = shield;
            if woken {
                sys::corral_future_set_result(s.wake, ptr::null());
            }
        }
        Ok(())
    }

    /// A Waker was called (on this thread).
    fn wake_slot(&self, slot: u32, gen: u32) {
        let mut cur = self.cur.get();
        if cur.slot == slot && !cur.task.is_null() {
            cur.woken = true;
            self.cur.set(cur);
            return;
        }
        let Ok(tasks) = self.tasks.try_borrow() else {
            return;
        };
        if let Some(s) = tasks.get(slot as usize) {
            if s.gen == gen && s.foreign && !s.wake.is_null() {
                // SAFETY: loop thread, outside any core call; a second wake is refused
                // harmlessly (InvalidState: already completed).
                unsafe { sys::corral_future_set_result(s.wake, ptr::null()) };
            }
        }
    }

    fn record(&self, r: &sys::corral_record) {
        match r.kind {
            sys::CORRAL_RECORD_START | sys::CORRAL_RECORD_RESUME => {
                if r.kind == sys::CORRAL_RECORD_RESUME {
                    self.resume.set(Some(Outcome {
                        status: r.status,
                        value: r.value,
                        owned: r.flags & sys::CORRAL_RECORD_OWNED != 0,
                        error: r.error,
                    }));
                }
                self.step(r.token as u32, r.task);
            }
            sys::CORRAL_RECORD_CALLBACK => {
                let cb = self.callbacks.borrow_mut().remove(r.token as usize);
                if let Some(cb) = cb {
                    *self.cb_actor.borrow_mut() = Some("callback".into());
                    let ran = panic::catch_unwind(AssertUnwindSafe(cb));
                    *self.cb_actor.borrow_mut() = None;
                    if let Err(p) = ran {
                        // R20/R76(d): nobody can receive it, so it goes to the root group's
                        // handler chain as a `Panic:<msg>` error of actor "callback".
                        let e = Error::user("Panic", &panic_message(&*p));
                        // SAFETY: loop thread, between records; the core takes its own
                        // reference to the error.
                        let rc = unsafe {
                            sys::corral_rt_report_error(
                                self.rt,
                                ptr::null_mut(),
                                c"callback".as_ptr(),
                                e.as_raw(),
                            )
                        };
                        if rc < 0 {
                            let msg = cstring(&format!("panic in a future callback: {e}"));
                            // SAFETY: loop thread; strings are NUL-terminated.
                            unsafe {
                                sys::corral_trace_emit(self.rt, c"rt".as_ptr(), msg.as_ptr())
                            };
                        }
                    }
                }
            }
            sys::CORRAL_RECORD_HANDLER => self.handler(r),
            sys::CORRAL_RECORD_RELEASE => match r.binding {
                BINDING_TASK => {
                    let s = self.tasks.borrow_mut().remove(r.token as usize);
                    drop(s);
                }
                BINDING_VALUE => {
                    let v = self.values.borrow_mut().remove(r.token as usize);
                    drop(v);
                }
                BINDING_CALLBACK => {
                    let c = self.callbacks.borrow_mut().remove(r.token as usize);
                    drop(c);
                }
                _ => {}
            },
            _ => {}
        }
    }
}

impl Driver {
    /// Hand an error nobody can receive to the root group's handler chain (R20/R76(d)),
    /// or trace it when even that is refused.
    fn report(&self, actor: &str, e: &Error) {
        let e = if e.as_raw().is_null() {
            Error::new(e.kind(), "")
        } else {
            e.clone()
        };
        let a = cstring(actor);
        // SAFETY: loop thread, between records; the core takes its own reference.
        let rc = unsafe {
            sys::corral_rt_report_error(self.rt, ptr::null_mut(), a.as_ptr(), e.as_raw())
        };
        if rc < 0 {
            let msg = cstring(&format!("error in {actor}: {e}"));
            // SAFETY: loop thread; strings are NUL-terminated.
            unsafe { sys::corral_trace_emit(self.rt, c"rt".as_ptr(), msg.as_ptr()) };
        }
    }

    /// A HANDLER record: run the group's exception callback `cb(err, task)`; an error it
    /// returns (or a panic, as `Panic:<msg>`) goes on along the handler chain at the group's
    /// parent with the original as its context (corral_group_handler_raised, R56).
    fn handler(&self, r: &sys::corral_record) {
        let err = Error::from_outcome(
            if r.error.is_null() {
                sys::CORRAL_EUSER
            } else {
                // SAFETY: borrowed by the record until the next poll.
                unsafe { sys::corral_error_code(r.error) }
            },
            r.error,
        );
        let task = (!r.task.is_null()).then(|| TaskRef {
            // SAFETY: the record borrows the task; we take our own reference.
            raw: unsafe { sys::corral_task_ref(r.task) },
        });
        let entry = if r.binding == BINDING_HANDLER && r.token != 0 {
            self.handlers
                .borrow()
                .get(r.token as usize - 1)
                .map(|(f, a)| (f.clone(), a.clone()))
        } else {
            None
        };
        let Some((cb, actor)) = entry else {
            // The callback was removed meanwhile: do not lose the error.
            let who = task.as_ref().map_or("handler".to_string(), |t| t.name());
            self.report(&who, &err);
            return;
        };
        *self.cb_actor.borrow_mut() = Some(actor.clone());
        let ran = panic::catch_unwind(AssertUnwindSafe(|| cb(&err, task.as_ref())));
        *self.cb_actor.borrow_mut() = None;
        let raised = match ran {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(p) => Error::user("Panic", &panic_message(&*p)),
        };
        let raised = if raised.is_cancelled() {
            // Cancelled outside any task is stray (R14).
            Error::new(ErrorKind::StrayCancellation, "")
        } else if raised.as_raw().is_null() {
            Error::new(raised.kind(), "")
        } else {
            raised
        };
        // SAFETY: loop thread, while handling this record; the core takes a reference.
        let rc = unsafe { sys::corral_group_handler_raised(r, raised.as_raw()) };
        if rc < 0 {
            self.report(&actor, &raised);
        }
    }
}

pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

// ---- task outputs ---------------------------------------------------------------------------

/// What a task's future may return. `Result<T, corral::Error>` is the native form: `Ok`
/// completes the task, `Err(Cancelled)` ends it CANCELLED (or FAILED(StrayCancellation)
/// when no cancellation is pending, R14), any other `Err` fails it. Plain values complete it.
pub trait TaskOutput: 'static {
    /// The value a joiner receives.
    type Ok: 'static;
    /// Split into value or error.
    fn into_result(self) -> Result<Self::Ok>;
}

impl<T: 'static> TaskOutput for Result<T, Error> {
    type Ok = T;
    fn into_result(self) -> Result<T> {
        self
    }
}

macro_rules! plain_output {
    ($($t:ty),*) => {$(
        impl TaskOutput for $t {
            type Ok = $t;
            fn into_result(self) -> Result<$t> { Ok(self) }
        }
    )*};
}
plain_output!(
    (),
    bool,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    char,
    String,
    &'static str
);
impl<T: 'static> TaskOutput for Vec<T> {
    type Ok = Vec<T>;
    fn into_result(self) -> Result<Vec<T>> {
        Ok(self)
    }
}
impl<T: 'static> TaskOutput for Option<T> {
    type Ok = Option<T>;
    fn into_result(self) -> Result<Option<T>> {
        Ok(self)
    }
}

/// One allocation per task, shared by the driver's slot (as `dyn Pollable`) and the
/// [`JoinHandle`] (as `dyn JoinCell<T>`): the future, then its value or panic.
struct TaskCell<F, T> {
    fut: UnsafeCell<Option<F>>,
    value: RefCell<Option<T>>,
    panic: RefCell<Option<Box<dyn Any + Send>>>,
}

pub(crate) trait JoinCell<T> {
    fn take_value(&self) -> Option<T>;
    fn take_panic(&self) -> Option<Box<dyn Any + Send>>;
}

impl<F, T> JoinCell<T> for TaskCell<F, T> {
    fn take_value(&self) -> Option<T> {
        self.value.borrow_mut().take()
    }
    fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.panic.borrow_mut().take()
    }
}

impl<F> Pollable for TaskCell<F, <F::Output as TaskOutput>::Ok>
where
    F: Future,
    F::Output: TaskOutput,
{
    fn poll_task(&self, cx: &mut Context<'_>) -> Poll<Finish> {
        // SAFETY: only the driver polls or drops the future, never re-entrantly (one task is
        // polled at a time and a task never polls itself); the future lives inside the Rc's
        // allocation and is dropped in place, never moved: it is pinned.
        let slot = unsafe { &mut *self.fut.get() };
        let Some(fut) = slot.as_mut() else {
            return Poll::Ready(Finish::Err(Error::new(
                ErrorKind::InvalidState,
                "task polled after completion",
            )));
        };
        let fut = unsafe { Pin::new_unchecked(fut) };
        let out = match panic::catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(out)) => out,
            Err(p) => {
                *slot = None;
                let msg = panic_message(&*p);
                *self.panic.borrow_mut() = Some(p);
                return Poll::Ready(Finish::Panic(msg));
            }
        };
        *slot = None; // drop the finished future now
        Poll::Ready(match out.into_result() {
            Ok(v) => {
                let repr = if std::any::TypeId::of::<<F::Output as TaskOutput>::Ok>()
                    == std::any::TypeId::of::<()>()
                {
                    None // unit prints nothing (decided at compile time)
                } else {
                    repr_of(&v).map(|s| cstring(&s))
                };
                *self.value.borrow_mut() = Some(v);
                Finish::Ok(repr)
            }
            Err(e) => Finish::Err(e),
        })
    }
    fn drop_future(&self) {
        // SAFETY: as in poll_task; not called while the future is being polled.
        let f = unsafe { (*self.fut.get()).take() };
        drop(f);
    }
    fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.panic.borrow_mut().take()
    }
}

// ---- spawning ---------------------------------------------------------------------------------

/// Spawns tasks with a name and a group (`corral::spawn` uses the defaults: the root group
/// and the core's default name `task<id>`).
#[derive(Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
    group: Option<&'a crate::Group>,
}

impl<'a> Builder<'a> {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Builder::default()
    }
    /// The task's name (trace actor).
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }
    /// The group to spawn into (default: the root group).
    pub fn group(mut self, group: &'a crate::Group) -> Self {
        self.group = Some(group);
        self
    }
    /// Spawn `fut` as a corral task (lazily: its first step is queued, R7). Errors:
    /// `InvalidState` outside a running runtime, `GroupClosed`, `Closed`.
    pub fn spawn<F>(self, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        let d = CURRENT.with(|c| c.get());
        if d.is_null() {
            return Err(no_runtime());
        }
        // SAFETY: see with_driver.
        let d = unsafe { &*d };
        spawn_on(
            d,
            self.group.map_or(ptr::null_mut(), |g| g.raw),
            self.name,
            fut,
        )
    }
}

pub(crate) fn spawn_on<F>(
    d: &Driver,
    group: *mut sys::corral_group,
    name: Option<&str>,
    fut: F,
) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    let cell = Rc::new(TaskCell {
        fut: UnsafeCell::new(Some(fut)),
        value: RefCell::new(None),
        panic: RefCell::new(None),
    });
    let task = d.spawn_raw(group, name, cell.clone())?;
    Ok(JoinHandle {
        task: TaskRef { raw: task },
        cell,
        op: crate::ops::Op::join(task),
    })
}

/// Spawn `fut` as a corral task in the root group. See [`Builder::spawn`].
pub fn spawn<F>(fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    Builder::new().spawn(fut)
}

/// Spawn `fut` as a corral task named `name` in the root group.
pub fn spawn_named<F>(name: &str, fut: F) -> Result<JoinHandle<<F::Output as TaskOutput>::Ok>>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    Builder::new().name(name).spawn(fut)
}

// ---- task handles -----------------------------------------------------------------------------

/// A reference to a task (any driver). Dropping it never cancels the task (R12).
pub struct TaskRef {
    pub(crate) raw: *mut sys::corral_task,
}

impl TaskRef {
    /// The task's id (main = 1).
    pub fn id(&self) -> u64 {
        // SAFETY: raw is referenced by self.
        unsafe { sys::corral_task_id(self.raw) }
    }
    /// The task's name.
    pub fn name(&self) -> String {
        // SAFETY: borrowed string, copied at once.
        unsafe { std::ffi::CStr::from_ptr(sys::corral_task_name(self.raw)) }
            .to_string_lossy()
            .into_owned()
    }
    /// True when terminal.
    pub fn is_done(&self) -> bool {
        unsafe { sys::corral_task_done(self.raw) == 1 }
    }
    /// True when a checkpoint of the task would raise Cancelled (R25, R30).
    pub fn cancel_pending(&self) -> bool {
        unsafe { sys::corral_task_cancel_pending(self.raw) == 1 }
    }
    /// Cancel the task's root scope (R15): true if the task was not terminal and not already
    /// cancelled. Never waits. Errors: `Closed` (runtime closed).
    pub fn cancel(&self) -> Result<bool> {
        // SAFETY: loop thread (the handle is !Send).
        let rc = unsafe { sys::corral_task_cancel(self.raw) };
        if rc < 0 {
            Err(Error::last(rc))
        } else {
            Ok(rc == 1)
        }
    }
    /// Wait for the task to end (a checkpoint, R16); the value is not available through a
    /// `TaskRef` (use the [`JoinHandle`]). Joining the current task fails with InvalidState.
    pub fn join(&self) -> crate::ops::Join {
        crate::ops::Join {
            _task: self.clone(),
            op: crate::ops::Op::join(self.raw),
        }
    }
    /// The raw task (borrowed).
    pub fn as_raw(&self) -> *mut sys::corral_task {
        self.raw
    }
}

impl Clone for TaskRef {
    fn clone(&self) -> Self {
        TaskRef {
            raw: unsafe { sys::corral_task_ref(self.raw) },
        }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: the one reference this handle owns.
        unsafe { sys::corral_task_unref(self.raw) }
    }
}

/// The current task, if called from inside a corral task's poll.
pub fn current() -> Option<TaskRef> {
    with_driver(|d| {
        let c = d.cur.get();
        (!c.task.is_null()).then(|| TaskRef {
            raw: unsafe { sys::corral_task_ref(c.task) },
        })
    })
    .flatten()
}

/// A spawned task: await it to join (R16: the value, the task's error as the same object,
/// or `TaskCancelled`; a panic in the task is resumed here). Dropping it never cancels or
/// detaches anything (R12).
pub struct JoinHandle<T> {
    task: TaskRef,
    cell: Rc<dyn JoinCell<T>>,
    op: crate::ops::Op,
}

impl<T> JoinHandle<T> {
    /// The task.
    pub fn task(&self) -> &TaskRef {
        &self.task
    }
    /// Cancel the task (see [`TaskRef::cancel`]).
    pub fn cancel(&self) -> Result<bool> {
        self.task.cancel()
    }
    /// True when the task is terminal.
    pub fn is_done(&self) -> bool {
        self.task.is_done()
    }
    /// The outcome of a terminal task without waiting (a helper's member): its value
    /// (taken), its error (a panic's payload is dropped: the `Panic` error is the value), or
    /// `TaskCancelled`.
    pub(crate) fn take_outcome(&self) -> Result<T> {
        let raw = self.task.raw;
        // SAFETY: raw is referenced by the handle; errors are borrowed and referenced.
        match unsafe { sys::corral_task_state(raw) } {
            sys::CORRAL_TASK_COMPLETED => self.cell.take_value().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidState,
                    "the task's value was already taken",
                )
            }),
            sys::CORRAL_TASK_FAILED => {
                drop(self.cell.take_panic());
                let mut v = sys::corral_value::default();
                let code = unsafe { sys::corral_task_result(raw, &mut v) };
                Err(Error::from_outcome(code, unsafe {
                    sys::corral_task_error(raw)
                }))
            }
            sys::CORRAL_TASK_CANCELLED => Err(Error::from_code(sys::CORRAL_ETASKCANCELLED)),
            _ => Err(Error::new(ErrorKind::InvalidState, "the task is not done")),
        }
    }
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JoinHandle({:?})", self.task)
    }
}

impl std::fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Task(id={}, name={:?})", self.id(), self.name())
    }
}

impl<T: 'static> JoinHandle<T> {
    /// Join without giving up the handle: `handle.join().timeout(d).await` (or
    /// `.deadline(at)`, R41) ends with `Err(Timeout)` when the time passes first and leaves
    /// the task running and the handle usable; awaiting the handle itself is the same join
    /// without a deadline. The value is taken by the first join that succeeds.
    pub fn join(&mut self) -> JoinWait<'_, T> {
        let op = crate::ops::Op::join(self.task.raw);
        JoinWait { handle: self, op }
    }

    /// A join's outcome: the value, the task's error or `TaskCancelled`; a panic of the task
    /// resumes here.
    fn joined(&self, o: Result<Outcome>) -> Result<T> {
        let o = o?;
        if let Some(p) = self.cell.take_panic() {
            panic::resume_unwind(p);
        }
        if o.status != 0 {
            return Err(Error::from_outcome(o.status, o.error));
        }
        self.cell.take_value().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidState,
                "the task's value was already taken by an earlier join",
            )
        })
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        this.op.poll_op(cx).map(|o| this.joined(o))
    }
}

/// [`JoinHandle::join`]'s future: a join that borrows the handle, with an optional per-call
/// deadline.
#[must_use = "futures do nothing unless awaited"]
pub struct JoinWait<'a, T> {
    handle: &'a mut JoinHandle<T>,
    op: crate::ops::Op,
}

crate::ops::per_call_deadline!(JoinWait<'a, T>);

impl<T> Unpin for JoinWait<'_, T> {}

impl<T: 'static> Future for JoinWait<'_, T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        this.op.poll_op(cx).map(|o| this.handle.joined(o))
    }
}

// ---- runtime --------------------------------------------------------------------------------

/// Configures a [`Runtime`].
#[derive(Clone, Debug, Default)]
pub struct RuntimeBuilder {
    flags: u32,
    trace_fd: Option<i32>,
    fatal_panics: bool,
}

impl RuntimeBuilder {
    /// The VIRTUAL clock: time starts at 0 and jumps only when idle (R10).
    pub fn virtual_clock(mut self) -> Self {
        self.flags |= sys::CORRAL_RT_VIRTUAL_CLOCK;
        self
    }
    /// Handle SIGINT/SIGTERM while running: the first one cancels main (R51).
    pub fn signals(mut self, on: bool) -> Self {
        if on {
            self.flags |= sys::CORRAL_RT_SIGNALS;
        } else {
            self.flags &= !sys::CORRAL_RT_SIGNALS;
        }
        self
    }
    /// Escalate the second SIGINT/SIGTERM (R51): it cancels every shield of every task
    /// (`shield`, `uncancellable`, managed cleanup), cutting waiting cleanup short. Without
    /// it, signals after the first are ignored.
    pub fn escalate_signals(mut self) -> Self {
        self.flags |= sys::CORRAL_RT_ESCALATE_SIGNALS;
        self
    }
    /// Strict mode: the first unhandled error cancels main and is returned (R57).
    pub fn strict(mut self, on: bool) -> Self {
        if on {
            self.flags |= sys::CORRAL_RT_STRICT;
        } else {
            self.flags &= !sys::CORRAL_RT_STRICT;
        }
        self
    }
    /// Treat a panic in a task as a fatal error (R58): it fails the task with `Panic:<msg>`
    /// marked fatal, which closes and cancels every group it passes (as FAIL_FAST), is
    /// raised as itself by a scoped group's exit (`task_group`, `supervisor`, ...), never
    /// reaches an exception callback, and from a free group (or the root) cancels main, so
    /// the run ends with it after cleanup. When the run ends with it, [`Runtime::block_on`]
    /// resumes the original panic. Joiners get the `Panic` error instead of the panic.
    /// Default: off (a panic fails only its task, and a joiner resumes it).
    pub fn fatal_panics(mut self, on: bool) -> Self {
        self.fatal_panics = on;
        self
    }
    /// Write trace lines (R77) to file descriptor `fd` (1 = standard output).
    pub fn trace_fd(mut self, fd: i32) -> Self {
        self.trace_fd = Some(fd);
        self
    }
    /// Create the runtime.
    pub fn build(self) -> Result<Runtime> {
        let mut rt = ptr::null_mut();
        // SAFETY: out pointer valid.
        let rc = unsafe { sys::corral_rt_new(&mut rt, self.flags) };
        if rc < 0 {
            return Err(Error::last(rc));
        }
        if let Some(fd) = self.trace_fd {
            let rc = unsafe { sys::corral_rt_set_trace_fd(rt, fd) };
            if rc < 0 {
                let e = Error::last(rc);
                unsafe { sys::corral_rt_unref(rt) };
                return Err(e);
            }
        }
        let d = Rc::new(Driver {
            rt,
            this: RefCell::new(std::rc::Weak::new()),
            tasks: RefCell::new(Slab::new()),
            values: RefCell::new(Slab::new()),
            callbacks: RefCell::new(Slab::new()),
            handlers: RefCell::new(Slab::new()),
            group_handlers: RefCell::new(std::collections::HashMap::new()),
            cur: Cell::new(NO_CUR),
            cb_actor: RefCell::new(None),
            resume: Cell::new(None),
            ran: Cell::new(false),
            next_gen: Cell::new(0),
            main: Cell::new(ptr::null_mut()),
            fatal_panics: self.fatal_panics,
            fatal: RefCell::new(None),
            registry: RefCell::new(std::collections::HashMap::new()),
        });
        *d.this.borrow_mut() = Rc::downgrade(&d);
        Ok(Runtime {
            d,
            _not_send: PhantomData,
        })
    }
}

/// A corral runtime (one libevent loop on this thread). Runs once: [`Runtime::block_on`]
/// drives `main` as in R51 (when main ends, the root group is closed with cancellation and
/// awaited, then the core emits `rt run <outcome>`). `!Send`; dropping it closes the runtime
/// and drops every future and value it still holds.
pub struct Runtime {
    d: Rc<Driver>,
    _not_send: PhantomData<*mut ()>,
}

struct Restore(*const Driver);
impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

impl Runtime {
    /// A runtime on the REAL clock.
    pub fn new() -> Result<Runtime> {
        RuntimeBuilder::default().build()
    }
    /// A builder (virtual clock, signals, strict mode, traces).
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// Run `main` as the main task (id 1) until the run is over, and return its outcome:
    /// its value, its error, `Cancelled` (e.g. after a signal; [`Runtime::run_cause`] says
    /// why) or `Deadlock`. A panic in main is resumed here after the run. Errors:
    /// `InvalidState` when the runtime already ran or when called from inside a running
    /// corral task.
    pub fn block_on<F>(&self, main: F) -> Result<<F::Output as TaskOutput>::Ok>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        if CURRENT.with(|c| !c.get().is_null()) {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "block_on called from inside a running corral runtime",
            ));
        }
        if self.d.ran.replace(true) {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "this runtime already ran (a runtime runs once)",
            ));
        }
        let d: &Driver = &self.d;
        let _restore = Restore(CURRENT.with(|c| c.replace(d)));
        let handle = spawn_on(d, ptr::null_mut(), Some("main"), main)?;
        let main_task = handle.task.raw;
        d.main.set(main_task);
        let mut recs = vec![sys::corral_record::default(); RECORDS];
        loop {
            let mut n = 0usize;
            // SAFETY: recs has RECORDS records of the size we pass.
            let rc = unsafe {
                sys::corral_host_poll(
                    d.rt,
                    main_task,
                    recs.as_mut_ptr(),
                    recs.len(),
                    mem::size_of::<sys::corral_record>(),
                    &mut n,
                )
            };
            if rc == sys::CORRAL_DONE {
                break;
            }
            if rc == sys::CORRAL_ESTOPPED {
                // A corral_rt_stop made through the raw API: block_on runs main to its end,
                // so it just resumes (calling host_poll again continues the run).
                continue;
            }
            if rc < 0 {
                return Err(Error::last(rc));
            }
            for r in &recs[..n] {
                d.record(r);
            }
        }
        drop(_restore);
        d.main.set(ptr::null_mut());
        let status = unsafe { sys::corral_rt_run_status(d.rt) };
        if let Some(p) = handle.cell.take_panic() {
            panic::resume_unwind(p);
        }
        let fatal = d.fatal.borrow_mut().take();
        if let Some((e, p)) = fatal {
            // R58: the run ended with the fatal panic: resume it as Rust code would.
            let raw = unsafe { sys::corral_rt_run_error(d.rt) };
            if status != 0 && !raw.is_null() && raw == e.as_raw() {
                panic::resume_unwind(p);
            }
        }
        match status {
            0 => handle.cell.take_value().ok_or_else(|| {
                Error::new(ErrorKind::InvalidState, "main completed without a value")
            }),
            sys::CORRAL_ECANCELLED => Err(Error::cancelled()),
            code => {
                // SAFETY: loop thread; the run is over, so the core answers the error behind
                // `status` (strict mode's first unhandled error, R57, else main's), borrowed
                // while the runtime lives; from_outcome takes a reference.
                let raw = unsafe { sys::corral_rt_run_error(d.rt) };
                if !raw.is_null() && unsafe { sys::corral_error_code(raw) } == code {
                    return Err(Error::from_outcome(code, raw));
                }
                let raw = unsafe { sys::corral_task_error(main_task) };
                if !raw.is_null() && unsafe { sys::corral_error_code(raw) } == code {
                    Err(Error::from_outcome(code, raw))
                } else {
                    Err(Error::from_code(code))
                }
            }
        }
    }

    /// Same as [`Runtime::block_on`].
    pub fn run<F>(&self, main: F) -> Result<<F::Output as TaskOutput>::Ok>
    where
        F: Future + 'static,
        F::Output: TaskOutput,
    {
        self.block_on(main)
    }

    /// After [`Runtime::block_on`] returned: the cause of the cancellation main saw when the
    /// run ended (`Some(Cause::Signal)` after Ctrl-C or [`inject_signal`], ...), or
    /// `Some(Cause::None)`. `None` before the run ended.
    pub fn run_cause(&self) -> Option<Cause> {
        // SAFETY: loop thread (Runtime is !Send); the core answers EINVALIDSTATE before the
        // run ended and ECLOSED after a close.
        let c = unsafe { sys::corral_rt_run_cause(self.d.rt) };
        (c >= 0).then(|| Cause::from_raw(c))
    }

    /// The raw runtime (borrowed).
    pub fn as_raw(&self) -> *mut sys::corral_rt {
        self.d.rt
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let d = &self.d;
        // SAFETY: not inside the loop (block_on borrows self, so it is not running).
        unsafe { sys::corral_rt_close(d.rt) };
        // Drop what the core can no longer release through records. CURRENT is not set (or
        // is another runtime's driver), so dropped op futures call nothing (Op::withdraw).
        let tasks = d.tasks.borrow_mut().drain();
        for s in &tasks {
            if let Some(f) = &s.fut {
                f.drop_future();
            }
        }
        let values = d.values.borrow_mut().drain();
        let callbacks = d.callbacks.borrow_mut().drain();
        drop(tasks);
        drop(values);
        drop(callbacks);
        let handlers = d.handlers.borrow_mut().drain();
        drop(handlers);
        let registry = mem::take(&mut *d.registry.borrow_mut());
        drop(registry);
        let fatal = d.fatal.borrow_mut().take();
        drop(fatal);
        unsafe { sys::corral_rt_unref(d.rt) };
    }
}

/// Run `main` on a fresh REAL-clock runtime (see [`Runtime::block_on`]).
pub fn run<F>(main: F) -> Result<<F::Output as TaskOutput>::Ok>
where
    F: Future + 'static,
    F::Output: TaskOutput,
{
    Runtime::new()?.block_on(main)
}

/// The raw runtime of the current thread (while `block_on` runs).
pub(crate) fn current_rt() -> Result<*mut sys::corral_rt> {
    with_driver(|d| d.rt).ok_or_else(no_runtime)
}

/// Emit `<t> <actor> log <text>` where the actor is the current task's name (R77), or in a
/// callback the callback's actor (a future's done callback: `callback`; a group's exception
/// callback: `<group>.cb`), as in Python and Lua. Errors: `InvalidState` outside a task or
/// callback (use [`log_as`]).
pub fn log(text: &str) -> Result<()> {
    let (rt, task, cb_actor) =
        with_driver(|d| (d.rt, d.cur.get().task, d.cb_actor.borrow().clone()))
            .ok_or_else(no_runtime)?;
    if task.is_null() {
        return match cb_actor {
            // in a callback: the callback is the actor ("callback", "<group>.cb")
            Some(actor) => log_as(&actor, text),
            None => Err(Error::new(
                ErrorKind::InvalidState,
                "log outside a task: use log_as(actor, text)",
            )),
        };
    }
    let t = cstring(text);
    // SAFETY: loop thread; name borrowed during the call.
    let rc = unsafe { sys::corral_log(rt, sys::corral_task_name(task), t.as_ptr()) };
    if rc < 0 {
        Err(Error::last(rc))
    } else {
        Ok(())
    }
}

/// Emit `<t> <actor> log <text>` with an explicit actor (callbacks are actors too).
pub fn log_as(actor: &str, text: &str) -> Result<()> {
    let rt = current_rt()?;
    let (a, t) = (cstring(actor), cstring(text));
    let rc = unsafe { sys::corral_log(rt, a.as_ptr(), t.as_ptr()) };
    if rc < 0 {
        Err(Error::last(rc))
    } else {
        Ok(())
    }
}

/// Shut the current run down (codestare's escalation, R52): main is cancelled with cause
/// SHUTDOWN and the root group is closed after it. `Ok(true)` if this call cancelled main.
pub fn shutdown() -> Result<bool> {
    let rt = current_rt()?;
    // SAFETY: rt is the live runtime of this thread's run.
    let rc = unsafe { sys::corral_rt_shutdown(rt) };
    if rc < 0 {
        Err(Error::last(rc))
    } else {
        Ok(rc == 1)
    }
}

/// Deliver a (simulated) SIGINT/SIGTERM to the current run exactly as the handler would:
/// the first one cancels main (cause SIGNAL), later ones are ignored (R51).
pub fn inject_signal(signo: i32) -> Result<()> {
    let rt = current_rt()?;
    let rc = unsafe { sys::corral_rt_inject_signal(rt, signo) };
    if rc < 0 {
        Err(Error::last(rc))
    } else {
        Ok(())
    }
}

/// Errors reported to the root handler so far (R57).
pub fn unhandled_count() -> Result<i64> {
    let rt = current_rt()?;
    Ok(unsafe { sys::corral_rt_unhandled_count(rt) })
}
