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

/// The canonical text of a float in traces, the same in every language: the shortest C
/// `%g` form that reads back as `x` ("1", "0.5", "1e+20", "-0", "inf"), and "nan".
pub(crate) fn float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    for prec in 1..=17 {
        let s = c_g(x, prec);
        if s.parse::<f64>() == Ok(x) {
            return s;
        }
    }
    c_g(x, 17)
}

/// C's `%.{prec}g` for a finite `x`: scientific notation when the decimal exponent is below
/// -4 or at least `prec`, fixed otherwise; trailing zeros (and a bare point) dropped; the
/// exponent signed, with at least two digits.
fn c_g(x: f64, prec: usize) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:.*e}", prec - 1, x); // correctly rounded, like printf
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    if exp < -4 || exp >= prec as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip_zeros(mantissa), exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp) as usize;
        strip_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

macro_rules! try_vec {
    ($v:expr, $($t:ty),*) => {$(
        if let Some(xs) = $v.downcast_ref::<Vec<$t>>() {
            let items: Vec<String> = xs.iter().map(|x| scalar(x).unwrap_or_default()).collect();
            return Some(format!("[{}]", items.join(", ")));
        }
    )*};
}

/// Lists of lists of the common element types: `[[1, 2], [3]]`.
macro_rules! try_vec_vec {
    ($v:expr, $($t:ty),*) => {$(
        if let Some(xss) = $v.downcast_ref::<Vec<Vec<$t>>>() {
            let rows: Vec<String> = xss
                .iter()
                .map(|xs| {
                    let items: Vec<String> =
                        xs.iter().map(|x| scalar(x).unwrap_or_default()).collect();
                    format!("[{}]", items.join(", "))
                })
                .collect();
            return Some(format!("[{}]", rows.join(", ")));
        }
    )*};
}

/// `Option`s of the scalar types: `Some(x)` prints as `x`, `None` prints nothing (as None,
/// nil and unit do).
macro_rules! try_option {
    ($v:expr, $($t:ty),*) => {$(
        if let Some(o) = $v.downcast_ref::<Option<$t>>() {
            return o.as_ref().and_then(|x| scalar(x));
        }
    )*};
}

/// The canonical text of a task's value, or None to print nothing (unit and types this
/// crate cannot format: a value is `dyn Any` here, so only the types listed can be seen).
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
    try_vec_vec!(
        v,
        i32,
        i64,
        u32,
        u64,
        usize,
        String,
        &'static str,
        bool,
        f64
    );
    try_option!(
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
        f32,
        char,
        String,
        &'static str,
        bool,
        f64,
        crate::Error
    );
    None
}

#[cfg(test)]
mod tests {
    use super::{float, repr_of};

    #[test]
    fn floats_print_the_canonical_g_form_of_every_language() {
        let cases: [(f64, &str); 14] = [
            (1.0, "1"),
            (0.5, "0.5"),
            (-0.0, "-0"),
            (0.1, "0.1"),
            (123456789.0, "123456789"),
            (9007199254740992.0, "9007199254740992"),
            (1e16, "1e+16"),
            (1e20, "1e+20"),
            (1e-7, "1e-07"),
            (0.0001, "0.0001"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(float(x), want, "{x:?}");
        }
        assert_eq!(float(-f64::NAN), "nan");
    }

    #[test]
    fn options_print_their_value_or_nothing() {
        // (differential test round 5: Option<&str> and Option<i64> printed nothing)
        assert_eq!(repr_of(&Some("s é")).as_deref(), Some("s é"));
        assert_eq!(repr_of(&Some(7i64)).as_deref(), Some("7"));
        assert_eq!(repr_of(&Some(0.5f64)).as_deref(), Some("0.5"));
        assert_eq!(repr_of(&Some(1.5f32)).as_deref(), Some("1.5"));
        assert_eq!(repr_of(&Some(String::from("x"))).as_deref(), Some("x"));
        assert_eq!(repr_of(&None::<i64>), None);
    }

    #[test]
    fn nested_lists_print_as_lists_of_lists() {
        let v: Vec<Vec<i64>> = vec![vec![1, 2], vec![3]];
        assert_eq!(repr_of(&v).as_deref(), Some("[[1, 2], [3]]"));
    }
}
