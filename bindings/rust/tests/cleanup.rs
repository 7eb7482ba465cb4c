//! Cleanup (R66-R69): `with` and the AsyncContextManager protocol, `context_manager` (R68),
//! `ExitStack`, the `defer` guard and `adefer`, `actxgroup`, `closing_async` — with bad input.
mod common;
use common::*;
use corral::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

#[path = "../examples/resource_pool.rs"]
#[allow(dead_code)]
mod resource_pool;

fn value_error(msg: &str) -> Error {
    Error::user("ValueError", msg)
}

/// A manager that logs its calls into `calls`, enters with `value` and exits with `exit`.
struct Probe {
    name: &'static str,
    calls: Rc<RefCell<Vec<String>>>,
    enter: Result<&'static str>,
    exit: Result<bool>,
}

impl Probe {
    fn new(name: &'static str, calls: &Rc<RefCell<Vec<String>>>) -> Probe {
        Probe {
            name,
            calls: calls.clone(),
            enter: Ok(name),
            exit: Ok(false),
        }
    }
    fn exiting(mut self, exit: Result<bool>) -> Probe {
        self.exit = exit;
        self
    }
    fn failing_enter(mut self, e: Error) -> Probe {
        self.enter = Err(e);
        self
    }
}

impl AsyncContextManager for Probe {
    type Value = &'static str;
    async fn enter(&mut self) -> Result<&'static str> {
        self.calls.borrow_mut().push(format!("enter {}", self.name));
        self.enter.clone()
    }
    async fn exit(self, error: Option<&Error>) -> Result<bool> {
        let seen = error.map_or("none".into(), |e| e.to_string());
        self.calls
            .borrow_mut()
            .push(format!("exit {} saw {seen}", self.name));
        self.exit
    }
}

fn calls() -> Rc<RefCell<Vec<String>>> {
    Rc::new(RefCell::new(Vec::new()))
}

/// A plain exit callback that records `what` in `list`.
fn recorder(list: &Rc<RefCell<Vec<String>>>, what: &'static str) -> impl FnOnce() -> Result<()> {
    let list = list.clone();
    move || {
        list.borrow_mut().push(what.into());
        Ok(())
    }
}

// ---- with -------------------------------------------------------------------------------------

#[test]
fn with_gives_the_entered_value_to_the_body_and_exits_without_error() {
    let c = calls();
    let c2 = c.clone();
    let (r, _) =
        traced(
            async move { with(Probe::new("p", &c2), |v| async move { Ok(format!("{v}!")) }).await },
        );
    assert_eq!(r.unwrap(), Some("p!".to_string()));
    assert_eq!(*c.borrow(), ["enter p", "exit p saw none"]);
}

#[test]
fn with_whose_enter_fails_runs_neither_body_nor_exit() {
    let c = calls();
    let c2 = c.clone();
    let body_ran = Rc::new(Cell::new(false));
    let b = body_ran.clone();
    let (r, _) = traced(async move {
        let cm = Probe::new("p", &c2).failing_enter(value_error("enter"));
        with(cm, |_| async move {
            b.set(true);
            Ok(())
        })
        .await
    });
    assert_eq!(r.unwrap_err().to_string(), "ValueError:enter");
    assert!(!body_ran.get());
    assert_eq!(*c.borrow(), ["enter p"]);
}

#[test]
fn with_exit_sees_the_body_error_and_can_suppress_it() {
    let c = calls();
    let c2 = c.clone();
    let (r, _) = traced(async move {
        let cm = Probe::new("p", &c2).exiting(Ok(true));
        with(cm, |_| async { Err::<(), _>(value_error("body")) }).await
    });
    assert_eq!(r.unwrap(), None, "suppressed: no value");
    assert_eq!(*c.borrow(), ["enter p", "exit p saw ValueError:body"]);
}

#[test]
fn with_exit_returning_true_does_not_suppress_cancelled() {
    let (r, trace) = traced(async {
        let s = CancelScope::move_on_after(Duration::from_millis(5));
        let inner = s
            .run(async {
                let c = calls();
                let cm = Probe::new("p", &c).exiting(Ok(true));
                let r = with(cm, |_| sleep_ms(100)).await;
                log(&format!("with gave {r:?}"))?;
                r
            })
            .await?;
        log(&format!("caught={} inner={inner:?}", s.cancelled_caught()))
    });
    r.unwrap();
    assert!(
        trace.contains("5 main log with gave Err(corral::Error(Cancelled))\n5 main log caught=true inner=None\n"),
        "{trace}"
    );
}

