//! The hat-style Group: builder and exception handling, subgroups, wrap, the cleanup grace,
//! the Resource protocol and `using`, and bad input.
mod common;
use common::*;
use corral::*;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn a_failed_member_of_a_default_group_reaches_the_root_handler() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        g.spawn("A", fails_after(5, "x"))?;
        sleep_ms(10).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(
        trace.contains("5 A fail ValueError:x\n5 root handler A ValueError:x\n"),
        "{trace}"
    );
}

#[test]
fn log_exceptions_false_takes_member_failures_silently() {
    let (r, trace) = traced(async {
        let g = Group::builder().name("G").log_exceptions(false).build()?;
        g.spawn("A", fails_after(5, "x"))?;
        sleep_ms(10).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 0);
    assert!(trace.contains("5 G handler A ValueError:x\n"), "{trace}");
    assert!(!trace.contains("root handler"), "{trace}");
}

#[test]
fn a_subgroup_inherits_the_exception_cb_unless_it_has_its_own() {
    let (r, trace) = traced(async {
        let g = Group::builder()
            .name("G")
            .exception_cb(|e, t| log_as("G.cb", &format!("{} {e}", t.unwrap().name())))
            .build()?;
        let s = g.create_subgroup("S")?;
        let own = Group::builder()
            .name("O")
            .parent(&g)
            .exception_cb(|e, _| log_as("O.cb", &format!("own {e}")))
            .build()?;
        s.spawn("B", fails_after(1, "b"))?;
        own.spawn("C", fails_after(2, "c"))?;
        sleep_ms(5).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 0);
    assert!(
        trace.contains("1 G handler B ValueError:b\n1 G.cb log B ValueError:b\n"),
        "{trace}"
    );
    assert!(
        trace.contains("2 O handler C ValueError:c\n2 O.cb log own ValueError:c\n"),
        "{trace}"
    );
}

#[test]
fn spawn_wrap_and_subgroup_of_a_closed_group_are_group_closed_and_run_nothing() {
    let ran = Rc::new(Cell::new(false));
    let ran2 = ran.clone();
    let (r, _) = traced(async move {
        let g = Group::new("G")?;
        g.close(false)?;
        let r2 = ran2.clone();
        assert_kind(
            g.spawn("X", async move { r2.set(true) }),
            ErrorKind::GroupClosed,
        );
        let f = Future::<i64>::new()?;
        assert_kind(g.wrap(&f, "W"), ErrorKind::GroupClosed);
        assert!(f.is_pending(), "a refused wrap leaves the target alone");
        assert_kind(g.create_subgroup("S"), ErrorKind::GroupClosed);
        assert_kind(Group::builder().parent(&g).build(), ErrorKind::GroupClosed);
        g.wait_closed().await?;
        // Use after close: state queries and a repeated close still answer.
        assert!(g.is_closed() && !g.is_open());
        g.close(true)?;
        checkpoint().await
    });
    r.unwrap();
    assert!(!ran.get(), "a refused spawn never runs its future");
}

#[test]
fn wrap_of_a_future_ends_with_its_outcome() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        let (ok, bad, gone) = (
            Future::<i64>::new()?,
            Future::<i64>::new()?,
            Future::<i64>::new()?,
        );
        let w1 = g.wrap(&ok, "W1")?;
        let w2 = g.wrap(bad.clone(), "W2")?;
        let w3 = g.wrap(&gone, "W3")?;
        sleep_ms(1).await?;
        ok.set_result(7)?;
        bad.set_error(Error::user("ValueError", "f"))?;
        gone.cancel()?;
        assert_eq!(w1.await?, 7);
        assert_eq!(w2.await.unwrap_err().to_string(), "ValueError:f");
        assert_eq!(w3.await.unwrap_err().kind(), ErrorKind::FutureCancelled);
        g.async_close(true).await
    });
    r.unwrap();
    assert!(
        trace.contains("1 W1 done 7\n1 W2 fail ValueError:f\n1 W3 fail FutureCancelled\n"),
        "{trace}"
    );
}

