//! S33 — `race` (R70).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// a: await sleep(10); return "a"
async fn a() -> Result<&'static str> {
    sleep_ms(10).await?;
    Ok("a")
}

/// b: await sleep(5); return "b"
async fn b() -> Result<&'static str> {
    sleep_ms(5).await?;
    Ok("b")
}

/// c: try: await sleep(20) except Cancelled: with shield(): await sleep(3); log("c cleanup"); raise
async fn c() -> Result<&'static str> {
    if let Err(e) = sleep_ms(20).await {
        if e.is_cancelled() {
            shield(sleep_ms(3)).await?;
            log("c cleanup")?;
        }
        return Err(e);
    }
    Ok("c")
}

pub async fn main() -> Result<()> {
    let members: Vec<LocalBoxFuture<Result<&str>>> =
        vec![Box::pin(a()), Box::pin(b()), Box::pin(c())];
    let (v, errs) = race(members).names(["ra", "rb", "rc"]).await?;
    let errs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    log(&format!("race={v} errors=[{}]", errs.join(", ")))
}
