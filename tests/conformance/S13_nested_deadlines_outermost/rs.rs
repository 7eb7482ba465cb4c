//! S13 — Nested deadlines expiring in one tick: outermost wins (R39, R28).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn a() -> Result<()> {
    let t10 = Instant::from_nanos(10_000_000);
    let outer = CancelScope::move_on_at(t10);
    let inner = CancelScope::fail_at(t10);
    outer
        .run(async {
            inner.run(sleep_ms(100)).await?;
            Ok(())
        })
        .await?;
    log(&format!(
        "outer={} inner={}",
        outer.cancelled_caught(),
        inner.cancelled_caught()
    ))
}

pub async fn main() -> Result<()> {
    spawn_named("A", a())?.await
}
