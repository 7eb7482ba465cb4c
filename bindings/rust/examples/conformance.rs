//! The Rust programs of the conformance corpus (tests/conformance/<id>_<slug>/rs.rs), as one
//! binary taking the scenario id:
//!
//! ```sh
//! cargo build --example conformance
//! python3 tests/conformance/run.py --build-dir build/tests/conformance --lang rs --require rs \
//!     --rs-cmd "$PWD/target/debug/examples/conformance {id}"
//! ```
//!
//! Each rs.rs defines `pub async fn main() -> corral::Result<()>` (the body of task `main`)
//! and `pub const OUTCOME: Option<ErrorKind>` (how the run must end: `None` = main
//! completes). The program runs it on a fresh VIRTUAL-clock runtime whose trace goes to
//! standard output (semantics.md section 3.0), and exits 0, or 1 with a message on standard
//! error when the run ends otherwise, or 2 for an unknown scenario id.
use corral::{ErrorKind, Result, Runtime, RuntimeBuilder};
use std::future::Future;

#[path = "../../../tests/conformance/S01_lazy_spawn_fifo/rs.rs"]
mod s01;
#[path = "../../../tests/conformance/S02_immediate_completion_yields/rs.rs"]
mod s02;
#[path = "../../../tests/conformance/S03_timer_equal_deadlines/rs.rs"]
mod s03;
#[path = "../../../tests/conformance/S04_cancel_parked_task/rs.rs"]
mod s04;
#[path = "../../../tests/conformance/S05_swallowed_cancel_redelivered/rs.rs"]
mod s05;
#[path = "../../../tests/conformance/S06_cancel_before_first_step/rs.rs"]
mod s06;
#[path = "../../../tests/conformance/S07_completion_wins/rs.rs"]
mod s07;
#[path = "../../../tests/conformance/S08_cancel_before_handoff/rs.rs"]
mod s08;
#[path = "../../../tests/conformance/S09_uncancellable_raise/rs.rs"]
mod s09;
#[path = "../../../tests/conformance/S10_uncancellable_defer/rs.rs"]
mod s10;
#[path = "../../../tests/conformance/S11_shield_inner_deadline/rs.rs"]
mod s11;
#[path = "../../../tests/conformance/S12_move_on_after/rs.rs"]
mod s12;
#[path = "../../../tests/conformance/S13_nested_deadlines_outermost/rs.rs"]
mod s13;
#[path = "../../../tests/conformance/S14_fail_after_cause/rs.rs"]
mod s14;
#[path = "../../../tests/conformance/S15_past_deadlines/rs.rs"]
mod s15;
#[path = "../../../tests/conformance/S16_fail_fast_taskgroup/rs.rs"]
mod s16;
#[path = "../../../tests/conformance/S17_two_failures_one_tick/rs.rs"]
mod s17;
#[path = "../../../tests/conformance/S18_supervisor_exception_cb/rs.rs"]
mod s18;
#[path = "../../../tests/conformance/S19_errors_never_lost/rs.rs"]
mod s19;
#[path = "../../../tests/conformance/S20_close_cancel_subgroup/rs.rs"]
mod s20;
#[path = "../../../tests/conformance/S21_close_no_cancel_escalate/rs.rs"]
mod s21;
#[path = "../../../tests/conformance/S22_waiting_never_cancels/rs.rs"]
mod s22;
#[path = "../../../tests/conformance/S23_future_listener_order/rs.rs"]
mod s23;
#[path = "../../../tests/conformance/S24_await_cancelled_future/rs.rs"]
mod s24;
#[path = "../../../tests/conformance/S25_queue_close_waiters/rs.rs"]
mod s25;
#[path = "../../../tests/conformance/S26_direct_handoff/rs.rs"]
mod s26;
#[path = "../../../tests/conformance/S27a_cancel_getter_before_put/rs.rs"]
mod s27a;
#[path = "../../../tests/conformance/S27b_cancel_getter_after_put/rs.rs"]
mod s27b;
#[path = "../../../tests/conformance/S28_exitstack_lifo_cancel/rs.rs"]
mod s28;
#[path = "../../../tests/conformance/S29_exit_callbacks_last_error/rs.rs"]
mod s29;
#[path = "../../../tests/conformance/S30_cleanup_grace_expiry/rs.rs"]
mod s30;
#[path = "../../../tests/conformance/S33_race/rs.rs"]
mod s33;
#[path = "../../../tests/conformance/S34a_gather_safe/rs.rs"]
mod s34a;
#[path = "../../../tests/conformance/S34b_gather_safe_caller_cancel/rs.rs"]
mod s34b;
#[path = "../../../tests/conformance/S35_as_completed_break/rs.rs"]
mod s35;
#[path = "../../../tests/conformance/S36_spawn_in_cancelled_scope/rs.rs"]
mod s36;
#[path = "../../../tests/conformance/S37_self_wait_rejection/rs.rs"]
mod s37;
#[path = "../../../tests/conformance/S38_return_after_cancel/rs.rs"]
mod s38;
#[path = "../../../tests/conformance/S39_error_beats_cancel/rs.rs"]
mod s39;
#[path = "../../../tests/conformance/S40_call_on_cancel/rs.rs"]
mod s40;
#[path = "../../../tests/conformance/S41_hat_group_cm_exit/rs.rs"]
mod s41;
#[path = "../../../tests/conformance/S42_acm_cannot_suppress_cancel/rs.rs"]
mod s42;
#[path = "../../../tests/conformance/S43_actxgroup_enter_failure/rs.rs"]
mod s43;
#[path = "../../../tests/conformance/S44_per_call_deadline/rs.rs"]
mod s44;
#[path = "../../../tests/conformance/S45_signal_cancels_main/rs.rs"]
mod s45;
#[path = "../../../tests/conformance/S46_deadlock_detection/rs.rs"]
mod s46;
#[path = "../../../tests/conformance/S47_fair_yield_loops/rs.rs"]
mod s47;
#[path = "../../../tests/conformance/S48_subgroup_order/rs.rs"]
mod s48;
#[path = "../../../tests/conformance/S49_group_wrap/rs.rs"]
mod s49;
#[path = "../../../tests/conformance/S50_spawn_during_closing/rs.rs"]
mod s50;
#[path = "../../../tests/conformance/S51_exception_cb_order/rs.rs"]
mod s51;
#[path = "../../../tests/conformance/S52_resource_self_close/rs.rs"]
mod s52;
#[path = "../../../tests/conformance/S53_race_all_failing/rs.rs"]
mod s53;
#[path = "../../../tests/conformance/S54_first_exhausted/rs.rs"]
mod s54;
#[path = "../../../tests/conformance/S55_supervisor/rs.rs"]
mod s55;
#[path = "../../../tests/conformance/S56_persistent_taskgroup/rs.rs"]
mod s56;
#[path = "../../../tests/conformance/S57_task_nursery/rs.rs"]
mod s57;
#[path = "../../../tests/conformance/S58_trio_nursery/rs.rs"]
mod s58;
#[path = "../../../tests/conformance/S59_call_on_done/rs.rs"]
mod s59;
#[path = "../../../tests/conformance/S60_cancel_and_join/rs.rs"]
mod s60;
#[path = "../../../tests/conformance/S61_cleanup_grace_call_on_cancel/rs.rs"]
mod s61;
#[path = "../../../tests/conformance/S62_queue_iteration_close/rs.rs"]
mod s62;
#[path = "../../../tests/conformance/S63_queue_kinds/rs.rs"]
mod s63;
#[path = "../../../tests/conformance/S64_lock_fairness/rs.rs"]
mod s64;
#[path = "../../../tests/conformance/S65_condition_notify_order/rs.rs"]
mod s65;
#[path = "../../../tests/conformance/S66_watch_cell/rs.rs"]
mod s66;
#[path = "../../../tests/conformance/S67_exitstack_under_deadline/rs.rs"]
mod s67;
#[path = "../../../tests/conformance/S68_ctxgroup_failing_exit/rs.rs"]
mod s68;
#[path = "../../../tests/conformance/S69_adefer_order/rs.rs"]
mod s69;
#[path = "../../../tests/conformance/S70_cleanup_error_replaces_cancel/rs.rs"]
mod s70;
#[path = "../../../tests/conformance/S71_task_fails_with_error_group/rs.rs"]
mod s71;
#[path = "../../../tests/conformance/S72_cleanup_timeout_to_exception_cb/rs.rs"]
mod s72;
#[path = "../../../tests/conformance/S73_body_error_joins_error_group/rs.rs"]
mod s73;
#[path = "../../../tests/conformance/S74_ptg_entered_shutdown/rs.rs"]
mod s74;
#[path = "../../../tests/conformance/S75_second_signal_escalates/rs.rs"]
mod s75;
#[path = "../../../tests/conformance/S76_closed_subgroup_handler_chain/rs.rs"]
mod s76;

