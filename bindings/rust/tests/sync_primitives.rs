//! Event, Lock, Semaphore / BoundedSemaphore, Condition and the watch cell (R27, R31, R60,
//! R65): behaviour, bad input and R31 rollback.
mod common;
use common::*;
use corral::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

fn run<F, T>(f: F) -> T
where
    F: std::future::Future<Output = Result<T>> + 'static,
    T: 'static,
{
    Runtime::builder()
        .virtual_clock()
        .build()
        .unwrap()
        .block_on(f)
        .unwrap()
}

// ---- Event ----------------------------------------------------------------------------------

#[test]
fn event_set_wakes_every_waiter_fifo_and_is_sticky() {
    let (r, trace) = traced(async {
        let ev = Event::new()?;
        for name in ["A", "B", "C"] {
            let ev = ev.clone();
            spawn_named(name, async move {
                ev.wait().await?;
                log("woken")
            })?;
        }
        sleep_ms(1).await?;
        assert_eq!(ev.set()?, 3);
        assert!(ev.is_set());
        assert_eq!(ev.set()?, 0); // idempotent
        ev.wait().await?; // set: completes (a checkpoint)
        ev.clear()?;
        assert!(!ev.is_set());
        assert_kind(
            ev.wait().timeout(Duration::from_millis(2)).await,
            ErrorKind::Timeout,
        );
        log("timed out")
    });
    r.unwrap();
    assert_eq!(
        until_main_ends(&trace),
        "1 A log woken\n1 A done\n1 B log woken\n1 B done\n1 C log woken\n1 C done\n\
         3 main log timed out\n"
    );
}

#[test]
fn a_cancelled_event_waiter_leaves_no_trace() {
    run(async {
        let ev = Event::new()?;
        let e2 = ev.clone();
        let w = spawn(async move { e2.wait().await })?;
        checkpoint().await?;
        w.cancel()?;
        assert_kind(w.await, ErrorKind::TaskCancelled);
        assert_eq!(ev.set()?, 0); // nobody left waiting
                                  // cancelled at entry: nothing happens
        current().unwrap().cancel()?;
        assert_kind(ev.wait().await, ErrorKind::Cancelled);
        Ok(())
    })
}

// ---- Lock -----------------------------------------------------------------------------------

