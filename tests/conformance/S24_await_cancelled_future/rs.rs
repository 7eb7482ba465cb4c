//! S24 — Awaiting a cancelled future (R22).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

pub async fn main() -> Result<()> {
    let f = Future::<i64>::new()?;
    let f1 = f.clone();
    let t = spawn_named("T", async move {
        match f1.wait().await {
            Err(e) if e.kind() == ErrorKind::FutureCancelled => log("future cancelled")?,
            other => {
                other?;
            }
        }
        sleep_ms(1).await?;
        log("alive")?;
        Ok::<_, Error>("ok")
    })?;
    sleep_ms(1).await?;
    f.cancel()?;
    let v = t.await?;
    log(&format!("join {v}"))
}
