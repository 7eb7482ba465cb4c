//! S40 — `call_on_cancel` runs `fn` shielded, with keyword arguments (R73, R66). Rust has no
//! keyword arguments: the closure captures `tag`.
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// fn(x, tag): await sleep(5); log("fn " + x + " " + tag); return x
async fn fn_(x: i64, tag: &str) -> Result<i64> {
    sleep_ms(5).await?;
    log(&format!("fn {x} {tag}"))?;
    Ok(x)
}

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    let t = g.spawn("T", call_on_cancel(|| fn_(123, "k")))?;
    sleep_ms(10).await?;
    g.async_close(true).await?;
    log(&format!("T result={}", t.await?))
}
