//! Stress: many producers and consumers on one queue of every kind, with random
//! cancellations (cancel scopes cancelled by another task), per-call timeouts, non-blocking
//! calls, abandoned operations (an op future dropped after its first poll: R31 in the core,
//! both while parked and after an immediate commit) and `select!`-style races lost in the
//! poll that delivers a get's item (R31 in the binding). Every item put is got exactly once,
//! no item is got twice, and every item is dropped exactly once.
mod common;
use common::*;
use corral::*;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// xorshift64*: deterministic randomness.
struct Rng(Cell<u64>);

impl Rng {
    fn below(&self, n: u64) -> u64 {
        let mut x = self.0.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    }
}

#[derive(Default)]
struct Book {
    /// id -> times got by a consumer
    got: RefCell<HashMap<u64, u32>>,
    /// ids whose put returned Ok (or whose put_nowait succeeded)
    put_ok: RefCell<Vec<u64>>,
    /// id -> times dropped (HOST items only)
    dropped: RefCell<HashMap<u64, u32>>,
    made: Cell<u64>,
    /// live cancel scopes of the workers, cancelled at random
    scopes: RefCell<Vec<(u64, CancelScope)>>,
    next_scope: Cell<u64>,
    cancel_calls: Cell<u64>,
    stop: Cell<bool>,
    cancels: Cell<u64>,
    timeouts: Cell<u64>,
    abandons: Cell<u64>,
    races_lost: Cell<u64>,
}

/// A HOST item that reports its drop.
struct Item(u64, Rc<Book>);

impl Drop for Item {
    fn drop(&mut self) {
        *self.1.dropped.borrow_mut().entry(self.0).or_default() += 1;
    }
}

/// How an item travels: a HOST token (`Item`) or a native INT (`u64`).
trait Carry: Sized + 'static {
    const HOST: bool;
    fn make(id: u64, book: &Rc<Book>) -> Self;
    fn id(&self) -> u64;
}

impl Carry for Item {
    const HOST: bool = true;
    fn make(id: u64, book: &Rc<Book>) -> Self {
        Item(id, book.clone())
    }
    fn id(&self) -> u64 {
        self.0
    }
}

impl Carry for u64 {
    const HOST: bool = false;
    fn make(id: u64, _: &Rc<Book>) -> Self {
        id
    }
    fn id(&self) -> u64 {
        *self
    }
}

/// A foreign future that is ready on its second poll (it never calls its Waker: it is
/// polled again only when the task is resumed for another reason, here a corral op).
struct SecondPoll(bool);

