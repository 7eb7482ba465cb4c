//! S20 — `close(cancel=True)` with a subgroup (R45, R47, R48, R44).
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
    let _g1 = g.spawn("g1", w())?;
    let s = g.subgroup(Some("S"))?;
    let _s1 = s.spawn("s1", w())?;

    sleep_ms(10).await?;
    g.close(true)?;
    log("closing")?;
    match g.spawn("x", w()) {
        Err(e) if e.kind() == ErrorKind::GroupClosed => log("spawn rejected")?,
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    g.wait_closed().await?;
    log("closed")
}
