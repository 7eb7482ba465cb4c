//! S57 — TaskNursery (codestare): exit callbacks run by its sentinel, name registry (R52,
//! R66, R67).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// cleanup(tag): await sleep(1); log(tag + " cleaned")
async fn cleanup(tag: &str) -> Result<()> {
    sleep_ms(1).await?;
    log(&format!("{tag} cleaned"))
}

/// T: try: await sleep(100) except Cancelled: log("T cancelled"); raise
async fn t() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("T cancelled")?;
        }
        return Err(e);
    }
    Ok(())
}

pub async fn main() -> Result<()> {
    let n = TaskNursery::new("N")?;
    n.push_async_callback(|| cleanup("c1"))?;
    n.push_callback(|| log("c2"))?;
    n.create_task("T", t())?;
    let same = TaskNursery::registry()
        .get("N")
        .is_some_and(|x| x.ptr_eq(&n));
    log(&format!("registry={same}"))?;
    sleep_ms(5).await?;
    n.aclose().await?;
    log(&format!("closed={}", n.is_closed()))
}
