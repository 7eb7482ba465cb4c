//! S75 — The second signal escalates: shields are cancelled (R51, R28, R32).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = Some(ErrorKind::Cancelled);

const SIGINT: i32 = 2;

/// The run's runtime: signal escalation on (the runner adds the virtual clock and the trace).
pub fn runtime() -> RuntimeBuilder {
    Runtime::builder().escalate_signals()
}

async fn h() -> Result<()> {
    sleep_ms(10).await?;
    inject_signal(SIGINT)?; // cancels main (cause SIGNAL)
    sleep_ms(2).await?;
    inject_signal(SIGINT)?; // escalates: every shield is cancelled
    log("H sent two")
}

pub async fn main() -> Result<()> {
    spawn_named("H", h())?;
    let r = sleep_ms(100).await; // try:
                                 // `shield(fut)` would turn an absorbed cancellation into Err(Cancelled) (it has no value
                                 // to give); the scope form gives Ok(None) and goes on, as `with shield():` does
    CancelScope::shield()
        .run(async {
            // finally: with shield():
            match sleep_ms(5).await {
                Ok(()) => log("cleanup done"),
                Err(e) if e.kind() == ErrorKind::Cancelled => {
                    log("cleanup cut")?;
                    Err(e)
                }
                Err(e) => Err(e),
            }
        })
        .await?; // Ok(None): the shield absorbed its own cancellation (R28)
    log("after shield")?;
    r
}
