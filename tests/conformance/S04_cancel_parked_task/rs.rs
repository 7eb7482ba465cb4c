//! S04 — Cancelling a parked task (R15, R16, R26).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    log("start")?;
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("caught")?;
        }
        return Err(e);
    }
    Ok(())
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(10).await?;
    h.cancel()?;
    log("requested")?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
