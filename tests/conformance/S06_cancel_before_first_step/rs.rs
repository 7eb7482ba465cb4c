//! S06 — Cancelled before the first step: the body still starts (R13).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    log("start")?;
    let r = checkpoint().await; // try:
    log("cleanup")?; // finally:
    r
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    h.cancel()?;
    log("requested")?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
