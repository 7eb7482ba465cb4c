//! Side-by-side benchmarks of the `corral` crate against tokio's current-thread runtime and
//! `futures::executor::LocalPool`, one process, one thread each:
//!
//! - spawn+join: spawn N trivial tasks, then join them all (per task);
//! - switch: two tasks that each yield N times (per yield: a checkpoint in corral,
//!   `yield_now` in tokio, a self-waking yield in LocalPool);
//! - ping-pong: two tasks bouncing a message over two unbounded queues (per round trip).
//!
//! Each benchmark gets one runtime of its kind and runs `repeats` rounds of N inside it; the
//! best round counts (steady state: the allocators' memory is warm, as in a long-running
//! program; a fresh runtime per round mostly measures first-touch page faults).
//!
//! Usage: `cargo run --release -- [N] [repeats]`; prints a table of ns/op and corral's time
//! relative to each peer.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    type Row = (
        &'static str,
        fn(usize, usize) -> f64,
        fn(usize, usize) -> f64,
        fn(usize, usize) -> f64,
    );
    let rows: [Row; 3] = [
        (
            "spawn+join (ns/task)",
            corral_spawn_join,
            tokio_spawn_join,
            pool_spawn_join,
        ),
        (
            "switch (ns/yield)",
            corral_switch,
            tokio_switch,
            pool_switch,
        ),
        (
            "ping-pong (ns/round trip)",
            corral_ping_pong,
            tokio_ping_pong,
            pool_ping_pong,
        ),
    ];
    if let Ok(only) = std::env::var("CORRAL_BENCH_ONLY") {
        // Profiling aid: run one corral benchmark only (spawn, switch, pingpong).
        let f: fn(usize, usize) -> f64 = match only.as_str() {
            "switch" => corral_switch,
            "pingpong" => corral_ping_pong,
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
        let (c, t, p) = (c(n, reps), t(n, reps), p(n, reps));
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
}
