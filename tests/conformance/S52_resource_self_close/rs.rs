//! S52 — A Resource closed from inside its own task (R50, R45, R24).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// A Resource whose async_group is Group("srv"); it spawns `loop` at construction.
struct Server {
    group: Group,
}

impl Resource for Server {
    fn async_group(&self) -> &Group {
        &self.group
    }
}

impl Server {
    fn new() -> Result<Server> {
        let srv = Server {
            group: Group::new("srv")?,
        };
        let me = Server {
            group: srv.group.clone(),
        };
        // loop: await sleep(5); log("closing self"); self.close();
        //       try: await sleep(1) except Cancelled: log("cancelled inside"); raise
        srv.group.spawn("loop", async move {
            sleep_ms(5).await?;
            log("closing self")?;
            me.close()?;
            if let Err(e) = sleep_ms(1).await {
                if e.is_cancelled() {
                    log("cancelled inside")?;
                }
                return Err(e);
            }
            Ok(())
        })?;
        Ok(srv)
    }
}

pub async fn main() -> Result<()> {
    let srv = Server::new()?;
    srv.wait_closing().await?;
    log(&format!(
        "closing={} closed={}",
        srv.is_closing(),
        srv.is_closed()
    ))?;
    srv.wait_closed().await?;
    log("closed")
}
