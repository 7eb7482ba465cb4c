//! S58 — trio-style nursery and its cancel scope (R49, R53, R28).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A: try: await sleep(100) except Cancelled: log("A cancelled"); raise
async fn a() -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        if e.is_cancelled() {
            log("A cancelled")?;
        }
        return Err(e);
    }
    Ok(())
}

/// B: await sleep(5); n.cancel_scope.cancel(); log("B cancelled scope")
async fn b(n: Nursery) -> Result<()> {
    sleep_ms(5).await?;
    n.cancel_scope().cancel();
    log("B cancelled scope")
}

pub async fn main() -> Result<()> {
    let mut scope = None;
    let body = open_nursery(|n| {
        scope = Some(n.cancel_scope());
        async move {
            n.start_soon("A", a())?;
            n.start_soon("B", b(n.clone()))?;
            sleep_ms(50).await
        }
    });
    body.await?; // Ok(None): the nursery absorbed its own cancellation
    let caught = scope.is_some_and(|s| s.cancelled_caught());
    log(&format!("caught={caught}"))
}