#[test]
fn with_exit_error_wins_with_the_body_error_as_context() {
    let (r, _) = traced(async {
        let c = calls();
        let cm = Probe::new("p", &c).exiting(Err(value_error("exit")));
        with(cm, |_| async { Err::<(), _>(value_error("body")) }).await
    });
    let e = r.unwrap_err();
    assert_eq!(e.to_string(), "ValueError:exit <- ValueError:body");
    assert_eq!(e.context().unwrap().to_string(), "ValueError:body");
}

#[test]
fn with_exit_runs_as_managed_cleanup_bounded_by_the_group_grace() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        g.set_cleanup_timeout(Some(Duration::from_millis(3)))?;
        let t = g.spawn("T", async {
            let cm = context_manager(|y| async move {
                let out = y.yield_(()).await;
                sleep_ms(2).await?; // within the grace: runs although cancelled
                log("released")?;
                sleep_ms(10).await?; // past the grace: cut short
                log("unreachable")?;
                out
            });
            with(cm, |()| sleep_ms(100)).await
        })?;
        sleep_ms(10).await?;
        t.cancel()?;
        let r = t.await;
        log(&format!("join {}", r.unwrap_err().kind_name()))
    });
    r.unwrap();
    assert!(
        trace.contains("12 T log released\n13 T cancelled\n13 root handler T CleanupTimeout\n13 main log join TaskCancelled\n"),
        "{trace}"
    );
}

// ---- context_manager (R68) ------------------------------------------------------------------

#[test]
fn context_manager_runs_the_part_after_the_yield_at_exit() {
    let (r, trace) = traced(async {
        let cm = context_manager(|y| async move {
            log("acquire")?;
            y.yield_(7).await?;
            log("release")
        });
        with(cm, |v| async move { log(&format!("body {v}")) }).await
    });
    assert_eq!(r.unwrap(), Some(()));
    assert!(
        trace.contains("0 main log acquire\n0 main log body 7\n0 main log release\n"),
        "{trace}"
    );
}

#[test]
fn context_manager_that_never_yields_is_invalid_state_didnt_yield() {
    let (r, _) = traced(async {
        let cm = context_manager(|_y: Yielder<i32>| async { Ok(()) });
        with(cm, |_| async { Ok(()) }).await
    });
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert_eq!(e.message(), "didn't yield");
}

#[test]
fn context_manager_that_yields_twice_is_invalid_state_didnt_stop() {
    let (r, _) = traced(async {
        let cm = context_manager(|y| async move {
            y.yield_(1).await?;
            y.yield_(2).await
        });
        with(cm, |_| async { Ok(()) }).await
    });
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert_eq!(e.message(), "didn't stop");
}

#[test]
fn context_manager_yielding_again_after_a_throw_is_didnt_stop_after_throw() {
    let (r, _) = traced(async {
        let cm = context_manager(|y| async move {
            let _ = y.yield_(1).await; // swallows the error...
            y.yield_(2).await // ...and yields again
        });
        with(cm, |_| async { Err::<(), _>(value_error("body")) }).await
    });
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert_eq!(e.message(), "didn't stop after throw");
    assert_eq!(e.context().unwrap().to_string(), "ValueError:body");
}

#[test]
fn context_manager_raising_another_error_propagates_it_with_the_original_as_context() {
    let (r, _) = traced(async {
        let cm = context_manager(|y| async move {
            y.yield_(()).await.map_err(|_| value_error("translated"))
        });
        with(cm, |()| async { Err::<(), _>(value_error("body")) }).await
    });
    assert_eq!(
        r.unwrap_err().to_string(),
        "ValueError:translated <- ValueError:body"
    );
}

