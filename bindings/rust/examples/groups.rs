//! Groups and helpers in one small program (`cargo run --example groups`): a hat-style
//! Group used as a resource, a supervisor whose member fails, a race and a gather_safe.
//! The trace (R77) goes to standard output on the virtual clock.
use corral::*;
use std::ops::ControlFlow;

async fn fetch(ms: i64, what: &'static str) -> Result<&'static str> {
    sleep_ms(ms).await?;
    Ok(what)
}

async fn broken(ms: i64) -> Result<&'static str> {
    sleep_ms(ms).await?;
    Err(Error::user("IOError", "mirror down"))
}

fn main() -> Result<()> {
    let rt = Runtime::builder().virtual_clock().trace_fd(1).build()?;
    rt.block_on(async {
        // hat: a free group as an async context manager; its exit cancels what is left.
        using(Group::new("pool")?, |pool| async move {
            pool.spawn("ticker", async {
                loop {
                    sleep_ms(4).await?;
                    log("tick")?;
                }
                #[allow(unreachable_code)]
                Ok::<(), Error>(())
            })?;
            sleep_ms(10).await
        })
        .await?;

        // aiotools Supervisor: a failing member goes to the handler chain, the rest go on.
        supervisor(|sv| async move {
            sv.set_exception_cb(|e, t| {
                log_as(
                    "sv.cb",
                    &format!("{} failed: {e}", t.map_or("-".into(), |t| t.name())),
                )
            })?;
            sv.spawn("bad", broken(1))?;
            let good = sv.spawn("good", fetch(2, "ok"))?;
            log(&format!("good={}", good.await?))
        })
        .await?;

        // race: the first success wins, the losers are cancelled and awaited.
        let mirrors: Vec<LocalBoxFuture<Result<&str>>> = vec![
            Box::pin(broken(1)),
            Box::pin(fetch(3, "eu")),
            Box::pin(fetch(5, "us")),
        ];
        let (v, errors) = race(mirrors)
            .names(["m0", "m1", "m2"])
            .continue_on_error(true)
            .await?;
        log(&format!("race={v} after {} error(s)", errors.len()))?;

        // gather_safe: every outcome, in input order, errors as values.
        let all: Vec<LocalBoxFuture<Result<&str>>> =
            vec![Box::pin(fetch(2, "a")), Box::pin(broken(1))];
        let outcomes = gather_safe(all).await?;
        log(&format!(
            "gathered {} outcomes, {} failed",
            outcomes.len(),
            outcomes.iter().filter(|r| r.is_err()).count()
        ))?;

        // as_completed_safe: leave early; the rest is cancelled before for_each returns.
        let jobs: Vec<LocalBoxFuture<Result<&str>>> =
            vec![Box::pin(fetch(9, "slow")), Box::pin(fetch(1, "fast"))];
        let first = as_completed_safe(jobs)
            .for_each(|h| async move { Ok(ControlFlow::Break(h.await?)) })
            .await?;
        log(&format!("first={}", first.unwrap_or("none")))
    })
}
