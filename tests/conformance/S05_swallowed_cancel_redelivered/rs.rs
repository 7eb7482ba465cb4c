//! S05 — A swallowed cancellation is re-delivered (R24).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    if sleep_ms(100).await.is_err() {
        log("swallowed")?; // the Err(Cancelled) is dropped on purpose
    }
    log("continuing")?;
    sleep_ms(1).await?;
    log("unreachable")
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(10).await?;
    h.cancel()?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
