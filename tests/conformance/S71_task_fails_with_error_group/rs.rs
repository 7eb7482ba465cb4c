//! S71 — A task that fails with its group's ErrorGroup (R54, R77).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn bad() -> Result<()> {
    Err(Error::user("ValueError", "v"))
}

async fn a() -> Result<()> {
    task_group(|tg| async move {
        tg.spawn("m", bad())?;
        Ok(())
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