#[test]
fn context_manager_exited_directly_chains_the_thrown_error_too() {
    // R68's "context = original" holds for exit itself, not only under with() (an actxgroup
    // exit task reports what exit returns; differential test, round 3).
    let (r, _) = traced(async {
        let mut cm = context_manager(|y| async move {
            y.yield_(()).await.map_err(|_| value_error("translated"))
        });
        cm.enter().await?;
        let e = cm.exit(Some(&value_error("body"))).await.unwrap_err();
        assert_eq!(e.to_string(), "ValueError:translated <- ValueError:body");
        let mut again = context_manager(|y| async move {
            let _ = y.yield_(()).await;
            y.yield_(()).await
        });
        again.enter().await?;
        let e = again.exit(Some(&value_error("b2"))).await.unwrap_err();
        assert_eq!(e.context().unwrap().to_string(), "ValueError:b2");
        Ok(())
    });
    r.unwrap();
}

#[test]
fn context_manager_reraising_the_thrown_error_keeps_it_unchanged() {
    let (r, _) = traced(async {
        let body_err = value_error("body");
        let thrown = body_err.clone();
        let cm = context_manager(|y| async move { y.yield_(()).await });
        let r = with(cm, |()| async move { Err::<(), _>(body_err) }).await;
        let e = r.unwrap_err();
        assert!(e.same_as(&thrown), "the same error object");
        assert!(e.context().is_none());
        Ok(())
    });
    r.unwrap();
}

#[test]
fn context_manager_entered_twice_or_exited_unentered_is_invalid_state() {
    let (r, _) = traced(async {
        let mut cm = context_manager(|y| async move { y.yield_(()).await });
        cm.enter().await?;
        assert_kind(cm.enter().await, ErrorKind::InvalidState);
        let unentered = context_manager(|y| async move { y.yield_(()).await });
        assert_kind(unentered.exit(None).await, ErrorKind::InvalidState);
        Ok(())
    });
    r.unwrap();
}

// ---- ExitStack ------------------------------------------------------------------------------

#[test]
fn exit_stack_runs_callbacks_lifo_and_returns_the_body_value() {
    let order = calls();
    let o = order.clone();
    let (r, _) = traced(async move {
        ExitStack::scope(|st| async move {
            let (a, b, c) = (o.clone(), o.clone(), o.clone());
            st.push_callback(recorder(&a, "sync 1"))?;
            st.push_async_callback(async move {
                sleep_ms(1).await?;
                b.borrow_mut().push("async 2".into());
                Ok(())
            })?;
            st.push_callback(recorder(&c, "sync 3"))?;
            assert_eq!(st.len(), 3);
            Ok(42)
        })
        .await
    });
    assert_eq!(r.unwrap(), Some(42));
    assert_eq!(*order.borrow(), ["sync 3", "async 2", "sync 1"]);
}

#[test]
fn exit_stack_runs_every_callback_and_the_last_error_wins_with_context() {
    let ran = Rc::new(Cell::new(0));
    let r2 = ran.clone();
    let (r, _) = traced(async move {
        let st = ExitStack::new();
        let (a, b, c) = (r2.clone(), r2.clone(), r2.clone());
        st.push_callback(move || {
            a.set(a.get() + 1);
            Err(value_error("E1"))
        })?;
        st.push_callback(move || {
            b.set(b.get() + 1);
            Ok(())
        })?;
        st.push_async_callback(async move {
            c.set(c.get() + 1);
            Err(value_error("E3"))
        })?;
        st.close(Err::<(), _>(value_error("body"))).await
    });
    assert_eq!(ran.get(), 3, "every callback ran");
    assert_eq!(
        r.unwrap_err().to_string(),
        "ValueError:E1 <- ValueError:E3 <- ValueError:body"
    );
}

#[test]
fn exit_stack_closed_twice_is_invalid_state() {
    let (r, _) = traced(async {
        let st = ExitStack::new();
        st.close(Ok(())).await?;
        assert!(st.is_closed());
        assert_kind(st.close(Ok(())).await, ErrorKind::InvalidState);
        assert_kind(st.push_callback(|| Ok(())), ErrorKind::InvalidState);
        assert_kind(st.pop_all(), ErrorKind::InvalidState);
        assert_kind(st.set_cleanup_timeout(None), ErrorKind::InvalidState);
        Ok(())
    });
    r.unwrap();
}

#[test]
fn exit_stack_refuses_a_push_from_its_own_callback() {
    let (r, _) = traced(async {
        let st = ExitStack::new();
        let inner = st.clone();
        st.push_callback(move || inner.push_callback(|| Ok(())))?;
        st.close(Ok(())).await
    });
    assert_kind(r, ErrorKind::InvalidState);
}

