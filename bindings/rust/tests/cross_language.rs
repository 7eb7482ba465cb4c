//! A queue shared with C code in the same process (R60, "cross-language"): C producers put
//! native values (INT, DOUBLE, BYTES) into a queue the Rust side made and closes it; the
//! Rust consumer iterates it as a `Stream` of `corral::Value`s; and a watch cell written by
//! C is read by Rust.
//!
//! Two C producers:
//! * a C fiber whose body is an `extern "C"` function calling the C API through `corral-sys`
//!   (driven by the core's fiber driver, exactly as a C program's fiber would be); it runs
//!   in every link mode;
//! * `tests/c/xlang_producer.c`, real C compiled at test time into a shared object and
//!   loaded with `dlopen`, when this process uses libcorral as a shared library (the
//!   pkg-config mode of `corral-sys`): the object then links against the same core. With
//!   the bundled static core that part is skipped: the core's symbols are not exported from
//!   a Rust executable, so a separately compiled object could only bring a second core.
mod common;
use corral::sys;
use corral::*;
use std::ffi::{c_char, c_int, c_void, CString};
use std::path::PathBuf;
use std::process::Command;

fn expected(n: i64) -> Vec<Value> {
    (0..n)
        .map(|i| match i % 3 {
            0 => Value::Int(i),
            1 => Value::Double(i as f64 + 0.5),
            _ => Value::from(format!("item {i}")),
        })
        .collect()
}

// ---- a C fiber written against the raw API ----------------------------------------------

struct Job {
    q: *mut sys::corral_queue,
    n: i64,
}

unsafe extern "C" fn job_free(p: *mut c_void) {
    let j = Box::from_raw(p as *mut Job);
    sys::corral_queue_unref(j.q);
}

/// The fiber body: the C API's blocking-style calls park this fiber, not the thread.
unsafe extern "C" fn produce(
    _self: *mut sys::corral_task,
    arg: *mut c_void,
    result: *mut sys::corral_value,
) -> c_int {
    let j = &*(arg as *const Job);
    for i in 0..j.n {
        let text = format!("item {i}"); // copied by the core at the put
        let v = match i % 3 {
            0 => sys::corral_value {
                type_: sys::CORRAL_VALUE_INT,
                as_: sys::corral_value_as { i },
                ..Default::default()
            },
            1 => sys::corral_value {
                type_: sys::CORRAL_VALUE_DOUBLE,
                as_: sys::corral_value_as { d: i as f64 + 0.5 },
                ..Default::default()
            },
            _ => sys::corral_value {
                type_: sys::CORRAL_VALUE_BYTES,
                as_: sys::corral_value_as {
                    p: text.as_ptr().cast(),
                },
                len: text.len() as u64,
                ..Default::default()
            },
        };
        let rc = sys::corral_queue_put(j.q, &v, -1);
        if rc < 0 {
            return rc;
        }
    }
    (*result).type_ = sys::CORRAL_VALUE_INT;
    (*result).as_.i = j.n;
    sys::corral_queue_close(j.q)
}

/// Spawn the C fiber producer on `rt` for queue `q`.
fn spawn_c_fiber(rt: *mut sys::corral_rt, q: &Queue<Value>, n: i64) -> *mut sys::corral_task {
    let job = Box::into_raw(Box::new(Job {
        // SAFETY: the fiber keeps its own reference, dropped by job_free.
        q: unsafe { sys::corral_queue_ref(q.as_raw()) },
        n,
    }));
    let mut t = std::ptr::null_mut();
    // SAFETY: loop thread; job_free releases the argument when the task's memory goes.
    let rc = unsafe {
        sys::corral_spawn_fiber(
            &mut t,
            rt,
            std::ptr::null_mut(),
            c"C-fiber".as_ptr(),
            Some(produce),
            job.cast(),
            Some(job_free),
        )
    };
    assert_eq!(rc, 0);
    t
}

async fn consume(q: Queue<Value>) -> Result<Vec<Value>> {
    let mut got = Vec::new();
    let mut items = q.stream();
    while let Some(v) = items.next().await {
        got.push(v?);
    }
    Ok(got)
}

#[test]
fn a_c_fiber_feeds_a_rust_consumer_through_a_rust_queue() {
    let rt = Runtime::builder().virtual_clock().build().unwrap();
    let raw_rt = rt.as_raw();
    let got = rt
        .block_on(async move {
            let q = Queue::<Value>::bounded(2)?;
            let t = spawn_c_fiber(raw_rt, &q, 9);
            let got = consume(q).await?;
            // SAFETY: our reference from corral_spawn_fiber.
            unsafe {
                assert_eq!(sys::corral_task_state(t), sys::CORRAL_TASK_COMPLETED);
                sys::corral_task_unref(t);
            }
            Ok::<_, Error>(got)
        })
        .unwrap();
    assert_eq!(got, expected(9));
}

