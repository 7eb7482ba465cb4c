//! Queues and synchronization primitives, and a queue shared with C code in this process.
//!
//! ```sh
//! cargo run -p corral --example queues
//! ```
//!
//! * `C-producer` is a C fiber (its body an `extern "C"` function calling the C API through
//!   `corral-sys`, driven by the core's fiber driver like any C program's fiber): it puts
//!   integers, doubles and byte strings into a queue the Rust side made (maxsize 2, so it
//!   parks while the queue is full), then closes it. `consumer` reads the queue as a
//!   `Stream` of `corral::Value`s until it is closed and drained.
//! * `worker.<n>` tasks take jobs from a priority queue, at most two at a time
//!   (`Semaphore`), add to a total under a `Lock`, and publish progress in a `Watch` cell;
//!   `monitor` waits on the cell for a predicate; an `Event` starts the workers.
//!
//! The trace (VIRTUAL clock, so the times are deterministic) goes to standard output.
use corral::sys;
use corral::*;
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::rc::Rc;

/// The C fiber's body: blocking-style C calls park the fiber, not the thread.
unsafe extern "C" fn c_producer(
    _self: *mut sys::corral_task,
    arg: *mut c_void,
    _result: *mut sys::corral_value,
) -> c_int {
    let q = arg as *mut sys::corral_queue;
    for i in 0..6i64 {
        let text = format!("bytes {i}"); // the core copies BYTES at the put
        let mut v = sys::corral_value::default();
        match i % 3 {
            0 => {
                v.type_ = sys::CORRAL_VALUE_INT;
                v.as_.i = i;
            }
            1 => {
                v.type_ = sys::CORRAL_VALUE_DOUBLE;
                v.as_.d = i as f64 / 4.0;
            }
            _ => {
                v.type_ = sys::CORRAL_VALUE_BYTES;
                v.as_.p = text.as_ptr().cast();
                v.len = text.len() as u64;
            }
        }
        let rc = sys::corral_queue_put(q, &v, -1);
        if rc < 0 {
            return rc;
        }
    }
    sys::corral_queue_close(q)
}

unsafe extern "C" fn unref_queue(arg: *mut c_void) {
    sys::corral_queue_unref(arg.cast());
}

async fn cross_language(rt: *mut sys::corral_rt) -> Result<()> {
    let q = Queue::<Value>::bounded(2)?;
    let mut t = std::ptr::null_mut();
    // SAFETY: loop thread; the fiber holds its own reference to the queue.
    let rc = unsafe {
        sys::corral_spawn_fiber(
            &mut t,
            rt,
            std::ptr::null_mut(),
            c"C-producer".as_ptr(),
            Some(c_producer),
            sys::corral_queue_ref(q.as_raw()).cast(),
            Some(unref_queue),
        )
    };
    if rc < 0 {
        return Err(Error::new(
            ErrorKind::InvalidState,
            "cannot spawn the C fiber",
        ));
    }
    unsafe { sys::corral_task_unref(t) };
    spawn_named("consumer", async move {
        let mut items = q.stream();
        while let Some(v) = items.next().await {
            let text = match v? {
                Value::Bytes(b) => format!("Bytes({:?})", String::from_utf8_lossy(&b)),
                other => format!("{other:?}"),
            };
            log(&format!("got {text}"))?;
        }
        log("queue closed and drained")
    })?
    .await
}

async fn workers() -> Result<()> {
    let jobs = Queue::<(String, i64)>::priority(0)?;
    for (name, cost, prio) in [
        ("low", 5, 9),
        ("urgent", 1, 0),
        ("normal", 3, 5),
        ("urgent2", 2, 0),
    ] {
        jobs.put_nowait_priority((name.to_string(), cost), prio)?;
    }
    jobs.close()?; // buffered jobs stay gettable
    let start = Event::new()?;
    let slots = Semaphore::new(2)?;
    let total = Rc::new(Cell::new(0i64));
    let lock = Lock::new()?;
    let progress = Watch::new(0i64)?;

    let p = progress.clone();
    let monitor = spawn_named("monitor", async move {
        let done = p.wait_for(|n| *n == 4).await?;
        log(&format!("all {done} jobs done"))
    })?;
    let mut hs = Vec::new();
    for n in 0..3 {
        let (jobs, start, slots, total, lock, progress) = (
            jobs.clone(),
            start.clone(),
            slots.clone(),
            total.clone(),
            lock.clone(),
            progress.clone(),
        );
        hs.push(spawn_named(&format!("worker.{n}"), async move {
            start.wait().await?;
            let mut s = jobs.stream();
            while let Some(job) = s.next().await {
                let (name, cost) = job?;
                let _slot = slots.acquire().await?; // at most two jobs at a time
                log(&format!("{name} (cost {cost})"))?;
                sleep_ms(cost).await?;
                let _held = lock.acquire().await?;
                total.set(total.get() + cost);
                progress.set(progress.get()? + 1)?;
            }
            Ok::<_, Error>(())
        })?);
    }
    sleep_ms(1).await?;
    log(&format!("start: {} waiting", start.set()?))?;
    for h in hs {
        h.await?;
    }
    monitor.await?;
    log(&format!("total cost {}", total.get()))
}

fn main() -> Result<()> {
    let rt = Runtime::builder().virtual_clock().trace_fd(1).build()?;
    let raw = rt.as_raw();
    rt.block_on(async move {
        cross_language(raw).await?;
        workers().await
    })
}
