//! S03 — Timer ordering with equal deadlines (R6, R10).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn sleeper(ms: i64) -> Result<()> {
    sleep_ms(ms).await?;
    log("woke")
}

pub async fn main() -> Result<()> {
    let a = spawn_named("A", sleeper(10))?;
    let b = spawn_named("B", sleeper(5))?;
    let c = spawn_named("C", sleeper(10))?;
    a.await?;
    b.await?;
    c.await
}
