//! S21 — `close(cancel=False)` then escalation (R46).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    // A: await sleep(50); log("finished")
    let _a = g.spawn("A", async {
        sleep_ms(50).await?;
        log("finished")
    })?;
    // B: try: await sleep(200) except Cancelled: log("cancelled"); raise
    let _b = g.spawn("B", async {
        if let Err(e) = sleep_ms(200).await {
            if e.is_cancelled() {
                log("cancelled")?;
            }
            return Err(e);
        }
        Ok(())
    })?;

    sleep_ms(10).await?;
    g.close(false)?;
    log("closing")?;
    sleep_ms(50).await?;
    g.close(true)?;
    g.wait_closed().await?;
    log("closed")
}
