//! S66 — Watch cell: a later write wins, predicates, a write that waits for a reader (R65).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// R: log("R got " + await w.next()); log("R matched " + await w.wait_for(lambda x: x >= 3))
async fn r(w: Watch<i64>) -> Result<()> {
    log(&format!("R got {}", w.next().await?))?;
    log(&format!("R matched {}", w.wait_for(|x| *x >= 3).await?))
}

/// W: await sleep(1); w.set(1); log("set 1"); w.set(2); log("set 2"); await sleep(1);
///    w.set(3); log("set 3")
async fn wr(w: Watch<i64>) -> Result<()> {
    sleep_ms(1).await?;
    w.set(1)?;
    log("set 1")?;
    w.set(2)?;
    log("set 2")?;
    sleep_ms(1).await?;
    w.set(3)?;
    log("set 3")
}

/// P: await sleep(3); await w.put(10); log("put done")
async fn p(w: Watch<i64>) -> Result<()> {
    sleep_ms(3).await?;
    w.put(10).await?;
    log("put done")
}

/// T: await sleep(1); w.set(12)
async fn t(w: Watch<i64>) -> Result<()> {
    sleep_ms(1).await?;
    w.set(12).map(drop)
}

pub async fn main() -> Result<()> {
    let w = Watch::new(0i64)?;
    spawn_named("R", r(w.clone()))?;
    spawn_named("W", wr(w.clone()))?;
    spawn_named("P", p(w.clone()))?;

    sleep_ms(4).await?;
    log(&format!("main got {}", w.next().await?))?; // P's write happens now: a reader waits

    let s = CancelScope::move_on_after(std::time::Duration::from_millis(1));
    s.run(w.next()).await?;
    log(&format!("timed out={}", s.cancelled_caught()))?;

    spawn_named("T", t(w.clone()))?;
    log(&format!("after timeout got {}", w.next().await?)) // the timed-out wait left nothing behind
}
