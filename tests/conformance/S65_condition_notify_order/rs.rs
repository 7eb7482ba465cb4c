//! S65 — Condition: notify order, and a cancelled waiter re-acquires the lock (R65).
//! `async with cond:` is a `CondGuard` scope; `wait()` resumes owning the lock whatever
//! ended it.
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// W(name): async with cond: log(name + " waiting"); await cond.wait(); log(name + " woken")
async fn w(cond: Condition, name: &'static str) -> Result<()> {
    let mut held = cond.acquire().await?;
    log(&format!("{name} waiting"))?;
    held.wait().await?;
    log(&format!("{name} woken"))
}

/// X: async with cond: log("X waiting")
///      try: await cond.wait() except Cancelled: log("X cancelled owns lock=" + cond.locked()); raise
async fn x(cond: Condition) -> Result<()> {
    let mut held = cond.acquire().await?;
    log("X waiting")?;
    match held.wait().await {
        Err(e) if e.is_cancelled() => {
            let owns = cond.locked() && held.is_held();
            log(&format!("X cancelled owns lock={owns}"))?;
            Err(e)
        }
        other => other,
    }
}

pub async fn main() -> Result<()> {
    let cond = Condition::new()?;
    for name in ["W1", "W2", "W3"] {
        spawn_named(name, w(cond.clone(), name))?;
    }

    sleep_ms(1).await?;
    {
        let held = cond.acquire().await?;
        held.notify(2)?;
        log("notified 2")?;
    }

    sleep_ms(1).await?;
    {
        let held = cond.acquire().await?;
        held.notify_all()?;
        log("notified all")?;
    }

    sleep_ms(1).await?;
    let hx = spawn_named("X", x(cond.clone()))?;
    sleep_ms(1).await?;
    {
        let _held = cond.acquire().await?;
        hx.cancel()?;
        log("cancelled X")?;
        sleep_ms(1).await?; // X cannot resume while main holds the lock
    }
    match hx.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => Ok(()),
        other => other,
    }
}
