//! Queues (R60-R64): kinds, non-blocking and awaitable calls, deadlines, close, streams,
//! native values, bad input, and R31 rollback.
mod common;
use common::*;
use corral::*;
use std::cell::Cell;
use std::future::Future as _;
use std::rc::Rc;
use std::time::Duration;

fn vrt() -> Runtime {
    Runtime::builder().virtual_clock().build().unwrap()
}

fn run<F, T>(f: F) -> T
where
    F: std::future::Future<Output = Result<T>> + 'static,
    T: 'static,
{
    vrt().block_on(f).unwrap()
}

#[test]
fn kinds_order_their_items() {
    run(async {
        let pq = Queue::<&str>::priority(0)?;
        assert_eq!(pq.kind(), QueueKind::Priority);
        for (x, p) in [("c", 3), ("a", 1), ("b", 2), ("a2", 1), ("z", -5)] {
            pq.put_nowait_priority(x, p)?;
        }
        pq.put_nowait("zero")?; // priority 0
        let got: Vec<_> = (0..6).map(|_| pq.get_nowait().unwrap()).collect();
        assert_eq!(got, ["z", "zero", "a", "a2", "b", "c"]);

        let lq = Queue::<i64>::lifo(2)?;
        assert_eq!(lq.kind(), QueueKind::Lifo);
        lq.put_nowait(1)?;
        lq.put_nowait(2)?;
        assert!(lq.full());
        assert_eq!(lq.put_nowait(3).unwrap_err().kind(), ErrorKind::QueueFull);
        assert_eq!(lq.get_nowait()?, 2);
        assert_eq!(lq.get_nowait()?, 1);

        let ch = Queue::<i64>::channel()?;
        assert_eq!(ch.kind(), QueueKind::Rendezvous);
        assert_eq!(ch.maxsize(), 0);
        assert!(ch.full()); // no getter waits
        let e = ch.put_nowait(1).unwrap_err();
        assert_eq!((e.kind(), e.item), (ErrorKind::QueueFull, 1));
        let ch2 = ch.clone();
        let getter = spawn(async move { ch2.get().await })?;
        checkpoint().await?; // the getter parks
        assert!(!ch.full());
        ch.put_nowait(7)?; // handed over
        assert_eq!(getter.await?, 7);
        Ok(())
    })
}

#[test]
fn a_priority_put_that_parks_keeps_its_priority() {
    run(async {
        let pq = Queue::<&str>::priority(1)?;
        pq.put_nowait_priority("first", 9)?;
        let q2 = pq.clone();
        let p = spawn(async move { q2.put_priority("urgent", -1).await })?;
        checkpoint().await?; // P parks: the queue is full
        assert_eq!(pq.get_nowait()?, "first"); // P's item moves into the buffer
        p.await?;
        pq.put_nowait_priority("late", 5).unwrap_err(); // full again
        assert_eq!(pq.get_nowait()?, "urgent");
        Ok(())
    })
}

#[test]
fn maxsize_zero_or_negative_is_unbounded() {
    run(async {
        for m in [0, -1, -100] {
            let q = Queue::<i64>::bounded(m)?;
            assert_eq!(q.maxsize(), 0);
            for i in 0..1000 {
                q.put_nowait(i)?;
            }
            assert!(!q.full());
            assert_eq!(q.qsize(), 1000);
        }
        Ok(())
    })
}

#[test]
fn get_until_empty_keeps_the_last_item() {
    run(async {
        let q = Queue::<String>::new()?;
        assert_eq!(
            q.get_nowait_until_empty().unwrap_err().kind(),
            ErrorKind::QueueEmpty
        );
        for x in ["a", "b", "c"] {
            q.put_nowait(x.to_string())?;
        }
        assert_eq!(q.get_nowait_until_empty()?, "c");
        assert!(q.empty());
        // the awaitable form waits for the first item, then drains
        let q2 = q.clone();
        spawn(async move {
            sleep_ms(3).await?;
            q2.put_nowait("x".to_string())?; // handed to the parked get
            q2.put_nowait("y".to_string()).map_err(Error::from)
        })?;
        // x was handed to the parked get, y buffered before it ran: the drain keeps y
        assert_eq!(q.get_until_empty().await?, "y");
        assert!(q.empty());
        for x in ["1", "2"] {
            q.put_nowait(x.to_string())?;
        }
        assert_eq!(q.get_until_empty().await?, "2");
        Ok(())
    })
}

