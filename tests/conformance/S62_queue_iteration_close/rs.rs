//! S62 — Iterating a queue until it is closed and drained (R60, R61, R63): a Stream.
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// C: async for x in q: log("got " + x); log("loop ended")
async fn c(q: Queue<i64>) -> Result<()> {
    let mut items = q.stream();
    while let Some(x) = items.next().await {
        log(&format!("got {}", x?))?;
    }
    log("loop ended")
}

/// P: for i in 1..4: await q.put(i); log("put " + i); q.close(); log("closed")
async fn p(q: Queue<i64>) -> Result<()> {
    for i in 1..=4 {
        q.put(i).await?;
        log(&format!("put {i}"))?;
    }
    q.close()?;
    log("closed")
}

pub async fn main() -> Result<()> {
    let q = Queue::<i64>::bounded(2)?;
    let hc = spawn_named("C", c(q.clone()))?;
    let hp = spawn_named("P", p(q.clone()))?;
    let _ = hc.await;
    let _ = hp.await;
    Ok(())
}
