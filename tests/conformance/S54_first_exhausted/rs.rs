//! S54 — `first` with a predicate, on an exhausted and on an empty iterable. The iterable is
//! a queue filled with 1..n, then closed (as in C).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

fn items(n: i64) -> Result<Queue<i64>> {
    let q = Queue::new()?;
    for i in 1..=n {
        q.put_nowait(i)?;
    }
    q.close()?;
    Ok(q)
}

/// pred(x): log("check " + x); return x > 2
fn pred(x: &i64) -> Result<bool> {
    log(&format!("check {x}"))?;
    Ok(*x > 2)
}

/// never(x): log("check " + x); return x > 10
fn never(x: &i64) -> Result<bool> {
    log(&format!("check {x}"))?;
    Ok(*x > 10)
}

pub async fn main() -> Result<()> {
    let v = first(items(5)?, pred).await?.unwrap_or(-1);
    log(&format!("first={v}"))?;
    let v = first(items(2)?, never).await?.unwrap_or(-1);
    log(&format!("exhausted={v}"))?;
    let v = first(items(0)?, |_| Ok(true)).await?;
    log(&format!(
        "empty={}",
        v.map_or("none".to_string(), |x| x.to_string())
    ))
}
