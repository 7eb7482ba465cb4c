//! S51 — exception_cb order, inheritance and a raising handler (R55, R56, R47).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// f(m): await sleep(5); raise ValueError(m)
async fn f(m: &'static str) -> Result<()> {
    sleep_ms(5).await?;
    Err(Error::user("ValueError", m))
}

fn who(t: Option<&TaskRef>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.name())
}

pub async fn main() -> Result<()> {
    // cb(e, t): log("cb " + t.name + " " + kind(e) + ":" + msg(e))   (actor G.cb)
    let g = Group::with_exception_cb("G", |e, t| {
        log_as(
            "G.cb",
            &format!("cb {} {}:{}", who(t), e.kind_name(), e.message()),
        )
    })?;
    let s = g.create_subgroup("S")?; // inherits cb
                                     // cb2(e, t): log("cb2 " + t.name); raise RuntimeError("cb2")   (actor S2.cb)
    let s2 = Group::builder()
        .name("S2")
        .parent(&g)
        .exception_cb(|_e, t| {
            log_as("S2.cb", &format!("cb2 {}", who(t)))?;
            Err(Error::user("RuntimeError", "cb2"))
        })
        .build()?;
    g.spawn("A", f("a"))?;
    s.spawn("B", f("b"))?;
    s2.spawn("C", f("c"))?;
    sleep_ms(10).await?;
    g.async_close(true).await?;
    log("closed")
}