#[test]
fn per_call_deadlines_and_timeouts_have_no_effect() {
    let (r, trace) = traced(async {
        let q = Queue::<i64>::bounded(1)?;
        assert_kind(
            q.get().timeout(Duration::from_millis(5)).await,
            ErrorKind::Timeout,
        );
        log("get timed out")?;
        q.put_nowait(1)?;
        assert_kind(
            q.put(2).deadline(now()? + Duration::from_millis(5)).await,
            ErrorKind::Timeout,
        );
        log("put timed out")?;
        assert_eq!(q.qsize(), 1); // the timed-out put enqueued nothing
                                  // a past deadline means "do not block"
        assert_kind(q.put(3).deadline(now()?).await, ErrorKind::Timeout);
        assert_eq!(q.get().deadline(now()?).await?, 1);
        assert_kind(q.get_until(now()?).await, ErrorKind::Timeout);
        q.put_until(4, now()?).await?; // room: no need to block
        assert_eq!(q.get_until(now()?).await?, 4);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(
        trace.starts_with("5 main log get timed out\n10 main log put timed out\n"),
        "{trace}"
    );
}

#[test]
fn close_fails_putters_then_getters_once_drained() {
    run(async {
        let q = Queue::<i64>::bounded(1)?;
        q.put_nowait(1)?;
        let q2 = q.clone();
        let putter = spawn(async move { q2.put(2).await })?;
        checkpoint().await?;
        q.close()?;
        q.close()?; // idempotent
        assert!(q.is_closed());
        assert_kind(putter.await, ErrorKind::QueueClosed);
        let e = q.put_nowait(3).unwrap_err();
        assert_eq!((e.kind(), e.item), (ErrorKind::QueueClosed, 3));
        assert_kind(q.put(4).await, ErrorKind::QueueClosed);
        assert_eq!(q.get().await?, 1); // buffered items stay gettable
        assert_kind(q.get().await, ErrorKind::QueueClosed);
        assert_kind(q.get_nowait(), ErrorKind::QueueEmpty); // hat: empty, also when closed
        assert_kind(q.get_until_empty().await, ErrorKind::QueueClosed);
        Ok(())
    })
}

#[test]
fn a_stream_yields_items_until_closed_and_drained() {
    run(async {
        let q = Queue::<i64>::bounded(2)?;
        let q2 = q.clone();
        spawn(async move {
            for i in 0..5 {
                q2.put(i).await?;
            }
            q2.close()
        })?;
        let mut got = Vec::new();
        let mut s = q.stream();
        while let Some(x) = s.next().await {
            got.push(x?);
        }
        assert_eq!(got, [0, 1, 2, 3, 4]);
        assert!(s.next().await.is_none()); // stays over
                                           // `first` works on the stream and on the queue (AsyncIterator)
        let q = Queue::<i64>::new()?;
        for i in 1..=4 {
            q.put_nowait(i)?;
        }
        q.close()?;
        let mut s = q.stream();
        assert_eq!(first(&mut s, |x| Ok(*x > 1)).await?, Some(2));
        assert_eq!(s.next().await.transpose()?, Some(3));
        assert_eq!(first(q.clone(), |_| Ok(true)).await?, Some(4));
        assert_eq!(first(q, |_| Ok(true)).await?, None);
        Ok(())
    })
}

#[test]
fn a_cancelled_stream_yields_cancelled_and_loses_no_item() {
    let (r, trace) = traced(async {
        let q = Queue::<i64>::new()?;
        let q2 = q.clone();
        let consumer = spawn_named("C", async move {
            let mut s = q2.stream();
            while let Some(x) = s.next().await {
                match x {
                    Ok(x) => log(&format!("got {x}"))?,
                    Err(e) => {
                        log(&format!("stream {}", e.kind_name()))?;
                        return Err(e);
                    }
                }
            }
            Ok(())
        })?;
        q.put_nowait(1)?;
        sleep_ms(1).await?;
        consumer.cancel()?;
        q.put_nowait(2)?; // the cancelled getter left the list: 2 stays queued
        assert_kind(consumer.await, ErrorKind::TaskCancelled);
        assert_eq!(q.get_nowait()?, 2);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert_eq!(
        until_main_ends(&trace),
        "0 C log got 1\n1 C log stream Cancelled\n1 C cancelled\n"
    );
}

#[test]
fn native_values_round_trip() {
    run(async {
        let qs = Queue::<String>::new()?;
        qs.put_nowait("héllo".to_string())?;
        qs.put_nowait(String::new())?;
        assert_eq!(qs.get().await?, "héllo");
        assert_eq!(qs.get_nowait()?, "");
        let qb = Queue::<Vec<u8>>::bounded(1)?;
        qb.put_nowait(vec![0, 255, 7])?;
        let qb2 = qb.clone();
        let p = spawn(async move { qb2.put(vec![1; 1000]).await })?; // parks: BYTES copied
        checkpoint().await?;
        assert_eq!(qb.get().await?, [0, 255, 7]);
        p.await?;
        assert_eq!(qb.get().await?, vec![1; 1000]);
        let qf = Queue::<f64>::new()?;
        qf.put_nowait(2.5)?;
        assert_eq!(qf.get_nowait()?, 2.5);
        let qu = Queue::<u64>::new()?;
        qu.put_nowait(u64::MAX)?;
        assert_eq!(qu.get_nowait()?, u64::MAX);
        let qn = Queue::<()>::new()?;
        qn.put_nowait(())?;
        qn.get_nowait()?;
        let qv = Queue::<Value>::new()?;
        for v in [
            Value::None,
            Value::Int(-3),
            Value::Double(0.5),
            Value::from("bytes"),
        ] {
            qv.put_nowait(v)?;
        }
        assert_eq!(qv.get_nowait()?, Value::None);
        assert_eq!(qv.get_nowait()?, Value::Int(-3));
        assert_eq!(qv.get_nowait()?, Value::Double(0.5));
        assert_eq!(qv.get_nowait()?.to_string(), "bytes");
        Ok(())
    })
}

#[test]
fn items_of_another_type_are_refused_and_dropped() {
    run(async {
        // Two typed handles on one raw queue (as a queue handed over by C code can be).
        let qs = Queue::<String>::new()?;
        // SAFETY: a live queue of this runtime.
        let qi = unsafe { Queue::<i32>::from_raw(qs.as_raw()) }?;
        let qv = unsafe { Queue::<Value>::from_raw(qs.as_raw()) }?;
        qs.put_nowait("not an int".to_string())?;
        assert_kind(qi.get_nowait(), ErrorKind::InvalidArgument);
        assert!(qs.empty()); // dropped, not put back
        qi.put_nowait(5)?;
        assert_kind(qs.get_nowait(), ErrorKind::InvalidArgument);
        // an INT out of range of i32
        let q64 = unsafe { Queue::<i64>::from_raw(qs.as_raw()) }?;
        q64.put_nowait(1 << 40)?;
        assert_kind(qi.get_nowait(), ErrorKind::InvalidArgument);
        // bytes that are not UTF-8
        let qb = unsafe { Queue::<Vec<u8>>::from_raw(qs.as_raw()) }?;
        qb.put_nowait(vec![0xff, 0xfe])?;
        assert_kind(qs.get_nowait(), ErrorKind::InvalidArgument);
        // a HOST value of another Rust type
        let qh = unsafe { Queue::<Vec<i32>>::from_raw(qs.as_raw()) }?;
        let qh2 = unsafe { Queue::<Vec<i64>>::from_raw(qs.as_raw()) }?;
        qh.put_nowait(vec![1])?;
        assert_kind(qh2.get_nowait(), ErrorKind::InvalidArgument);
        qh.put_nowait(vec![2])?;
        assert_kind(qv.get_nowait(), ErrorKind::InvalidArgument);
        // a NULL queue
        assert_kind(
            unsafe { Queue::<i32>::from_raw(std::ptr::null_mut()) },
            ErrorKind::InvalidArgument,
        );
        Ok(())
    })
}

#[test]
fn use_after_the_runtime_closed_answers_closed() {
    let rt = vrt();
    let q = rt
        .block_on(async {
            let q = Queue::<String>::priority(0)?;
            q.put_nowait("kept".to_string())?;
            Ok::<_, Error>(q)
        })
        .unwrap();
    drop(rt);
    let e = q.put_nowait_priority("x".to_string(), 1).unwrap_err();
    assert_eq!((e.kind(), e.item.as_str()), (ErrorKind::Closed, "x"));
    assert_kind(q.get_nowait(), ErrorKind::Closed);
    assert_kind(q.close(), ErrorKind::Closed);
    assert_eq!(q.qsize(), 1);
}

#[test]
fn host_values_are_dropped_exactly_once_by_every_path() {
    struct Counted(Rc<Cell<u32>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    run(async move {
        let q = Queue::<Counted>::new()?;
        for _ in 0..3 {
            q.put_nowait(Counted(d.clone()))?;
        }
        drop(q.get_nowait_until_empty()?); // 3 dropped: 2 by the core, 1 here
        q.put_nowait(Counted(d.clone()))?;
        q.put_nowait(Counted(d.clone()))?;
        drop(q.get_until_empty().await?);
        q.close()?;
        let e = q.put_nowait(Counted(d.clone())).unwrap_err();
        drop(e);
        assert_kind(q.put(Counted(d.clone())).await, ErrorKind::QueueClosed);
        q.put_nowait(Counted(d.clone())).unwrap_err();
        let q2 = Queue::<Counted>::new()?;
        q2.put_nowait(Counted(d.clone()))?; // dropped with the queue
        drop(q2);
        checkpoint().await?; // RELEASE records arrive with the next poll
        Ok(())
    });
    assert_eq!(drops.get(), 9); // every item made above, once
}

#[test]
fn an_abandoned_get_gives_a_committed_item_back_to_the_head() {
    run(async {
        let q = Queue::<String>::new()?;
        q.put_nowait("a".to_string())?;
        q.put_nowait("b".to_string())?;
        // the get completes at once (committed, not observed) and is dropped: rollback
        assert!(poll_once(q.get()).await.is_none());
        assert_eq!(q.qsize(), 2);
        assert_eq!(q.get().await?, "a");
        // a priority queue: the given-back item goes ahead of every priority
        let pq = Queue::<i64>::priority(0)?;
        pq.put_nowait_priority(1, 1)?;
        pq.put_nowait_priority(2, 2)?;
        assert!(poll_once(pq.get()).await.is_none());
        pq.put_nowait_priority(0, -100)?;
        assert_eq!(pq.get_nowait()?, 1);
        assert_eq!(pq.get_nowait()?, 0);
        // a rendezvous channel: the abandoned get gives the putter's item back, and the
        // next get receives it
        let ch = Queue::<Vec<u8>>::channel()?;
        let ch2 = ch.clone();
        let p = spawn(async move { ch2.put(b"r".to_vec()).await })?;
        checkpoint().await?;
        assert!(poll_once(ch.get()).await.is_none());
        assert_eq!(ch.get().await?, b"r");
        p.await?;
        Ok(())
    })
}

/// Polls `fut` once, then, when woken (by the outcome's arrival), drops it unobserved: a
/// `select!` branch that lost after its outcome was delivered.
struct PollOnceThenDrop<G> {
    inner: Option<std::pin::Pin<Box<G>>>,
    polled: bool,
}

impl<G: std::future::Future> std::future::Future for PollOnceThenDrop<G> {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if !self.polled {
            self.polled = true;
            if self.inner.as_mut().unwrap().as_mut().poll(cx).is_ready() {
                return std::task::Poll::Ready(());
            }
            return std::task::Poll::Pending;
        }
        self.inner = None; // the outcome came: drop the get without observing it
        std::task::Poll::Ready(())
    }
}

#[test]
fn a_delivered_get_dropped_unobserved_gives_its_item_back_to_the_front() {
    // R31 (differential test round 4): the item goes back where it came from - the front -
    // also when the queue filled up again meanwhile (it used to go to the tail, or be lost)
    run(async {
        for bound in [0, 2] {
            let q: Queue<i64> = Queue::bounded(bound)?;
            let q2 = q.clone();
            let a = spawn(async move {
                PollOnceThenDrop {
                    inner: Some(Box::pin(q2.get())),
                    polled: false,
                }
                .await;
                Ok::<_, Error>(q2.qsize())
            })?;
            sleep_ms(1).await?; // A parks in its get
            for i in 1..=3 {
                q.put_nowait(i)?; // 1 goes to A; 2 and 3 fill the queue (bounded: full)
            }
            assert_eq!(a.await?, 3);
            let mut order = vec![];
            while let Ok(x) = q.get_nowait() {
                order.push(x);
            }
            assert_eq!(order, vec![1, 2, 3], "bound {bound}");
        }
        Ok(())
    })
}

#[test]
fn an_abandoned_put_enqueues_nothing() {
    run(async {
        let q = Queue::<String>::bounded(1)?;
        q.put_nowait("a".to_string())?;
        assert!(poll_once(q.put("b".to_string())).await.is_none()); // parked, withdrawn
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get_nowait()?, "a");
        assert!(q.empty());
        // an immediate put is done at once: abandoning it changes nothing (it stays put)
        assert!(poll_once(q.put("c".to_string())).await.is_none());
        assert_eq!(q.get_nowait()?, "c");
        Ok(())
    })
}

#[test]
fn a_delivered_get_that_loses_a_race_puts_its_native_item_back() {
    run(async {
        let q = Queue::<Vec<u8>>::new()?;
        let slot = Slot::new();
        let (s, q2) = (slot.clone(), q.clone());
        spawn(async move {
            sleep_ms(1).await?;
            s.send(1);
            q2.put_nowait(b"item".to_vec()).map_err(Error::from)
        })?;
        // the foreign branch is polled first in the poll that brings the get's outcome
        match common::select2(Recv(slot), q.get()).await {
            Won::A(1) => {}
            _ => panic!("the foreign future should win"),
        }
        assert_eq!(q.get_nowait()?, b"item");
        Ok(())
    })
}

// ---- op futures that are not polled when their outcome arrives --------------------------------

#[test]
fn a_get_not_polled_when_its_item_arrives_keeps_the_item() {
    run(async {
        let q = Queue::<String>::new()?;
        let slot = Slot::new();
        let (s, q2) = (slot.clone(), q.clone());
        spawn(async move {
            sleep_ms(1).await?;
            q2.put_nowait("kept".to_string())?; // handed to main's parked get
            sleep_ms(1).await?;
            s.send(());
            Ok::<_, Error>(())
        })?;
        let mut get = Box::pin(q.get());
        // submit the get, then wait for something else (a foreign future)
        std::future::poll_fn(|cx| {
            let _ = get.as_mut().poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
        Recv(slot).await; // the item arrives meanwhile: the get is not polled then
        assert_eq!(now()?.as_millis(), 2);
        assert!(q.empty());
        assert_eq!(get.await?, "kept"); // kept for the get's next poll
        Ok(())
    })
}

#[test]
fn a_stream_in_a_select_loop_loses_no_item() {
    let (r, trace) = traced(async {
        let q = Queue::<i64>::new()?;
        let q2 = q.clone();
        let stop = Slot::new();
        let s2 = stop.clone();
        spawn_named("P", async move {
            for i in 1..=3 {
                q2.put_nowait(i)?;
                if i == 2 {
                    s2.send(()); // the foreign branch wins the poll that brings item 2
                }
                sleep_ms(1).await?;
            }
            q2.close()
        })?;
        let mut items = q.stream();
        let mut stop = Some(Recv(stop));
        loop {
            let next = items.next();
            let won = match stop.as_mut() {
                Some(rx) => common::select2(rx, next).await,
                None => Won::B(next.await),
            };
            match won {
                Won::A(()) => {
                    stop = None;
                    log("stop branch")?;
                    sleep_ms(0).await?; // another corral op while item 2 is kept
                }
                Won::B(Some(x)) => log(&format!("got {}", x?))?,
                Won::B(None) => break,
            }
        }
        log("end")
    });
    r.unwrap();
    assert_eq!(
        until_main_ends(&trace),
        "0 main log got 1\n1 main log stop branch\n1 main log got 2\n2 main log got 3\n\
         3 P done\n3 main log end\n"
    );
}

/// A combinator that polls its future only when the future's own Waker was called (as
/// `FuturesUnordered` does).
struct OnlyWhenWoken<F> {
    fut: std::pin::Pin<Box<F>>,
    flag: std::sync::Arc<Flag>,
}

struct Flag {
    woken: std::sync::atomic::AtomicBool,
    parent: std::sync::Mutex<Option<std::task::Waker>>,
}

impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.woken.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(w) = self.parent.lock().unwrap().take() {
            w.wake();
        }
    }
}

impl<F: std::future::Future> std::future::Future for OnlyWhenWoken<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        *self.flag.parent.lock().unwrap() = Some(cx.waker().clone());
        if !self
            .flag
            .woken
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return std::task::Poll::Pending;
        }
        let w = std::task::Waker::from(self.flag.clone());
        let mut sub = std::task::Context::from_waker(&w);
        self.fut.as_mut().poll(&mut sub)
    }
}

#[test]
fn an_op_under_a_combinator_that_polls_only_woken_futures_completes() {
    run(async {
        let q = Queue::<i64>::new()?;
        let q2 = q.clone();
        spawn(async move {
            sleep_ms(1).await?;
            q2.put_nowait(9).map_err(Error::from)
        })?;
        let flag = std::sync::Arc::new(Flag {
            woken: true.into(),
            parent: Default::default(),
        });
        let got = OnlyWhenWoken {
            fut: Box::pin(q.get()),
            flag,
        }
        .await?;
        assert_eq!(got, 9);
        Ok(())
    })
}
