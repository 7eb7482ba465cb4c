//! S16 — Fail-fast TaskGroup (R49, R53, R54).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A: await sleep(10); raise ValueError("a")
async fn a() -> Result<()> {
    sleep_ms(10).await?;
    Err(Error::user("ValueError", "a"))
}

/// B: try: await sleep(100) except Cancelled: log("B cancelled"); raise
async fn b() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("B cancelled")?;
        }
        return Err(e);
    }
    Ok(())
}

/// "[ValueError:a]": the ErrorGroup's members.
pub fn members(eg: &Error) -> String {
    let m: Vec<String> = eg.group_errors().iter().map(|e| e.to_string()).collect();
    format!("[{}]", m.join(", "))
}

pub async fn main() -> Result<()> {
    let r = task_group(|tg| async move {
        tg.spawn("A", a())?;
        tg.spawn("B", b())?;
        let body = sleep_ms(50).await;
        if matches!(&body, Err(e) if e.is_cancelled()) {
            log("body cancelled")?;
        }
        body
    })
    .await;
    match r {
        Err(eg) if eg.kind() == ErrorKind::ErrorGroup => log(&format!("eg={}", members(&eg))),
        Err(e) => Err(e),
        Ok(()) => Err(Error::new(
            ErrorKind::InvalidState,
            "expected an ErrorGroup",
        )),
    }
}
