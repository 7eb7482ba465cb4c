//! The group presets: TaskGroup + current_taskgroup, trio nursery, Supervisor,
//! PersistentTaskGroup and TaskNursery, with bad input.
mod common;
use common::*;
use corral::*;
use std::cell::RefCell;
use std::rc::Rc;

// ---- TaskGroup ----------------------------------------------------------------------------------

#[test]
fn current_taskgroup_is_the_entered_group_and_what_its_members_see() {
    let (r, _) = traced(async {
        assert!(
            current_taskgroup().is_none(),
            "main is a member of the root group"
        );
        task_group(|tg| async move {
            let cur = current_taskgroup().expect("inside the body");
            assert!(cur.ptr_eq(&tg));
            let tg2 = tg.clone();
            let member = tg.spawn("A", async move {
                let seen = current_taskgroup().expect("a member sees its group");
                assert!(seen.ptr_eq(&tg2));
                // Spawning into it from a member works while the exit waits.
                seen.spawn("B", checkpoint())?;
                Ok::<_, Error>(())
            })?;
            member.await
        })
        .await?;
        assert!(current_taskgroup().is_none(), "left");
        Ok::<_, Error>(())
    });
    r.unwrap();
}

#[test]
fn spawning_into_a_task_group_after_its_exit_is_group_closed() {
    let (r, _) = traced(async {
        let kept = task_group(|tg| async move { Ok(tg) }).await?;
        assert_kind(kept.spawn("late", checkpoint()), ErrorKind::GroupClosed);
        assert_eq!(kept.size(), 0);
        Ok::<_, Error>(())
    });
    r.unwrap();
}

// ---- trio nursery ---------------------------------------------------------------------------------

#[test]
fn a_nursery_cancel_scope_cancels_body_and_members_and_the_exit_absorbs_it() {
    let (r, trace) = traced(async {
        let kept = Rc::new(RefCell::new(None));
        let k2 = kept.clone();
        let out = open_nursery(|n| async move {
            *k2.borrow_mut() = Some(n.clone());
            n.start_soon("A", logs_cancel(100, "A"))?;
            sleep_ms(3).await?;
            assert!(n.cancel_scope().cancel());
            assert!(!n.cancel_scope().cancel(), "sticky");
            // Spawning stays allowed; the task is cancelled at its first checkpoint.
            n.start_soon("C", logs_cancel(100, "C"))?;
            sleep_ms(50).await?;
            Ok(1)
        })
        .await?;
        assert_eq!(out, None, "the body was cut short");
        let n = kept.borrow_mut().take().unwrap();
        let s = n.cancel_scope();
        assert!(s.cancelled_caught() && s.cancel_called());
        assert_eq!(s.cause(), Cause::Explicit);
        assert_kind(n.start_soon("late", checkpoint()), ErrorKind::GroupClosed);
        Ok::<_, Error>(())
    });
    r.unwrap();
    assert!(
        trace.contains("3 A log A cancelled\n3 A cancelled\n3 C log C cancelled\n3 C cancelled\n"),
        "{trace}"
    );
}

#[test]
fn a_failed_nursery_member_cancels_the_rest_and_raises_an_error_group() {
    let (r, trace) = traced(async {
        let r = open_nursery(|n| async move {
            n.start_soon("A", fails_after(2, "a"))?;
            n.start_soon("B", logs_cancel(100, "B"))?;
            sleep_ms(10).await
        })
        .await;
        let eg = r.unwrap_err();
        assert!(eg.is_group());
        assert_eq!(eg.to_string(), "ErrorGroup:[ValueError:a]");
        unhandled_count()
    });
    assert_eq!(
        r.unwrap(),
        0,
        "the error went to the exit, not to a handler"
    );
    assert!(
        trace.contains("2 A fail ValueError:a\n2 B log B cancelled\n"),
        "{trace}"
    );
}

#[test]
fn a_nursery_deadline_set_through_its_cancel_scope_cuts_the_body() {
    let (r, _) = traced(async {
        let out = open_nursery(|n| async move {
            n.cancel_scope()
                .set_deadline(Some(now()? + std::time::Duration::from_millis(4)))?;
            assert!(n.cancel_scope().deadline().is_some());
            sleep_ms(10).await?;
            Ok(())
        })
        .await?;
        assert_eq!(out, None);
        Ok::<_, Error>(now()?.as_millis())
    });
    assert_eq!(r.unwrap(), 4);
}

// ---- Supervisor -------------------------------------------------------------------------------------

