//! S26 — Direct hand-off, no barging (R60).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// P: await q.put("b"); log("put b done")
async fn p(q: Queue<String>) -> Result<()> {
    q.put("b".to_string()).await?;
    log("put b done")
}

/// G1, G2: log("got " + await q2.get())
async fn getter(q2: Queue<i64>) -> Result<()> {
    log(&format!("got {}", q2.get().await?))
}

pub async fn main() -> Result<()> {
    let q = Queue::<String>::bounded(1)?;
    q.put_nowait("a".to_string())?;
    let q2 = Queue::<i64>::new()?;
    let hp = spawn_named("P", p(q.clone()))?;
    let h1 = spawn_named("G1", getter(q2.clone()))?;
    let h2 = spawn_named("G2", getter(q2.clone()))?;

    sleep_ms(1).await?;
    log(&format!("got {}", q.get_nowait()?))?; // P's "b" moves into the buffer at once
    match q.put_nowait("c".to_string()) {
        Err(e) if e.kind() == ErrorKind::QueueFull => log("c QueueFull")?,
        other => other?,
    }
    q2.put_nowait(1)?; // handed to G1
    q2.put_nowait(2)?; // handed to G2
    let _ = hp.await;
    let _ = h1.await;
    let _ = h2.await;
    Ok(())
}
