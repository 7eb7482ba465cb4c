//! S36 — Spawning inside an already-cancelled outer scope (R13, R44, R49).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// C: log("C start"); await checkpoint(); log("unreachable")
async fn c() -> Result<()> {
    log("C start")?;
    checkpoint().await?;
    log("unreachable")
}

pub async fn main() -> Result<()> {
    let cs = CancelScope::new();
    cs.cancel();
    let r = cs
        .run(task_group(|tg| async move {
            tg.spawn("C", c())?;
            log("body")
        }))
        .await?; // the group's exit waits for C, then is a cancel point; cs absorbs it
    if r.is_some() {
        return Err(Error::new(ErrorKind::InvalidState, "expected cs to absorb"));
    }
    log(&format!("cs caught={}", cs.cancelled_caught()))
}
