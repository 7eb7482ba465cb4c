//! Side-by-side benchmarks of the `corral` crate against tokio's current-thread runtime and
//! `futures::executor::LocalPool`, one process, one thread each:
//!
//! - spawn+join: spawn N trivial tasks, then join them all (per task);
//! - switch: two tasks that each yield N times (per yield: a checkpoint in corral,
//!   `yield_now` in tokio, a self-waking yield in LocalPool);
//! - ping-pong: two tasks bouncing a message over two unbounded queues (per round trip);
//! - spawn_many: N tasks spawned into one group, each yields once, then the group's end waits
//!   for all (per task): `corral::task_group` vs tokio's `JoinSet` (`spawn_local`, then
//!   `join_next` until empty); LocalPool has no group and sits this one out;
//! - queue maxsize 1 / 1024: a producer task puts 1M items (`CORRAL_BENCH_QUEUE_ITEMS`)
//!   into a bounded queue, the main task gets them (per item): `corral::Queue::bounded` vs
//!   `tokio::sync::mpsc::channel` vs `futures::channel::mpsc::channel`.
//!
//! Each benchmark gets one runtime of its kind and runs `repeats` rounds of N inside it; the
//! best round counts (steady state: the allocators' memory is warm, as in a long-running
//! program; a fresh runtime per round mostly measures first-touch page faults).
//!
//! spawn_many's memory (bytes per task at the peak: RSS growth from before the first spawn to
//! the moment the N-th task starts, when all N are alive) is measured in a fresh child process
//! per implementation (this program re-run with `CORRAL_BENCH_MEM=corral|tokio`), so memory an
//! earlier benchmark freed cannot hide the growth.
//!
//! Usage: `cargo run --release -- [N] [repeats]`; prints a table of ns/op and corral's time
//! relative to each peer.
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Instant;

/// Resident set size in bytes (VmRSS of /proc/self/status, in kB there).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// spawn_many's memory probe, shared by every task of a run: the N-th task to start reads
/// RSS (every task exists then: the earlier ones are parked in their yield).
#[derive(Default)]
struct Probe {
    started: Cell<usize>,
    rss: Cell<u64>,
}

impl Probe {
    fn start(&self, n: usize) {
        self.started.set(self.started.get() + 1);
        if self.started.get() == n {
            self.rss.set(rss_bytes());
        }
    }
}

// ---- corral ---------------------------------------------------------------------------------

fn corral_spawn_join(n: usize, rounds: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut best = f64::INFINITY;
        let mut hs = Vec::with_capacity(n);
        for _ in 0..rounds {
            let t0 = Instant::now();
            for _ in 0..n {
                hs.push(corral::spawn(async {})?);
            }
            for h in hs.drain(..) {
                h.await?;
            }
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        Ok::<f64, corral::Error>(best)
    })
    .unwrap()
}

fn corral_switch(n: usize, rounds: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t0 = Instant::now();
            let body = move || async move {
                for _ in 0..n {
                    corral::checkpoint().await?;
                }
                Ok::<(), corral::Error>(())
            };
            let a = corral::spawn(body())?;
            let b = corral::spawn(body())?;
            a.await?;
            b.await?;
            best = best.min(t0.elapsed().as_nanos() as f64 / (2 * n) as f64);
        }
        Ok::<f64, corral::Error>(best)
    })
    .unwrap()
}

fn corral_ping_pong(n: usize, rounds: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let ping = corral::Queue::<u64>::new()?;
            let pong = corral::Queue::<u64>::new()?;
            let (pi, po) = (ping.clone(), pong.clone());
            let t0 = Instant::now();
            let echo = corral::spawn(async move {
                for _ in 0..n {
                    let v = pi.get().await?;
                    po.put_nowait(v + 1)?;
                }
                Ok::<(), corral::Error>(())
            })?;
            let mut v = 0;
            for _ in 0..n {
                ping.put_nowait(v)?;
                v = pong.get().await?;
            }
            echo.await?;
            assert_eq!(v, n as u64);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        Ok::<f64, corral::Error>(best)
    })
    .unwrap()
}

