//! Canonical value text for trace lines (R77): integers, strings without quotes, lists
//! `[a, b]`, booleans `true`/`false`, unit prints nothing.
use std::any::Any;

macro_rules! try_display {
    ($v:expr, $($t:ty),*) => {$(
        if let Some(x) = $v.downcast_ref::<$t>() { return Some(x.to_string()); }
    )*};
}

fn scalar(v: &dyn Any) -> Option<String> {
    try_display!(
        v,
        i8,
        i16,
        i32,
        i64,
        i128,
        isize,
        u8,
        u16,
        u32,
        u64,
        u128,
        usize,
        char,
        String,
        &'static str,
        bool
    );
    if let Some(x) = v.downcast_ref::<f64>() {
        return Some(float(*x));
    }
    if let Some(x) = v.downcast_ref::<f32>() {
        return Some(float(*x as f64));
    }
    if let Some(e) = v.downcast_ref::<crate::Error>() {
        return Some(e.to_string());
    }
    None
}

fn float(x: f64) -> String {
    // Shortest text that reads back as the same double (the core's form).
    format!("{x:?}").trim_end_matches(".0").to_string()
}

macro_rules! try_vec {
    ($v:expr, $($t:ty),*) => {$(
        if let Some(xs) = $v.downcast_ref::<Vec<$t>>() {
            let items: Vec<String> = xs.iter().map(|x| scalar(x).unwrap_or_default()).collect();
            return Some(format!("[{}]", items.join(", ")));
        }
    )*};
}

/// The canonical text of a task's value, or None to print nothing (unit and types this
/// crate cannot format).
pub fn repr_of(v: &dyn Any) -> Option<String> {
    if v.is::<()>() {
        return None;
    }
    if let Some(s) = scalar(v) {
        return Some(s);
    }
    try_vec!(
        v,
        i8,
        i16,
        i32,
        i64,
        isize,
        u8,
        u16,
        u32,
        u64,
        usize,
        char,
        String,
        &'static str,
        bool,
        f64,
        crate::Error
    );
    if let Some(o) = v.downcast_ref::<Option<String>>() {
        return o.clone();
    }
    None
}