#[test]
fn a_c_written_watch_cell_is_read_by_rust() {
    Runtime::builder()
        .virtual_clock()
        .build()
        .unwrap()
        .block_on(async {
            let w = Watch::new(Value::None)?;
            let raw = w.as_raw();
            let w2 = w.clone();
            let reader = spawn(async move { w2.wait_for(|v| *v == Value::Int(3)).await })?;
            checkpoint().await?;
            for i in 1..=3 {
                let v = sys::corral_value {
                    type_: sys::CORRAL_VALUE_INT,
                    as_: sys::corral_value_as { i },
                    ..Default::default()
                };
                // SAFETY: a live cell of this runtime; C's way of writing it.
                assert_eq!(unsafe { sys::corral_watch_set(raw, &v) }, 1); // the reader waits
                checkpoint().await?;
            }
            assert_eq!(reader.await?, Value::Int(3));
            let text = b"bytes from C";
            let v = sys::corral_value {
                type_: sys::CORRAL_VALUE_BYTES,
                as_: sys::corral_value_as {
                    p: text.as_ptr().cast(),
                },
                len: text.len() as u64,
                ..Default::default()
            };
            unsafe { sys::corral_watch_set(raw, &v) };
            assert_eq!(w.get()?, Value::Bytes(text.to_vec()));
            // SAFETY: same cell, read as a byte string.
            let ws = unsafe { Watch::<String>::from_raw(raw) }?;
            assert_eq!(ws.get()?, "bytes from C");
            Ok::<_, Error>(())
        })
        .unwrap();
}

// ---- real C, loaded into this process --------------------------------------------------------

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}
const RTLD_NOW: c_int = 2;

type SpawnProducer = unsafe extern "C" fn(
    *mut sys::corral_rt,
    *mut sys::corral_queue,
    c_int,
    *mut *mut sys::corral_task,
) -> c_int;

/// libcorral's shared object, when this process loaded one.
fn shared_libcorral() -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("libcorral.so"))
        .map(str::to_string)
}

/// Compile tests/c/xlang_producer.c into a shared object linked against `lib`.
fn build_producer(lib: &str) -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/c/xlang_producer.c");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("libxlang_producer.so");
    let cflags = Command::new("pkg-config")
        .args(["--cflags", "corral"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    // Fallback: <prefix>/include next to <prefix>/lib[/<triple>]/libcorral.so.0.
    let mut inc = PathBuf::from(lib);
    let mut include = Vec::new();
    while inc.pop() {
        if inc.join("include/corral.h").is_file() {
            include.push(format!("-I{}", inc.join("include").display()));
            break;
        }
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(cc)
        .args(["-std=c11", "-Wall", "-Werror", "-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(&src)
        .args(cflags.split_whitespace())
        .args(&include)
        .arg(lib)
        .status()
        .expect("run the C compiler");
    assert!(status.success(), "compiling {}", src.display());
    out
}

#[test]
fn a_c_shared_object_feeds_a_rust_consumer() {
    let Some(lib) = shared_libcorral() else {
        eprintln!(
            "skipped: libcorral is linked statically into this test (bundled mode); a \
             separately compiled C object could not share its core"
        );
        return;
    };
    let so = build_producer(&lib);
    let path = CString::new(so.to_str().unwrap()).unwrap();
    // SAFETY: a shared object we just built; its symbol has the declared signature.
    let spawn_producer: SpawnProducer = unsafe {
        let h = dlopen(path.as_ptr(), RTLD_NOW);
        assert!(
            !h.is_null(),
            "dlopen: {}",
            std::ffi::CStr::from_ptr(dlerror()).to_string_lossy()
        );
        let f = dlsym(h, c"xlang_spawn_producer".as_ptr());
        assert!(!f.is_null());
        std::mem::transmute::<*mut c_void, SpawnProducer>(f)
    };
    let (r, trace) = common::traced_with(Runtime::builder(), async move {
        let q = Queue::<Value>::bounded(2)?;
        let rt = corral::current()
            .map(|t| unsafe { sys::corral_task_rt(t.as_raw()) })
            .expect("inside a task");
        let mut t = std::ptr::null_mut();
        // SAFETY: loop thread; the producer takes its own queue reference.
        assert_eq!(unsafe { spawn_producer(rt, q.as_raw(), 12, &mut t) }, 0);
        let got = consume(q).await?;
        unsafe { sys::corral_task_unref(t) };
        Ok::<_, Error>(got)
    });
    assert_eq!(r.unwrap(), expected(12));
    assert!(trace.contains("C-producer done 12"), "{trace}");
}