#[test]
fn a_supervisor_member_failure_goes_to_the_handler_and_siblings_go_on() {
    let (r, trace) = traced(async {
        let v = supervisor(|sv| async move {
            sv.spawn("A", fails_after(1, "a"))?;
            let b = sv.spawn("B", value_after(5, "b"))?;
            b.await
        })
        .await?;
        log(&format!("got {v}"))?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(
        trace.contains("1 root handler A ValueError:a\n5 B done b\n5 main log got b\n"),
        "{trace}"
    );
}

#[test]
fn a_supervisor_exception_cb_gets_failures_and_its_own_errors_go_on() {
    let (r, trace) = traced(async {
        supervisor(|sv| async move {
            sv.set_exception_cb(|e, t| {
                log_as("sv.cb", &format!("{} {e}", t.unwrap().name()))?;
                Err(Error::user("RuntimeError", "again"))
            })?;
            sv.spawn("A", fails_after(1, "a"))?;
            Ok(())
        })
        .await?;
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(
        trace.contains(
            "1 sv.cb log A ValueError:a\n1 root handler A RuntimeError:again <- ValueError:a\n"
        ),
        "{trace}"
    );
}

#[test]
fn a_supervisor_body_error_cancels_members_and_propagates_itself() {
    let (r, trace) = traced(async {
        let r = supervisor(|sv| async move {
            sv.spawn("C", logs_cancel(100, "C"))?;
            sleep_ms(1).await?;
            Err::<(), _>(Error::user("ValueError", "body"))
        })
        .await;
        let e = r.unwrap_err();
        assert!(!e.is_group(), "SUPERVISE raises the body error as itself");
        log(&format!("{e}"))
    });
    r.unwrap();
    assert!(
        trace.contains("1 C log C cancelled\n1 C cancelled\n1 main log ValueError:body\n"),
        "{trace}"
    );
}

// ---- PersistentTaskGroup -----------------------------------------------------------------------------

fn live() -> Vec<String> {
    all_persistent_groups().iter().map(|g| g.name()).collect()
}

#[test]
fn persistent_groups_are_listed_while_live_and_shutdown_closes_them() {
    let (r, trace) = traced(async {
        assert!(live().is_empty());
        let p = PersistentTaskGroup::new("P")?;
        let q = PersistentTaskGroup::new("Q")?;
        let temp = PersistentTaskGroup::unnamed()?;
        assert_eq!(live(), ["P", "Q", ""]);
        drop(temp); // no handle left: no longer listed
        assert_eq!(live(), ["P", "Q"]);
        p.spawn("W", logs_cancel(100, "W"))?;
        sleep_ms(2).await?;
        p.shutdown().await?;
        assert!(p.is_closed());
        assert_eq!(live(), ["Q"]);
        assert_kind(p.spawn("late", checkpoint()), ErrorKind::GroupClosed);
        q.shutdown().await?;
        p.shutdown().await // idempotent
    });
    r.unwrap();
    assert!(
        trace.contains("2 P CLOSING\n2 W log W cancelled\n2 W cancelled\n2 P CLOSED\n"),
        "{trace}"
    );
}

#[test]
fn an_entered_persistent_group_joins_its_members_and_is_listed_meanwhile() {
    let (r, trace) = traced(async {
        persistent_task_group("E", |pg| async move {
            assert_eq!(live(), ["E"]);
            pg.spawn("A", value_after(3, 1))?;
            pg.spawn("B", fails_after(1, "b"))?;
            Ok(())
        })
        .await?;
        assert!(live().is_empty(), "CLOSED after the exit");
        log("after")
    });
    r.unwrap();
    assert!(trace.contains("1 root handler B ValueError:b\n3 A done 1\n3 E CLOSING\n3 E CLOSED\n3 main log after\n"), "{trace}");
}

/// W1 ends at its cancellation; W2 needs 2 ms of shielded cleanup.
async fn slow_cleanup(tag: &'static str) -> Result<()> {
    if let Err(e) = sleep_ms(100).await {
        shield(async { sleep_ms(2).await }).await?;
        log(&format!("{tag} cleanup"))?;
        return Err(e);
    }
    Ok(())
}

#[test]
fn shutdown_of_an_entered_persistent_group_cancels_and_joins_the_members_and_keeps_it_open() {
    // Decision (1) of the differential test g05: as aiotools / the Python binding.
    let (r, trace) = traced(async {
        let out = persistent_task_group("P", |pg| async move {
            pg.spawn("W1", logs_cancel(100, "W1"))?;
            pg.spawn("W2", slow_cleanup("W2"))?;
            sleep_ms(5).await?;
            log("shutdown")?;
            pg.shutdown().await?;
            log("shutdown returned")?;
            assert!(pg.is_open(), "the entered group stays open until its exit");
            assert_eq!(pg.size(), 0);
            assert_eq!(live(), ["P"]);
            pg.spawn("X", async { log("X ran") })?;
            // X has not run yet: cancelled before its first step, it still runs to its first
            // checkpoint (it has none) and completes.
            pg.shutdown().await?;
            pg.spawn("Y", value_after(1, 7))?;
            log("body end")?;
            Ok(5)
        })
        .await?;
        assert_eq!(out, Some(5));
        log("after")
    });
    r.unwrap();
    let want = "5 main log shutdown\n\
                5 W1 log W1 cancelled\n5 W1 cancelled\n\
                7 W2 log W2 cleanup\n7 W2 cancelled\n\
                7 main log shutdown returned\n\
                7 X log X ran\n7 X done\n\
                7 main log body end\n\
                8 Y done 7\n8 P CLOSING\n8 P CLOSED\n8 main log after\n";
    assert!(trace.contains(want), "{trace}");
}

#[test]
fn a_caller_cancelled_during_an_entered_shutdown_gets_cancelled_and_the_members_stay_cancelled() {
    let (r, trace) = traced(async {
        let out = persistent_task_group("P", |pg| async move {
            pg.spawn("W", slow_cleanup("W"))?;
            sleep_ms(1).await?;
            let s = CancelScope::fail_after(std::time::Duration::from_millis(1));
            let r = s.run(pg.shutdown()).await;
            log(&format!("shutdown: {r:?} caught={}", s.cancelled_caught()))?;
            assert!(pg.is_open());
            Ok(1)
        })
        .await?;
        log(&format!("exit: {out:?}"))
    });
    r.unwrap();
    assert!(
        trace.contains("2 main log shutdown: Err(corral::Error(Timeout)) caught=true\n3 W log W cleanup\n3 W cancelled\n3 P CLOSING\n3 P CLOSED\n3 main log exit: Some(1)\n"),
        "{trace}"
    );
}

#[test]
fn a_member_shutting_down_its_entered_persistent_group_is_cancelled_too() {
    let (r, trace) = traced(async {
        let out = persistent_task_group("P", |pg| async move {
            pg.spawn("W", logs_cancel(100, "W"))?;
            let pg2 = pg.clone();
            pg.spawn("M", async move {
                sleep_ms(1).await?;
                let r = pg2.shutdown().await;
                log(&format!("M shutdown: {r:?}"))?;
                r
            })?;
            sleep_ms(2).await?;
            Ok(pg.size())
        })
        .await?;
        log(&format!("exit: {out:?}"))?;
        let out = persistent_task_group("Q", |pg| async move {
            pg.spawn("V", logs_cancel(100, "V"))?;
            let pg2 = pg.clone();
            pg.spawn("S", async move {
                sleep_ms(1).await?;
                // Shielded: its own cancellation stays pending; the others are joined.
                let r = shield(pg2.shutdown()).await;
                log(&format!("S shutdown: {r:?}"))?;
                checkpoint().await
            })?;
            sleep_ms(2).await?;
            Ok(pg.size())
        })
        .await?;
        log(&format!("exit: {out:?}"))
    });
    r.unwrap();
    assert!(
        trace.contains(
            "1 M log M shutdown: Err(corral::Error(Cancelled))\n1 M cancelled\n\
             1 W log W cancelled\n1 W cancelled\n"
        ),
        "{trace}"
    );
    assert!(trace.contains("2 main log exit: Some(0)\n"), "{trace}");
    assert!(
        trace.contains(
            "3 V log V cancelled\n3 V cancelled\n3 S log S shutdown: Ok(())\n3 S cancelled\n"
        ),
        "{trace}"
    );
    assert!(trace.contains("4 main log exit: Some(0)\n"), "{trace}");
}

#[test]
fn an_entered_persistent_group_whose_own_scope_cancelled_the_body_gives_ok() {
    // R28/R49: the exit absorbs a cancellation its scope owns, as open_nursery's Ok(None).
    let (r, trace) = traced(async {
        let out = persistent_task_group("P", |pg| async move {
            pg.spawn("W", logs_cancel(100, "W"))?;
            sleep_ms(1).await?;
            pg.async_group().cancel_scope().cancel();
            sleep_ms(1).await?;
            log("not reached")?;
            Ok(1)
        })
        .await;
        log(&format!("first: {out:?}"))?;
        // close(cancel) + wait_closed from the body: an unshielded self-wait (R17).
        let out = persistent_task_group("Q", |pg| async move {
            pg.async_close().await?;
            log("not reached")?;
            Ok(2)
        })
        .await;
        log(&format!("second: {out:?}"))
    });
    r.unwrap();
    assert!(
        trace.contains("1 W log W cancelled\n1 W cancelled\n1 P CLOSING\n1 P CLOSED\n1 main log first: Ok(None)\n"),
        "{trace}"
    );
    assert!(trace.contains("1 main log second: Ok(None)\n"), "{trace}");
    assert!(!trace.contains("not reached"), "{trace}");
}

// ---- TaskNursery --------------------------------------------------------------------------------------

#[test]
fn a_task_nursery_sentinel_runs_every_exit_callback_lifo_and_the_last_error_wins() {
    let (r, trace) = traced(async {
        let n = TaskNursery::new("N")?;
        assert_eq!(n.sentinel().name(), "N.sentinel");
        n.push_callback(|| log("first pushed"))?;
        n.push_callback(|| Err(Error::user("ValueError", "early")))?;
        n.push_async_callback(|| async {
            sleep_ms(1).await?;
            log("async")?;
            Err(Error::user("ValueError", "late"))
        })?;
        n.push_callback(|| log("last pushed"))?;
        n.create_task("T", logs_cancel(100, "T"))?;
        sleep_ms(2).await?;
        n.aclose().await?;
        let sentinel = n.sentinel().clone();
        assert!(sentinel.is_done());
        Ok::<_, Error>(())
    });
    // The sentinel failed with the last error: escalation cancels main (after its close).
    let _ = r;
    assert!(
        trace.contains(
            "2 N CLOSING\n2 N.sentinel log last pushed\n2 T log T cancelled\n2 T cancelled\n\
             3 N.sentinel log async\n3 N.sentinel log first pushed\n3 N.sentinel fail ValueError:early\n"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("3 N handler N.sentinel ValueError:early\n"),
        "{trace}"
    );
}

#[test]
fn a_task_nursery_is_registered_by_name() {
    let (r, _) = traced(async {
        let a = TaskNursery::new("A")?;
        let other = TaskNursery::unnamed()?;
        assert_eq!(other.name(), "TaskNursery-1");
        let reg = TaskNursery::registry();
        assert!(reg["A"].ptr_eq(&a));
        assert!(TaskNursery::get("TaskNursery-1").unwrap().ptr_eq(&other));
        drop((other, reg));
        assert!(
            TaskNursery::get("TaskNursery-1").is_none(),
            "no handle left"
        );
        a.aclose().await
    });
    r.unwrap();
}

#[test]
fn a_closed_task_nursery_refuses_tasks_and_callbacks() {
    let (r, _) = traced(async {
        let n = TaskNursery::new("N")?;
        n.aclose().await?;
        assert_kind(n.create_task("T", checkpoint()), ErrorKind::GroupClosed);
        assert_kind(n.push_callback(|| Ok(())), ErrorKind::GroupClosed);
        assert_kind(
            n.push_async_callback(|| async { Ok(()) }),
            ErrorKind::GroupClosed,
        );
        assert!(n.is_closed());
        Ok::<_, Error>(())
    });
    r.unwrap();
}

#[test]
fn a_failed_task_nursery_member_shuts_the_run_down() {
    let (r, trace) = traced(async {
        let n = TaskNursery::new("N")?;
        n.create_task("T", fails_after(5, "t"))?;
        n.push_callback(|| log("cleanup ran"))?;
        sleep_ms(100).await?;
        log("unreachable")
    });
    assert!(r.unwrap_err().is_cancelled());
    assert!(
        trace.contains("5 T fail ValueError:t\n5 N handler T ValueError:t\n5 main cancelled\n"),
        "{trace}"
    );
    assert!(
        trace.contains("5 N.sentinel log cleanup ran\n"),
        "the run's end closes the nursery: {trace}"
    );
    assert!(
        trace.contains("rt run Cancelled(SHUTDOWN)"),
        "cause SHUTDOWN (R52): {trace}"
    );
    assert!(!trace.contains("unreachable"), "{trace}");
}
