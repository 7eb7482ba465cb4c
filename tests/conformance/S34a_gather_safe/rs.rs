//! S34 run 1 — `gather_safe` (R59, R71).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// x: await sleep(5); return 1
async fn x() -> Result<i64> {
    sleep_ms(5).await?;
    Ok(1)
}

/// y: await sleep(3); raise ValueError("y")
async fn y() -> Result<i64> {
    sleep_ms(3).await?;
    Err(Error::user("ValueError", "y"))
}

/// z: await sleep(1); return 3
async fn z() -> Result<i64> {
    sleep_ms(1).await?;
    Ok(3)
}

/// The members x, y, z as tasks gx, gy, gz.
pub fn members() -> GatherSafe<LocalBoxFuture<Result<i64>>> {
    let futs: Vec<LocalBoxFuture<Result<i64>>> = vec![Box::pin(x()), Box::pin(y()), Box::pin(z())];
    gather_safe(futs).names(["gx", "gy", "gz"])
}

/// "[1, ValueError:y, 3]"
fn show(r: &[Result<i64>]) -> String {
    let items: Vec<String> = r
        .iter()
        .map(|r| match r {
            Ok(v) => v.to_string(),
            Err(e) => e.to_string(),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

pub async fn main() -> Result<()> {
    let r = members().await?;
    log(&format!("r={}", show(&r)))
}
