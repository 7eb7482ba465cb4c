//! S10 — `uncancellable(raise_cancel=False)` defers, never swallows (R34).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn work() -> Result<&'static str> {
    sleep_ms(20).await?;
    log("work done")?;
    Ok("w")
}

async fn a() -> Result<()> {
    let r = uncancellable(work(), false).await?;
    log(&format!("r={r}"))?;
    sleep_ms(1).await?;
    log("unreachable")
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(5).await?;
    h.cancel()?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