#[test]
fn lock_hand_off_is_fifo_and_try_acquire_never_barges() {
    let (r, trace) = traced(async {
        let lock = Lock::new()?;
        let guard = lock.acquire().await?;
        assert!(lock.locked() && lock.owned_by_current());
        let mut hs = Vec::new();
        for name in ["A", "B"] {
            let l = lock.clone();
            hs.push(spawn_named(name, async move {
                let _g = l.acquire().await?;
                log("in")?;
                sleep_ms(1).await
            })?);
        }
        checkpoint().await?; // A and B park, in that order
        drop(guard); // passes to A at once
        assert_eq!(lock.owner().unwrap().name(), "A");
        assert!(lock.try_acquire()?.is_none()); // no barging
        for h in hs {
            h.await?;
        }
        assert!(!lock.locked());
        let g = lock.try_acquire()?.expect("free");
        g.release()?;
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert_eq!(
        until_main_ends(&trace),
        "0 A log in\n1 A done\n1 B log in\n2 B done\n"
    );
}

#[test]
fn lock_bad_input_reentry_and_unheld_release() {
    run(async {
        let lock = Lock::new()?;
        assert_kind(lock.release(), ErrorKind::InvalidState); // nobody holds it
        let g = lock.acquire().await?;
        assert_kind(lock.acquire().await, ErrorKind::InvalidState); // not reentrant
        assert_kind(lock.try_acquire(), ErrorKind::InvalidState);
        let l2 = lock.clone();
        let other = spawn(async move { l2.release() })?;
        assert_kind(other.await, ErrorKind::InvalidState); // not the owner
        g.forget(); // keep it without the guard ...
        assert!(lock.locked());
        lock.release()?; // ... and release it by hand
        assert_kind(lock.release(), ErrorKind::InvalidState);
        // outside a task
        Ok(())
    });
    // Outside a running runtime, nothing can be made.
    assert_kind(Lock::new(), ErrorKind::InvalidState);
    assert_kind(Event::new(), ErrorKind::InvalidState);
    assert_kind(Semaphore::new(1), ErrorKind::InvalidState);
    assert_kind(Condition::new(), ErrorKind::InvalidState);
    assert_kind(Watch::new(1i64), ErrorKind::InvalidState);
}

#[test]
fn lock_acquire_deadline_and_cancellation_have_no_effect() {
    run(async {
        let lock = Lock::new()?;
        let g = lock.acquire().await?;
        let l2 = lock.clone();
        let t = spawn(async move {
            l2.acquire()
                .timeout(Duration::from_millis(3))
                .await
                .map(drop)
        })?;
        let l3 = lock.clone();
        let c = spawn(async move { l3.acquire().await.map(drop) })?;
        sleep_ms(1).await?;
        c.cancel()?;
        assert_kind(c.await, ErrorKind::TaskCancelled);
        assert_kind(t.await, ErrorKind::Timeout);
        assert_eq!(now()?.as_millis(), 3);
        drop(g);
        assert!(!lock.locked()); // nobody left waiting
        Ok(())
    })
}

#[test]
fn a_dropped_acquire_gives_the_lock_on() {
    run(async {
        let lock = Lock::new()?;
        // free lock: granted at once (committed), then abandoned: released again
        assert!(poll_once(lock.acquire()).await.is_none());
        assert!(!lock.locked());
        // parked, then abandoned: no effect
        let g = lock.acquire().await?;
        let l2 = lock.clone();
        let (tx, rx) = (Slot::new(), Slot::<u8>::new());
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let w = spawn_named("W", async move {
            // the foreign branch is polled first in the poll that brings the grant
            match common::select2(Recv(rx2), l2.acquire()).await {
                Won::B(_) => Err(Error::new(ErrorKind::InvalidState, "should lose")),
                Won::A(_) => {
                    tx2.send(());
                    Ok(())
                }
            }
        })?;
        checkpoint().await?; // W parks on the lock
        drop(g); // granted to W (committed), W resumes ...
        rx.send(1); // ... and its foreign branch wins in the same poll: R31 rollback
        w.await?;
        let _ = tx;
        assert!(!lock.locked());
        assert!(lock.try_acquire()?.is_some());
        Ok(())
    })
}

// ---- Semaphore ------------------------------------------------------------------------------

#[test]
fn semaphore_permits_fifo_and_bounded_over_release() {
    run(async {
        let s = Semaphore::new(2)?;
        let p1 = s.acquire().await?;
        let p2 = s.try_acquire()?.expect("one left");
        assert_eq!(s.value(), 0);
        assert!(s.locked());
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut hs = Vec::new();
        for i in 0..3 {
            let (s, o) = (s.clone(), order.clone());
            hs.push(spawn(async move {
                let _p = s.acquire().await?;
                o.borrow_mut().push(i);
                checkpoint().await
            })?);
        }
        checkpoint().await?;
        drop(p1); // handed to waiter 0, not counted
        assert_eq!(s.value(), 0);
        assert!(s.try_acquire()?.is_none()); // no barging
        drop(p2);
        for h in hs {
            h.await?;
        }
        assert_eq!(*order.borrow(), [0, 1, 2]);
        assert_eq!(s.value(), 2);
        s.release()?; // a plain semaphore counts past its start
        assert_eq!(s.value(), 3);

        let b = Semaphore::bounded(1)?;
        assert_kind(b.release(), ErrorKind::InvalidState); // asyncio: ValueError
        let p = b.acquire().await?;
        b.release()?; // an extra release while the permit is out ...
        assert_kind(p.release(), ErrorKind::InvalidState); // ... makes the permit's one too many
        let p = b.acquire().await?;
        p.forget();
        assert_eq!(b.value(), 0);
        b.release()?;
        assert_eq!(b.value(), 1);
        Ok(())
    })
}

#[test]
fn semaphore_bad_input() {
    run(async {
        assert_kind(Semaphore::new(-1), ErrorKind::InvalidArgument);
        assert_kind(Semaphore::with_bound(3, 2), ErrorKind::InvalidArgument);
        assert_kind(Semaphore::bounded(-2), ErrorKind::InvalidArgument);
        let s = Semaphore::new(0)?;
        assert_kind(
            s.acquire().timeout(Duration::from_millis(1)).await,
            ErrorKind::Timeout,
        );
        // granted at once and abandoned: the permit comes back
        s.release()?;
        assert!(poll_once(s.acquire()).await.is_none());
        assert_eq!(s.value(), 1);
        Ok(())
    })
}

// ---- Condition ------------------------------------------------------------------------------

#[test]
fn condition_wait_for_a_predicate() {
    run(async {
        let cond = Condition::new()?;
        let ready = Rc::new(Cell::new(0));
        let (c2, r2) = (cond.clone(), ready.clone());
        let waiter = spawn(async move {
            let mut g = c2.acquire().await?;
            g.wait_for(|| r2.get() >= 3).await?;
            assert!(g.is_held());
            Ok::<_, Error>(r2.get())
        })?;
        for i in 1..=3 {
            sleep_ms(1).await?;
            let g = cond.acquire().await?;
            ready.set(i);
            g.notify_all()?;
        }
        assert_eq!(waiter.await?, 3);
        // a true predicate returns at once; a deadline covers the whole loop
        let mut g = cond.acquire().await?;
        g.wait_for(|| true).await?;
        let t0 = now()?;
        assert_kind(
            g.wait_for(|| false).timeout(Duration::from_millis(4)).await,
            ErrorKind::Timeout,
        );
        assert_eq!(
            (now()?.as_millis() - t0.as_millis(), g.is_held()),
            (4, true)
        );
        Ok(())
    })
}

#[test]
fn condition_timeout_and_cancellation_resume_with_the_lock() {
    run(async {
        let cond = Condition::new()?;
        let mut g = cond.acquire().await?;
        assert_kind(
            g.wait().timeout(Duration::from_millis(2)).await,
            ErrorKind::Timeout,
        );
        assert!(g.is_held() && cond.locked());
        // cancelled while parked: resumes only once it owns the lock again
        let c2 = cond.clone();
        let x = spawn_named("X", async move {
            let mut g = c2.acquire().await?;
            let r = g.wait().await;
            assert!(g.is_held());
            r
        })?;
        drop(g);
        sleep_ms(1).await?;
        let g = cond.acquire().await?;
        x.cancel()?;
        sleep_ms(1).await?;
        assert!(!x.is_done()); // it waits for the lock
        drop(g);
        assert_kind(x.await, ErrorKind::TaskCancelled);
        assert!(!cond.locked());
        // notified, then cancelled while queueing for the lock: keeps the notification
        let c3 = cond.clone();
        let y = spawn(async move {
            let mut g = c3.acquire().await?;
            let r = g.wait().await;
            Ok::<_, Error>((r.is_ok(), cancel_pending()))
        })?;
        checkpoint().await?;
        let g = cond.acquire().await?;
        assert_eq!(g.notify(5)?, 1);
        y.cancel()?;
        drop(g);
        assert_eq!(y.await?, (true, true));
        Ok(())
    })
}

#[test]
fn condition_bad_input_and_dropped_waits() {
    run(async {
        let lock = Lock::new()?;
        let cond = Condition::with_lock(&lock)?;
        let other = Lock::new()?;
        let mut wrong = other.acquire().await?;
        // a guard of another lock: the task does not own the condition's lock
        assert_kind(cond.wait(&mut wrong).await, ErrorKind::InvalidState);
        assert!(wrong.is_held());
        drop(wrong);
        // a condition over a shared lock, waited on with the lock's guard
        let mut g = lock.acquire().await?;
        assert_kind(
            cond.wait(&mut g).timeout(Duration::from_millis(1)).await,
            ErrorKind::Timeout,
        );
        assert!(g.is_held());
        // a dropped wait (R31) leaves the guard without the lock
        assert!(poll_once(cond.wait(&mut g)).await.is_none());
        assert!(!g.is_held() && !lock.locked());
        assert_kind(g.release(), ErrorKind::InvalidState);
        assert_eq!(cond.notify_all()?, 0);
        // a dropped wait_for too
        let mut cg = cond.acquire().await?;
        assert!(poll_once(cg.wait_for(|| false)).await.is_none());
        assert!(!cg.is_held());
        drop(cg);
        assert!(!lock.locked());
        Ok(())
    })
}

// ---- Watch ----------------------------------------------------------------------------------

#[test]
fn watch_versions_predicates_and_puts() {
    run(async {
        let w = Watch::new("a".to_string())?;
        assert_eq!(w.get_versioned()?, ("a".to_string(), 0));
        assert_eq!(w.set("b".to_string())?, 0);
        assert_eq!(w.version(), 1);
        // next_after an older version returns at once
        assert_eq!(w.next_after(0).await?, "b");
        // wait_for: the current value matches: no wait
        assert_eq!(w.wait_for(|v| v == "b").await?, "b");
        let w2 = w.clone();
        let reader = spawn(async move { w2.wait_for(|v| v.len() > 2).await })?;
        checkpoint().await?;
        assert_eq!(w.readers(), 1);
        w.set("cc".to_string())?;
        checkpoint().await?;
        w.set("ddd".to_string())?;
        assert_eq!(reader.await?, "ddd");
        // put waits for a reader
        assert_kind(
            w.put("p".to_string())
                .timeout(Duration::from_millis(1))
                .await,
            ErrorKind::Timeout,
        );
        assert_eq!(w.get()?, "ddd"); // the timed-out put wrote nothing
        let w3 = w.clone();
        let put = spawn(async move { w3.put("q".to_string()).await })?;
        checkpoint().await?;
        assert_eq!(w.next().await?, "q"); // the reader makes the write happen
        put.await?;
        // a timed-out or abandoned next leaves nothing behind
        assert_kind(
            w.next().timeout(Duration::from_millis(1)).await,
            ErrorKind::Timeout,
        );
        assert!(poll_once(w.next()).await.is_none());
        assert_eq!(w.readers(), 0);
        let seen = w.version();
        w.set("r".to_string())?;
        assert_eq!(w.next_after(seen).await?, "r");
        Ok(())
    })
}

#[test]
fn watch_values_and_wrong_types() {
    run(async {
        let w = Watch::new(Value::Int(1))?;
        w.set(Value::from("x"))?;
        // SAFETY: a live cell of this runtime.
        let wi = unsafe { Watch::<i64>::from_raw(w.as_raw()) }?;
        assert_kind(wi.get(), ErrorKind::InvalidArgument);
        wi.set(5)?;
        assert_eq!(w.get()?, Value::Int(5));
        let wh = Watch::new(vec![1u8; 3].into_iter().collect::<Vec<u8>>())?;
        assert_eq!(wh.get()?, [1, 1, 1]);
        struct Host(u8);
        impl Clone for Host {
            fn clone(&self) -> Self {
                Host(self.0 + 1)
            }
        }
        let h = Watch::new(Host(0))?;
        assert_eq!(h.get()?.0, 1);
        assert_kind(
            unsafe { Watch::<i64>::from_raw(std::ptr::null_mut()) },
            ErrorKind::InvalidArgument,
        );
        Ok(())
    })
}

#[test]
fn primitives_of_a_closed_runtime_answer_closed() {
    let rt = Runtime::builder().virtual_clock().build().unwrap();
    let (ev, lock, sem, cond, w) = rt
        .block_on(async {
            Ok::<_, Error>((
                Event::new()?,
                Lock::new()?,
                Semaphore::bounded(1)?,
                Condition::new()?,
                Watch::new(String::from("v"))?,
            ))
        })
        .unwrap();
    drop(rt);
    assert_kind(ev.set(), ErrorKind::Closed);
    assert_kind(ev.clear(), ErrorKind::Closed);
    assert_kind(sem.release(), ErrorKind::Closed);
    assert_kind(sem.try_acquire(), ErrorKind::Closed);
    assert_kind(cond.notify_all(), ErrorKind::Closed);
    assert_kind(w.set("x".to_string()), ErrorKind::Closed);
    assert_eq!(w.get().unwrap(), "v"); // the value stays readable
    assert!(!lock.locked());
    // outside a task, a lock cannot be taken or released at all
    assert_kind(lock.try_acquire(), ErrorKind::InvalidState);
    assert_kind(lock.release(), ErrorKind::InvalidState);
}

#[test]
fn a_watch_put_with_a_past_deadline_writes_only_to_a_waiting_reader() {
    // R41: a past deadline means "try without blocking".
    run(async {
        let w = Watch::new(0i64)?;
        assert_kind(w.put(1).deadline(now()?).await, ErrorKind::Timeout);
        assert_eq!(w.get_versioned()?, (0, 0), "nothing written");
        let w2 = w.clone();
        let reader = spawn(async move { w2.next().await })?;
        checkpoint().await?;
        assert_eq!(w.readers(), 1);
        w.put(2).deadline(Instant::from_nanos(0)).await?; // a reader waits: written
        assert_eq!(reader.await?, 2);
        assert_kind(w.put(3).timeout(Duration::ZERO).await, ErrorKind::Timeout);
        assert_eq!(w.get_versioned()?, (2, 1));
        Ok(())
    })
}
