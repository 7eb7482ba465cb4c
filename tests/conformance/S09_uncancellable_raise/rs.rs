//! S09 — `uncancellable(raise_cancel=True)` (R33).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn work() -> Result<&'static str> {
    sleep_ms(20).await?;
    log("work done")?;
    Ok("w")
}

async fn a() -> Result<()> {
    let r = uncancellable(work(), true).await?;
    log(&format!("after {r}"))
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
