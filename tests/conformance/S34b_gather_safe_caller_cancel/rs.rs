//! S34 run 2 — `gather_safe` under caller cancellation (R59, R71).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn x() -> Result<i64> {
    sleep_ms(5).await?;
    Ok(1)
}

async fn y() -> Result<i64> {
    sleep_ms(3).await?;
    Err(Error::user("ValueError", "y"))
}

async fn z() -> Result<i64> {
    sleep_ms(1).await?;
    Ok(3)
}

pub async fn main() -> Result<()> {
    // w = spawn("W", gather_safe, [x, y, z]); await sleep(2); w.cancel(); join -> log
    let w = spawn_named("W", async {
        let futs: Vec<LocalBoxFuture<Result<i64>>> =
            vec![Box::pin(x()), Box::pin(y()), Box::pin(z())];
        gather_safe(futs).names(["gx", "gy", "gz"]).await.map(drop)
    })?;
    sleep_ms(2).await?;
    w.cancel()?;
    match w.await {
        Err(e) => log(&format!("join {}", e.kind_name())),
        Ok(()) => log("join completed"),
    }
}
