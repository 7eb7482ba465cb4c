//! S38 — A body that returns after cancellation is COMPLETED (R14).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<i64> {
    match sleep_ms(100).await {
        Err(e) if e.is_cancelled() => {
            log("returning 42")?;
            Ok(42)
        }
        other => other.map(|_| 0),
    }
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(10).await?;
    h.cancel()?;
    let v = h.await?;
    log(&format!("join={v}"))
}
