//! S29 — Every exit callback runs; the last error wins (R67).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// raiser(name): log("raising " + name); raise ValueError(name)
async fn raiser(name: &'static str) -> Result<()> {
    log(&format!("raising {name}"))?;
    Err(Error::user("ValueError", name))
}

async fn a() -> Result<()> {
    ExitStack::scope(|st| async move {
        st.push_async_callback(raiser("E1"))?;
        st.push_async_callback(raiser("E2"))?;
        log("body done")
    })
    .await?;
    Ok(())
}

pub async fn main() -> Result<()> {
    let _ = spawn_named("A", a())?.await; // joined, its error caught silently
    Ok(())
}