/// N tasks in a `corral::task_group` (the scoped group: its end waits for every member), each
/// passing one checkpoint. `TaskGroup::spawn` takes a name; "t" keeps its copy short.
fn corral_spawn_many(n: usize, rounds: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t0 = Instant::now();
            corral::task_group(|tg| async move {
                for _ in 0..n {
                    tg.spawn("t", corral::checkpoint())?;
                }
                Ok(())
            })
            .await?;
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        Ok::<f64, corral::Error>(best)
    })
    .unwrap()
}

fn corral_spawn_many_mem(n: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let probe = Rc::new(Probe::default());
        let rss0 = rss_bytes();
        let p = probe.clone();
        corral::task_group(|tg| async move {
            for _ in 0..n {
                let p = p.clone();
                tg.spawn("t", async move {
                    p.start(n);
                    corral::checkpoint().await
                })?;
            }
            Ok(())
        })
        .await?;
        Ok::<f64, corral::Error>((probe.rss.get() as f64 - rss0 as f64) / n as f64)
    })
    .unwrap()
}

/// Producer/consumer through a bounded queue of `cap` items: the producer `put`s n items
/// (parking while the queue is full), the consumer `get`s them (ns per item).
fn corral_queue(cap: usize, n: usize, rounds: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let q = corral::Queue::<u64>::bounded(cap as i64)?;
            let q2 = q.clone();
            let t0 = Instant::now();
            let producer = corral::spawn(async move {
                for i in 0..n as u64 {
                    q2.put(i).await?;
                }
                Ok::<(), corral::Error>(())
            })?;
            let mut sum = 0u64;
            for _ in 0..n {
                sum += q.get().await?;
            }
            producer.await?;
            assert_eq!(sum, (n as u64) * (n as u64 - 1) / 2);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        Ok::<f64, corral::Error>(best)
    })
    .unwrap()
}

/// maxsize 1024 written for throughput: `put_nowait` until the queue is full, then one
/// `put().await` (parks until the consumer makes room); the consumer takes one item with
/// `get().await`, then drains with `get_nowait` (the C bench's "batches" rows).
fn corral_queue_batched(n: usize, rounds: usize) -> f64 {
    let rt = corral::Runtime::new().unwrap();
    rt.block_on(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let q = corral::Queue::<u64>::bounded(1024)?;
            let q2 = q.clone();
            let t0 = Instant::now();
            let producer = corral::spawn(async move {
                for i in 0..n as u64 {
                    if let Err(e) = q2.put_nowait(i) {
                        q2.put(e.item).await?; // full: wait for room
                    }
                }
                Ok::<(), corral::Error>(())
            })?;
            let (mut sum, mut got) = (0u64, 0);
            while got < n {
                sum += q.get().await?;
                got += 1;
                while let Ok(v) = q.get_nowait() {
                    sum += v;
                    got += 1;
                }
            }
            producer.await?;
            assert_eq!(sum, (n as u64) * (n as u64 - 1) / 2);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        Ok::<f64, corral::Error>(best)
    })
    .unwrap()
}

fn corral_queue_1(n: usize, rounds: usize) -> f64 {
    corral_queue(1, n, rounds)
}

fn corral_queue_1024(n: usize, rounds: usize) -> f64 {
    corral_queue(1024, n, rounds)
}

// ---- tokio current-thread ---------------------------------------------------------------------

fn tokio_rt() -> (tokio::runtime::Runtime, tokio::task::LocalSet) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    (rt, tokio::task::LocalSet::new())
}