impl std::future::Future for SecondPoll {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Run `body` in a fresh cancel scope that the canceller may cancel: `None` when cancelled.
async fn scoped<T>(
    book: &Book,
    body: impl std::future::Future<Output = Result<T>>,
) -> Result<Option<T>> {
    let s = CancelScope::new();
    let id = book.next_scope.get();
    book.next_scope.set(id + 1);
    book.scopes.borrow_mut().push((id, s.clone()));
    let r = s.run(body).await;
    book.scopes.borrow_mut().retain(|(x, _)| *x != id);
    if r.as_ref().is_ok_and(|v| v.is_none()) {
        book.cancels.set(book.cancels.get() + 1);
    }
    r
}

async fn producer<T: Carry>(
    q: Queue<T>,
    book: Rc<Book>,
    rng: Rc<Rng>,
    base: u64,
    n: u64,
) -> Result<()> {
    for i in 0..n {
        let id = base + i;
        book.made.set(book.made.get() + 1);
        let item = T::make(id, &book);
        let ok = match rng.below(5) {
            0 | 1 => scoped(&book, q.put(item)).await?.is_some(),
            2 => match q
                .put(item)
                .timeout(Duration::from_millis(rng.below(3)))
                .await
            {
                Ok(()) => true,
                Err(e) if e.kind() == ErrorKind::Timeout => {
                    book.timeouts.set(book.timeouts.get() + 1);
                    false
                }
                Err(e) => return Err(e),
            },
            3 => match q.put_nowait(item) {
                Ok(()) => true,
                Err(e) if e.kind() == ErrorKind::QueueFull => {
                    checkpoint().await?;
                    false
                }
                Err(e) => return Err(e.error),
            },
            _ => {
                // an abandoned put: withdrawn without effect while parked, or done at once
                // (a delivered put stays done: then only the consumers know)
                book.abandons.set(book.abandons.get() + 1);
                if poll_once(q.put(item)).await.is_some() {
                    unreachable!("an op is never ready at its first poll (R23)");
                }
                checkpoint().await?;
                continue;
            }
        };
        if ok {
            book.put_ok.borrow_mut().push(id);
        }
    }
    Ok(())
}

fn record<T: Carry>(book: &Book, item: T) {
    *book.got.borrow_mut().entry(item.id()).or_default() += 1;
}

async fn consumer<T: Carry>(q: Queue<T>, book: Rc<Book>, rng: Rc<Rng>, races: bool) -> Result<()> {
    let mut stream = q.stream();
    while !book.stop.get() {
        match rng.below(if races { 6 } else { 5 }) {
            0 => {
                if let Some(x) = scoped(&book, q.get()).await? {
                    record(&book, x);
                }
            }
            1 => match scoped(&book, async { Ok(stream.next().await) }).await? {
                Some(Some(Ok(x))) => record(&book, x),
                Some(Some(Err(e))) if e.is_cancelled() => {}
                Some(Some(Err(e))) => return Err(e),
                Some(None) | None => {}
            },
            2 => match q.get().timeout(Duration::from_millis(rng.below(3))).await {
                Ok(x) => record(&book, x),
                Err(e) if e.kind() == ErrorKind::Timeout => {
                    book.timeouts.set(book.timeouts.get() + 1)
                }
                Err(e) => return Err(e),
            },
            3 => match q.get_nowait() {
                Ok(x) => record(&book, x),
                Err(_) => checkpoint().await?,
            },
            4 => {
                // abandoned get: a committed item goes back to the head (core rollback)
                book.abandons.set(book.abandons.get() + 1);
                assert!(poll_once(q.get()).await.is_none());
                checkpoint().await?;
            }
            _ => {
                // select!-style: the foreign branch wins in the poll that delivers the get's
                // item, which the binding puts back with put_nowait (so unbounded queues
                // only: a full or closed queue would drop it, see the README)
                let won = scoped(&book, async {
                    Ok(common::select2(SecondPoll(false), q.get()).await)
                })
                .await?;
                match won {
                    Some(Won::A(())) => book.races_lost.set(book.races_lost.get() + 1),
                    Some(Won::B(Ok(x))) => record(&book, x),
                    Some(Won::B(Err(e))) if e.is_cancelled() => {}
                    Some(Won::B(Err(e))) => return Err(e),
                    None => {}
                }
            }
        }
    }
    Ok(())
}

async fn canceller(book: Rc<Book>, rng: Rc<Rng>) -> Result<()> {
    while !book.stop.get() {
        // one pass per tick (a sleep would wait for the virtual clock, which moves only
        // when every task is idle)
        checkpoint().await?;
        let scopes = book.scopes.borrow().clone();
        for (_, s) in scopes {
            if rng.below(8) == 0 && s.cancel() {
                book.cancel_calls.set(book.cancel_calls.get() + 1);
            }
        }
    }
    Ok(())
}

/// One run: `producers` x `per` items through a queue of `kind`/`maxsize` to `consumers`.
fn stress<T: Carry>(kind: QueueKind, maxsize: i64, seed: u64, races: bool) -> Rc<Book> {
    let book = Rc::new(Book::default());
    let b = book.clone();
    let rt = Runtime::builder().virtual_clock().build().unwrap();
    rt.block_on(async move {
        let rng = Rc::new(Rng(Cell::new(seed)));
        let q = Queue::<T>::with_kind(maxsize, kind)?;
        // more consumers than producers on unbounded queues (getters park), more producers
        // on bounded ones (putters park)
        let (np, nc) = if maxsize == 0 && kind != QueueKind::Rendezvous {
            (3, 6)
        } else {
            (6, 3)
        };
        let mut producers = Vec::new();
        for p in 0..np {
            producers.push(spawn(producer(
                q.clone(),
                b.clone(),
                rng.clone(),
                p * 100_000,
                400,
            ))?);
        }
        let mut consumers = Vec::new();
        for _ in 0..nc {
            consumers.push(spawn(consumer(q.clone(), b.clone(), rng.clone(), races))?);
        }
        let canc = spawn(canceller(b.clone(), rng.clone()))?;
        for p in producers {
            p.await?;
        }
        // every item whose put returned Ok must arrive
        let mut waited = 0;
        loop {
            let missing = {
                let got = b.got.borrow();
                b.put_ok
                    .borrow()
                    .iter()
                    .filter(|id| !got.contains_key(id))
                    .count()
            };
            if missing == 0 {
                break;
            }
            waited += 1;
            assert!(waited < 1_000_000, "{missing} items put but never got");
            checkpoint().await?;
        }
        b.stop.set(true);
        let scopes = b.scopes.borrow().clone();
        for (_, s) in scopes {
            s.cancel();
        }
        for c in consumers {
            c.await?;
        }
        canc.await?;
        // leftovers of abandoned puts that were done after all, or puts still committed
        while let Ok(x) = q.get_nowait() {
            record(&b, x);
        }
        q.close()?;
        Ok::<_, Error>(())
    })
    .unwrap();
    drop(rt);
    let got = book.got.borrow();
    for (id, n) in got.iter() {
        assert_eq!(*n, 1, "item {id} got {n} times");
    }
    for id in book.put_ok.borrow().iter() {
        assert_eq!(got.get(id), Some(&1), "item {id} was put but not got");
    }
    if T::HOST {
        // every item made was dropped exactly once: got ones by the consumer, the others by
        // the binding or the core (failed, timed-out, abandoned puts; get_until_empty's drain)
        let dropped = book.dropped.borrow();
        assert_eq!(dropped.len() as u64, book.made.get(), "items leaked");
        for (id, n) in dropped.iter() {
            assert_eq!(*n, 1, "item {id} dropped {n} times");
        }
    }
    drop(got);
    eprintln!(
        "{kind:?}/{maxsize} host={}: scopes cancelled {} made {} put_ok {} got {} waits cancelled {} timeouts {} abandons {} races lost {}",
        T::HOST,
        book.cancel_calls.get(),
        book.made.get(),
        book.put_ok.borrow().len(),
        book.got.borrow().len(),
        book.cancels.get(),
        book.timeouts.get(),
        book.abandons.get(),
        book.races_lost.get()
    );
    book
}

const KINDS: [(QueueKind, i64); 6] = [
    (QueueKind::Fifo, 0),
    (QueueKind::Fifo, 4),
    (QueueKind::Lifo, 3),
    (QueueKind::Priority, 2),
    (QueueKind::Priority, 0),
    (QueueKind::Rendezvous, 0),
];

#[test]
fn every_item_put_is_got_exactly_once_host_items() {
    let (mut cancels, mut timeouts, mut abandons, mut races) = (0, 0, 0, 0);
    for (i, (kind, maxsize)) in KINDS.into_iter().enumerate() {
        for seed in [0x9e37_79b9_7f4a_7c15u64, 12345, 777] {
            let races_on = maxsize == 0 && kind != QueueKind::Rendezvous;
            let b = stress::<Item>(kind, maxsize, seed ^ i as u64, races_on);
            cancels += b.cancels.get();
            timeouts += b.timeouts.get();
            abandons += b.abandons.get();
            races += b.races_lost.get();
        }
    }
    // every path was exercised
    assert!(cancels > 100 && timeouts > 100 && abandons > 100 && races > 100);
}

#[test]
fn every_item_put_is_got_exactly_once_native_items() {
    let mut cancels = 0;
    for (i, (kind, maxsize)) in KINDS.into_iter().enumerate() {
        let races = maxsize == 0 && kind != QueueKind::Rendezvous;
        let b = stress::<u64>(kind, maxsize, 0xdead_beef ^ i as u64, races);
        assert!(b.put_ok.borrow().len() > 100);
        cancels += b.cancels.get();
    }
    assert!(cancels > 50);
}