#[test]
fn closing_cancels_a_wrapped_future_and_awaits_a_wrapped_task() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        let f = Future::<i64>::new()?;
        let x = spawn_named("X", async {
            if let Err(e) = sleep_ms(30).await {
                shield(sleep_ms(2)).await?;
                log("X cleaned up")?;
                return Err(e);
            }
            Ok(1)
        })?;
        let xt = x.task().clone();
        let wx = g.wrap(x, "WX")?;
        let wf = g.wrap(&f, "WF")?;
        sleep_ms(5).await?;
        g.async_close(true).await?;
        assert_eq!(f.state(), FutureState::Cancelled);
        assert!(xt.is_done(), "the group closed only after the wrapped task");
        assert_kind(wx.await, ErrorKind::TaskCancelled);
        assert_kind(wf.await, ErrorKind::TaskCancelled);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(
        trace.contains(
            "5 WF cancelled\n7 X log X cleaned up\n7 X cancelled\n7 WX cancelled\n7 G CLOSED\n"
        ),
        "{trace}"
    );
}

#[test]
fn cleanup_timeout_is_inherited_and_can_be_reset() {
    let (r, _) = traced(async {
        let g = Group::builder()
            .name("G")
            .cleanup_timeout(Some(Duration::from_millis(5)))
            .build()?;
        let s = g.create_subgroup("S")?;
        assert_eq!(s.cleanup_timeout(), Some(Duration::from_millis(5)));
        s.set_cleanup_timeout(Some(Duration::from_millis(2)))?;
        assert_eq!(s.cleanup_timeout(), Some(Duration::from_millis(2)));
        s.set_cleanup_timeout(None)?;
        assert_eq!(s.cleanup_timeout(), Some(Duration::from_millis(5)));
        assert_eq!(Group::new("H")?.cleanup_timeout(), None);
        Ok::<_, Error>(())
    });
    r.unwrap();
}

