//! S41 — hat-style Group as an async CM cancels on exit (R49, R66): `using` is Rust's
//! `async with` for a Resource (exit = shielded async_close).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// T: try: await sleep(100) except Cancelled: with shield(): await sleep(2); log("T cleanup"); raise
async fn t() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            shield(sleep_ms(2)).await?;
            log("T cleanup")?;
        }
        return Err(e);
    }
    Ok(())
}

pub async fn main() -> Result<()> {
    using(Group::new("G")?, |g| async move {
        g.spawn("T", t())?;
        sleep_ms(5).await
    })
    .await?;
    log("after")
}
