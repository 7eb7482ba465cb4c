//! S61 — Cleanup grace expiry in `call_on_cancel` (R66, R73).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

/// slow(): await sleep(20); log("unreachable")
async fn slow() -> Result<()> {
    sleep_ms(20).await?;
    log("unreachable")
}

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    g.set_cleanup_timeout(Some(Duration::from_millis(5)))?;
    g.spawn("T", call_on_cancel(slow))?;
    sleep_ms(10).await?;
    g.async_close(true).await?;
    log("closed")
}
