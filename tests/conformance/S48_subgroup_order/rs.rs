//! S48 — Subgroup ordering on close (R45, R47, R48, R44).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// w(): try: await sleep(100) except Cancelled: log("cancelled"); raise
async fn w() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("cancelled")?;
        }
        return Err(e);
    }
    Ok(())
}

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    let a = g.create_subgroup("A")?;
    let a1 = a.create_subgroup("A1")?;
    let b = g.create_subgroup("B")?;
    b.spawn("b", w())?;
    a1.spawn("a1", w())?;
    g.spawn("g", w())?;
    a.spawn("a", w())?;
    sleep_ms(10).await?;
    g.close(true)?;
    match g.create_subgroup("C") {
        Err(e) if e.kind() == ErrorKind::GroupClosed => log("subgroup rejected")?,
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    g.wait_closed().await?;
    log("closed")
}
