//! S08 — Cancel before hand-off: the item stays queued (R27, R64).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a(q: Queue<i64>) -> Result<()> {
    let x = q.get().await?;
    log(&format!("got {x}"))?;
    checkpoint().await?;
    log("unreachable")
}

pub async fn main() -> Result<()> {
    let q = Queue::<i64>::new()?;
    let h = spawn_named("A", a(q.clone()))?;
    sleep_ms(1).await?;
    h.cancel()?;
    q.put_nowait(7)?;
    log(&format!("qsize {}", q.qsize()))?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled")?,
        other => other?,
    }
    log(&format!("drained {}", q.get_nowait()?))
}
