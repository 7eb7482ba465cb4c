//! S49 — `Group.wrap` of a future and of a task (R44, R45, R21).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// X: try: await sleep(30); return "x" except Cancelled: log("X cancelled"); raise
async fn x() -> Result<&'static str> {
    if let Err(e) = sleep_ms(30).await {
        if e.is_cancelled() {
            log("X cancelled")?;
        }
        return Err(e);
    }
    Ok("x")
}

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    let f = Future::<i64>::new()?;
    let xh = spawn_named("X", x())?;
    let wf = g.wrap(&f, "WF")?;
    let _wx = g.wrap(xh, "WX")?;
    sleep_ms(5).await?;
    f.set_result(7)?;
    log(&format!("WF={}", wf.await?))?;
    let g2 = Future::<i64>::new()?;
    let _wg = g.wrap(&g2, "WG")?;
    sleep_ms(5).await?;
    g.async_close(true).await?;
    log(&format!(
        "g cancelled={}",
        g2.state() == FutureState::Cancelled
    ))?;
    log("closed")
}
