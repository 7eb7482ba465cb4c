//! S15 — Past deadlines and checkpoint-free bodies (R40).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    let s1 = CancelScope::fail_after(Duration::ZERO);
    s1.run(async { log("sync only") }).await?;
    log(&format!("s1 caught={}", s1.cancelled_caught()))?;
    match fail_after(Duration::ZERO, checkpoint()).await {
        Err(e) if e.kind() == ErrorKind::Timeout => log("timeout"),
        other => other,
    }
}

pub async fn main() -> Result<()> {
    spawn_named("A", a())?.await
}
