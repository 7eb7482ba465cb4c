//! S22 — Waiting never cancels the awaited object (R16, R21, R48).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

async fn quiet(h: JoinHandle<()>) -> Result<()> {
    match h.await {
        Err(e) if e.kind() == ErrorKind::TaskCancelled => Ok(()),
        other => other,
    }
}

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    let t = g.spawn("T", async {
        sleep_ms(100).await?;
        Ok::<_, Error>("t")
    })?;
    let f = Future::<i64>::new()?;
    let (g1, tref, f1, f2) = (g.clone(), t.task().clone(), f.clone(), f.clone());
    let w1 = spawn_named("W1", async move { g1.wait_closed().await })?;
    let w2 = spawn_named("W2", async move { tref.join().await })?;
    let fh1 = spawn_named("F1", async move { f1.wait().await.map(|_| ()) })?;
    let fh2 = spawn_named("F2", async move {
        let v = f2.wait().await?;
        log(&format!("got {v}"))
    })?;

    sleep_ms(5).await?;
    w1.cancel()?;
    w2.cancel()?;
    fh1.cancel()?;
    quiet(w1).await?;
    quiet(w2).await?;
    quiet(fh1).await?;
    log(&format!(
        "G open={} T done={} f pending={}",
        g.is_open(),
        t.is_done(),
        f.is_pending()
    ))?;

    sleep_ms(2).await?;
    f.set_result(3)?;
    fh2.await?;
    g.async_close(true).await?;
    log("end")
}
