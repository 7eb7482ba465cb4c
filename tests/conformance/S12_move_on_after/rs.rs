//! S12 — `move_on_after` (R37).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<&'static str> {
    let s = CancelScope::move_on_after(Duration::from_millis(10));
    s.run(async {
        sleep_ms(5).await?;
        log("slept 5")?;
        sleep_ms(20).await?;
        log("unreachable")
    })
    .await?;
    log(&format!("caught={}", s.cancelled_caught()))?;
    Ok("ok")
}

pub async fn main() -> Result<()> {
    spawn_named("A", a())?.await?;
    Ok(())
}
