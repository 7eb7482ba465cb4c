//! S14 — `fail_after`: `Timeout` only when the deadline is the cause (R38, R29).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    match fail_after(Duration::from_millis(10), sleep_ms(100)).await {
        Err(e) if e.kind() == ErrorKind::Timeout => log("timeout"),
        other => other,
    }
}

async fn b() -> Result<()> {
    let s = CancelScope::fail_after(Duration::from_millis(10));
    s.run(async {
        s.cancel();
        checkpoint().await?;
        log("unreachable")
    })
    .await?;
    log(&format!(
        "no timeout, caught={} cause={}",
        s.cancelled_caught(),
        s.cause()
    ))
}

pub async fn main() -> Result<()> {
    let ha = spawn_named("A", a())?;
    let hb = spawn_named("B", b())?;
    ha.await?;
    hb.await
}
