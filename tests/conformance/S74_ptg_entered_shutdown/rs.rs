//! S74 — shutdown() of an entered PersistentTaskGroup (R52, R42, R49).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// W1: try: await sleep(100) except Cancelled: log("W1 cancelled"); raise
async fn w1() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        log("W1 cancelled")?;
        return Err(e);
    }
    Ok(())
}

/// W2: try: await sleep(100) except Cancelled: shielded sleep(2); log("W2 cleanup"); raise
async fn w2() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        shield(async { sleep_ms(2).await }).await?;
        log("W2 cleanup")?;
        return Err(e);
    }
    Ok(())
}

async fn x() -> Result<()> {
    log("X ran")
}

pub async fn main() -> Result<()> {
    persistent_task_group("P", |pg| async move {
        pg.spawn("W1", w1())?;
        pg.spawn("W2", w2())?;
        sleep_ms(5).await?;
        log("shutdown")?;
        pg.shutdown().await?;
        log("shutdown returned")?;
        log(&format!("open={} size={}", pg.is_open(), pg.size()))?;
        pg.spawn("X", x())?;
        log("spawn ok")?;
        sleep_ms(1).await?;
        log("body end")
    })
    .await?;
    log("after")
}