#[test]
fn exit_stack_pop_all_moves_the_callbacks_and_leaves_an_open_empty_stack() {
    let ran = calls();
    let r2 = ran.clone();
    let (r, _) = traced(async move {
        let st = ExitStack::new();
        st.set_cleanup_timeout(Some(Duration::from_millis(7)))?;
        let a = r2.clone();
        st.push_callback(recorder(&a, "moved"))?;
        let moved = st.pop_all()?;
        assert!(st.is_empty() && !st.is_closed());
        assert_eq!(moved.len(), 1);
        assert_eq!(moved.cleanup_timeout(), Some(Duration::from_millis(7)));
        st.close(Ok(())).await?;
        assert!(r2.borrow().is_empty(), "the old stack has nothing to run");
        moved.close(Ok(())).await
    });
    r.unwrap();
    assert_eq!(*ran.borrow(), ["moved"]);
}

#[test]
fn exit_stack_dropped_without_close_runs_nothing() {
    let ran = Rc::new(Cell::new(false));
    let r2 = ran.clone();
    let (r, _) = traced(async move {
        let st = ExitStack::new();
        st.push_callback(move || {
            r2.set(true);
            Ok(())
        })?;
        drop(st);
        Ok(())
    });
    r.unwrap();
    assert!(!ran.get());
}

#[test]
fn exit_stack_grace_expiry_reports_cleanup_timeout_and_keeps_the_outcome() {
    let (r, trace) = traced(async {
        let t = spawn_named("T", async {
            let st = ExitStack::new();
            st.set_cleanup_timeout(Some(Duration::from_millis(4)))?;
            st.push_callback(|| log("sync after expiry"))?;
            st.push_async_callback(async {
                sleep_ms(10).await?;
                log("unreachable")
            })?;
            st.close(Err::<(), _>(value_error("body"))).await
        })?;
        let r = t.await;
        log(&format!("join {}", r.unwrap_err()))
    });
    r.unwrap();
    assert!(
        trace.contains("4 T log sync after expiry\n4 T fail ValueError:body\n4 root handler T CleanupTimeout\n"),
        "{trace}"
    );
    assert!(
        trace.contains("4 main log join ValueError:body\n"),
        "{trace}"
    );
}

#[test]
fn exit_stack_context_manager_may_suppress_an_error_but_not_cancelled() {
    let (r, _) = traced(async {
        let c = calls();
        let suppressed = ExitStack::scope(|st| {
            let c = c.clone();
            async move {
                st.enter_context(Probe::new("p", &c).exiting(Ok(true)))
                    .await?;
                Err::<(), _>(value_error("body"))
            }
        })
        .await?;
        assert_eq!(suppressed, None);
        // With Cancelled in flight the same exit changes nothing.
        let s = CancelScope::move_on_after(Duration::from_millis(1));
        let c2 = c.clone();
        s.run(ExitStack::scope(|st| async move {
            st.enter_context(Probe::new("q", &c2).exiting(Ok(true)))
                .await?;
            sleep_ms(10).await
        }))
        .await?;
        assert!(s.cancelled_caught(), "Cancelled reached the scope");
        let seen = c.borrow().clone();
        assert_eq!(
            seen,
            [
                "enter p",
                "exit p saw ValueError:body",
                "enter q",
                "exit q saw Cancelled"
            ]
        );
        Ok(())
    });
    r.unwrap();
}

#[test]
fn exit_stack_enter_context_failure_pushes_nothing() {
    let (r, _) = traced(async {
        let c = calls();
        let st = ExitStack::new();
        let r = st
            .enter_context(Probe::new("p", &c).failing_enter(value_error("e")))
            .await;
        assert_kind(r, ErrorKind::User);
        assert!(st.is_empty());
        Ok(())
    });
    r.unwrap();
}

/// Close `st` while a task enters `cm` on it (the enter blocks 5 ms); the task's outcome.
async fn close_while_entering(cm: Member) -> Result<Error> {
    let st = ExitStack::new();
    let st2 = st.clone();
    let t = spawn_named("E", async move { st2.enter_context(cm).await })?;
    sleep_ms(1).await?;
    st.close(Ok(())).await?;
    let e = t.await.unwrap_err();
    assert!(st.is_empty(), "nothing is pushed onto the closed stack");
    Ok(e)
}

