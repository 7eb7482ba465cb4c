//! S02 — Immediate completion still yields (R23).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn getter(q: Queue<i64>, before: &'static str, after: &'static str) -> Result<()> {
    log(before)?;
    let x = q.get().await?;
    log(&format!("{after} {x}"))
}

pub async fn main() -> Result<()> {
    let q = Queue::<i64>::new()?;
    q.put_nowait(1)?;
    q.put_nowait(2)?;
    let a = spawn_named("A", getter(q.clone(), "a0", "a1"))?;
    let b = spawn_named("B", getter(q.clone(), "b0", "b1"))?;
    a.await?;
    b.await
}
