//! A resource pool whose members are closed on cancellation (`cargo run --example
//! resource_pool`). The trace (R77) goes to standard output on the virtual clock.
//!
//! The pool task opens its connections one by one onto an [`ExitStack`] (each wrapped in
//! [`closing_async`]), lends them to workers, and is cancelled while they work. Leaving
//! [`ExitStack::scope`] closes the connections in reverse order, as managed cleanup: each
//! close can still await although the task is cancelled (R66). `tests/cleanup.rs` runs
//! [`run_pool`] so that this example cannot rot.
use corral::*;
use std::cell::RefCell;
use std::rc::Rc;

/// One pooled connection; `closed` is the pool's record of closes, in order.
pub struct Connection {
    id: usize,
    closed: Rc<RefCell<Vec<usize>>>,
}

impl Connection {
    /// Connect (takes 1 ms).
    async fn open(id: usize, closed: Rc<RefCell<Vec<usize>>>) -> Result<Connection> {
        sleep_ms(1).await?;
        log(&format!("conn{id} open"))?;
        Ok(Connection { id, closed })
    }

    /// Use the connection for `ms`.
    async fn query(&self, ms: i64) -> Result<()> {
        sleep_ms(ms).await?;
        log(&format!("conn{} answered", self.id))
    }
}

impl AsyncClose for Connection {
    /// Disconnect (takes 2 ms: an await while the task is being cancelled).
    async fn aclose(&self) -> Result<()> {
        sleep_ms(2).await?;
        log(&format!("conn{} closed", self.id))?;
        self.closed.borrow_mut().push(self.id);
        Ok(())
    }
}

/// A worker: query its connection until cancelled.
async fn work(conn: Rc<Connection>) -> Result<()> {
    loop {
        conn.query(5).await?;
    }
}

/// Open a pool of `size` connections and keep `size` workers querying until cancelled.
/// Returns the ids of the connections closed, in the order they were closed, and the pool
/// task's outcome.
pub async fn run_pool(size: usize) -> Result<(Vec<usize>, Result<()>)> {
    let closed = Rc::new(RefCell::new(Vec::new()));
    let record = closed.clone();
    let pool = spawn_named("pool", async move {
        ExitStack::scope(|st| async move {
            let mut members = Vec::new();
            for id in 1..=size {
                let conn = Connection::open(id, record.clone()).await?;
                members.push(st.enter_context(closing_async(Rc::new(conn))).await?);
            }
            task_group(|tg| async move {
                for conn in members {
                    tg.spawn(&format!("worker{}", conn.id), work(conn))?;
                }
                Ok(())
            })
            .await
        })
        .await?;
        Ok(())
    })?;
    sleep_ms(12).await?;
    pool.cancel()?;
    let outcome = pool.await;
    let closed = closed.borrow().clone();
    Ok((closed, outcome))
}

#[allow(dead_code)] // tests/cleanup.rs includes this file for run_pool only
fn main() -> Result<()> {
    let rt = Runtime::builder().virtual_clock().trace_fd(1).build()?;
    let (closed, outcome) = rt.block_on(run_pool(3))?;
    println!("closed in order {closed:?}; pool ended with {outcome:?}");
    Ok(())
}
