//! S76 — A closed subgroup's exception callback still hands on to its parent (R56, R47, R55).
use corral::*;
pub const OUTCOME: Option<ErrorKind> = None;
fn ek(e: &Error) -> String {
    format!("{}:{}", e.kind_name(), e.message())
}
async fn f(ms: i64, m: &'static str) -> Result<()> {
    sleep_ms(ms).await?;
    Err(Error::user("ValueError", m))
}
async fn w(tag: &'static str, err: Option<&'static str>) -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        log(&format!("{tag} cancelled"))?;
        if let Some(m) = err {
            return Err(Error::user("ValueError", m));
        }
        return Err(e);
    }
    Ok(())
}
pub async fn main() -> Result<()> {
    let g = Group::with_exception_cb("G", |e: &Error, t: Option<&TaskRef>| {
        log(&format!(
            "cbG {} {}",
            t.map_or("none".into(), |t| t.name()),
            ek(e)
        ))?;
        if e.kind_name() == "RuntimeError" {
            return Err(Error::user("KeyErr", "g"));
        }
        Ok(())
    })?;
    let m = g.create_subgroup("M")?;
    let l = Group::builder()
        .name("L")
        .parent(&m)
        .exception_cb(|e: &Error, t: Option<&TaskRef>| {
            log(&format!(
                "cbL {} {}",
                t.map_or("none".into(), |t| t.name()),
                ek(e)
            ))?;
            Err(Error::user("RuntimeError", "l"))
        })
        .build()?;
    l.spawn("a", f(1, "a"))?;
    m.spawn("b", f(2, "b"))?;
    l.spawn("c", w("c", Some("c")))?;
    g.spawn("d", w("d", None))?;
    sleep_ms(5).await?;
    m.close(true)?;
    m.wait_closed().await?;
    log("M closed")?;
    sleep_ms(1).await?;
    g.async_close(true).await?;
    log(&format!("G closed unhandled={}", unhandled_count()?))
}
