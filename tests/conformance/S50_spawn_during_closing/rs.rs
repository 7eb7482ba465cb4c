//! S50 — Spawning while a JOIN exit waits, and into a closing group (R44, R49).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// B: await sleep(5); log("B done")
async fn b() -> Result<()> {
    sleep_ms(5).await?;
    log("B done")
}

/// C: await sleep(10); log("C finished")
async fn c() -> Result<()> {
    sleep_ms(10).await?;
    log("C finished")
}

pub async fn main() -> Result<()> {
    // Part 1: A spawns B into tg while the exit waits.
    task_group(|tg| async move {
        let tg2 = tg.clone();
        tg.spawn("A", async move {
            sleep_ms(5).await?;
            tg2.spawn("B", b())?;
            log("spawned B")
        })?;
        log("body done")
    })
    .await?;
    log("tg done")?;

    // Part 2: spawning into a closing group is rejected, the function is never called.
    let g = Group::new("G")?;
    g.spawn("C", c())?;
    g.close(false)?;
    match g.spawn("D", async { log("D ran") }) {
        Err(e) if e.kind() == ErrorKind::GroupClosed => log("spawn rejected")?,
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    g.wait_closed().await?;
    log("closed")
}
