//! S73 — A body's error is a member of its group's ErrorGroup, not its context (R54, R77).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// m(): await sleep(5); log("unreachable")
async fn m() -> Result<()> {
    sleep_ms(5).await?;
    log("unreachable")
}

async fn a() -> Result<()> {
    task_group(|tg| async move {
        tg.spawn("m", m())?;
        Err::<(), _>(Error::user("ValueError", "body"))
    })
    .await
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    match h.await {
        Err(eg) if eg.kind() == ErrorKind::ErrorGroup => {
            let m: Vec<String> = eg.group_errors().iter().map(|e| e.to_string()).collect();
            log(&format!("join [{}]", m.join(", ")))
        }
        other => other,
    }
}
