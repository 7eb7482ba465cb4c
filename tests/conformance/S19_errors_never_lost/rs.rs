//! S19 — Errors in unawaited tasks and in handlers are never lost (R56, R57).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A (root group): await sleep(5); raise ValueError("boom")
async fn task_a() -> Result<()> {
    sleep_ms(5).await?;
    Err(Error::user("ValueError", "boom"))
}

/// B (in G): await sleep(15); raise ValueError("x")
async fn task_b() -> Result<()> {
    sleep_ms(15).await?;
    Err(Error::user("ValueError", "x"))
}

pub async fn main() -> Result<()> {
    // exception_cb = lambda e, t: raise RuntimeError("cb")
    let g = Group::new("G")?;
    g.set_exception_cb(|_e, _t| Err(Error::user("RuntimeError", "cb")))?;
    let _a = spawn_named("A", task_a())?;
    let _b = g.spawn("B", task_b())?;
    sleep_ms(20).await?;
    log(&format!("unhandled={}", unhandled_count()?))
}
