//! S59 — `call_on_done` and `call` (R73, R21). Rust has no `call`: a closure's type says
//! whether it is async, so `double(21)` and `adouble(21).await` are called directly (as in C).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// report(x, tag): log("report " + x + " " + tag); return x
async fn report(x: &'static str, tag: &'static str) -> Result<&'static str> {
    log(&format!("report {x} {tag}"))?;
    Ok(x)
}

fn double(x: i64) -> i64 {
    2 * x
}

async fn adouble(x: i64) -> Result<i64> {
    Ok(2 * x)
}

pub async fn main() -> Result<()> {
    let f = Future::<i64>::new()?;
    let g = Future::<i64>::new()?;
    let (f1, g1) = (f.clone(), g.clone());
    let d = spawn_named(
        "D",
        async move { call_on_done(&f1, || report("x", "t")).await },
    )?;
    let e = spawn_named(
        "E",
        async move { call_on_done(&g1, || report("y", "u")).await },
    )?;
    sleep_ms(2).await?;
    f.set_error(Error::user("ValueError", "ignored"))?;
    log(&format!("D={}", d.await?))?;
    sleep_ms(3).await?;
    e.cancel()?;
    match e.await {
        Err(err) if err.kind() == ErrorKind::TaskCancelled => {}
        Err(err) => return Err(err),
        Ok(_) => return Err(Error::new(ErrorKind::InvalidState, "E must be cancelled")),
    }
    log(&format!("E cancelled g pending={}", g.is_pending()))?;
    log(&format!("call={},{}", double(21), adouble(21).await?))
}