#[test]
fn exit_stack_closed_while_enter_context_blocks_exits_the_manager_at_once() {
    // The manager entered after the stack closed: it is exited at once, as managed cleanup,
    // with the InvalidState in flight (its suppression flag is ignored), and enter_context
    // raises that InvalidState.
    let (r, trace) = traced(close_while_entering(Member {
        enter_ms: 5,
        ..member("m", 5)
    }));
    let e = r.unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    assert!(trace.contains("5 E log m exit saw InvalidState"), "{trace}");
    assert!(trace.contains("5 E fail InvalidState"), "{trace}");
}

#[test]
fn exit_stack_closed_while_enter_context_blocks_the_exit_error_wins() {
    let (r, _) = traced(close_while_entering(Member {
        exit_fails: true,
        ..member("m", 5)
    }));
    let e = r.unwrap();
    assert_eq!(
        e.to_string(),
        "ValueError:xm <- InvalidState:ExitStack::enter_context: the exit stack is already closed"
    );
    assert_eq!(e.context().unwrap().kind(), ErrorKind::InvalidState);
}

#[test]
fn exit_stack_closed_while_enter_context_blocks_the_exit_gets_the_stack_grace() {
    // R66: the nearest ExitStack/group setting - the stack's 2 ms, not the unlimited group's.
    let (r, trace) = traced(async {
        let st = ExitStack::new();
        st.set_cleanup_timeout(Some(Duration::from_millis(2)))?;
        let st2 = st.clone();
        let mut slow = member("m", 5);
        slow.exit_ms = 10;
        let t = spawn_named("E", async move { st2.enter_context(slow).await })?;
        sleep_ms(1).await?;
        st.close(Ok(())).await?;
        let e = t.await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
        Ok(())
    });
    r.unwrap();
    assert!(trace.contains("7 E fail InvalidState"), "{trace}");
    assert!(trace.contains("7 root handler E CleanupTimeout"), "{trace}");
}

#[test]
fn exit_stack_callback_error_beats_cancelled_which_stays_pending() {
    let (r, trace) = traced(async {
        let t = spawn_named("T", async {
            let r = ExitStack::scope(|st| async move {
                st.push_callback(|| Err(value_error("cleanup")))?;
                sleep_ms(100).await
            })
            .await;
            log(&format!("stack gave {}", r.unwrap_err()))?;
            sleep_ms(1).await // the cancellation is redelivered here (R24)
        })?;
        sleep_ms(5).await?;
        t.cancel()?;
        let r = t.await;
        log(&format!("join {}", r.unwrap_err()))
    });
    r.unwrap();
    assert!(
        trace.contains("5 T log stack gave ValueError:cleanup\n5 T cancelled\n"),
        "{trace}"
    );
}

// ---- defer / adefer ---------------------------------------------------------------------------

#[test]
fn defer_guards_run_on_drop_in_reverse_order_unless_dismissed() {
    let order = calls();
    {
        let o = order.clone();
        let _first = defer(move || o.borrow_mut().push("first".into()));
        let o = order.clone();
        let dismissed = defer(move || o.borrow_mut().push("dismissed".into()));
        let o = order.clone();
        let _second = defer(move || o.borrow_mut().push("second".into()));
        dismissed.dismiss();
    }
    assert_eq!(*order.borrow(), ["second", "first"]);
}

#[test]
fn adefer_runs_every_deferred_call_and_the_last_error_wins() {
    let (r, trace) = traced(async {
        adefer(|d| async move {
            d.defer(|| {
                log("deferred 1")?;
                Err(value_error("d1"))
            })?;
            d.defer_async(async {
                log("deferred 2")?;
                Err(value_error("d2"))
            })?;
            Ok(5)
        })
        .await
    });
    assert_eq!(r.unwrap_err().to_string(), "ValueError:d1 <- ValueError:d2");
    assert!(
        trace.contains("0 main log deferred 2\n0 main log deferred 1\n"),
        "{trace}"
    );
}

#[test]
fn adefer_returns_the_body_value_and_refuses_a_registrar_kept_past_the_body() {
    let (r, _) = traced(async {
        let kept = Rc::new(RefCell::new(None));
        let k = kept.clone();
        let v = adefer(|d| async move {
            *k.borrow_mut() = Some(d);
            Ok(5)
        })
        .await?;
        let d = kept.borrow_mut().take().unwrap();
        assert_kind(d.defer(|| Ok(())), ErrorKind::InvalidState);
        Ok(v)
    });
    assert_eq!(r.unwrap(), 5);
}

