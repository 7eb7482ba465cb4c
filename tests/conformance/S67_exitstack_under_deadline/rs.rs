//! S67 — Exit stack unwinding under a deadline (R66, R67, R12).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

/// cleanup(name): await sleep(3); log(name + " done")
async fn cleanup(name: &'static str) -> Result<()> {
    sleep_ms(3).await?;
    log(&format!("{name} done"))
}

/// note(name): log(name + " ran")
fn note(name: &str) -> Result<()> {
    log(&format!("{name} ran"))
}

async fn a() -> Result<()> {
    let s = CancelScope::move_on_after(Duration::from_millis(10));
    s.run(ExitStack::scope(|st| async move {
        st.push_async_callback(cleanup("c1"))?;
        st.push_callback(|| note("c2"))?;
        sleep_ms(100).await
    }))
    .await?;
    log(&format!("caught={}", s.cancelled_caught()))
}

pub async fn main() -> Result<()> {
    spawn_named("A", a())?.await
}