fn tokio_spawn_join(n: usize, rounds: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let mut best = f64::INFINITY;
        let mut hs = Vec::with_capacity(n);
        for _ in 0..rounds {
            let t0 = Instant::now();
            for _ in 0..n {
                hs.push(tokio::task::spawn_local(async {}));
            }
            for h in hs.drain(..) {
                h.await.unwrap();
            }
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

fn tokio_switch(n: usize, rounds: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t0 = Instant::now();
            let body = move || async move {
                for _ in 0..n {
                    tokio::task::yield_now().await;
                }
            };
            let a = tokio::task::spawn_local(body());
            let b = tokio::task::spawn_local(body());
            a.await.unwrap();
            b.await.unwrap();
            best = best.min(t0.elapsed().as_nanos() as f64 / (2 * n) as f64);
        }
        best
    })
}

fn tokio_ping_pong(n: usize, rounds: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let (ping_tx, mut ping_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
            let (pong_tx, mut pong_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
            let t0 = Instant::now();
            let echo = tokio::task::spawn_local(async move {
                for _ in 0..n {
                    let v = ping_rx.recv().await.unwrap();
                    pong_tx.send(v + 1).unwrap();
                }
            });
            let mut v = 0;
            for _ in 0..n {
                ping_tx.send(v).unwrap();
                v = pong_rx.recv().await.unwrap();
            }
            echo.await.unwrap();
            assert_eq!(v, n as u64);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

/// The same through `tokio::sync::mpsc::channel(cap)` (`send().await` / `recv().await`).
fn tokio_queue(cap: usize, n: usize, rounds: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(cap);
            let t0 = Instant::now();
            let producer = tokio::task::spawn_local(async move {
                for i in 0..n as u64 {
                    tx.send(i).await.unwrap();
                }
            });
            let mut sum = 0u64;
            for _ in 0..n {
                sum += rx.recv().await.unwrap();
            }
            producer.await.unwrap();
            assert_eq!(sum, (n as u64) * (n as u64 - 1) / 2);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

/// tokio's counterpart of the batched row: `try_send` until full, then `send().await`;
/// `recv().await`, then `try_recv` until empty.
fn tokio_queue_batched(n: usize, rounds: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(1024);
            let t0 = Instant::now();
            let producer = tokio::task::spawn_local(async move {
                for i in 0..n as u64 {
                    if let Err(tokio::sync::mpsc::error::TrySendError::Full(v)) = tx.try_send(i) {
                        tx.send(v).await.unwrap();
                    }
                }
            });
            let (mut sum, mut got) = (0u64, 0);
            while got < n {
                sum += rx.recv().await.unwrap();
                got += 1;
                while let Ok(v) = rx.try_recv() {
                    sum += v;
                    got += 1;
                }
            }
            producer.await.unwrap();
            assert_eq!(sum, (n as u64) * (n as u64 - 1) / 2);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

fn tokio_queue_1(n: usize, rounds: usize) -> f64 {
    tokio_queue(1, n, rounds)
}

fn tokio_queue_1024(n: usize, rounds: usize) -> f64 {
    tokio_queue(1024, n, rounds)
}

/// N tasks in a `JoinSet` (tokio's group of tasks), each yielding once, then `join_next`
/// until the set is empty.
fn tokio_spawn_many(n: usize, rounds: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t0 = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..n {
                set.spawn_local(tokio::task::yield_now());
            }
            while let Some(r) = set.join_next().await {
                r.unwrap();
            }
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

fn tokio_spawn_many_mem(n: usize) -> f64 {
    let (rt, local) = tokio_rt();
    local.block_on(&rt, async move {
        let probe = Rc::new(Probe::default());
        let rss0 = rss_bytes();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..n {
            let p = probe.clone();
            set.spawn_local(async move {
                p.start(n);
                tokio::task::yield_now().await
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        (probe.rss.get() as f64 - rss0 as f64) / n as f64
    })
}

// ---- futures LocalPool --------------------------------------------------------------------------

struct YieldNow(bool);
impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn pool_spawn_join(n: usize, rounds: usize) -> f64 {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let sp = pool.spawner();
    pool.run_until(async move {
        let mut best = f64::INFINITY;
        let mut hs = Vec::with_capacity(n);
        for _ in 0..rounds {
            let t0 = Instant::now();
            for _ in 0..n {
                hs.push(sp.spawn_local_with_handle(async {}).unwrap());
            }
            for h in hs.drain(..) {
                h.await;
            }
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

fn pool_switch(n: usize, rounds: usize) -> f64 {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let sp = pool.spawner();
    pool.run_until(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let t0 = Instant::now();
            let body = move || async move {
                for _ in 0..n {
                    YieldNow(false).await;
                }
            };
            let a = sp.spawn_local_with_handle(body()).unwrap();
            let b = sp.spawn_local_with_handle(body()).unwrap();
            a.await;
            b.await;
            best = best.min(t0.elapsed().as_nanos() as f64 / (2 * n) as f64);
        }
        best
    })
}

fn pool_ping_pong(n: usize, rounds: usize) -> f64 {
    use futures::task::LocalSpawnExt;
    use futures::StreamExt;
    let mut pool = futures::executor::LocalPool::new();
    let sp = pool.spawner();
    pool.run_until(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let (ping_tx, mut ping_rx) = futures::channel::mpsc::unbounded::<u64>();
            let (pong_tx, mut pong_rx) = futures::channel::mpsc::unbounded::<u64>();
            let t0 = Instant::now();
            let echo = sp
                .spawn_local_with_handle(async move {
                    for _ in 0..n {
                        let v = ping_rx.next().await.unwrap();
                        pong_tx.unbounded_send(v + 1).unwrap();
                    }
                })
                .unwrap();
            let mut v = 0;
            for _ in 0..n {
                ping_tx.unbounded_send(v).unwrap();
                v = pong_rx.next().await.unwrap();
            }
            echo.await;
            assert_eq!(v, n as u64);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

/// The same through `futures::channel::mpsc::channel` (capacity = buffer + 1 per sender,
/// so `cap - 1`), `SinkExt::send` / `StreamExt::next`.
fn pool_queue(cap: usize, n: usize, rounds: usize) -> f64 {
    use futures::task::LocalSpawnExt;
    use futures::{SinkExt, StreamExt};
    let mut pool = futures::executor::LocalPool::new();
    let sp = pool.spawner();
    pool.run_until(async move {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let (mut tx, mut rx) = futures::channel::mpsc::channel::<u64>(cap - 1);
            let t0 = Instant::now();
            let producer = sp
                .spawn_local_with_handle(async move {
                    for i in 0..n as u64 {
                        tx.send(i).await.unwrap();
                    }
                })
                .unwrap();
            let mut sum = 0u64;
            for _ in 0..n {
                sum += rx.next().await.unwrap();
            }
            producer.await;
            assert_eq!(sum, (n as u64) * (n as u64 - 1) / 2);
            best = best.min(t0.elapsed().as_nanos() as f64 / n as f64);
        }
        best
    })
}

fn pool_queue_1(n: usize, rounds: usize) -> f64 {
    pool_queue(1, n, rounds)
}

fn pool_queue_1024(n: usize, rounds: usize) -> f64 {
    pool_queue(1024, n, rounds)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    type Bench = fn(usize, usize) -> f64;
    // (name, corral, tokio, LocalPool if it has the workload)
    type Row = (&'static str, Bench, Bench, Option<Bench>);
    let rows: [Row; 4] = [
        (
            "spawn+join (ns/task)",
            corral_spawn_join,
            tokio_spawn_join,
            Some(pool_spawn_join),
        ),
        (
            "switch (ns/yield)",
            corral_switch,
            tokio_switch,
            Some(pool_switch),
        ),
        (
            "ping-pong (ns/round trip)",
            corral_ping_pong,
            tokio_ping_pong,
            Some(pool_ping_pong),
        ),
        (
            "spawn_many (ns/task)",
            corral_spawn_many,
            tokio_spawn_many,
            None,
        ),
    ];
    if let Ok(which) = std::env::var("CORRAL_BENCH_MEM") {
        // The child of the spawn_many memory row: one run in this fresh process.
        let f = if which == "tokio" {
            tokio_spawn_many_mem
        } else {
            corral_spawn_many_mem
        };
        println!("{:.1}", f(n));
        return;
    }
    if let Ok(only) = std::env::var("CORRAL_BENCH_ONLY") {
        // Profiling aid: run one corral benchmark only (spawn, switch, pingpong, spawn_many).
        let f: Bench = match only.as_str() {
            "switch" => corral_switch,
            "pingpong" => corral_ping_pong,
            "spawn_many" => corral_spawn_many,
            "queue1" => corral_queue_1,
            "queue1024" => corral_queue_1024,
            "queue_batched" => corral_queue_batched,
            _ => corral_spawn_join,
        };
        println!("corral {only}: {:.1} ns/op", f(n, reps));
        return;
    }
    println!("N = {n}, one runtime per benchmark, best of {reps} rounds of N inside it (steady state), one thread");
    println!(
        "| {:<26} | {:>8} | {:>8} | {:>9} | {:>13} | {:>15} |",
        "benchmark", "corral", "tokio", "LocalPool", "corral/tokio", "corral/LocalPool"
    );
    println!(
        "|{:-<28}|{:-<10}|{:-<10}|{:-<11}|{:-<15}|{:-<17}|",
        "", "", "", "", "", ""
    );
    for (name, c, t, p) in rows {
        let (c, t) = (c(n, reps), t(n, reps));
        let (p, cp) = match p.map(|p| p(n, reps)) {
            Some(p) => (format!("{p:.1}"), format!("{:.2}x", c / p)),
            None => ("-".to_string(), "-".to_string()),
        };
        println!(
            "| {:<26} | {:>8.1} | {:>8.1} | {:>9} | {:>12.2}x | {:>16} |",
            name,
            c,
            t,
            p,
            c / t,
            cp
        );
    }
    // Queues (issue 7): producer/consumer, QUEUE_ITEMS items (default 1M), best of
    // QUEUE_REPEATS rounds (default 3).
    let qn: usize = std::env::var("CORRAL_BENCH_QUEUE_ITEMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let qr: usize = std::env::var("CORRAL_BENCH_QUEUE_REPEATS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let queue_rows: [(&str, Bench, Bench, Bench); 2] = [
        (
            "queue 1 (ns/item)",
            corral_queue_1,
            tokio_queue_1,
            pool_queue_1,
        ),
        (
            "queue 1024 (ns/item)",
            corral_queue_1024,
            tokio_queue_1024,
            pool_queue_1024,
        ),
    ];
    for (name, c, t, p) in queue_rows {
        let (c, t, p) = (c(qn, qr), t(qn, qr), p(qn, qr));
        println!(
            "| {:<26} | {:>8.1} | {:>8.1} | {:>9.1} | {:>12.2}x | {:>15.2}x |",
            name,
            c,
            t,
            p,
            c / t,
            c / p
        );
    }
    let (c, t) = (corral_queue_batched(qn, qr), tokio_queue_batched(qn, qr));
    println!(
        "| {:<26} | {:>8.1} | {:>8.1} | {:>9} | {:>12.2}x | {:>16} |",
        "queue 1024 batch (ns/item)",
        c,
        t,
        "-",
        c / t,
        "-"
    );
    let (c, t) = (mem_child("corral", n), mem_child("tokio", n));
    println!(
        "| {:<26} | {:>8.0} | {:>8.0} | {:>9} | {:>12.2}x | {:>16} |",
        "spawn_many (bytes/task)",
        c,
        t,
        "-",
        c / t,
        "-"
    );
}

/// Run the spawn_many memory measurement of `which` in a fresh child process (this program
/// again, with CORRAL_BENCH_MEM set) and read its one figure; NaN if it failed.
fn mem_child(which: &str, n: usize) -> f64 {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(_) => return f64::NAN,
    };
    let out = std::process::Command::new(exe)
        .arg(n.to_string())
        .env("CORRAL_BENCH_MEM", which)
        .env_remove("CORRAL_BENCH_ONLY")
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}
