//! S56 — PersistentTaskGroup used as an object: listing and `shutdown()` (R52, R42, R48).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// W1: try: await sleep(100) except Cancelled: log("W1 cancelled"); raise
async fn w1() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("W1 cancelled")?;
        }
        return Err(e);
    }
    Ok(())
}

/// W2: await sleep(5); raise ValueError("f")
async fn w2() -> Result<()> {
    sleep_ms(5).await?;
    Err(Error::user("ValueError", "f"))
}

fn names() -> String {
    let n: Vec<String> = all_persistent_groups().iter().map(|g| g.name()).collect();
    format!("[{}]", n.join(", "))
}

pub async fn main() -> Result<()> {
    let pg = PersistentTaskGroup::new("P")?;
    pg.spawn("W1", w1())?;
    pg.spawn("W2", w2())?;
    log(&format!("live={}", names()))?;
    sleep_ms(10).await?;
    pg.shutdown().await?;
    log(&format!("live after={}", names()))
}
