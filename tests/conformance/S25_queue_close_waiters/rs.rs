//! S25 — Queue close with parked putters and getters (R60–R63).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// P1, P2: try: await q.put(item) except QueueClosed: log("put <item> QueueClosed")
async fn putter(q: Queue<String>, item: &'static str) -> Result<()> {
    match q.put(item.to_string()).await {
        Err(e) if e.kind() == ErrorKind::QueueClosed => log(&format!("put {item} QueueClosed")),
        other => other,
    }
}

/// G1, G2: try: await q2.get() except QueueClosed: log("get QueueClosed")
async fn getter(q2: Queue<String>) -> Result<()> {
    match q2.get().await {
        Err(e) if e.kind() == ErrorKind::QueueClosed => log("get QueueClosed"),
        other => other.map(drop),
    }
}

pub async fn main() -> Result<()> {
    let q = Queue::<String>::bounded(1)?;
    q.put_nowait("x".to_string())?;
    let q2 = Queue::<String>::new()?;
    spawn_named("P1", putter(q.clone(), "y"))?;
    spawn_named("P2", putter(q.clone(), "z"))?;
    spawn_named("G1", getter(q2.clone()))?;
    spawn_named("G2", getter(q2.clone()))?;

    sleep_ms(1).await?;
    q.close()?; // the parked putters fail, FIFO; "x" stays gettable
    log(&format!("get {}", q.get().await?))?;
    match q.get().await {
        Err(e) if e.kind() == ErrorKind::QueueClosed => log("get QueueClosed")?,
        other => return other.map(drop),
    }
    match q.put_nowait("w".to_string()) {
        Err(e) if e.kind() == ErrorKind::QueueClosed => log("put_nowait QueueClosed")?,
        other => other?,
    }

    sleep_ms(1).await?;
    q2.close()?; // empty: the parked getters fail, FIFO

    sleep_ms(1).await?;
    let q3 = Queue::<i64>::bounded(1)?;
    match q3.get_nowait() {
        Err(e) if e.kind() == ErrorKind::QueueEmpty => log("QueueEmpty")?,
        other => return other.map(drop),
    }
    q3.put_nowait(1)?;
    match q3.put_nowait(2) {
        Err(e) if e.kind() == ErrorKind::QueueFull => log("QueueFull"),
        other => Ok(other?),
    }
}
