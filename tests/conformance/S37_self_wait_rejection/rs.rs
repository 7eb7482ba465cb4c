//! S37 — Self-wait rejection (R17).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

pub async fn main() -> Result<()> {
    let g = Group::new("G")?;
    let g1 = g.clone();
    let t = g.spawn("T", async move {
        shield(async {
            match g1.wait_closed().await {
                Err(e) if e.kind() == ErrorKind::InvalidState => log("self wait rejected"),
                other => other,
            }
        })
        .await?;
        let me = current().expect("inside a task");
        match me.join().await {
            Err(e) if e.kind() == ErrorKind::InvalidState => log("self join rejected"),
            other => other,
        }
    })?;
    t.await
}
