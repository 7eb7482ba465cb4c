//! S23 — Future listener order and deferral (R8, R19, R20).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

fn cb(name: &'static str) -> impl FnOnce() {
    move || log_as(name, name).expect("log")
}

pub async fn main() -> Result<()> {
    let f = Future::<i64>::new()?;
    f.add_done_callback(cb("cb1"))?;
    let f1 = f.clone();
    let t = spawn_named("T", async move {
        let v = f1.wait().await?;
        log(&format!("T got {v}"))
    })?;
    sleep_ms(1).await?;
    f.add_done_callback(cb("cb2"))?;
    f.set_result(1)?;
    log("after set")?;
    match f.set_result(2) {
        Err(e) if e.kind() == ErrorKind::InvalidState => log("invalid")?,
        other => other?,
    }
    checkpoint().await?;
    f.add_done_callback(cb("cb3"))?;
    t.await?;
    log("end")
}
