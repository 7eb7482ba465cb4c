//! S27 run 2 — A getter cancelled after the hand-off keeps its item (R27, R64).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// G1: log("G1 got " + await q.get()); await checkpoint()
async fn g1(q: Queue<i64>) -> Result<()> {
    log(&format!("G1 got {}", q.get().await?))?;
    checkpoint().await
}

/// G2: log("G2 got " + await q.get())
async fn g2(q: Queue<i64>) -> Result<()> {
    log(&format!("G2 got {}", q.get().await?))
}

pub async fn main() -> Result<()> {
    let q = Queue::<i64>::new()?;
    let h1 = spawn_named("G1", g1(q.clone()))?;
    let h2 = spawn_named("G2", g2(q.clone()))?;
    sleep_ms(1).await?;
    q.put_nowait(5)?; // handed to G1 first: completion wins
    h1.cancel()?;
    sleep_ms(1).await?;
    log(&format!("qsize={} G2 done={}", q.qsize(), h2.is_done()))
}
