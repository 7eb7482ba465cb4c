//! S47 — Yielding loops interleave fairly (R5).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn looper(tag: &'static str) -> Result<()> {
    for i in 0..3 {
        log(&format!("{tag}{i}"))?;
        checkpoint().await?;
    }
    Ok(())
}

pub async fn main() -> Result<()> {
    let a = spawn_named("A", looper("A"))?;
    let b = spawn_named("B", looper("B"))?;
    a.await?;
    b.await
}
