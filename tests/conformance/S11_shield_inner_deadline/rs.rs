//! S11 — Shield with an inner deadline (R25, R28, R32).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    shield(async {
        let inner = CancelScope::move_on_after(Duration::from_millis(10));
        inner.run(sleep_ms(50)).await?;
        log(&format!("inner caught={}", inner.cancelled_caught()))
    })
    .await?;
    log("left shield")?;
    sleep_ms(1).await?;
    log("unreachable")
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(2).await?;
    h.cancel()?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
