//! Shared by the test files: a virtual-clock runtime whose trace is captured.
#![allow(dead_code)]
use corral::*;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Run `f` on a virtual-clock runtime (built by `b`) whose trace goes to a temporary file;
/// return the outcome and the trace.
pub fn traced_with<F>(b: RuntimeBuilder, f: F) -> (Result<<F::Output as TaskOutput>::Ok>, String)
where
    F: std::future::Future + 'static,
    F::Output: TaskOutput,
{
    let path = std::env::temp_dir().join(format!(
        "corral-rs-trace-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let file = std::fs::File::create(&path).unwrap();
    let rt = b
        .virtual_clock()
        .trace_fd(file.as_raw_fd())
        .build()
        .unwrap();
    let r = rt.block_on(f);
    drop(rt);
    let mut s = String::new();
    std::fs::File::open(&path)
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    let _ = std::fs::remove_file(&path);
    (r, s)
}

/// As `traced_with` on a default builder.
pub fn traced<F>(f: F) -> (Result<<F::Output as TaskOutput>::Ok>, String)
where
    F: std::future::Future + 'static,
    F::Output: TaskOutput,
{
    traced_with(Runtime::builder(), f)
}

/// The trace lines before main's own terminal line (as the conformance runner cuts).
pub fn until_main_ends(trace: &str) -> String {
    let mut out = String::new();
    for l in trace.lines() {
        let mut w = l.split(' ');
        let (_, actor, ev) = (w.next(), w.next(), w.next());
        if actor == Some("main") && matches!(ev, Some("done" | "fail" | "cancelled")) {
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// A task body: sleep `ms`, then fail with ValueError(msg).
pub async fn fails_after(ms: i64, msg: &'static str) -> Result<()> {
    sleep_ms(ms).await?;
    Err(Error::user("ValueError", msg))
}

/// A task body: sleep `ms`, then return `v`.
pub async fn value_after<T: 'static>(ms: i64, v: T) -> Result<T> {
    sleep_ms(ms).await?;
    Ok(v)
}

/// A task body: sleep `ms`; when cancelled, log "<tag> cancelled" and end cancelled.
pub async fn logs_cancel(ms: i64, tag: &'static str) -> Result<()> {
    if let Err(e) = sleep_ms(ms).await {
        if e.is_cancelled() {
            log(&format!("{tag} cancelled"))?;
        }
        return Err(e);
    }
    Ok(())
}

/// Assert that `r` is an error of `kind`.
pub fn assert_kind<T: std::fmt::Debug>(r: Result<T>, kind: ErrorKind) {
    match r {
        Err(e) => assert_eq!(e.kind(), kind, "{e}"),
        Ok(v) => panic!("expected {kind:?}, got Ok({v:?})"),
    }
}

/// Poll `fut` once, inside the current poll: `Some(output)` if it is ready at once, else
/// `None` after dropping it (an op future dropped while waiting: R31's abandon, with the
/// core's rollback when its outcome was already committed).
pub async fn poll_once<F: std::future::Future>(fut: F) -> Option<F::Output> {
    let mut fut = Box::pin(fut);
    let mut once = Some(());
    std::future::poll_fn(move |cx| {
        if once.take().is_none() {
            return std::task::Poll::Ready(None);
        }
        match fut.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
            std::task::Poll::Pending => std::task::Poll::Ready(None),
        }
    })
    .await
}

/// A value handed from one corral task to another through a foreign (non-corral) future.
pub struct Slot<T> {
    pub value: std::cell::RefCell<Option<T>>,
    pub waker: std::cell::RefCell<Option<std::task::Waker>>,
}

impl<T> Slot<T> {
    pub fn new() -> std::rc::Rc<Slot<T>> {
        std::rc::Rc::new(Slot {
            value: Default::default(),
            waker: Default::default(),
        })
    }
    /// Store the value and wake the receiver.
    pub fn send(&self, v: T) {
        *self.value.borrow_mut() = Some(v);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

/// The receiving side of a [`Slot`]: a foreign future.
pub struct Recv<T>(pub std::rc::Rc<Slot<T>>);

impl<T> std::future::Future for Recv<T> {
    type Output = T;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<T> {
        match self.0.value.borrow_mut().take() {
            Some(v) => std::task::Poll::Ready(v),
            None => {
                *self.0.waker.borrow_mut() = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}

pub enum Won<A, B> {
    A(A),
    B(B),
}

/// A hand-written `select!`: polls `a` then `b`; the first one ready wins and the other is
/// dropped before this future returns.
pub async fn select2<A, B>(a: A, b: B) -> Won<A::Output, B::Output>
where
    A: std::future::Future,
    B: std::future::Future,
{
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
            return std::task::Poll::Ready(Won::A(v));
        }
        b.as_mut().poll(cx).map(Won::B)
    })
    .await
}
