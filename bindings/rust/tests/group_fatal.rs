//! R58: panics as fatal errors (`RuntimeBuilder::fatal_panics`).
mod common;
use common::*;
use corral::*;
use std::panic::{self, AssertUnwindSafe};

fn fatal() -> RuntimeBuilder {
    Runtime::builder().fatal_panics(true)
}

fn payload(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn a_fatal_panic_in_a_free_group_closes_it_cancels_main_and_is_resumed_after_the_run() {
    let path = std::env::temp_dir().join(format!("corral-rs-fatal-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let rt = fatal()
        .virtual_clock()
        .trace_fd(std::os::fd::AsRawFd::as_raw_fd(&file))
        .build()
        .unwrap();
    let r = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let g = Group::builder()
                .name("G")
                .exception_cb(|_, _| log_as("G.cb", "never for a fatal error"))
                .build()?;
            g.spawn("P", async {
                sleep_ms(5).await?;
                panic!("boom");
                #[allow(unreachable_code)]
                Ok::<(), Error>(())
            })?;
            g.spawn("S", logs_cancel(100, "S"))?;
            logs_cancel(100, "main").await
        })
    }));
    assert_eq!(
        payload(r.expect_err("block_on resumes the fatal panic")),
        "boom"
    );
    drop(rt);
    let trace = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        trace.contains(
            "5 P fail Panic:boom\n5 G CLOSING\n5 S log S cancelled\n5 S cancelled\n5 G CLOSED\n\
             5 main log main cancelled\n"
        ),
        "{trace}"
    );
    assert!(
        !trace.contains("handler"),
        "handlers never see a fatal error: {trace}"
    );
    assert!(trace.contains("rt run Panic:boom"), "{trace}");
}

#[test]
fn a_fatal_panic_in_a_task_group_is_raised_by_its_exit_as_itself() {
    let (r, trace) = traced_with(fatal(), async {
        let r = task_group(|tg| async move {
            tg.spawn("P", async {
                sleep_ms(1).await?;
                panic!("fatal in group");
                #[allow(unreachable_code)]
                Ok::<(), Error>(())
            })?;
            // F fails while being cancelled: an ordinary error recorded during unwinding.
            tg.spawn("F", async {
                let _ = sleep_ms(100).await;
                Err::<(), _>(Error::user("ValueError", "f"))
            })?;
            sleep_ms(10).await
        })
        .await;
        let e = r.unwrap_err();
        // The ErrorGroup the failure of F would give loses to the fatal error (R58).
        assert!(!e.is_group() && e.is_fatal(), "{e}");
        assert_eq!(e.to_string(), "Panic:fatal in group");
        log("handled")
    });
    // main handled the error: the run does not end with it.
    r.unwrap();
    assert!(
        trace.contains("1 P fail Panic:fatal in group\n1 F fail ValueError:f\n"),
        "{trace}"
    );
    assert!(trace.contains("main log handled"), "{trace}");
}

#[test]
fn a_fatal_panic_in_a_supervisor_cancels_its_siblings() {
    let (r, trace) = traced_with(fatal(), async {
        let r = supervisor(|sv| async move {
            sv.spawn("S", logs_cancel(100, "S"))?;
            sv.spawn("P", async {
                sleep_ms(2).await?;
                panic!("p");
                #[allow(unreachable_code)]
                Ok::<(), Error>(())
            })?;
            sleep_ms(1).await
        })
        .await;
        Ok::<_, Error>(r.unwrap_err().is_fatal())
    });
    assert!(r.unwrap());
    assert!(
        trace.contains("2 P fail Panic:p\n2 S log S cancelled\n"),
        "{trace}"
    );
}

#[test]
fn without_fatal_panics_a_panic_fails_only_its_task() {
    let (r, trace) = traced(async {
        let g = Group::new("G")?;
        let _p = g.spawn("P", async {
            sleep_ms(1).await?;
            panic!("local");
            #[allow(unreachable_code)]
            Ok::<(), Error>(())
        })?;
        sleep_ms(2).await?;
        assert!(g.is_open(), "an ordinary panic closes nothing");
        unhandled_count()
    });
    assert_eq!(r.unwrap(), 1);
    assert!(trace.contains("1 root handler P Panic:local\n"), "{trace}");
}

#[test]
fn a_fatal_panic_in_a_helper_member_is_raised_by_the_helper() {
    let (r, trace) = traced_with(fatal(), async {
        let futs: Vec<LocalBoxFuture<Result<i32>>> = vec![
            Box::pin(async {
                logs_cancel(100, "other").await?;
                Ok(1)
            }),
            Box::pin(async {
                sleep_ms(1).await?;
                panic!("in gather");
                #[allow(unreachable_code)]
                Ok(2)
            }),
        ];
        let e = gather_safe(futs).names(["O", "P"]).await.unwrap_err();
        assert!(e.is_fatal(), "{e}");
        log(&format!("gather raised {e}"))
    });
    r.unwrap();
    assert!(
        trace.contains("1 P fail Panic:in gather\n1 O log other cancelled\n1 O cancelled\n1 main log gather raised Panic:in gather\n"),
        "{trace}"
    );
}
