//! S39 — An error beats a pending cancellation (R14, R33, R54).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// work(): await sleep(20); raise ValueError("w")
async fn work() -> Result<()> {
    sleep_ms(20).await?;
    Err(Error::user("ValueError", "w"))
}

pub async fn main() -> Result<()> {
    // A (root group): await uncancellable(work(), raise_cancel=True)
    let a = spawn_named("A", uncancellable(work(), true))?;
    sleep_ms(5).await?;
    a.cancel()?;
    match a.await {
        Err(e) if !e.is_cancelled() => log(&format!("join {e}")),
        other => other,
    }
}
