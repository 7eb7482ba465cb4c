//! S53 — `race` where every member fails, and an empty race (R70, R59).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn fail_after_ms(ms: i64, m: &'static str) -> Result<()> {
    sleep_ms(ms).await?;
    Err(Error::user("ValueError", m))
}

pub async fn main() -> Result<()> {
    let futs: Vec<LocalBoxFuture<Result<()>>> = vec![
        Box::pin(fail_after_ms(5, "a")),
        Box::pin(fail_after_ms(2, "b")),
        Box::pin(fail_after_ms(8, "c")),
    ];
    match race(futs)
        .names(["ra", "rb", "rc"])
        .continue_on_error(true)
        .await
    {
        Err(eg) if eg.is_group() => {
            let m: Vec<String> = eg.group_errors().iter().map(|e| e.to_string()).collect();
            log(&format!("race eg=[{}]", m.join(", ")))?;
        }
        Err(e) => return Err(e),
        Ok(_) => {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "expected an ErrorGroup",
            ))
        }
    }
    let none: Vec<LocalBoxFuture<Result<()>>> = Vec::new();
    match race(none).await {
        Err(e) if e.kind() == ErrorKind::InvalidArgument => log("empty rejected"),
        Err(e) => Err(e),
        Ok(_) => Err(Error::new(
            ErrorKind::InvalidState,
            "an empty race must fail",
        )),
    }
}
