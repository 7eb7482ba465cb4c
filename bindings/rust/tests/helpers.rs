//! The coroutine helpers: race, gather_safe, as_completed_safe, call_on_cancel,
//! call_on_done, cancel_and_join, first — with bad input.
mod common;
use common::*;
use corral::*;
use std::cell::{Cell, RefCell};
use std::ops::ControlFlow;
use std::rc::Rc;
use std::time::Duration;

type Boxed<T> = LocalBoxFuture<Result<T>>;

fn boxed<T: 'static>(f: impl std::future::Future<Output = Result<T>> + 'static) -> Boxed<T> {
    Box::pin(f)
}

// ---- race -----------------------------------------------------------------------------------

#[test]
fn race_first_completion_wins_and_the_losers_end_before_it_returns() {
    let (r, trace) = traced(async {
        let (v, errs) = race([
            boxed(value_after(10, "a")),
            boxed(value_after(5, "b")),
            boxed(async {
                if let Err(e) = sleep_ms(20).await {
                    shield(sleep_ms(3)).await?;
                    log("c cleanup")?;
                    return Err(e);
                }
                Ok("c")
            }),
        ])
        .await?;
        assert!(errs.is_empty());
        log(&format!("race={v}"))
    });
    r.unwrap();
    // Default names are race.<index> (R77).
    assert!(
        trace.contains("5 race.1 done b\n5 race.0 cancelled\n8 race.2 log c cleanup\n8 race.2 cancelled\n8 main log race=b\n"),
        "{trace}"
    );
}

