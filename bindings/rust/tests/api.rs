//! Behaviour and bad-input tests of the safe crate.
use corral::*;
use std::cell::Cell;
use std::future::Future as _;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

fn vrt() -> Runtime {
    Runtime::builder().virtual_clock().build().unwrap()
}

/// Run `f` on a virtual-clock runtime whose trace goes to a temporary file; return the
/// outcome and the trace.
fn traced<F>(f: F) -> (Result<<F::Output as TaskOutput>::Ok>, String)
where
    F: std::future::Future + 'static,
    F::Output: TaskOutput,
{
    let path = std::env::temp_dir().join(format!(
        "corral-rs-trace-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let file = std::fs::File::create(&path).unwrap();
    let rt = Runtime::builder()
        .virtual_clock()
        .trace_fd(file.as_raw_fd())
        .build()
        .unwrap();
    let r = rt.block_on(f);
    drop(rt);
    let mut s = String::new();
    std::fs::File::open(&path)
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    let _ = std::fs::remove_file(&path);
    (r, s)
}

#[test]
fn block_on_returns_mains_value_and_join_returns_task_values() {
    let v = vrt()
        .block_on(async {
            let a = spawn(async { 40i64 })?;
            let b = spawn_named("b", async {
                sleep(Duration::from_millis(3)).await?;
                Ok::<i64, Error>(2)
            })?;
            let (x, y): (i64, i64) = (a.await?, b.await?);
            Ok::<i64, Error>(x + y)
        })
        .unwrap();
    assert_eq!(v, 42);
}

#[test]
fn traces_print_canonical_values() {
    let (r, trace) = traced(async {
        spawn_named("i", async { 7i64 })?.await?;
        spawn_named("s", async { "str" })?.await?;
        spawn_named("b", async { true })?.await?;
        spawn_named("l", async { vec![1, 2] })?.await?;
        spawn_named("u", async {})?.await?;
        spawn_named("e", async { Err::<(), _>(Error::user("ValueError", "w")) })?
            .await
            .unwrap_err();
        log("end")
    });
    r.unwrap();
    let want = "0 i done 7\n0 s done str\n0 b done true\n0 l done [1, 2]\n0 u done\n0 e fail ValueError:w\n0 root handler e ValueError:w\n0 main log end\n0 main done\n0 rt run\n";
    assert_eq!(trace, want);
}

#[test]
fn join_with_a_per_call_deadline_times_out_and_keeps_the_handle() {
    vrt()
        .block_on(async {
            let mut h = spawn(async {
                sleep(Duration::from_millis(10)).await?;
                Ok::<i64, Error>(7)
            })?;
            // R41: the deadline ends the join with Timeout; the task keeps running
            let e = h
                .join()
                .timeout(Duration::from_millis(4))
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout);
            assert_eq!(now()?.as_millis(), 4);
            assert!(!h.is_done());
            let at = Instant::from_nanos(6_000_000);
            let e = h.join().deadline(at).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout);
            // TaskRef::join has the same deadline: a past one does not block
            let e = h.task().join().deadline(at).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout);
            assert_eq!(now()?.as_millis(), 6);
            assert_eq!(h.join().timeout(Duration::from_millis(100)).await?, 7);
            assert_eq!(now()?.as_millis(), 10);
            // the value went to the join that succeeded
            let e = h.join().await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidState);
            h.task().join().timeout(Duration::from_millis(1)).await?;
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn real_clock_sleeps() {
    let t0 = std::time::Instant::now();
    run(async { sleep(Duration::from_millis(20)).await }).unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(20));
}