// ---- actxgroup ----------------------------------------------------------------------------

/// A manager for the group tests: enter sleeps `enter_ms` then gives `name` or fails; exit
/// logs and fails when asked.
struct Member {
    name: &'static str,
    enter_ms: i64,
    enter_fails: bool,
    exit_fails: bool,
    exit_ms: i64,
}

fn member(name: &'static str, enter_ms: i64) -> Member {
    Member {
        name,
        enter_ms,
        enter_fails: false,
        exit_fails: false,
        exit_ms: 0,
    }
}

impl AsyncContextManager for Member {
    type Value = &'static str;
    async fn enter(&mut self) -> Result<&'static str> {
        sleep_ms(self.enter_ms).await?;
        if self.enter_fails {
            return Err(value_error(self.name));
        }
        Ok(self.name)
    }
    async fn exit(self, error: Option<&Error>) -> Result<bool> {
        let seen = error.map_or("none".into(), |e| e.to_string());
        log(&format!("{} exit saw {seen}", self.name))?;
        if self.exit_ms > 0 {
            sleep_ms(self.exit_ms).await?;
        }
        if self.exit_fails {
            return Err(value_error(&format!("x{}", self.name)));
        }
        Ok(true) // a suppression flag: ignored by the group
    }
}

#[test]
fn actxgroup_default_task_names_and_values_in_input_order() {
    let (r, trace) = traced(async {
        let g = actxgroup([member("a", 2), member("b", 1)]);
        g.run(|values| async move {
            let values = values.into_iter().collect::<Result<Vec<_>>>()?;
            Ok(values.join(","))
        })
        .await
    });
    assert_eq!(r.unwrap(), "a,b");
    assert!(
        trace.contains("1 enter2 done b\n2 enter1 done a\n"),
        "{trace}"
    );
    assert!(
        trace.contains("2 exit1 log a exit saw none\n2 exit1 done\n2 exit2 log b exit saw none\n2 exit2 done\n"),
        "{trace}"
    );
}

#[test]
fn actxgroup_return_exceptions_runs_the_body_and_exits_only_the_entered() {
    let (r, trace) = traced(async {
        let mut bad = member("b", 1);
        bad.enter_fails = true;
        let g = actxgroup([member("a", 2), bad]).names("e", "x");
        let shown = g
            .run_return_exceptions(|values| async move {
                let v: Vec<String> = values
                    .iter()
                    .map(|v| match v {
                        Ok(s) => s.to_string(),
                        Err(e) => e.to_string(),
                    })
                    .collect();
                Ok(v.join(","))
            })
            .await?;
        assert_eq!(g.exit_states().len(), 2);
        assert!(g.exit_states().iter().all(Option::is_none));
        Ok(shown)
    });
    assert_eq!(r.unwrap(), "a,ValueError:b");
    assert!(trace.contains("2 x1 log a exit saw none\n"), "{trace}");
    assert!(
        !trace.contains("x2"),
        "a failed enter is never exited: {trace}"
    );
}

#[test]
fn actxgroup_failing_exit_with_a_failing_body_has_the_body_error_as_context() {
    let (r, _) = traced(async {
        let mut bad = member("b", 0);
        bad.exit_fails = true;
        let g = actxgroup([member("a", 0), bad]);
        let r = g.run(|_| async { Err::<(), _>(value_error("body")) }).await;
        let states: Vec<String> = g
            .exit_states()
            .iter()
            .map(|s| s.as_ref().map_or("none".into(), |e| e.to_string()))
            .collect();
        assert_eq!(states, ["none", "ValueError:xb"]);
        r
    });
    let e = r.unwrap_err();
    assert!(e.is_group());
    assert_eq!(e.group_errors()[0].to_string(), "ValueError:xb");
    assert_eq!(e.context().unwrap().to_string(), "ValueError:body");
}

