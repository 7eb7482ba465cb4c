//! S28 — ExitStack LIFO cleanup during cancellation (R66, R67): `ExitStack::scope` is Rust's
//! `async with ExitStack() as st`.
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// cleanup(name): await sleep(5); log(name + " done")
async fn cleanup(name: &'static str) -> Result<()> {
    sleep_ms(5).await?;
    log(&format!("{name} done"))
}

async fn a() -> Result<()> {
    ExitStack::scope(|st| async move {
        st.push_async_callback(cleanup("c1"))?;
        st.push_async_callback(cleanup("c2"))?;
        sleep_ms(100).await
    })
    .await?;
    Ok(())
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(10).await?;
    h.cancel()?;
    sleep_ms(2).await?;
    h.cancel()?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
