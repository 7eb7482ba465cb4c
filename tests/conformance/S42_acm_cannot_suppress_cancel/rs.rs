//! S42 — An `asynccontextmanager` cannot suppress `Cancelled` (R68): `context_manager` is
//! Rust's `@asynccontextmanager`, `with` its `async with`.
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

/// cm(): try: yield except Cancelled: log("cm saw cancel")   (then returns: tries to suppress)
async fn cm(y: Yielder<()>) -> Result<()> {
    if let Err(e) = y.yield_(()).await {
        if e.is_cancelled() {
            log("cm saw cancel")?;
        }
    }
    Ok(())
}

/// cm2(): try: yield except ValueError: log("cm2 suppressed")
async fn cm2(y: Yielder<()>) -> Result<()> {
    match y.yield_(()).await {
        Err(e) if e.kind_name() == "ValueError" => log("cm2 suppressed"),
        other => other,
    }
}

async fn a() -> Result<()> {
    let s = CancelScope::move_on_after(Duration::from_millis(10));
    s.run(async {
        with(context_manager(cm), |()| sleep_ms(100)).await?;
        log("unreachable")
    })
    .await?;
    log(&format!("caught={}", s.cancelled_caught()))?;
    with(context_manager(cm2), |()| async {
        Err::<(), _>(Error::user("ValueError", "v"))
    })
    .await?;
    log("after cm2")
}

pub async fn main() -> Result<()> {
    spawn_named("A", a())?.await
}
