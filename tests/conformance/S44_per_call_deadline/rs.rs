//! S44 — Per-call deadline vs cancellation (R41, R64).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

pub async fn main() -> Result<()> {
    let q = Queue::<i64>::new()?;
    match q.get_until(now()? + Duration::from_millis(10)).await {
        Err(e) if e.kind() == ErrorKind::Timeout => log("get Timeout")?,
        other => {
            other?;
        }
    }
    let x = spawn_named("X", q.get_until(now()? + Duration::from_millis(10)))?;
    sleep_ms(5).await?;
    x.cancel()?;
    match x.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other.map(|_| ()),
    }
}
