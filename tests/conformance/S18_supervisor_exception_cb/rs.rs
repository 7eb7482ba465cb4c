//! S18 — Supervisor with exception_cb (hat Group) (R18, R55, R56).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A (in G): await sleep(5); raise ValueError("x")
async fn task_a() -> Result<()> {
    sleep_ms(5).await?;
    Err(Error::user("ValueError", "x"))
}

/// B (in G): await sleep(20); return "b"
async fn task_b() -> Result<&'static str> {
    sleep_ms(20).await?;
    Ok("b")
}

pub async fn main() -> Result<()> {
    // cb(e, t): log("cb " + kind(e))   (actor G.cb)
    let g = Group::with_exception_cb("G", |e, _t| log_as("G.cb", &format!("cb {e}")))?;
    let a = g.spawn("A", task_a())?;
    let b = g.spawn("B", task_b())?;
    match a.await {
        Err(e) if !e.is_cancelled() => log(&format!("join A {e}"))?,
        Err(e) => return Err(e),
        Ok(()) => return Err(Error::new(ErrorKind::InvalidState, "A must fail")),
    }
    log(&format!("join B {}", b.await?))?;
    log(&format!("open={}", g.is_open()))?;
    sleep_ms(10).await?;
    g.async_close(true).await?;
    log("closed")
}
