//! Proves that `src/lib.rs` mirrors the C header (style.md 6.3, ctest2's idea done by hand):
//!
//! 1. the set of `CORRAL_API` functions and `CORRAL_*` constants in `corral/*.h` equals the
//!    set declared in `src/lib.rs` (a new header function that is not mirrored fails);
//! 2. every Rust signature, translated back to C, is the header's type: a generated C file
//!    asserts `__builtin_types_compatible_p(__typeof__(&f), <translated type>)` for each
//!    function and is compiled against the header with `-Werror`;
//! 3. every constant has the header's value, and the transparent structs have the header's
//!    size, alignment and field offsets (the generated program prints the C side).
use corral_sys::*;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

fn include_dir() -> PathBuf {
    PathBuf::from(env!("CORRAL_SYS_INCLUDE"))
}

fn header_text() -> String {
    let dir = include_dir().join("corral");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().map(|x| x == "h").unwrap_or(false))
        .collect();
    files.sort();
    let mut all = String::new();
    for f in files {
        all.push_str(&std::fs::read_to_string(f).unwrap());
        all.push('\n');
    }
    all
}

fn lib_rs() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap()
}

/// Functions declared `CORRAL_API` in the header.
fn header_functions(h: &str) -> BTreeSet<String> {
    let flat = h.replace('\n', " ");
    let mut out = BTreeSet::new();
    for part in flat.split("CORRAL_API").skip(1) {
        let decl = &part[..part.find(';').unwrap_or(part.len())];
        if let Some(paren) = decl.find('(') {
            let name = decl[..paren].trim().rsplit([' ', '*']).next().unwrap();
            if name.starts_with("corral_") {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// `#define CORRAL_X value` constants (not include guards, function-like or export macros).
fn header_constants(h: &str) -> BTreeSet<String> {
    let skip = ["CORRAL_API", "CORRAL_BEGIN_DECLS", "CORRAL_END_DECLS"];
    h.lines()
        .filter_map(|l| l.trim().strip_prefix("#define "))
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let after = &rest[name.len()..];
            let guard = name.ends_with("_H") && after.trim().is_empty();
            let function_like = after.starts_with('(');
            (name.starts_with("CORRAL_") && !guard && !skip.contains(&name.as_str())).then(|| {
                if function_like {
                    format!("{name}()")
                } else {
                    name
                }
            })
        })
        .collect()
}

struct RsFn {
    name: String,
    params: Vec<String>,
    ret: Option<String>,
}

fn split_top(s: &str) -> Vec<String> {
    let (mut depth, mut cur, mut out) = (0i32, String::new(), Vec::new());
    for ch in s.chars() {
        match ch {
            '(' | '<' => depth += 1,
            ')' | '>' if !cur.ends_with('-') => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            out.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(ch);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The extern block of src/lib.rs, parsed.
fn rust_functions(src: &str) -> Vec<RsFn> {
    let block = &src[src.find("extern \"C\" {").expect("extern block")..];
    // Statements, whatever rustfmt did to the lines: drop comments, join, split at ';'.
    let code: String = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = Vec::new();
    for stmt in code.split(';').map(str::trim) {
        let Some(at) = stmt.find("pub fn ") else {
            continue;
        };
        let line = stmt[at..]
            .replace("( ", "(")
            .replace(" )", ")")
            .replace(", )", ")");
        let sig = line.trim_start_matches("pub fn ");
        let open = sig.find('(').unwrap();
        let name = sig[..open].to_string();
        // matching close paren of the parameter list
        let mut depth = 0;
        let mut close = open;
        for (i, ch) in sig.char_indices().skip(open) {
            if ch == '(' {
                depth += 1;
            } else if ch == ')' {
                depth -= 1;
                if depth == 0 {
                    close = i;
                    break;
                }
            }
        }
        let params = split_top(&sig[open + 1..close])
            .into_iter()
            .map(|p| {
                p.split_once(':')
                    .map(|x| x.1.trim().to_string())
                    .unwrap_or(p)
            })
            .collect();
        let ret = sig[close + 1..]
            .trim()
            .strip_prefix("->")
            .map(|r| r.trim().to_string());
        out.push(RsFn { name, params, ret });
    }
    out
}

/// Translate a Rust FFI type back to C; `decl` names the declarator (for function pointers).
fn c_type(t: &str) -> String {
    let t = t.trim();
    if let Some(inner) = t.strip_prefix("*const ") {
        let c = c_type_inner(inner);
        // `*const *mut T` is `T *const *`; `*const T` is `const T *`.
        return if c.ends_with('*') {
            format!("{c} const*")
        } else {
            format!("const {c}*")
        };
    }
    if let Some(inner) = t.strip_prefix("*mut ") {
        return format!("{}*", c_type_inner(inner));
    }
    if let Some(inner) = t.strip_prefix("Option<").and_then(|x| x.strip_suffix('>')) {
        let f = inner
            .trim()
            .strip_prefix("unsafe extern \"C\" fn(")
            .expect("fn pointer");
        let close = f.rfind(')').unwrap();
        let args: Vec<String> = split_top(&f[..close])
            .into_iter()
            .map(|a| c_type(a.split_once(':').map(|x| x.1).unwrap_or(&a)))
            .collect();
        let ret = f[close + 1..]
            .trim()
            .strip_prefix("->")
            .map(c_type)
            .unwrap_or("void".into());
        let args = if args.is_empty() {
            "void".to_string()
        } else {
            args.join(", ")
        };
        return format!("{ret} (*)({args})");
    }
    match t {
        "c_int" => "int".into(),
        "i64" => "int64_t".into(),
        "u64" => "uint64_t".into(),
        "i32" => "int32_t".into(),
        "u32" => "uint32_t".into(),
        "usize" => "size_t".into(),
        "f64" => "double".into(),
        "c_char" => "char".into(),
        "c_void" => "void".into(),
        other if other.starts_with("corral_") => other.into(),
        other => panic!("no C spelling for Rust type {other:?}"),
    }
}

fn c_type_inner(t: &str) -> String {
    let c = c_type(t);
    if c.ends_with(')') {
        panic!("pointer to function pointer not supported: {t}");
    }
    c
}

/// Known, deliberate differences (ctest2's skip hooks): C qualifiers Rust cannot express.
fn c_override(name: &str) -> Option<&'static str> {
    match name {
        // `const volatile int32_t *`: Rust has no volatile pointee; the crate reads it with
        // read_volatile.
        "corral_task_cancel_flag" => Some("const volatile int32_t *(*)(const corral_task *)"),
        _ => None,
    }
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".into())
}

fn run_c(name: &str, source: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let c = dir.join("check.c");
    let exe = dir.join("check");
    std::fs::write(&c, source).unwrap();
    let out = Command::new(cc())
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(include_dir())
        .arg(&c)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run the C compiler");
    assert!(
        out.status.success(),
        "generated C check does not compile against the header ({}):\n{}",
        c.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn every_header_function_is_declared_and_nothing_else() {
    let h = header_functions(&header_text());
    let r: BTreeSet<String> = rust_functions(&lib_rs())
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(h.len() > 100, "parsed only {} header functions", h.len());
    let missing: Vec<_> = h.difference(&r).collect();
    let extra: Vec<_> = r.difference(&h).collect();
    assert!(
        missing.is_empty(),
        "in the header, not in src/lib.rs: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in src/lib.rs, not in the header: {extra:?}"
    );
}

#[test]
fn every_signature_matches_the_header() {
    let mut src = String::from("#include <corral.h>\n#include <stdio.h>\n");
    let fns = rust_functions(&lib_rs());
    for f in &fns {
        let ty = match c_override(&f.name) {
            Some(t) => t.to_string(),
            None => {
                let ret = f.ret.as_deref().map(c_type).unwrap_or("void".into());
                let params: Vec<String> = f.params.iter().map(|p| c_type(p)).collect();
                let params = if params.is_empty() {
                    "void".into()
                } else {
                    params.join(", ")
                };
                format!("{ret} (*)({params})")
            }
        };
        writeln!(
            src,
            "_Static_assert(__builtin_types_compatible_p(__typeof__(&{n}), {ty}), \"{n}: Rust \
             declaration does not match the header\");",
            n = f.name
        )
        .unwrap();
    }
    src.push_str("int main(void) { puts(\"ok\"); return 0; }\n");
    assert_eq!(run_c("signatures", &src).trim(), "ok");
}

macro_rules! constants {
    ($($name:ident),* $(,)?) => { vec![$((stringify!($name), $name as i64)),*] };
}

#[test]
fn every_constant_matches_the_header() {
    let rust = constants![
        CORRAL_VERSION_MAJOR,
        CORRAL_VERSION_MINOR,
        CORRAL_VERSION_PATCH,
        CORRAL_VERSION_NUMBER,
        CORRAL_SOVERSION,
        CORRAL_OK,
        CORRAL_PENDING,
        CORRAL_DONE,
        CORRAL_ECANCELLED,
        CORRAL_ETIMEOUT,
        CORRAL_ETASKCANCELLED,
        CORRAL_EFUTURECANCELLED,
        CORRAL_EINVALIDSTATE,
        CORRAL_EINVALIDARG,
        CORRAL_EGROUPCLOSED,
        CORRAL_EQUEUECLOSED,
        CORRAL_EQUEUEEMPTY,
        CORRAL_EQUEUEFULL,
        CORRAL_EERRORGROUP,
        CORRAL_ESTRAYCANCELLATION,
        CORRAL_ECLEANUPTIMEOUT,
        CORRAL_EDEADLOCK,
        CORRAL_EUSER,
        CORRAL_ECLOSED,
        CORRAL_ESTOPPED,
        CORRAL_ENOMEM,
        CORRAL_VALUE_NONE,
        CORRAL_VALUE_INT,
        CORRAL_VALUE_DOUBLE,
        CORRAL_VALUE_BYTES,
        CORRAL_VALUE_PTR,
        CORRAL_VALUE_HOST,
        CORRAL_RT_VIRTUAL_CLOCK,
        CORRAL_RT_SIGNALS,
        CORRAL_RT_STRICT,
        CORRAL_RT_ESCALATE_SIGNALS,
        CORRAL_TASK_CREATED,
        CORRAL_TASK_RUNNING,
        CORRAL_TASK_READY,
        CORRAL_TASK_PARKED,
        CORRAL_TASK_COMPLETED,
        CORRAL_TASK_FAILED,
        CORRAL_TASK_CANCELLED,
        CORRAL_OP_CHECKPOINT,
        CORRAL_OP_SLEEP,
        CORRAL_OP_FUTURE,
        CORRAL_OP_JOIN,
        CORRAL_OP_QUEUE_GET,
        CORRAL_OP_QUEUE_PUT,
        CORRAL_OP_GROUP_WAIT_CLOSING,
        CORRAL_OP_GROUP_WAIT_CLOSED,
        CORRAL_OP_GROUP_EXIT,
        CORRAL_OP_GROUP_NEXT_DONE,
        CORRAL_OP_EVENT_WAIT,
        CORRAL_OP_LOCK_ACQUIRE,
        CORRAL_OP_SEM_ACQUIRE,
        CORRAL_OP_COND_WAIT,
        CORRAL_OP_WATCH_NEXT,
        CORRAL_OP_WATCH_PUT,
        CORRAL_QUEUE_FIFO,
        CORRAL_QUEUE_LIFO,
        CORRAL_QUEUE_PRIORITY,
        CORRAL_QUEUE_RENDEZVOUS,
        CORRAL_FUTURE_PENDING,
        CORRAL_FUTURE_RESULT,
        CORRAL_FUTURE_ERROR,
        CORRAL_FUTURE_CANCELLED,
        CORRAL_GROUP_SUPERVISE,
        CORRAL_GROUP_FAIL_FAST,
        CORRAL_GROUP_COLLECT,
        CORRAL_GROUP_JOIN,
        CORRAL_GROUP_CANCEL,
        CORRAL_SCOPE_MOVE_ON,
        CORRAL_SCOPE_FAIL,
        CORRAL_SCOPE_CLEANUP,
        CORRAL_SHIELD_GUARD,
        CORRAL_CAUSE_NONE,
        CORRAL_CAUSE_EXPLICIT,
        CORRAL_CAUSE_DEADLINE,
        CORRAL_CAUSE_GROUP_CLOSE,
        CORRAL_CAUSE_FAIL_FAST,
        CORRAL_CAUSE_PARENT,
        CORRAL_CAUSE_SIGNAL,
        CORRAL_CAUSE_SHUTDOWN,
        CORRAL_RECORD_START,
        CORRAL_RECORD_RESUME,
        CORRAL_RECORD_CALLBACK,
        CORRAL_RECORD_RELEASE,
        CORRAL_RECORD_HANDLER,
        CORRAL_RECORD_OWNED,
        CORRAL_CMD_AWAIT,
        CORRAL_CMD_FINISH,
        CORRAL_CMD_UNREF,
        CORRAL_CTXGROUP_RETURN_ERRORS,
    ];
    // Names: header == lib.rs == this list (plus the string and the function-like macro).
    let mut header = header_constants(&header_text());
    assert!(header.remove("CORRAL_VERSION_STRING"));
    assert!(header.remove("CORRAL_VERSION_CHECK()"));
    let lib = lib_rs();
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|r| r.split(':').next())
        .filter(|n| *n != "CORRAL_VERSION_STRING" && !n.starts_with("fn "))
        .map(str::to_string)
        .collect();
    let listed: BTreeSet<String> = rust.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(header, declared, "constants: header vs src/lib.rs");
    assert_eq!(
        declared, listed,
        "constants: src/lib.rs vs this test's list"
    );
    assert!(lib.contains("pub const fn CORRAL_VERSION_CHECK"));

    let mut src = String::from("#include <corral.h>\n#include <stdio.h>\nint main(void) {\n");
    for (n, _) in &rust {
        writeln!(
            src,
            "    printf(\"%s %lld\\n\", \"{n}\", (long long)({n}));"
        )
        .unwrap();
    }
    src.push_str("    printf(\"CORRAL_VERSION_STRING %s\\n\", CORRAL_VERSION_STRING);\n");
    src.push_str("    printf(\"CHECK %d %d\\n\", CORRAL_VERSION_CHECK(0, 1, 0), CORRAL_VERSION_CHECK(0, 2, 0));\n");
    src.push_str("    return 0;\n}\n");
    let out = run_c("constants", &src);
    let mut want = String::new();
    for (n, v) in &rust {
        writeln!(want, "{n} {v}").unwrap();
    }
    writeln!(want, "CORRAL_VERSION_STRING {CORRAL_VERSION_STRING}").unwrap();
    writeln!(
        want,
        "CHECK {} {}",
        CORRAL_VERSION_CHECK(0, 1, 0) as i32,
        CORRAL_VERSION_CHECK(0, 2, 0) as i32
    )
    .unwrap();
    assert_eq!(out, want);
}

#[test]
fn transparent_structs_have_the_header_layout() {
    let rust: Vec<(&str, usize)> = vec![
        ("sizeof(corral_value)", size_of::<corral_value>()),
        ("_Alignof(corral_value)", align_of::<corral_value>()),
        (
            "offsetof(corral_value, type)",
            offset_of!(corral_value, type_),
        ),
        (
            "offsetof(corral_value, binding)",
            offset_of!(corral_value, binding),
        ),
        ("offsetof(corral_value, as)", offset_of!(corral_value, as_)),
        ("offsetof(corral_value, len)", offset_of!(corral_value, len)),
        (
            "offsetof(corral_value, dtor)",
            offset_of!(corral_value, dtor),
        ),
        (
            "sizeof(((corral_value *)0)->as)",
            size_of::<corral_value_as>(),
        ),
        ("sizeof(corral_op)", size_of::<corral_op>()),
        ("_Alignof(corral_op)", align_of::<corral_op>()),
        ("offsetof(corral_op, kind)", offset_of!(corral_op, kind)),
        ("offsetof(corral_op, arg)", offset_of!(corral_op, arg)),
        ("offsetof(corral_op, target)", offset_of!(corral_op, target)),
        (
            "offsetof(corral_op, deadline)",
            offset_of!(corral_op, deadline),
        ),
        ("offsetof(corral_op, value)", offset_of!(corral_op, value)),
        ("sizeof(corral_record)", size_of::<corral_record>()),
        ("_Alignof(corral_record)", align_of::<corral_record>()),
        (
            "offsetof(corral_record, kind)",
            offset_of!(corral_record, kind),
        ),
        (
            "offsetof(corral_record, flags)",
            offset_of!(corral_record, flags),
        ),
        (
            "offsetof(corral_record, status)",
            offset_of!(corral_record, status),
        ),
        (
            "offsetof(corral_record, binding)",
            offset_of!(corral_record, binding),
        ),
        (
            "offsetof(corral_record, token)",
            offset_of!(corral_record, token),
        ),
        (
            "offsetof(corral_record, task)",
            offset_of!(corral_record, task),
        ),
        (
            "offsetof(corral_record, source)",
            offset_of!(corral_record, source),
        ),
        (
            "offsetof(corral_record, error)",
            offset_of!(corral_record, error),
        ),
        (
            "offsetof(corral_record, value)",
            offset_of!(corral_record, value),
        ),
        ("sizeof(corral_member)", size_of::<corral_member>()),
        ("_Alignof(corral_member)", align_of::<corral_member>()),
        (
            "offsetof(corral_member, name)",
            offset_of!(corral_member, name),
        ),
        (
            "offsetof(corral_member, fn)",
            offset_of!(corral_member, fn_),
        ),
        (
            "offsetof(corral_member, arg)",
            offset_of!(corral_member, arg),
        ),
        ("sizeof(corral_acm)", size_of::<corral_acm>()),
        ("_Alignof(corral_acm)", align_of::<corral_acm>()),
        ("offsetof(corral_acm, enter)", offset_of!(corral_acm, enter)),
        ("offsetof(corral_acm, exit)", offset_of!(corral_acm, exit)),
        ("sizeof(corral_host_cmd)", size_of::<corral_host_cmd>()),
        ("_Alignof(corral_host_cmd)", align_of::<corral_host_cmd>()),
        (
            "offsetof(corral_host_cmd, kind)",
            offset_of!(corral_host_cmd, kind),
        ),
        (
            "offsetof(corral_host_cmd, status)",
            offset_of!(corral_host_cmd, status),
        ),
        (
            "offsetof(corral_host_cmd, task)",
            offset_of!(corral_host_cmd, task),
        ),
        (
            "offsetof(corral_host_cmd, repr)",
            offset_of!(corral_host_cmd, repr),
        ),
        (
            "offsetof(corral_host_cmd, error)",
            offset_of!(corral_host_cmd, error),
        ),
        (
            "offsetof(corral_host_cmd, op)",
            offset_of!(corral_host_cmd, op),
        ),
    ];
    let mut src = String::from(
        "#include <corral.h>\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n",
    );
    for (expr, _) in &rust {
        writeln!(src, "    printf(\"%zu\\n\", (size_t)({expr}));").unwrap();
    }
    src.push_str("    return 0;\n}\n");
    let out = run_c("layout", &src);
    for ((expr, r), c) in rust.iter().zip(out.lines()) {
        assert_eq!(
            c.parse::<usize>().unwrap(),
            *r,
            "{expr}: C says {c}, Rust says {r}"
        );
    }
}

#[test]
fn the_linked_library_is_the_header_version() {
    // SAFETY: Thread: any; returns a static string.
    let (n, s) = unsafe {
        (
            corral_version(),
            std::ffi::CStr::from_ptr(corral_version_string())
                .to_str()
                .unwrap(),
        )
    };
    assert_eq!(n, CORRAL_VERSION_NUMBER);
    assert_eq!(s, CORRAL_VERSION_STRING);
    assert_eq!(unsafe { corral_ms(3) }, 3_000_000);
}

#[test]
fn raw_calls_answer_bad_input_with_codes() {
    unsafe {
        assert_eq!(corral_rt_new(std::ptr::null_mut(), 0), CORRAL_EINVALIDARG);
        let mut rt = std::ptr::null_mut();
        assert_eq!(corral_rt_new(&mut rt, 0x80), CORRAL_EINVALIDARG);
        assert_eq!(corral_rt_new(&mut rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
        assert_eq!(corral_rt_now(rt), 0);
        let mut n = 0usize;
        let mut recs = [corral_record::default(); 4];
        // wrong record size
        let mut main = std::ptr::null_mut();
        assert_eq!(
            corral_spawn_host(&mut main, rt, std::ptr::null_mut(), c"main".as_ptr(), 7, 1),
            0
        );
        assert_eq!(
            corral_host_poll(rt, main, recs.as_mut_ptr(), 4, 8, &mut n),
            CORRAL_EINVALIDARG
        );
        let msg = std::ffi::CStr::from_ptr(corral_last_error_message()).to_string_lossy();
        assert!(msg.contains("record size"), "{msg}");
        assert_eq!(
            corral_host_poll(
                rt,
                main,
                recs.as_mut_ptr(),
                0,
                size_of::<corral_record>(),
                &mut n
            ),
            CORRAL_EINVALIDARG
        );
        // before the run ended: no cause; a command-size mismatch runs nothing
        assert_eq!(corral_rt_run_cause(rt), CORRAL_EINVALIDSTATE);
        let cmd = corral_host_cmd {
            kind: CORRAL_CMD_UNREF,
            status: 0,
            task: main,
            repr: std::ptr::null(),
            error: std::ptr::null_mut(),
            op: corral_op {
                kind: 0,
                arg: 0,
                target: std::ptr::null_mut(),
                deadline: -1,
                value: corral_value::default(),
            },
        };
        let mut res = [0i32; 1];
        assert_eq!(
            corral_host_poll_submit(
                rt,
                main,
                &cmd,
                1,
                8,
                res.as_mut_ptr(),
                recs.as_mut_ptr(),
                4,
                size_of::<corral_record>(),
                &mut n
            ),
            CORRAL_EINVALIDARG
        );
        assert_eq!(
            corral_rt_report_error(
                rt,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null_mut()
            ),
            CORRAL_EINVALIDARG
        );
        // one real step: START, then finish with 7
        assert_eq!(
            corral_host_poll(
                rt,
                main,
                recs.as_mut_ptr(),
                4,
                size_of::<corral_record>(),
                &mut n
            ),
            0
        );
        assert_eq!(
            (n, recs[0].kind, recs[0].token, recs[0].binding),
            (1, CORRAL_RECORD_START, 1, 7)
        );
        let v = corral_value {
            type_: CORRAL_VALUE_INT,
            as_: corral_value_as { i: 7 },
            ..Default::default()
        };
        assert_eq!(
            corral_task_finish(main, 0, &v, std::ptr::null(), std::ptr::null_mut()),
            0
        );
        // finishing twice is refused
        assert_eq!(
            corral_task_finish(main, 0, &v, std::ptr::null(), std::ptr::null_mut()),
            CORRAL_EINVALIDSTATE
        );
        let mut rc;
        loop {
            rc = corral_host_poll(
                rt,
                main,
                recs.as_mut_ptr(),
                4,
                size_of::<corral_record>(),
                &mut n,
            );
            if rc != 0 {
                break;
            }
        }
        assert_eq!(rc, CORRAL_DONE);
        assert_eq!(corral_rt_run_status(rt), 0);
        assert_eq!(corral_rt_run_cause(rt), CORRAL_CAUSE_NONE);
        assert_eq!(corral_task_state(main), CORRAL_TASK_COMPLETED);
        corral_task_unref(main);
        assert_eq!(corral_rt_close(rt), 0);
        assert_eq!(corral_rt_now(rt), CORRAL_ECLOSED as i64);
        corral_rt_unref(rt);
        // NULL-safe calls
        corral_rt_unref(std::ptr::null_mut());
        corral_task_unref(std::ptr::null_mut());
        assert_eq!(corral_task_id(std::ptr::null()), 0);
        assert_eq!(corral_task_state(std::ptr::null()), -1);
    }
}

#[test]
fn group_and_helper_calls_answer_bad_input_with_codes() {
    unsafe {
        let null_g: *mut corral_group = std::ptr::null_mut();
        assert!(corral_group_member(null_g, 0).is_null());
        assert!(corral_group_scope(null_g).is_null());
        assert!(corral_task_current_group(std::ptr::null()).is_null());
        assert_eq!(
            corral_group_cleanup_timeout(null_g),
            CORRAL_EINVALIDARG as i64
        );
        assert_eq!(
            corral_group_set_cleanup_timeout(null_g, 5),
            CORRAL_EINVALIDARG
        );
        assert_eq!(
            corral_group_wrap(
                &mut std::ptr::null_mut(),
                null_g,
                c"w".as_ptr(),
                CORRAL_OP_FUTURE,
                std::ptr::null_mut()
            ),
            CORRAL_EINVALIDARG
        );
        assert_eq!(
            corral_error_set_fatal(std::ptr::null_mut(), 1),
            CORRAL_EINVALIDARG
        );
        assert_eq!(corral_error_is_fatal(std::ptr::null()), 0);
        let mut e = std::ptr::null_mut();
        assert_eq!(
            corral_error_new(&mut e, CORRAL_EUSER, c"Panic".as_ptr(), c"p".as_ptr()),
            0
        );
        assert_eq!(corral_error_set_fatal(e, 1), 0);
        assert_eq!(corral_error_is_fatal(e), 1);
        corral_error_unref(e);
        let mut c = std::ptr::null_mut();
        assert_eq!(
            corral_error_new(
                &mut c,
                CORRAL_ECANCELLED,
                std::ptr::null(),
                std::ptr::null()
            ),
            0
        );
        assert_eq!(corral_error_set_fatal(c, 1), CORRAL_EINVALIDARG);
        corral_error_unref(c);
        // The fiber helpers refuse to run outside a fiber.
        let mut out = corral_value::default();
        assert_eq!(
            corral_race(
                std::ptr::null(),
                0,
                0,
                &mut out,
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ),
            CORRAL_EINVALIDSTATE
        );
        assert_eq!(
            corral_gather_safe(std::ptr::null(), 0, std::ptr::null_mut()),
            CORRAL_EINVALIDSTATE
        );
        assert_eq!(
            corral_cancel_and_join(std::ptr::null_mut(), &mut out),
            CORRAL_EINVALIDSTATE
        );
        // The exit stack answers NULL with codes; close needs a fiber.
        assert_eq!(
            corral_exitstack_close(std::ptr::null_mut(), 0),
            CORRAL_EINVALIDARG
        );
        assert_eq!(
            corral_exitstack_size(std::ptr::null()),
            CORRAL_EINVALIDARG as i64
        );
        assert_eq!(
            corral_first(
                std::ptr::null_mut(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                -1
            ),
            CORRAL_EINVALIDARG
        );
    }
}

#[test]
fn queue_and_sync_calls_answer_bad_input_with_codes() {
    unsafe {
        let mut rt = std::ptr::null_mut();
        assert_eq!(corral_rt_new(&mut rt, CORRAL_RT_VIRTUAL_CLOCK), 0);
        // queues: an unknown kind, NULL handles, queries
        let mut q = std::ptr::null_mut();
        assert_eq!(corral_queue_new_kind(&mut q, rt, 1, 9), CORRAL_EINVALIDARG);
        assert_eq!(
            corral_queue_new_kind(&mut q, rt, 5, CORRAL_QUEUE_RENDEZVOUS),
            0
        );
        assert_eq!(corral_queue_kind(q), CORRAL_QUEUE_RENDEZVOUS);
        assert_eq!(corral_queue_maxsize(q), 0); // a rendezvous queue ignores maxsize
        assert_eq!(corral_queue_full(q), 1); // no getter waits
        let v = corral_value {
            type_: CORRAL_VALUE_INT,
            as_: corral_value_as { i: 1 },
            ..Default::default()
        };
        assert_eq!(
            corral_queue_put_nowait_priority(q, &v, 3),
            CORRAL_EQUEUEFULL
        );
        corral_queue_unref(q);
        assert_eq!(
            corral_queue_new_kind(&mut q, rt, -4, CORRAL_QUEUE_PRIORITY),
            0
        );
        assert_eq!(corral_queue_maxsize(q), 0); // <= 0: unbounded
        let mut out = corral_value::default();
        assert_eq!(
            corral_queue_get_nowait_until_empty(q, &mut out),
            CORRAL_EQUEUEEMPTY
        );
        assert_eq!(corral_queue_put_nowait_priority(q, &v, 3), 0);
        assert_eq!(corral_queue_get_nowait_until_empty(q, &mut out), 0);
        assert_eq!((out.type_, out.as_.i), (CORRAL_VALUE_INT, 1));
        // fiber shorthands outside a fiber
        assert_eq!(
            corral_queue_put_priority(q, &v, 1, -1),
            CORRAL_EINVALIDSTATE
        );
        assert_eq!(
            corral_queue_get_until_empty(q, &mut out, -1),
            CORRAL_EINVALIDSTATE
        );
        corral_queue_unref(q);
        let nq: *mut corral_queue = std::ptr::null_mut();
        assert_eq!(corral_queue_kind(nq), CORRAL_EINVALIDARG);
        assert_eq!(corral_queue_full(nq), CORRAL_EINVALIDARG);
        assert_eq!(
            corral_queue_put_nowait_priority(nq, &v, 0),
            CORRAL_EINVALIDARG
        );
        // event
        let mut e = std::ptr::null_mut();
        assert_eq!(corral_event_new(&mut e, rt), 0);
        assert_eq!(corral_event_is_set(e), 0);
        assert_eq!(corral_event_set(e), 0);
        assert_eq!(corral_event_is_set(e), 1);
        assert_eq!(corral_event_clear(e), 0);
        assert_eq!(corral_event_wait(e, -1), CORRAL_EINVALIDSTATE);
        corral_event_unref(e);
        assert_eq!(corral_event_set(std::ptr::null_mut()), CORRAL_EINVALIDARG);
        // lock: no task (a host has no current task), unheld release
        let mut l = std::ptr::null_mut();
        assert_eq!(corral_lock_new(&mut l, rt), 0);
        assert_eq!(
            corral_lock_try_acquire(l, std::ptr::null_mut()),
            CORRAL_EINVALIDARG
        );
        assert_eq!(
            corral_lock_release(l, std::ptr::null_mut()),
            CORRAL_EINVALIDSTATE
        );
        assert_eq!(corral_lock_locked(l), 0);
        assert!(corral_lock_owner(l).is_null());
        assert_eq!(corral_lock_acquire(l, -1), CORRAL_EINVALIDSTATE);
        // semaphore: negative value, bound below value, over-release of a bounded one
        let mut s = std::ptr::null_mut();
        assert_eq!(corral_semaphore_new(&mut s, rt, -1, -1), CORRAL_EINVALIDARG);
        assert_eq!(corral_semaphore_new(&mut s, rt, 3, 2), CORRAL_EINVALIDARG);
        assert_eq!(corral_semaphore_new(&mut s, rt, 1, 1), 0);
        assert_eq!(corral_semaphore_release(s), CORRAL_EINVALIDSTATE);
        assert_eq!(corral_semaphore_try_acquire(s), 1);
        assert_eq!(corral_semaphore_try_acquire(s), 0);
        assert_eq!(corral_semaphore_value(s), 0);
        assert_eq!(corral_semaphore_release(s), 0);
        assert_eq!(corral_semaphore_acquire(s, -1), CORRAL_EINVALIDSTATE);
        corral_semaphore_unref(s);
        // condition over a lock, and one with its own lock
        let mut c = std::ptr::null_mut();
        assert_eq!(corral_condition_new(&mut c, rt, l), 0);
        assert_eq!(corral_condition_lock(c), l);
        assert_eq!(corral_condition_notify(c, -1), 0);
        assert_eq!(corral_condition_wait(c, -1), CORRAL_EINVALIDSTATE);
        corral_condition_unref(c);
        corral_lock_unref(l);
        assert_eq!(corral_condition_new(&mut c, rt, std::ptr::null_mut()), 0);
        assert!(!corral_condition_lock(c).is_null());
        corral_condition_unref(c);
        assert!(corral_condition_lock(std::ptr::null()).is_null());
        // watch cell: versions
        let mut w = std::ptr::null_mut();
        assert_eq!(corral_watch_new(&mut w, rt, &v), 0);
        let mut ver = 99u64;
        assert_eq!(corral_watch_get(w, &mut out, &mut ver), 0);
        assert_eq!((out.as_.i, ver), (1, 0));
        let two = corral_value {
            type_: CORRAL_VALUE_INT,
            as_: corral_value_as { i: 2 },
            ..Default::default()
        };
        assert_eq!(corral_watch_set(w, &two), 0);
        assert_eq!(corral_watch_get(w, &mut out, &mut ver), 0);
        assert_eq!((out.as_.i, ver), (2, 1));
        assert_eq!(corral_watch_readers(w), 0);
        assert_eq!(
            corral_watch_next(w, std::ptr::null_mut(), -1),
            CORRAL_EINVALIDARG
        );
        assert_eq!(corral_watch_next(w, &mut ver, -1), CORRAL_EINVALIDSTATE);
        assert_eq!(corral_watch_put(w, &two, -1), CORRAL_EINVALIDSTATE);
        assert_eq!(corral_watch_set(w, std::ptr::null()), CORRAL_EINVALIDARG);
        corral_watch_unref(w);
        assert_eq!(
            corral_watch_readers(std::ptr::null()),
            CORRAL_EINVALIDARG as i64
        );
        // take_value outside a step
        assert_eq!(
            corral_task_take_value(std::ptr::null_mut(), &mut out),
            CORRAL_EINVALIDARG
        );
        // a closed runtime refuses new objects
        assert_eq!(corral_rt_close(rt), 0);
        assert_eq!(corral_event_new(&mut e, rt), CORRAL_ECLOSED);
        assert_eq!(corral_lock_new(&mut l, rt), CORRAL_ECLOSED);
        corral_rt_unref(rt);
    }
}
