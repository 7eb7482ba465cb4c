//! S63 — Priority, LIFO and rendezvous queues (R60, R62).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// "[x, y, ...]" of n get_nowait results.
fn drain<T: std::fmt::Display + 'static>(q: &Queue<T>, n: usize) -> Result<String> {
    let items = (0..n)
        .map(|_| q.get_nowait().map(|x| x.to_string()))
        .collect::<Result<Vec<_>>>()?;
    Ok(format!("[{}]", items.join(", ")))
}

/// P: await ch.put("x"); log("put returned")
async fn p(ch: Queue<String>) -> Result<()> {
    ch.put("x".to_string()).await?;
    log("put returned")
}

pub async fn main() -> Result<()> {
    let pq = Queue::<String>::priority(0)?;
    for (item, priority) in [("c", 3), ("a", 1), ("b", 2), ("a2", 1)] {
        pq.put_nowait_priority(item.to_string(), priority)?;
    }
    log(&format!("priority={}", drain(&pq, 4)?))?; // smallest first, equal priorities FIFO

    let lq = Queue::<i64>::lifo(0)?;
    for i in 1..=3 {
        lq.put_nowait(i)?;
    }
    log(&format!("lifo={}", drain(&lq, 3)?))?;

    let ch = Queue::<String>::channel()?;
    match ch.put_nowait("y".to_string()) {
        Err(e) if e.kind() == ErrorKind::QueueFull => log("rendezvous full")?,
        other => other?,
    }
    spawn_named("P", p(ch.clone()))?;
    sleep_ms(5).await?;
    let got = ch.get().await?; // takes P's item and completes P first
    log(&format!("got {got}"))
}
