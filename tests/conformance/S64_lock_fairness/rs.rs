//! S64 — Lock hand-off is FIFO; nobody barges in (R60's rule applied to locks, R65).
//! `async with lock:` is a `LockGuard` scope.
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A: async with lock: log("A in"); await sleep(5)
///    log("A out")
async fn a(lock: Lock) -> Result<()> {
    {
        let _held = lock.acquire().await?;
        log("A in")?;
        sleep_ms(5).await?;
    }
    log("A out")
}

/// B: await sleep(1); async with lock: log("B in"); await sleep(1)
async fn b(lock: Lock) -> Result<()> {
    sleep_ms(1).await?;
    let _held = lock.acquire().await?;
    log("B in")?;
    sleep_ms(1).await
}

/// C: await sleep(2); async with lock: log("C in")
async fn c(lock: Lock) -> Result<()> {
    sleep_ms(2).await?;
    let _held = lock.acquire().await?;
    log("C in")
}

/// E: await checkpoint(); await sleep(5); log("E try=" + lock.try_acquire())
async fn e(lock: Lock) -> Result<()> {
    checkpoint().await?;
    sleep_ms(5).await?;
    let got = lock.try_acquire()?; // released at once if taken
    log(&format!("E try={}", got.is_some()))
}

pub async fn main() -> Result<()> {
    let lock = Lock::new()?;
    let hs = [
        spawn_named("A", a(lock.clone()))?,
        spawn_named("B", b(lock.clone()))?,
        spawn_named("C", c(lock.clone()))?,
        spawn_named("E", e(lock.clone()))?,
    ];
    for h in hs {
        let _ = h.await;
    }
    Ok(())
}
