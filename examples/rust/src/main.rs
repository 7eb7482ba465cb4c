//! The spine demo in Rust: the same program as examples/spine_demo.c, on the REAL clock
//! (about 0.1 s), with `async fn` tasks instead of fibers. Its trace matches the C demo's
//! line for line (up to real-clock jitter).
//!
//! main opens a group "workers" and spawns five tasks into it:
//!   producer  sleeps 30 ms, then resolves a future with 42
//!   consumer  awaits that future inside fail_after(80 ms) and returns its value
//!   sleeper   sleeps 1 s inside move_on_after(50 ms) (absorbed: it just moves on), then
//!             1 s inside fail_after(20 ms) (Err(Timeout), which it handles)
//!   guard     sleeps 60 ms inside a shield; main cancels it at 30 ms: the shield holds, and
//!             the first checkpoint after the shield delivers the (still pending) cancellation
//!   ticker    ticks every 25 ms until main closes the group, which cancels it
//!
//! Every line printed during the run is a trace line "<ms> <actor> <event> [detail]".
//! Run: `cargo run` here (CORRAL_SYS_MODE / PKG_CONFIG_PATH pick the library, see
//! bindings/rust/README.md).
use corral::{CancelScope, Error, ErrorKind, Future, Group, Result, Runtime};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn say(text: &str) -> Result<()> {
    corral::log(text)
}

async fn producer(answer: Future<i64>) -> Result<()> {
    corral::sleep(ms(30)).await?;
    say("resolving the future with 42")?;
    answer.set_result(42)
}

async fn consumer(answer: Future<i64>) -> Result<i64> {
    let v = corral::fail_after(ms(80), answer.wait()).await?;
    say(&format!("the future gave {v}"))?;
    Ok(v)
}

async fn sleeper() -> Result<()> {
    let s = CancelScope::move_on_after(ms(50));
    s.run(corral::sleep(Duration::from_secs(1))).await?;
    say(&format!(
        "move_on_after(50 ms): moved on, cancelled_caught={}",
        s.cancelled_caught() as i32
    ))?;
    match corral::fail_after(ms(20), corral::sleep(Duration::from_secs(1))).await {
        Err(e) if e.kind() == ErrorKind::Timeout => say(&format!(
            "fail_after(20 ms): {} (timed out), handled",
            e.kind_name()
        )),
        other => other,
    }
}

async fn guard() -> Result<()> {
    corral::shield(async {
        say("shielded cleanup: 60 ms that must not be interrupted")?;
        corral::sleep(ms(60)).await
    })
    .await?;
    say(&format!(
        "cleanup finished; cancel pending={}",
        corral::cancel_pending() as i32
    ))?;
    corral::checkpoint().await // Err(Cancelled): the task ends "cancelled"
}

async fn ticker() -> Result<()> {
    for n in 1.. {
        corral::sleep(ms(25)).await?; // Err(Cancelled) once the group closes
        say(&format!("tick {n}"))?;
    }
    Ok(())
}

async fn main_task() -> Result<()> {
    let workers = Group::new("workers")?;
    let answer = Future::<i64>::new()?;
    let _prod = workers.spawn("producer", producer(answer.clone()))?;
    let cons = workers.spawn("consumer", consumer(answer.clone()))?;
    let slp = workers.spawn("sleeper", sleeper())?;
    let grd = workers.spawn("guard", guard())?;
    let _tick = workers.spawn("ticker", ticker())?;
    say("spawned 5 workers into group 'workers' (they start at the next tick)")?;
    corral::sleep(ms(30)).await?;
    say("cancelling guard (it is inside its shield)")?;
    grd.cancel()?;
    say(&format!("join consumer: {}", cons.await?))?;
    slp.await?;
    say("join sleeper: ok")?;
    let e = grd.await.unwrap_err();
    say(&format!("join guard: {}", e.kind_name()))?; // TaskCancelled
    say("closing the group with cancel: ticker is cancelled")?;
    workers.async_close(true).await
}

fn main() {
    // SAFETY: returns a static string.
    let version = unsafe { std::ffi::CStr::from_ptr(corral::sys::corral_version_string()) };
    println!(
        "corral {} - spine demo in Rust on the real clock (trace: <ms> <actor> <event>)",
        version.to_string_lossy()
    );
    let run = || -> std::result::Result<(), Error> {
        let rt = Runtime::builder().trace_fd(1).build()?;
        rt.block_on(main_task())
    };
    match run() {
        Ok(()) => println!("run finished: ok"),
        Err(e) => {
            eprintln!("spine demo: {e}");
            std::process::exit(1);
        }
    }
}