fn scenario<F>(want: Option<ErrorKind>, main: F) -> i32
where
    F: Future<Output = Result<()>> + 'static,
{
    scenario_on(Runtime::builder(), want, main)
}

/// A scenario whose runtime needs more settings than the virtual clock and the trace.
fn scenario_on<F>(builder: RuntimeBuilder, want: Option<ErrorKind>, main: F) -> i32
where
    F: Future<Output = Result<()>> + 'static,
{
    let rt = match builder.virtual_clock().trace_fd(1).build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot create the runtime: {e}");
            return 1;
        }
    };
    match (rt.block_on(main), want) {
        (Ok(()), None) => 0,
        (Err(e), Some(k)) if e.kind() == k => 0,
        (got, _) => {
            eprintln!("run ended with {got:?}, expected {want:?}");
            1
        }
    }
}

fn main() {
    let id = std::env::args().nth(1).unwrap_or_default();
    let rc = match id.as_str() {
        "S01" => scenario(s01::OUTCOME, s01::main()),
        "S02" => scenario(s02::OUTCOME, s02::main()),
        "S03" => scenario(s03::OUTCOME, s03::main()),
        "S04" => scenario(s04::OUTCOME, s04::main()),
        "S05" => scenario(s05::OUTCOME, s05::main()),
        "S06" => scenario(s06::OUTCOME, s06::main()),
        "S07" => scenario(s07::OUTCOME, s07::main()),
        "S08" => scenario(s08::OUTCOME, s08::main()),
        "S09" => scenario(s09::OUTCOME, s09::main()),
        "S10" => scenario(s10::OUTCOME, s10::main()),
        "S11" => scenario(s11::OUTCOME, s11::main()),
        "S12" => scenario(s12::OUTCOME, s12::main()),
        "S13" => scenario(s13::OUTCOME, s13::main()),
        "S14" => scenario(s14::OUTCOME, s14::main()),
        "S15" => scenario(s15::OUTCOME, s15::main()),
        "S16" => scenario(s16::OUTCOME, s16::main()),
        "S17" => scenario(s17::OUTCOME, s17::main()),
        "S18" => scenario(s18::OUTCOME, s18::main()),
        "S19" => scenario(s19::OUTCOME, s19::main()),
        "S20" => scenario(s20::OUTCOME, s20::main()),
        "S21" => scenario(s21::OUTCOME, s21::main()),
        "S22" => scenario(s22::OUTCOME, s22::main()),
        "S23" => scenario(s23::OUTCOME, s23::main()),
        "S24" => scenario(s24::OUTCOME, s24::main()),
        "S25" => scenario(s25::OUTCOME, s25::main()),
        "S26" => scenario(s26::OUTCOME, s26::main()),
        "S27a" => scenario(s27a::OUTCOME, s27a::main()),
        "S27b" => scenario(s27b::OUTCOME, s27b::main()),
        "S28" => scenario(s28::OUTCOME, s28::main()),
        "S29" => scenario(s29::OUTCOME, s29::main()),
        "S30" => scenario(s30::OUTCOME, s30::main()),
        "S33" => scenario(s33::OUTCOME, s33::main()),
        "S34a" => scenario(s34a::OUTCOME, s34a::main()),
        "S34b" => scenario(s34b::OUTCOME, s34b::main()),
        "S35" => scenario(s35::OUTCOME, s35::main()),
        "S36" => scenario(s36::OUTCOME, s36::main()),
        "S37" => scenario(s37::OUTCOME, s37::main()),
        "S38" => scenario(s38::OUTCOME, s38::main()),
        "S39" => scenario(s39::OUTCOME, s39::main()),
        "S40" => scenario(s40::OUTCOME, s40::main()),
        "S41" => scenario(s41::OUTCOME, s41::main()),
        "S42" => scenario(s42::OUTCOME, s42::main()),
        "S43" => scenario(s43::OUTCOME, s43::main()),
        "S44" => scenario(s44::OUTCOME, s44::main()),
        "S45" => scenario(s45::OUTCOME, s45::main()),
        "S46" => scenario(s46::OUTCOME, s46::main()),
        "S47" => scenario(s47::OUTCOME, s47::main()),
        "S48" => scenario(s48::OUTCOME, s48::main()),
        "S49" => scenario(s49::OUTCOME, s49::main()),
        "S50" => scenario(s50::OUTCOME, s50::main()),
        "S51" => scenario(s51::OUTCOME, s51::main()),
        "S52" => scenario(s52::OUTCOME, s52::main()),
        "S53" => scenario(s53::OUTCOME, s53::main()),
        "S54" => scenario(s54::OUTCOME, s54::main()),
        "S55" => scenario(s55::OUTCOME, s55::main()),
        "S56" => scenario(s56::OUTCOME, s56::main()),
        "S57" => scenario(s57::OUTCOME, s57::main()),
        "S58" => scenario(s58::OUTCOME, s58::main()),
        "S59" => scenario(s59::OUTCOME, s59::main()),
        "S60" => scenario(s60::OUTCOME, s60::main()),
        "S61" => scenario(s61::OUTCOME, s61::main()),
        "S62" => scenario(s62::OUTCOME, s62::main()),
        "S63" => scenario(s63::OUTCOME, s63::main()),
        "S64" => scenario(s64::OUTCOME, s64::main()),
        "S65" => scenario(s65::OUTCOME, s65::main()),
        "S66" => scenario(s66::OUTCOME, s66::main()),
        "S67" => scenario(s67::OUTCOME, s67::main()),
        "S68" => scenario(s68::OUTCOME, s68::main()),
        "S69" => scenario(s69::OUTCOME, s69::main()),
        "S70" => scenario(s70::OUTCOME, s70::main()),
        "S71" => scenario(s71::OUTCOME, s71::main()),
        "S72" => scenario(s72::OUTCOME, s72::main()),
        "S73" => scenario(s73::OUTCOME, s73::main()),
        "S74" => scenario(s74::OUTCOME, s74::main()),
        "S75" => scenario_on(s75::runtime(), s75::OUTCOME, s75::main()),
        "S76" => scenario(s76::OUTCOME, s76::main()),
        _ => {
            eprintln!("usage: conformance <scenario id>; unknown id {id:?}");
            2
        }
    };
    std::process::exit(rc);
}