#[test]
fn race_without_continue_on_error_raises_the_first_failure_after_the_rest_ended() {
    let (r, trace) = traced(async {
        let r = race([
            boxed(fails_after(2, "x")),
            boxed(logs_cancel(10, "slow").map_ok()),
        ])
        .names(["X", "Y"])
        .await;
        assert_eq!(r.unwrap_err().to_string(), "ValueError:x");
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 0, "the delivered error is consumed (R59)");
    assert!(
        trace.contains("2 X fail ValueError:x\n2 Y log slow cancelled\n2 Y cancelled\n"),
        "{trace}"
    );
}

#[test]
fn race_with_continue_on_error_collects_failures_before_the_winner() {
    let (r, _) = traced(async {
        let (v, errs) = race([
            boxed(fails_after(1, "a")).map_unit(1),
            boxed(value_after(3, 7)),
            boxed(fails_after(2, "b")).map_unit(1),
        ])
        .continue_on_error(true)
        .await?;
        let errs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        Ok::<_, Error>((v, errs))
    });
    assert_eq!(
        r.unwrap(),
        (
            7,
            vec!["ValueError:a".to_string(), "ValueError:b".to_string()]
        )
    );
}

#[test]
fn race_of_nothing_and_race_with_wrong_names_are_invalid_argument() {
    let (r, trace) = traced(async {
        assert_kind(
            race(Vec::<Boxed<()>>::new()).await,
            ErrorKind::InvalidArgument,
        );
        assert_kind(
            race([boxed(checkpoint())]).names(["a", "b"]).await,
            ErrorKind::InvalidArgument,
        );

        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(!trace.contains("race"), "no member ran: {trace}");
}

#[test]
fn a_race_loser_failing_while_cancelled_goes_to_the_handler_chain() {
    let (r, trace) = traced(async {
        let (v, _) = race([
            boxed(value_after(1, 1)),
            boxed(async {
                let _ = sleep_ms(10).await;
                Err::<i32, _>(Error::user("ValueError", "while cancelled"))
            }),
        ])
        .names(["W", "L"])
        .await?;
        assert_eq!(v, 1);
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(
        trace.contains(
            "1 L fail ValueError:while cancelled\n1 root handler L ValueError:while cancelled\n"
        ),
        "{trace}"
    );
}

// ---- gather_safe ------------------------------------------------------------------------------

#[test]
fn gather_safe_returns_outcomes_in_input_order_and_consumes_errors() {
    let (r, trace) = traced(async {
        let out = gather_safe([
            boxed(value_after(5, 1)),
            boxed(fails_after(3, "y").map_unit(0)),
            boxed(async {
                sleep_ms(1).await?;
                panic!("z");
                #[allow(unreachable_code)]
                Ok(0)
            }),
        ])
        .await?;
        let shown: Vec<String> = out
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.to_string(), |v| v.to_string()))
            .collect();
        assert_eq!(shown, ["1", "ValueError:y", "Panic:z"]);
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 0);
    assert!(trace.contains("1 gather_safe.2 fail Panic:z\n3 gather_safe.1 fail ValueError:y\n5 gather_safe.0 done 1\n"), "{trace}");
}

#[test]
fn gather_safe_under_caller_cancellation_cancels_and_awaits_its_members() {
    let (r, trace) = traced(async {
        let w = spawn_named("W", async {
            gather_safe([boxed(logs_cancel(10, "a")), boxed(logs_cancel(10, "b"))])
                .names(["A", "B"])
                .await
                .map(drop)
        })?;
        sleep_ms(2).await?;
        w.cancel()?;
        assert_kind(w.await, ErrorKind::TaskCancelled);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(trace.contains("2 A log a cancelled\n2 A cancelled\n2 B log b cancelled\n2 B cancelled\n2 W cancelled\n"), "{trace}");
}

#[test]
fn gather_safe_of_nothing_is_an_empty_list() {
    let (r, _) = traced(async { gather_safe(Vec::<Boxed<i32>>::new()).await.map(|v| v.len()) });
    assert_eq!(r.unwrap(), 0);
}

// ---- as_completed_safe ---------------------------------------------------------------------------

#[test]
fn as_completed_safe_hands_out_every_member_in_completion_order() {
    let (r, _) = traced(async {
        let seen = RefCell::new(Vec::new());
        let r = as_completed_safe([
            boxed(value_after(3, "c")),
            boxed(value_after(1, "a")),
            boxed(value_after(2, "b")),
        ])
        .for_each(|h| {
            let seen = &seen;
            async move {
                let v = h.await?;
                seen.borrow_mut().push(v);
                Ok(ControlFlow::<()>::Continue(()))
            }
        })
        .await?;
        assert_eq!(r, None);
        Ok::<_, Error>(seen.into_inner())
    });
    assert_eq!(r.unwrap(), ["a", "b", "c"]);
}

#[test]
fn leaving_as_completed_safe_early_cancels_and_awaits_the_rest_before_returning() {
    let ended = Rc::new(Cell::new(0));
    let e2 = ended.clone();
    let (r, _) = traced(async move {
        let slow = |ms: i64| {
            let ended = e2.clone();
            boxed(async move {
                let r = sleep_ms(ms).await;
                shield(sleep_ms(2)).await?; // cleanup that takes time
                ended.set(ended.get() + 1);
                r.map(|_| ms)
            })
        };
        let first = as_completed_safe([slow(10), slow(1), slow(20)])
            .for_each(|h| async move { Ok(ControlFlow::Break(h.await?)) })
            .await?;
        Ok::<_, Error>((first, e2.get(), now()?.as_millis()))
    });
    // All three ended (the winner's cleanup and the two cancelled ones) before for_each
    // returned, at t = 3 + 2.
    assert_eq!(r.unwrap(), (Some(1), 3, 5));
    assert_eq!(ended.get(), 3);
}

#[test]
fn an_error_in_the_as_completed_body_cancels_the_rest_and_propagates() {
    let (r, trace) = traced(async {
        let r = as_completed_safe([
            boxed(value_after(1, 1)),
            boxed(logs_cancel(10, "rest").map_unit(0)),
        ])
        .names(["one", "rest"])
        .for_each(|h| async move {
            h.await?;
            Err::<ControlFlow<()>, _>(Error::user("ValueError", "body"))
        })
        .await;
        assert_eq!(r.unwrap_err().to_string(), "ValueError:body");
        log("after")
    });
    r.unwrap();
    assert!(
        trace.contains("1 rest log rest cancelled\n1 rest cancelled\n1 main log after\n"),
        "{trace}"
    );
}

#[test]
fn as_completed_safe_under_caller_cancellation_cancels_the_members() {
    let (r, trace) = traced(async {
        let w = spawn_named("W", async {
            as_completed_safe([boxed(logs_cancel(10, "m"))])
                .names(["M"])
                .for_each(|h| async move {
                    h.await?;
                    Ok(ControlFlow::<()>::Continue(()))
                })
                .await
                .map(drop)
        })?;
        sleep_ms(1).await?;
        w.cancel()?;
        assert_kind(w.await, ErrorKind::TaskCancelled);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(
        trace.contains("1 M log m cancelled\n1 M cancelled\n1 W cancelled\n"),
        "{trace}"
    );
}

// ---- call_on_cancel / call_on_done / cancel_and_join ------------------------------------------------

#[test]
fn call_on_cancel_runs_fn_shielded_and_completes_the_task_with_its_value() {
    let (r, trace) = traced(async {
        let t = spawn_named(
            "T",
            call_on_cancel(|| async {
                sleep_ms(3).await?; // shielded: the cancellation waits
                Ok(9)
            }),
        )?;
        sleep_ms(1).await?;
        t.cancel()?;
        t.await
    });
    assert_eq!(r.unwrap(), 9);
    assert!(trace.contains("4 T done 9\n"), "{trace}");
}

#[test]
fn call_on_cancel_fn_error_fails_the_task() {
    let (r, _) = traced(async {
        let t = spawn_named(
            "T",
            call_on_cancel(|| async { Err::<(), _>(Error::user("ValueError", "fn")) }),
        )?;
        checkpoint().await?;
        t.cancel()?;
        Ok::<_, Error>(t.await.unwrap_err().to_string())
    });
    assert_eq!(r.unwrap(), "ValueError:fn");
}

#[test]
fn call_on_cancel_past_its_grace_ends_cancelled_and_reports_cleanup_timeout() {
    let (r, trace) = traced(async {
        let g = Group::builder()
            .name("G")
            .cleanup_timeout(Some(Duration::from_millis(2)))
            .build()?;
        let t = g.spawn("T", call_on_cancel(|| sleep_ms(10)))?;
        sleep_ms(1).await?;
        g.async_close(true).await?;
        assert_kind(t.await, ErrorKind::TaskCancelled);
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(
        trace.contains("3 T cancelled\n3 G CLOSED\n3 root handler T CleanupTimeout\n"),
        "{trace}"
    );
}

#[test]
fn call_on_done_ignores_the_awaited_error_and_never_cancels_what_it_awaits() {
    let (r, _) = traced(async {
        let f = Future::<i32>::new()?;
        let g = Future::<i32>::new()?;
        let (f1, g1) = (f.clone(), g.clone());
        let d = spawn(async move { call_on_done(&f1, || async { Ok("called") }).await })?;
        let e = spawn(async move { call_on_done(&g1, || async { Ok("never") }).await })?;
        f.set_error(Error::user("ValueError", "ignored"))?;
        assert_eq!(d.await?, "called");
        e.cancel()?;
        assert_kind(e.await, ErrorKind::TaskCancelled);
        assert!(g.is_pending(), "R21: the waited future is not cancelled");
        // A JoinHandle and a plain future work too.
        let t = spawn(value_after(1, 5))?;
        let v = call_on_done(t, || async { Ok(1) }).await?;
        let w = call_on_done(sleep_ms(1), || async { Ok(2) }).await?;
        Ok::<_, Error>(v + w)
    });
    assert_eq!(r.unwrap(), 3);
}

#[test]
fn cancel_and_join_gives_nothing_a_value_or_the_error() {
    let (r, _) = traced(async {
        let a = spawn(logs_cancel(100, "a"))?;
        let b = spawn(async {
            match sleep_ms(100).await {
                Err(e) if e.is_cancelled() => Ok("late"),
                other => other.map(|_| "on time"),
            }
        })?;
        let c = spawn(fails_after(1, "c"))?;
        sleep_ms(2).await?;
        assert_eq!(cancel_and_join(a).await?, None);
        assert_eq!(cancel_and_join(b).await?, Some("late"));
        assert_eq!(
            cancel_and_join(c).await.unwrap_err().to_string(),
            "ValueError:c"
        );
        // Already done: nothing to cancel, the outcome as join gives it.
        let d = spawn(value_after(0, 4))?;
        sleep_ms(1).await?;
        cancel_and_join(d).await
    });
    assert_eq!(r.unwrap(), Some(4));
}

#[test]
fn cancel_and_join_returns_cancelled_when_the_caller_is_cancelled() {
    let (r, _) = traced(async {
        let victim = spawn_named("V", async {
            let r = sleep_ms(100).await;
            shield(sleep_ms(10)).await?; // takes long to end
            r
        })?;
        let vt = victim.task().clone();
        let caller = spawn_named("C", async move { cancel_and_join(victim).await.map(drop) })?;
        sleep_ms(1).await?;
        caller.cancel()?;
        assert_kind(caller.await, ErrorKind::TaskCancelled);
        let joined = vt.join().await;
        Ok::<_, Error>(joined.unwrap_err().kind())
    });
    assert_eq!(
        r.unwrap(),
        ErrorKind::TaskCancelled,
        "the victim stays cancelled"
    );
}

// ---- first ----------------------------------------------------------------------------------------

#[test]
fn first_returns_the_first_match_and_leaves_the_rest() {
    let (r, _) = traced(async {
        let q = Queue::new()?;
        for i in 1..=5 {
            q.put_nowait(i)?;
        }
        q.close()?;
        let mut it = q.clone();
        let a = first(&mut it, |x| Ok(*x % 2 == 0)).await?;
        let b = first(&mut it, |x| Ok(*x > 10)).await?;
        let c = first(iter(["x", "y"]), |_| Ok(true)).await?;
        let d = first(iter(Vec::<i32>::new()), |_| Ok(true)).await?;
        Ok::<_, Error>((a, b, c, d, q.qsize()))
    });
    assert_eq!(r.unwrap(), (Some(2), None, Some("x"), None, 0));
}

#[test]
fn a_predicate_error_stops_first_with_that_error() {
    let (r, _) = traced(async {
        let r = first(iter([1, 2, 3]), |x| {
            if *x == 2 {
                Err(Error::user("ValueError", "pred"))
            } else {
                Ok(false)
            }
        })
        .await;
        Ok::<_, Error>(r.unwrap_err().to_string())
    });
    assert_eq!(r.unwrap(), "ValueError:pred");
}

// ---- small adapters for the member lists above ------------------------------------------------------

trait MapResult<T> {
    fn map_ok(self) -> Boxed<T>;
    fn map_unit<U: 'static>(self, v: U) -> Boxed<U>;
}

impl<F: std::future::Future<Output = Result<()>> + 'static> MapResult<()> for F {
    fn map_ok(self) -> Boxed<()> {
        Box::pin(self)
    }
    fn map_unit<U: 'static>(self, v: U) -> Boxed<U> {
        Box::pin(async move { self.await.map(|_| v) })
    }
}

#[test]
fn a_shorter_names_list_names_the_first_members() {
    // names[i], else "<helper>.<i>" (R77), as in Python, Lua and C
    let (r, trace) = traced(async {
        let outcomes = gather_safe([boxed(async { Ok(1i64) }), boxed(async { Ok(2i64) })])
            .names(["only"])
            .await?;
        assert_eq!(outcomes.len(), 2);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(trace.contains("0 only done 1\n"), "{trace}");
    assert!(trace.contains("0 gather_safe.1 done 2\n"), "{trace}");
}
