//! S72 — Cleanup grace expiries reach a group's exception callback (R56, R66, R73).
use corral::*;
use std::time::Duration;

pub const OUTCOME: Option<ErrorKind> = None;

/// slow(): await sleep(20); log("unreachable")
async fn slow() -> Result<()> {
    sleep_ms(20).await?;
    log("unreachable")
}

/// late(): await sleep(10); log("late ran"); return "late"
async fn late() -> Result<&'static str> {
    sleep_ms(10).await?;
    log("late ran")?;
    Ok("late")
}

async fn a() -> Result<()> {
    ExitStack::scope(|st| async move {
        st.push_async_callback(slow())?;
        sleep_ms(100).await
    })
    .await?;
    Ok(())
}

async fn b() -> Result<&'static str> {
    let r = call_on_cancel(late).await;
    let rc = match &r {
        Ok(_) => "ok".to_string(),
        Err(e) => e.kind_name(),
    };
    log(&format!("call_on_cancel rc={rc}"))?;
    r
}

pub async fn main() -> Result<()> {
    let g = Group::builder()
        .name("G")
        .exception_cb(|err, member| {
            let who = member.map(|t| t.name()).unwrap_or_else(|| "none".into());
            log_as("G.cb", &format!("cb {err} member={who}"))
        })
        .cleanup_timeout(Some(Duration::from_millis(3)))
        .build()?;
    g.spawn("A", a())?;
    g.spawn("B", b())?;
    sleep_ms(1).await?;
    g.async_close(true).await?;
    log("closed")
}
