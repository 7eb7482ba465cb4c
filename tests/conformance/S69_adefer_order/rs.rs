//! S69 — `adefer` order with an async and a sync callback (R67, R66).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// note(name): log("deferred " + name)
fn note(name: &str) -> Result<()> {
    log(&format!("deferred {name}"))
}

/// anote(name): await sleep(5); log("deferred " + name)
async fn anote(name: &'static str) -> Result<()> {
    sleep_ms(5).await?;
    note(name)
}

async fn a() -> Result<()> {
    adefer(|d| async move {
        d.defer(|| note("first"))?;
        d.defer_async(anote("second"))?;
        d.defer(|| note("third"))?;
        log("body")?;
        sleep_ms(10).await
    })
    .await
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(3).await?;
    h.cancel()?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
