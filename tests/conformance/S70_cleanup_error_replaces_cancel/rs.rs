//! S70 — A cleanup error replaces a cancellation (R67, R39, R66).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// raiser(name): await sleep(1); raise ValueError(name)
async fn raiser(name: &'static str) -> Result<()> {
    sleep_ms(1).await?;
    Err(Error::user("ValueError", name))
}

async fn a() -> Result<()> {
    ExitStack::scope(|st| async move {
        st.push_async_callback(raiser("x"))?;
        sleep_ms(100).await
    })
    .await?;
    Ok(())
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(5).await?;
    h.cancel()?;
    match h.await {
        Err(e) => log(&format!("join {e}")),
        Ok(()) => log("join ok"),
    }
}
