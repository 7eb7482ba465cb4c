//! S60 — `cancel_and_join` (R15, R14, R16).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A: try: await sleep(100) except Cancelled: with shield(): await sleep(3); log("A cleanup"); raise
async fn a() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            shield(sleep_ms(3)).await?;
            log("A cleanup")?;
        }
        return Err(e);
    }
    Ok(())
}

/// B: try: await sleep(100) except Cancelled: return "b-late"
async fn b() -> Result<&'static str> {
    match sleep_ms(100).await {
        Err(e) if e.is_cancelled() => Ok("b-late"),
        Err(e) => Err(e),
        Ok(()) => Ok("b"),
    }
}

/// C: await sleep(1); raise ValueError("c")
async fn c() -> Result<()> {
    sleep_ms(1).await?;
    Err(Error::user("ValueError", "c"))
}

pub async fn main() -> Result<()> {
    let ah = spawn_named("A", a())?;
    let bh = spawn_named("B", b())?;
    let ch = spawn_named("C", c())?;
    sleep_ms(10).await?;
    cancel_and_join(ah).await?;
    log("A joined")?;
    let v = cancel_and_join(bh).await?;
    log(&format!("B={}", v.unwrap_or("none")))?;
    match cancel_and_join(ch).await {
        Err(e) if e.kind_name() == "ValueError" => log("C error raised"),
        Err(e) => Err(e),
        Ok(_) => Err(Error::new(ErrorKind::InvalidState, "C must raise")),
    }
}
