//! S45 — First signal cancels main, later signals are ignored (R51, R32).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = Some(ErrorKind::Cancelled);

const SIGINT: i32 = 2;

async fn h() -> Result<()> {
    sleep_ms(10).await?;
    inject_signal(SIGINT)?; // cancels main (cause SIGNAL)
    sleep_ms(2).await?;
    inject_signal(SIGINT) // ignored
}

pub async fn main() -> Result<()> {
    spawn_named("H", h())?;
    let r = sleep_ms(100).await; // try:
    shield(async {
        // finally:
        sleep_ms(5).await?;
        log("main cleanup")
    })
    .await?;
    r
}
