//! S35 — `as_completed_safe` with early break (R71).
use corral::*;
use std::ops::ControlFlow;

pub const OUTCOME: Option<ErrorKind> = None;

async fn p() -> Result<&'static str> {
    sleep_ms(10).await?;
    Ok("p")
}

async fn q() -> Result<&'static str> {
    sleep_ms(5).await?;
    Ok("q")
}

async fn r() -> Result<&'static str> {
    sleep_ms(20).await?;
    Ok("r")
}

pub async fn main() -> Result<()> {
    // async for h in as_completed_safe([p, q, r]): log("first=" + await h); break
    let futs: Vec<LocalBoxFuture<Result<&str>>> = vec![Box::pin(p()), Box::pin(q()), Box::pin(r())];
    as_completed_safe(futs)
        .names(["ap", "aq", "ar"])
        .for_each(|h| async move {
            log(&format!("first={}", h.await?))?;
            Ok(ControlFlow::Break(()))
        })
        .await?;
    log("after loop")
}