#[test]
fn a_cleanup_scope_cut_short_by_the_grace_reports_cleanup_timeout() {
    let (r, trace) = traced(async {
        let g = Group::builder()
            .name("G")
            .cleanup_timeout(Some(Duration::from_millis(3)))
            .build()?;
        let t = g.spawn("T", async {
            // The grace comes from T's group; the cleanup runs shielded.
            let r = cleanup(async {
                sleep_ms(10).await?;
                Ok(1)
            })
            .await?;
            log(&format!("cleanup gave {r:?}"))
        })?;
        t.await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(trace.contains("3 T log cleanup gave None\n"), "{trace}");
    assert!(
        trace.contains("3 root handler T CleanupTimeout\n"),
        "{trace}"
    );
}

struct Server {
    group: Group,
}

impl Resource for Server {
    fn async_group(&self) -> &Group {
        &self.group
    }
}

#[test]
fn a_resource_gets_the_group_state_waits_and_close() {
    let (r, trace) = traced(async {
        let srv = Server {
            group: Group::new("srv")?,
        };
        srv.group.spawn("loop", logs_cancel(100, "loop"))?;
        assert!(srv.is_open() && !srv.is_closing() && !srv.is_closed());
        sleep_ms(1).await?;
        srv.close()?;
        assert!(srv.is_closing());
        srv.wait_closing().await?;
        srv.async_close().await?;
        srv.wait_closed().await?;
        assert!(srv.is_closed());
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(
        trace
            .contains("1 srv CLOSING\n1 loop log loop cancelled\n1 loop cancelled\n1 srv CLOSED\n"),
        "{trace}"
    );
}

#[test]
fn using_closes_with_cancellation_on_exit_and_returns_the_body_value() {
    let (r, trace) = traced(async {
        let v = using(Group::new("G")?, |g| async move {
            g.spawn("T", logs_cancel(100, "T"))?;
            sleep_ms(5).await?;
            Ok(42)
        })
        .await?;
        log(&format!("after {v}"))
    });
    r.unwrap();
    assert!(
        trace.contains(
            "5 G CLOSING\n5 T log T cancelled\n5 T cancelled\n5 G CLOSED\n5 main log after 42\n"
        ),
        "{trace}"
    );
}

#[test]
fn using_propagates_the_body_error_after_closing() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        let r = using(g.clone(), |g| async move {
            g.spawn("T", logs_cancel(100, "T"))?;
            Err::<(), _>(Error::user("ValueError", "body"))
        })
        .await;
        assert!(g.is_closed());
        r
    });
    assert_eq!(r.unwrap_err().to_string(), "ValueError:body");
    assert!(trace.contains("0 T cancelled\n0 G CLOSED\n"), "{trace}");
}

#[test]
fn a_closed_group_used_twice_is_group_closed_and_the_body_does_not_run() {
    let (r, _) = traced(async {
        let g = Group::new("G")?;
        using(g.clone(), |_| async { Ok(()) }).await?;
        let ran = Rc::new(Cell::new(false));
        let ran2 = ran.clone();
        let second = using(g, |_| async move {
            ran2.set(true);
            Ok(())
        })
        .await;
        assert_kind(second, ErrorKind::GroupClosed);
        assert!(!ran.get());
        Ok::<_, Error>(())
    });
    r.unwrap();
}

#[test]
fn a_raising_or_panicking_exception_cb_hands_on_to_the_parent_chain() {
    let (r, trace) = traced(async {
        let g = Group::builder()
            .name("G")
            .exception_cb(|_, _| Err(Error::user("RuntimeError", "cb")))
            .build()?;
        let h = Group::builder()
            .name("H")
            .exception_cb(|_, _| panic!("cb panic"))
            .build()?;
        g.spawn("A", fails_after(1, "a"))?;
        h.spawn("B", fails_after(2, "b"))?;
        sleep_ms(3).await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 2);
    assert!(
        trace.contains("1 root handler A RuntimeError:cb <- ValueError:a\n"),
        "{trace}"
    );
    assert!(
        trace.contains("2 root handler B Panic:cb panic <- ValueError:b\n"),
        "{trace}"
    );
}

#[test]
fn error_group_holds_its_members_as_the_same_objects() {
    let (r, _) = traced(async {
        let a = Error::user("ValueError", "a");
        let b = Error::new(ErrorKind::Timeout, "");
        let eg = Error::group(&[a.clone(), b])?;
        assert!(eg.is_group() && eg.kind() == ErrorKind::ErrorGroup);
        assert_eq!(eg.to_string(), "ErrorGroup:[ValueError:a, Timeout]");
        assert!(eg.group_errors()[0].same_as(&a));
        assert_kind(
            Error::group(&[Error::cancelled()]),
            ErrorKind::InvalidArgument,
        );
        Ok::<_, Error>(())
    });
    r.unwrap();
}

#[test]
fn group_waits_take_a_per_call_deadline_and_a_past_one_does_not_block() {
    // R41; differential test g07: a past deadline means "try without blocking".
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        g.spawn("M", logs_cancel(100, "M"))?;
        assert_kind(
            g.wait_closing().timeout(Duration::from_millis(2)).await,
            ErrorKind::Timeout,
        );
        log("wait_closing Timeout")?;
        assert_kind(g.wait_closing().deadline(now()?).await, ErrorKind::Timeout);
        assert_kind(g.wait_closed().deadline(now()?).await, ErrorKind::Timeout);
        assert!(g.is_open(), "a timed-out wait has no effect");
        g.close(true)?;
        g.wait_closing().deadline(now()?).await?; // already CLOSING: succeeds at once
        g.wait_closed()
            .deadline(now()? + Duration::from_millis(5))
            .await?;
        log("wait_closed")?;
        g.wait_closed().deadline(Instant::from_nanos(0)).await?; // far past, satisfied
        g.wait_closing().timeout(Duration::ZERO).await?;
        log("past deadline ok")
    });
    r.unwrap();
    assert!(
        trace.contains(
            "2 main log wait_closing Timeout\n2 G CLOSING\n2 M log M cancelled\n2 M cancelled\n\
             2 G CLOSED\n2 main log wait_closed\n2 main log past deadline ok\n"
        ),
        "{trace}"
    );
}

#[test]
fn log_in_callbacks_names_the_callback() {
    // differential test, round 3: log() in a callback has the callback as its actor, as in
    // Python and Lua ("callback" for a done callback, "<group>.cb" for an exception callback)
    let (r, trace) = traced(async {
        let g = Group::builder()
            .name("G")
            .exception_cb(|e, _t| log(&format!("seen {}", e.kind_name())))
            .build()?;
        g.spawn("A", async { Err::<(), _>(Error::user("ValueError", "x")) })?;
        let f = Future::<i32>::new()?;
        f.add_done_callback(|| {
            log("done cb").unwrap();
        })?;
        f.set_result(1)?;
        sleep_ms(1).await?;
        g.async_close(true).await
    });
    r.unwrap();
    assert!(trace.contains("0 G.cb log seen ValueError\n"), "{trace}");
    assert!(trace.contains("0 callback log done cb\n"), "{trace}");
}
