//! S01 — Lazy spawn and FIFO round-robin (R4, R5, R7, R23).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn f(name: &'static str) -> Result<String> {
    log("start")?;
    checkpoint().await?;
    log("after")?;
    Ok(name.to_string())
}

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    let mut hs = Vec::new();
    for n in ["A", "B", "C"] {
        hs.push(g.spawn(n, f(n))?);
    }
    log("spawned")?;
    for h in hs {
        h.await?;
    }
    log("joined")
}
