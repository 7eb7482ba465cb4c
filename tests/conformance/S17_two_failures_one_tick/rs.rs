//! S17 — Two failures in one tick: both are kept (R27, R53, R54).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A and B: await sleep(10); raise ValueError(<name>)
async fn fail(msg: &'static str) -> Result<()> {
    sleep_ms(10).await?;
    Err(Error::user("ValueError", msg))
}

pub async fn main() -> Result<()> {
    let r = task_group(|tg| async move {
        tg.spawn("A", fail("a"))?;
        tg.spawn("B", fail("b"))?;
        sleep_ms(100).await
    })
    .await;
    match r {
        Err(eg) if eg.kind() == ErrorKind::ErrorGroup => {
            let m: Vec<String> = eg.group_errors().iter().map(|e| e.to_string()).collect();
            log(&format!("eg=[{}]", m.join(", ")))
        }
        Err(e) => Err(e),
        Ok(()) => Err(Error::new(
            ErrorKind::InvalidState,
            "expected an ErrorGroup",
        )),
    }
}