#[test]
fn actxgroup_strict_enter_failure_exits_the_entered_with_the_enter_group_in_flight() {
    let (r, trace) = traced(async {
        let mut bad = member("b", 1);
        bad.enter_fails = true;
        let mut entered = member("a", 0);
        entered.exit_fails = true;
        let g = actxgroup([entered, bad, member("c", 5)]);
        let r = g.run(|_| async { log("unreachable") }).await;
        assert_eq!(
            g.exit_states()[0].as_ref().unwrap().to_string(),
            "ValueError:xa"
        );
        r
    });
    let e = r.unwrap_err();
    // The newer error (the exit failures) wins; the enter failures are its context.
    assert_eq!(
        e.to_string(),
        "ErrorGroup:[ValueError:xa] <- ErrorGroup:[ValueError:b]"
    );
    assert!(trace.contains("1 enter3 cancelled\n"), "{trace}");
    assert!(
        trace.contains("1 exit1 log a exit saw ErrorGroup:[ValueError:b]\n"),
        "{trace}"
    );
    assert!(
        !trace.contains("unreachable"),
        "the body is skipped: {trace}"
    );
}

#[test]
fn actxgroup_exit_cut_short_by_the_grace_is_recorded_as_task_cancelled_not_raised() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        g.set_cleanup_timeout(Some(Duration::from_millis(3)))?;
        let t = g.spawn("T", async {
            let mut quick = member("q", 0);
            quick.exit_ms = 1;
            let mut slow = member("s", 0);
            slow.exit_ms = 50;
            let cg = actxgroup([quick, slow]);
            cg.run(|_| async { Ok(()) }).await?; // the cut exit is not raised
            let states: Vec<String> = cg
                .exit_states()
                .iter()
                .map(|s| s.as_ref().map_or("none".into(), |e| e.to_string()))
                .collect();
            log(&states.join(","))
        })?;
        t.await
    });
    r.unwrap();
    assert!(trace.contains("3 exit2 cancelled\n"), "{trace}");
    assert!(trace.contains("3 T log none,TaskCancelled\n"), "{trace}");
    assert!(
        trace.contains("3 root handler T CleanupTimeout\n"),
        "{trace}"
    );
}

#[test]
fn actxgroup_caller_cancelled_while_entering_exits_the_entered_ones() {
    let (r, trace) = traced(async {
        let t = spawn_named("T", async {
            let g = actxgroup([member("a", 1), member("b", 50)]);
            g.run(|_| async { log("unreachable") }).await
        })?;
        sleep_ms(5).await?;
        t.cancel()?;
        let r = t.await;
        log(&format!("join {}", r.unwrap_err()))
    });
    r.unwrap();
    assert!(
        trace.contains(
            "5 enter2 cancelled\n5 exit1 log a exit saw Cancelled\n5 exit1 done\n5 T cancelled\n"
        ),
        "{trace}"
    );
}

/// A manager whose exit fails with a TaskCancelled error of its own: it joins a task it
/// cancelled and returns the join's error.
struct JoinsCancelled;

impl AsyncContextManager for JoinsCancelled {
    type Value = ();
    async fn enter(&mut self) -> Result<()> {
        Ok(())
    }
    async fn exit(self, _error: Option<&Error>) -> Result<bool> {
        let victim = spawn_named("victim", sleep_ms(100))?;
        victim.cancel()?;
        victim.await?; // TaskCancelled: this exit FAILED with it
        Ok(false)
    }
}

#[test]
fn actxgroup_exit_failing_with_a_task_cancelled_error_is_raised() {
    // The exit task FAILED (whatever its error's kind): raised, not taken for a grace cut.
    let (r, trace) = traced(async {
        let g = actxgroup([JoinsCancelled]);
        let r = g.run(|_| async { Ok(()) }).await;
        let states: Vec<String> = g
            .exit_states()
            .iter()
            .map(|s| s.as_ref().map_or("none".into(), |e| e.to_string()))
            .collect();
        log(&states.join(","))?;
        r
    });
    let e = r.unwrap_err();
    assert_eq!(e.to_string(), "ErrorGroup:[TaskCancelled]", "{trace}");
    assert!(trace.contains("0 exit1 fail TaskCancelled\n"), "{trace}");
    assert!(trace.contains("0 main log TaskCancelled\n"), "{trace}");
}

/// A manager whose enter cancels its own task and reaches a checkpoint (when `cancels`).
struct SelfCancels {
    name: &'static str,
    cancels: bool,
}

