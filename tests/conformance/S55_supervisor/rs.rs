//! S55 — Supervisor (aiotools): failures go to the handler chain, a body error cancels
//! (R52, R55, R49).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A: await sleep(5); raise ValueError("a")
async fn a() -> Result<()> {
    sleep_ms(5).await?;
    Err(Error::user("ValueError", "a"))
}

/// B: await sleep(10); log("B finished")
async fn b() -> Result<()> {
    sleep_ms(10).await?;
    log("B finished")
}

/// C: try: await sleep(100) except Cancelled: log("C cancelled"); raise
async fn c() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("C cancelled")?;
        }
        return Err(e);
    }
    Ok(())
}

pub async fn main() -> Result<()> {
    supervisor(|sv| async move {
        sv.spawn("A", a())?;
        sv.spawn("B", b())?;
        sleep_ms(1).await?;
        log("body done")
    })
    .await?;
    log("exit 1")?;

    let r = supervisor(|sv| async move {
        sv.spawn("C", c())?;
        sleep_ms(1).await?;
        Err::<(), _>(Error::user("ValueError", "body"))
    })
    .await;
    match r {
        Err(e) if e.kind_name() == "ValueError" => log("body error propagated"),
        Err(e) => Err(e),
        Ok(()) => Err(Error::new(
            ErrorKind::InvalidState,
            "the body error must propagate",
        )),
    }
}
