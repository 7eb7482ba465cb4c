//! S30 — Cleanup grace expiry (R66): the stack's own cleanup_timeout bounds its unwinding.
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

/// slow(): await sleep(20); log("unreachable")
async fn slow() -> Result<()> {
    sleep_ms(20).await?;
    log("unreachable")
}

async fn a() -> Result<()> {
    let st = ExitStack::new();
    st.set_cleanup_timeout(Some(Duration::from_millis(5)))?;
    ExitStack::scope_with(st, |st| async move {
        st.push_async_callback(slow())?;
        sleep_ms(100).await
    })
    .await?;
    Ok(())
}

pub async fn main() -> Result<()> {
    let h = spawn_named("A", a())?;
    sleep_ms(10).await?;
    h.cancel()?;
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => log("join TaskCancelled"),
        other => other,
    }
}