impl AsyncContextManager for SelfCancels {
    type Value = &'static str;
    async fn enter(&mut self) -> Result<&'static str> {
        if self.cancels {
            current().unwrap().cancel()?;
            checkpoint().await?;
        }
        Ok(self.name)
    }
    async fn exit(self, error: Option<&Error>) -> Result<bool> {
        let seen = error.map_or("none".into(), |e| e.to_string());
        log(&format!("{} exit saw {seen}", self.name))?;
        Ok(false)
    }
}

#[test]
fn actxgroup_strict_cancelled_enter_is_no_failure_the_body_runs() {
    // R69: a CANCELLED enter neither aborts the strict group nor is an enter error; its
    // value is TaskCancelled and it is not exited (it did not enter).
    let (r, trace) = traced(async {
        let g = actxgroup([
            SelfCancels {
                name: "a",
                cancels: true,
            },
            SelfCancels {
                name: "b",
                cancels: false,
            },
        ]);
        g.run(|values| async move {
            let shown: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Ok(s) => s.to_string(),
                    Err(e) => e.to_string(),
                })
                .collect();
            log(&format!("body {}", shown.join(",")))?;
            Ok(values.len())
        })
        .await
    });
    assert_eq!(r.unwrap(), 2, "{trace}");
    assert!(trace.contains("0 enter1 cancelled\n"), "{trace}");
    assert!(
        trace.contains("0 main log body TaskCancelled,b\n"),
        "{trace}"
    );
    assert!(trace.contains("0 exit2 log b exit saw none\n"), "{trace}");
    assert!(
        !trace.contains("exit1"),
        "a cancelled enter is not exited: {trace}"
    );
}

#[test]
fn actxgroup_strict_failure_leaves_cancelled_enters_out_of_the_error_group() {
    let (r, _) = traced(async {
        let mut bad = member("b", 1);
        bad.enter_fails = true;
        let g = actxgroup([member("a", 5), bad, member("c", 5)]);
        g.run(|_| async { log("unreachable") }).await
    });
    assert_eq!(r.unwrap_err().to_string(), "ErrorGroup:[ValueError:b]");
}

#[test]
fn actxgroup_runs_once_and_accepts_an_empty_list() {
    let (r, _) = traced(async {
        let g = actxgroup(Vec::<Member>::new());
        let n = g.run(|values| async move { Ok(values.len()) }).await?;
        assert_kind(g.run(|_| async { Ok(0) }).await, ErrorKind::InvalidState);
        Ok(n)
    });
    assert_eq!(r.unwrap(), 0);
}

// ---- closing_async ----------------------------------------------------------------------------

struct Conn {
    closes: Cell<u32>,
    fail: bool,
}

impl AsyncClose for Conn {
    async fn aclose(&self) -> Result<()> {
        sleep_ms(1).await?;
        self.closes.set(self.closes.get() + 1);
        if self.fail {
            return Err(value_error("close"));
        }
        Ok(())
    }
}

#[test]
fn closing_async_closes_on_success_and_on_error() {
    let (r, _) = traced(async {
        let conn = Rc::new(Conn {
            closes: Cell::new(0),
            fail: false,
        });
        with(closing_async(conn.clone()), |c| async move {
            assert_eq!(c.closes.get(), 0);
            Ok(())
        })
        .await?;
        let r = with(closing_async(conn.clone()), |_| async {
            Err::<(), _>(value_error("body"))
        })
        .await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "ValueError:body",
            "never suppresses"
        );
        Ok(conn.closes.get())
    });
    assert_eq!(r.unwrap(), 2);
}

#[test]
fn closing_async_close_error_propagates() {
    let (r, _) = traced(async {
        let conn = Rc::new(Conn {
            closes: Cell::new(0),
            fail: true,
        });
        with(closing_async(conn), |_| async { Ok(()) }).await
    });
    assert_eq!(r.unwrap_err().to_string(), "ValueError:close");
}

// ---- the example ------------------------------------------------------------------------------

#[test]
fn resource_pool_example_closes_every_member_on_cancellation_in_reverse_order() {
    let (r, trace) = traced(resource_pool::run_pool(3));
    let (closed, outcome) = r.unwrap();
    assert_eq!(closed, [3, 2, 1]);
    assert_kind(outcome, ErrorKind::TaskCancelled);
    // Each close awaits 2 ms although the pool task is cancelled (R66).
    assert!(
        trace.contains("14 pool log conn3 closed\n16 pool log conn2 closed\n18 pool log conn1 closed\n18 pool cancelled\n"),
        "{trace}"
    );
}
