//! S46 — Deadlock detection on the virtual clock (R10).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = Some(ErrorKind::Deadlock);

pub async fn main() -> Result<()> {
    let f = Future::<i64>::new()?;
    log("waiting")?;
    f.wait().await?;
    Ok(())
}