#[test]
fn virtual_clock_jumps() {
    vrt()
        .block_on(async {
            assert_eq!(now()?.as_millis(), 0);
            sleep(Duration::from_secs(3600)).await?;
            assert_eq!(now()?.as_millis(), 3_600_000);
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn errors_arrive_at_the_joiner_as_the_same_object() {
    vrt()
        .block_on(async {
            let e = Error::user("ValueError", "boom");
            let e2 = e.clone();
            let h = spawn(async move { Err::<(), _>(e2) })?;
            let got = h.await.unwrap_err();
            assert!(got.same_as(&e));
            assert_eq!(got.kind(), ErrorKind::User);
            assert_eq!(got.kind_name(), "ValueError");
            assert_eq!(got.message(), "boom");
            assert_eq!(got.to_string(), "ValueError:boom");
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn cancel_arrives_as_err_and_is_level_triggered() {
    let (r, trace) = traced(async {
        let h = spawn_named("A", async {
            let first = sleep(Duration::from_millis(100)).await;
            assert!(first.as_ref().unwrap_err().is_cancelled());
            assert!(cancel_pending());
            let again = checkpoint().await; // swallowed above: delivered again (R24)
            assert!(again.unwrap_err().is_cancelled());
            again_after().await
        })?;
        sleep(Duration::from_millis(1)).await?;
        assert!(h.cancel()?);
        assert!(!h.cancel()?); // already cancelled
        let e = h.await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TaskCancelled);
        Ok::<_, Error>(())
    });
    async fn again_after() -> Result<()> {
        sleep(Duration::from_millis(5)).await
    }
    r.unwrap();
    assert!(trace.contains("1 A cancelled\n"), "{trace}");
}

#[test]
fn err_cancelled_without_pending_cancellation_is_stray() {
    let (r, trace) = traced(async {
        let h = spawn_named("S", async { Err::<(), _>(Error::cancelled()) })?;
        let e = h.await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::StrayCancellation);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(trace.contains("0 S fail StrayCancellation"), "{trace}");
}

#[test]
fn dropping_a_handle_never_cancels_the_task() {
    let done = Rc::new(Cell::new(false));
    let d = done.clone();
    vrt()
        .block_on(async move {
            let h = spawn(async move {
                sleep(Duration::from_millis(10)).await?;
                d.set(true);
                Ok::<_, Error>(())
            })?;
            drop(h);
            sleep(Duration::from_millis(20)).await
        })
        .unwrap();
    assert!(done.get());
}

#[test]
fn panics_fail_the_task_and_are_resumed_at_join() {
    let (r, trace) = traced(async {
        let h = spawn_named("P", async {
            checkpoint().await?;
            if true {
                panic!("boom");
            }
            Ok::<_, Error>(())
        })?;
        let p = h.task().clone();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // Poll the join by hand inside this task: the panic is resumed by the join.
            let mut h = h;
            let mut cx = Context::from_waker(Waker::noop());
            match Pin::new(&mut h).poll(&mut cx) {
                Poll::Ready(r) => r,
                Poll::Pending => Ok(()),
            }
        }));
        // The first poll only submitted the join (Pending); the task has not run yet.
        // Dropping the handle withdrew that join (R31): wait for P through its TaskRef.
        assert!(caught.is_ok());
        let _ = p.join().await;
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(trace.contains("0 P fail Panic:boom"), "{trace}");

    // A panic that reaches main is resumed by block_on after the run.
    let res = std::panic::catch_unwind(|| {
        vrt().block_on(async {
            let h = spawn(async {
                panic!("inner");
                #[allow(unreachable_code)]
                ()
            })?;
            h.await
        })
    });
    let payload = res.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"inner"));
}

#[test]
fn scopes_move_on_fail_shield_uncancellable() {
    vrt()
        .block_on(async {
            let r = move_on_after(Duration::from_millis(5), async {
                sleep(Duration::from_millis(50)).await?;
                Ok::<_, Error>(1)
            })
            .await?;
            assert_eq!(r, None);
            assert_eq!(now()?.as_millis(), 5);
            let r = move_on_after(Duration::from_millis(5), async { Ok::<_, Error>(2) }).await?;
            assert_eq!(r, Some(2));
            let e = fail_after(Duration::from_millis(5), sleep(Duration::from_millis(50)))
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout);
            // explicit cancel of a fail scope: no Timeout (R38)
            let s = CancelScope::fail_after(Duration::from_millis(5));
            let r = s
                .run(async {
                    s.cancel();
                    checkpoint().await
                })
                .await?;
            assert_eq!(
                (r, s.cancelled_caught(), s.cause()),
                (None, true, Cause::Explicit)
            );
            // shield + uncancellable
            let me = current().unwrap();
            me.cancel()?;
            let v = shield(async {
                sleep(Duration::from_millis(1)).await?;
                Ok::<_, Error>(3)
            })
            .await?;
            assert_eq!(v, 3);
            let v = uncancellable(async { Ok::<_, Error>(4) }, false).await?;
            assert_eq!(v, 4);
            let e = uncancellable(async { Ok::<_, Error>(5) }, true)
                .await
                .unwrap_err();
            assert!(e.is_cancelled());
            checkpoint().await // Err(Cancelled): main ends cancelled
        })
        .map(|_| panic!("main must end cancelled"))
        .unwrap_err()
        .is_cancelled()
        .then_some(())
        .unwrap();
}

#[test]
fn queue_and_future_values() {
    vrt()
        .block_on(async {
            let q = Queue::<String>::bounded(1)?;
            q.put_nowait("a".into())?;
            let err = q.put_nowait("b".into()).unwrap_err();
            assert_eq!(
                (err.error.kind(), err.item.as_str()),
                (ErrorKind::QueueFull, "b")
            );
            assert_eq!(q.get().await?, "a");
            assert_eq!(q.get_nowait().unwrap_err().kind(), ErrorKind::QueueEmpty);
            let t = now()? + Duration::from_millis(3);
            assert_eq!(q.get_until(t).await.unwrap_err().kind(), ErrorKind::Timeout);
            q.put("c".into()).await?;
            q.close()?;
            let err = q.put_nowait("d".into()).unwrap_err();
            assert_eq!(err.error.kind(), ErrorKind::QueueClosed);
            assert_eq!(q.get().await?, "c");
            assert_eq!(q.get().await.unwrap_err().kind(), ErrorKind::QueueClosed);

            let f = Future::<Vec<i32>>::new()?;
            assert!(f.result().is_none());
            let f2 = f.clone();
            let w = spawn(async move { f2.wait().await })?;
            f.set_result(vec![1, 2])?;
            assert_eq!(
                f.set_result(vec![]).unwrap_err().kind(),
                ErrorKind::InvalidState
            );
            assert_eq!(w.await?, vec![1, 2]);
            assert_eq!((&f).await?, vec![1, 2]);
            assert_eq!(f.result().unwrap()?, vec![1, 2]);
            let g = Future::<i32>::new()?;
            g.set_error(Error::user("KeyError", "k"))?;
            assert_eq!(g.wait().await.unwrap_err().to_string(), "KeyError:k");
            let c = Future::<i32>::new()?;
            assert!(c.cancel()?);
            assert!(!c.cancel()?); // already done
            let d = Future::<i32>::new()?;
            d.close()?;
            assert_eq!(d.cancel().unwrap_err().kind(), ErrorKind::Closed); // as in C and Lua
            assert_eq!(
                c.wait().await.unwrap_err().kind(),
                ErrorKind::FutureCancelled
            );
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn groups_close_and_reject_spawns() {
    vrt()
        .block_on(async {
            let g = Group::new("G")?;
            let h = g.spawn("T", sleep(Duration::from_secs(1)))?;
            assert_eq!(g.size(), 1);
            g.async_close(true).await?;
            assert!(g.is_closed());
            assert_eq!(h.await.unwrap_err().kind(), ErrorKind::TaskCancelled);
            let e = g.spawn("U", async {}).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::GroupClosed);
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn values_are_dropped_exactly_once() {
    struct Counted(Rc<Cell<u32>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    let rt = vrt();
    rt.block_on(async move {
        let q = Queue::<Counted>::new()?;
        q.put_nowait(Counted(d.clone()))?;
        q.put_nowait(Counted(d.clone()))?;
        let got = q.get().await?; // one taken and dropped here
        drop(got);
        assert_eq!(d.get(), 1);
        let f = Future::<Rc<Counted>>::new()?;
        f.set_result(Rc::new(Counted(d.clone())))?;
        let v = f.wait().await?; // a clone of the Rc
        drop(v);
        drop(f); // the core releases the future's value through a RELEASE record
        checkpoint().await?;
        assert_eq!(d.get(), 2);
        Ok::<_, Error>(q) // the queue (one buffered item) outlives the run
    })
    .map(drop)
    .unwrap();
    drop(rt);
    assert_eq!(drops.get(), 3);
}

// ---- bad input ----------------------------------------------------------------------------

#[test]
fn awaiting_or_spawning_outside_a_task_is_an_error() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut s = Box::pin(sleep(Duration::from_millis(1)));
    match s.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind(), ErrorKind::InvalidState),
        _ => panic!("expected InvalidState"),
    }
    let mut c = Box::pin(checkpoint());
    assert!(
        matches!(c.as_mut().poll(&mut cx), Poll::Ready(Err(e)) if e.kind() == ErrorKind::InvalidState)
    );
    assert_eq!(spawn(async {}).unwrap_err().kind(), ErrorKind::InvalidState);
    assert_eq!(
        Queue::<i32>::new().unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    assert_eq!(
        Future::<i32>::new().unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    assert_eq!(Group::new("G").unwrap_err().kind(), ErrorKind::InvalidState);
    assert_eq!(log("x").unwrap_err().kind(), ErrorKind::InvalidState);
    assert_eq!(now().unwrap_err().kind(), ErrorKind::InvalidState);
    assert!(current().is_none());
}

#[test]
fn negative_durations_are_rejected_and_instants_before_the_start_are_past() {
    vrt()
        .block_on(async {
            assert_eq!(
                sleep_ms(-1).await.unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
            // an instant before the clock's start is a past deadline (R40, R41)
            sleep_until(Instant::from_nanos(-5)).await?;
            let q = Queue::<i32>::new()?;
            let e = q.get_until(Instant::from_nanos(-7)).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout);
            // Huge durations saturate instead of overflowing.
            let r = move_on_after(Duration::MAX, checkpoint()).await?;
            assert_eq!(r, Some(()));
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn a_runtime_runs_once_and_block_on_does_not_nest() {
    let rt = vrt();
    rt.block_on(async {}).unwrap();
    assert_eq!(
        rt.block_on(async {}).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    vrt()
        .block_on(async {
            let inner = vrt();
            assert_eq!(
                inner.block_on(async {}).unwrap_err().kind(),
                ErrorKind::InvalidState
            );
        })
        .unwrap();
}

#[test]
fn handles_of_a_closed_runtime_answer_closed() {
    let rt = vrt();
    let (q, f, g, h) = rt
        .block_on(async {
            let q = Queue::<i32>::new()?;
            let f = Future::<i32>::new()?;
            let g = Group::unnamed()?;
            let h = spawn(async { 1 })?;
            Ok::<_, Error>((q, f, g, h))
        })
        .unwrap();
    drop(rt);
    assert_eq!(q.put_nowait(1).unwrap_err().error.kind(), ErrorKind::Closed);
    assert_eq!(f.set_result(1).unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(g.close(true).unwrap_err().kind(), ErrorKind::Closed);
    assert_eq!(h.cancel().unwrap_err().kind(), ErrorKind::Closed);
    assert!(h.is_done());
}

#[test]
fn two_corral_ops_at_once_in_one_task_are_refused() {
    vrt()
        .block_on(async {
            let mut a = Box::pin(sleep(Duration::from_millis(5)));
            let mut b = Box::pin(sleep(Duration::from_millis(5)));
            let mut second = None;
            std::future::poll_fn(|cx| {
                let ra = a.as_mut().poll(cx);
                if second.is_none() {
                    if let Poll::Ready(r) = b.as_mut().poll(cx) {
                        second = Some(r);
                    }
                }
                ra
            })
            .await?;
            assert_eq!(second.unwrap().unwrap_err().kind(), ErrorKind::InvalidState);
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn a_task_pending_forever_on_a_foreign_future_is_a_deadlock() {
    let (r, trace) = traced(async {
        let h = spawn_named("P", std::future::pending::<()>())?;
        h.await
    });
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Deadlock);
    assert!(trace.contains("0 rt deadlock [main, P]"), "{trace}");
}

/// A minimal single-threaded oneshot channel: a foreign (non-corral) future.
struct Slot<T> {
    value: std::cell::RefCell<Option<T>>,
    waker: std::cell::RefCell<Option<Waker>>,
}

struct Recv<T>(Rc<Slot<T>>);

impl<T> std::future::Future for Recv<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.0.value.borrow_mut().take() {
            Some(v) => Poll::Ready(v),
            None => {
                *self.0.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[test]
fn foreign_futures_woken_on_the_loop_thread_resume_their_task() {
    let (r, trace) = traced(async {
        let slot = Rc::new(Slot {
            value: Default::default(),
            waker: Default::default(),
        });
        let rx = Recv(slot.clone());
        let receiver = spawn_named("R", async move {
            log("waiting")?;
            let v = rx.await; // not a corral awaitable
            log(&format!("got {v}"))?;
            // a self-waking yield goes through the ready queue once
            let mut yielded = false;
            std::future::poll_fn(|cx| {
                if yielded {
                    Poll::Ready(())
                } else {
                    yielded = true;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
            .await;
            log("yielded")?;
            Ok::<_, Error>(v)
        })?;
        sleep(Duration::from_millis(5)).await?;
        *slot.value.borrow_mut() = Some(7);
        if let Some(w) = slot.waker.borrow_mut().take() {
            w.wake();
        }
        log("sent")?;
        let v = receiver.await?;
        assert_eq!(v, 7);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert_eq!(
        trace,
        "0 R log waiting\n5 main log sent\n5 R log got 7\n5 R log yielded\n5 R done 7\n5 main done\n5 rt run\n"
    );
}

#[test]
fn a_foreign_wait_is_no_cancel_point() {
    let (r, trace) = traced(async {
        let slot = Rc::new(Slot::<i32> {
            value: Default::default(),
            waker: Default::default(),
        });
        let rx = Recv(slot.clone());
        let h = spawn_named("R", async move {
            let v = rx.await;
            log(&format!("got {v}"))?;
            checkpoint().await // the pending cancellation is delivered here
        })?;
        sleep(Duration::from_millis(1)).await?;
        h.cancel()?;
        sleep(Duration::from_millis(1)).await?;
        *slot.value.borrow_mut() = Some(1);
        slot.waker.borrow_mut().take().unwrap().wake();
        assert_eq!(h.await.unwrap_err().kind(), ErrorKind::TaskCancelled);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(trace.contains("2 R log got 1\n2 R cancelled\n"), "{trace}");
}

#[test]
fn deadlock_and_signals_end_the_run() {
    let e = vrt()
        .block_on(async {
            let f = Future::<i32>::new()?;
            f.wait().await
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Deadlock);
    let e = vrt()
        .block_on(async {
            inject_signal(2)?;
            assert_eq!(
                inject_signal(9).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
            sleep(Duration::from_secs(1)).await
        })
        .unwrap_err();
    assert!(e.is_cancelled());
}

#[test]
fn strict_mode_returns_the_first_unhandled_error_itself() {
    let rt = Runtime::builder()
        .virtual_clock()
        .strict(true)
        .build()
        .unwrap();
    let e = Error::user("ValueError", "child boom");
    let e2 = e.clone();
    let got = rt
        .block_on(async move {
            let _h = spawn(async move { Err::<(), _>(e2) })?;
            sleep(Duration::from_secs(10)).await
        })
        .unwrap_err();
    assert!(got.same_as(&e), "{got}");
    assert_eq!(got.kind(), ErrorKind::User);
    assert_eq!(got.kind_name(), "ValueError");
    assert_eq!(got.message(), "child boom");
}

#[test]
fn run_cause_says_why_main_was_cancelled() {
    let rt = vrt();
    assert_eq!(rt.run_cause(), None);
    let e = rt
        .block_on(async {
            inject_signal(2)?;
            sleep(Duration::from_secs(1)).await
        })
        .unwrap_err();
    assert!(e.is_cancelled());
    assert_eq!(rt.run_cause(), Some(Cause::Signal));
    let rt = vrt();
    rt.block_on(async { Ok::<_, Error>(()) }).unwrap();
    assert_eq!(rt.run_cause(), Some(Cause::None));
}

#[test]
fn a_panicking_done_callback_goes_to_the_handler_chain() {
    let (r, trace) = traced(async {
        let f = Future::<i32>::new()?;
        f.add_done_callback(|| panic!("cb boom"))?;
        let ran = Rc::new(Cell::new(false));
        let ran2 = ran.clone();
        f.add_done_callback(move || ran2.set(true))?;
        f.set_result(1)?;
        assert_eq!(unhandled_count()?, 0);
        checkpoint().await?;
        checkpoint().await?;
        assert!(ran.get(), "the next callback still runs");
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(
        trace.contains("root handler callback Panic:cb boom\n"),
        "{trace}"
    );
    assert!(!trace.contains("panic in a future callback"), "{trace}");
}

#[test]
fn error_kinds_map_codes_both_ways() {
    for k in [
        ErrorKind::Cancelled,
        ErrorKind::Timeout,
        ErrorKind::TaskCancelled,
        ErrorKind::FutureCancelled,
        ErrorKind::InvalidState,
        ErrorKind::InvalidArgument,
        ErrorKind::GroupClosed,
        ErrorKind::QueueClosed,
        ErrorKind::QueueEmpty,
        ErrorKind::QueueFull,
        ErrorKind::ErrorGroup,
        ErrorKind::StrayCancellation,
        ErrorKind::CleanupTimeout,
        ErrorKind::Deadlock,
        ErrorKind::User,
        ErrorKind::Closed,
        ErrorKind::Stopped,
        ErrorKind::Os(12),
    ] {
        assert_eq!(ErrorKind::from_code(k.code()), k);
    }
    assert_eq!(ErrorKind::Timeout.name(), "Timeout");
    assert_eq!(Error::new(ErrorKind::Timeout, "t").to_string(), "Timeout:t");
    assert_eq!(Error::cancelled().to_string(), "Cancelled");
    assert_eq!(Error::from_code(5).kind(), ErrorKind::InvalidArgument);
}

#[test]
fn a_raw_stop_request_does_not_end_block_on() {
    let rt = vrt();
    let raw = rt.as_raw();
    let v = rt
        .block_on(async move {
            // SAFETY: loop thread, the runtime is running.
            assert_eq!(unsafe { corral::sys::corral_rt_stop(raw) }, 0);
            sleep(Duration::from_millis(1)).await?;
            Ok::<_, Error>(5)
        })
        .unwrap();
    assert_eq!(v, 5);
}

// ---- R31: an op future dropped while waiting (a select! branch that lost) ------------------

enum Won<A, B> {
    A(A),
    B(B),
}

/// A hand-written `select!`: polls `a`, then calls `between`, then polls `b`; the first one
/// Ready wins and the other is dropped before this future returns.
async fn race<A, B>(a: A, b: B, mut between: impl FnMut()) -> Won<A::Output, B::Output>
where
    A: std::future::Future,
    B: std::future::Future,
{
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Won::A(v));
        }
        between();
        b.as_mut().poll(cx).map(Won::B)
    })
    .await
}

/// A foreign future completed by another corral task ("S") before it is raced.
async fn sent_by_another_task(v: i32) -> Result<Recv<i32>> {
    let slot = Rc::new(Slot {
        value: Default::default(),
        waker: Default::default(),
    });
    let s = slot.clone();
    spawn_named("S", async move {
        *s.value.borrow_mut() = Some(v);
        if let Some(w) = s.waker.borrow_mut().take() {
            w.wake();
        }
    })?
    .await?;
    Ok(Recv(slot))
}

#[test]
fn a_get_dropped_before_the_hand_off_loses_no_item() {
    vrt()
        .block_on(async {
            let q = Queue::<i32>::new()?;
            // The get parks first (this task is its queue's first getter), then loses.
            let won = race(q.get(), sent_by_another_task(1).await?, || {}).await;
            assert!(matches!(won, Won::B(1)));
            // The withdrawn get is no getter any more: the next parked one receives the item.
            let q2 = q.clone();
            let h = spawn_named("H", async move { q2.get().await })?;
            checkpoint().await?; // H parks
            q.put_nowait(7)?;
            assert_eq!(h.await?, 7);
            // and this task awaits corral operations again
            q.put_nowait(8)?;
            assert_eq!(q.get().await?, 8);
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn a_get_dropped_after_a_committed_hand_off_puts_the_item_back_at_the_head() {
    vrt()
        .block_on(async {
            let q = Queue::<i32>::new()?;
            let rx = sent_by_another_task(1).await?;
            let mut once = true;
            let won = race(q.get(), rx, || {
                if std::mem::take(&mut once) {
                    // 1 is handed to the parked get (committed: the task is READY, not run)
                    q.put_nowait(1).unwrap();
                    q.put_nowait(2).unwrap(); // buffered
                    assert_eq!(q.qsize(), 1);
                }
            })
            .await;
            assert!(matches!(won, Won::B(1)));
            assert_eq!(q.qsize(), 2); // 1 went back to the head
            assert_eq!(q.get().await?, 1); // awaited in the same poll as the drop
            assert_eq!(q.get().await?, 2);
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn a_get_dropped_after_its_outcome_was_delivered_puts_the_item_back() {
    let (r, trace) = traced(async {
        let q = Queue::<i32>::new()?;
        let slot = Rc::new(Slot {
            value: Default::default(),
            waker: Default::default(),
        });
        let (s, q2) = (slot.clone(), q.clone());
        spawn_named("S", async move {
            sleep(Duration::from_millis(1)).await?;
            *s.value.borrow_mut() = Some(1);
            // main is parked on its get: this Waker is noticed when the get completes
            s.waker.borrow_mut().take().unwrap().wake();
            q2.put_nowait(5)?; // handed to main's get
            Ok::<_, Error>(())
        })?;
        // rx is polled first in the poll that brings the get's outcome, and wins
        let won = race(Recv(slot), q.get(), || {}).await;
        assert!(matches!(won, Won::A(1)));
        assert_eq!(q.qsize(), 1); // the delivered item was put back
        assert_eq!(q.get().await?, 5);
        log("ok")
    });
    r.unwrap();
    assert!(trace.contains("1 main log ok\n"), "{trace}");
}

#[test]
fn a_put_dropped_while_parked_drops_its_item_once() {
    struct Counted(Rc<Cell<u32>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    vrt()
        .block_on(async move {
            let q = Queue::<Counted>::bounded(1)?;
            q.put_nowait(Counted(d.clone()))?;
            let rx = sent_by_another_task(1).await?;
            let won = race(q.put(Counted(d.clone())), rx, || {}).await; // full: parks, loses
            assert!(matches!(won, Won::B(1)));
            assert_eq!(d.get(), 1); // the withdrawn put never enqueued its item
            assert_eq!(q.qsize(), 1);
            drop(q.get().await?);
            assert_eq!(d.get(), 2);
            Ok::<_, Error>(())
        })
        .unwrap();
    assert_eq!(drops.get(), 2);
}

#[test]
fn task_group_waits_for_members_and_returns_the_body_value() {
    let (r, trace) = traced(async {
        let done = Rc::new(Cell::new(0));
        let d2 = done.clone();
        let (v, tg) = task_group(|tg| async move {
            let d = d2.clone();
            tg.spawn("m", async move {
                sleep_ms(5).await?;
                d.set(d.get() + 1);
                Ok::<(), Error>(())
            })?;
            Ok((7i64, tg))
        })
        .await?;
        assert_eq!(done.get(), 1, "the exit waited for the member");
        assert_eq!(tg.size(), 0);
        // The group was left: spawning into it is refused.
        let e = tg.spawn("late", async {}).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::GroupClosed);
        Ok::<i64, Error>(v)
    });
    assert_eq!(r.unwrap(), 7);
    assert!(trace.contains("5 m done"), "{trace}");
}

#[test]
fn task_group_error_group_holds_member_and_body_errors_as_the_same_objects() {
    let r = vrt().block_on(async {
        let mut joins = Vec::new();
        let r: Result<()> = task_group(|tg| {
            let j = tg.spawn("A", async {
                sleep_ms(1).await?;
                Err::<(), _>(Error::user("ValueError", "a"))
            });
            joins.push(j);
            async move {
                let body = Error::user("KeyError", "body");
                sleep_ms(0).await?;
                Err(body)
            }
        })
        .await;
        let eg = r.unwrap_err();
        assert_eq!(eg.kind(), ErrorKind::ErrorGroup);
        // The body failed first (before A's sleep ended), then A was cancelled.
        let members = eg.group_errors();
        assert_eq!(members.len(), 1, "{eg}");
        assert_eq!(members[0].kind_name(), "KeyError");
        assert_eq!(eg.to_string(), "ErrorGroup:[KeyError:body]");
        let a = joins.pop().unwrap()?.await.unwrap_err();
        assert_eq!(a.kind(), ErrorKind::TaskCancelled);

        // A member failure: the member's own error object arrives in the group.
        let mut joins = Vec::new();
        let r: Result<()> = task_group(|tg| {
            joins.push(tg.spawn("B", async { Err::<(), _>(Error::user("ValueError", "b")) }));
            async move { sleep_ms(100).await }
        })
        .await;
        let eg = r.unwrap_err();
        let b = joins.pop().unwrap()?.await.unwrap_err();
        assert!(eg.group_errors()[0].same_as(&b));
        assert!(Error::user("X", "y").group_errors().is_empty());
        Ok::<(), Error>(())
    });
    r.unwrap();
}

#[test]
fn cancelling_the_host_task_cancels_the_members_and_the_exit_raises_cancelled() {
    let (r, trace) = traced(async {
        let h = spawn_named("host", async {
            task_group(|tg| async move {
                tg.spawn("m", sleep_ms(100))?;
                sleep_ms(100).await
            })
            .await
        })?;
        sleep_ms(3).await?;
        h.cancel()?;
        let e = h.await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TaskCancelled);
        Ok::<(), Error>(())
    });
    r.unwrap();
    assert!(trace.contains("3 m cancelled"), "{trace}");
    assert!(trace.contains("3 host cancelled"), "{trace}");
}

#[test]
fn exception_cb_gets_the_member_and_its_error_and_handles_it() {
    let seen: Rc<std::cell::RefCell<Vec<String>>> = Rc::default();
    let s2 = seen.clone();
    let (r, trace) = traced(async move {
        let g = Group::new("G")?;
        g.set_exception_cb(move |e, t| {
            let t = t.expect("a member failure names the member");
            s2.borrow_mut()
                .push(format!("{} {e} done={}", t.name(), t.is_done()));
            log_as("G.cb", &format!("cb {e}"))
        })?;
        let a = g.spawn("A", async {
            sleep_ms(5).await?;
            Err::<(), _>(Error::user("ValueError", "x"))
        })?;
        let e = a.await.unwrap_err();
        assert_eq!(e.to_string(), "ValueError:x");
        // Cancelled members never reach the callback.
        let c = g.spawn("C", sleep_ms(100))?;
        sleep_ms(1).await?;
        c.cancel()?;
        sleep_ms(10).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 0);
    assert_eq!(*seen.borrow(), vec!["A ValueError:x done=true".to_string()]);
    assert!(
        trace.contains("5 G handler A ValueError:x\n5 G.cb log cb ValueError:x\n"),
        "{trace}"
    );
}

#[test]
fn exception_cb_errors_go_to_the_parent_with_the_original_as_context() {
    let (r, trace) = traced(async move {
        let p = Group::new("P")?;
        p.set_exception_cb(|e, t| {
            log_as(
                "P.cb",
                &format!("cb {} {e}", t.map_or("-".into(), |t| t.name())),
            )
        })?;
        let g = p.subgroup(Some("G"))?;
        g.set_exception_cb(|_e, _t| Err(Error::user("RuntimeError", "cb")))?;
        let h = p.subgroup(Some("H"))?;
        h.set_exception_cb(|_e, _t| panic!("handler panic"))?;
        let _b = g.spawn("B", async {
            sleep_ms(5).await?;
            Err::<(), _>(Error::user("ValueError", "x"))
        })?;
        let _c = h.spawn("C", async {
            sleep_ms(6).await?;
            Err::<(), _>(Error::user("ValueError", "y"))
        })?;
        sleep_ms(10).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 0, "{trace}");
    assert!(
        trace.contains(
            "5 G handler B ValueError:x\n5 P handler B RuntimeError:cb <- ValueError:x\n\
             5 P.cb log cb B RuntimeError:cb <- ValueError:x\n"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("6 P.cb log cb C Panic:handler panic <- ValueError:y\n"),
        "{trace}"
    );
}

#[test]
fn exception_cb_gets_reported_errors_and_can_be_removed() {
    let (r, trace) = traced(async move {
        let g = Group::new("G")?;
        g.set_exception_cb(|e, t| {
            assert!(t.is_none());
            log_as("G.cb", &format!("cb {e}"))
        })?;
        let e = Error::user("ValueError", "r");
        let rc = unsafe {
            sys::corral_rt_report_error(
                sys::corral_task_rt(current().unwrap().as_raw()),
                g.as_raw(),
                c"actor".as_ptr(),
                e.as_raw(),
            )
        };
        assert_eq!(rc, 0);
        sleep_ms(1).await?;
        // Replacing, then removing: failures go to the root handler again.
        g.set_exception_cb(|_e, _t| log_as("G.cb2", "second"))?;
        g.clear_exception_cb()?;
        let _a = g.spawn("A", async { Err::<(), _>(Error::user("ValueError", "z")) })?;
        sleep_ms(1).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1, "{trace}");
    assert!(
        trace.contains("0 G handler actor ValueError:r\n0 G.cb log cb ValueError:r\n"),
        "{trace}"
    );
    assert!(trace.contains("1 root handler A ValueError:z\n"), "{trace}");
    assert!(!trace.contains("second"), "{trace}");
}

#[test]
fn instants_before_the_clock_start_are_past_deadlines() {
    // R40/R41: any past deadline means "try without blocking" - also one before t = 0.
    assert_eq!(Instant::from_nanos(-5).as_nanos(), 0);
    let r = vrt().block_on(async {
        let t0 = now()?;
        let past = t0 - std::time::Duration::from_millis(1);
        assert_eq!(past.as_nanos(), 0);
        let s = CancelScope::move_on_at(past);
        s.run(sleep_ms(10)).await?;
        assert!(s.cancelled_caught());
        Ok::<_, Error>(())
    });
    r.unwrap();
}

#[test]
fn signal_escalation_leaves_a_wait_for_a_foreign_future_alone() {
    // review: the escalation cancelled the binding's own shield around a foreign wait, so the
    // task ended without the future completing (it is no checkpoint)
    let rt = Runtime::builder()
        .virtual_clock()
        .escalate_signals()
        .build()
        .unwrap();
    let seen = Rc::new(Cell::new(0));
    let s = seen.clone();
    let r = rt.block_on(async move {
        spawn_named("H", async {
            sleep_ms(10).await?;
            inject_signal(2)?;
            sleep_ms(2).await?;
            inject_signal(2) // escalates
        })?;
        let r = sleep_ms(100).await; // cancelled by the first signal
        let cut = shield(sleep_ms(5)).await; // cut by the second
        assert_eq!(cut.unwrap_err().kind(), ErrorKind::Cancelled);
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
        s.set(1); // reached: the foreign wait was not cut
        r
    });
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Cancelled);
    assert_eq!(seen.get(), 1);
}
