//! How Rust values travel through the core (`corral_value`).
//!
//! Queue items and watch-cell values are either *native* corral values, which every binding
//! understands (a queue can be handed to C, Python or Lua in the same process), or HOST
//! tokens of this binding (any other Rust type, moved without copying, only meaningful to
//! Rust). The choice is made by the item type, at compile time:
//!
//! | Rust type | corral value | notes |
//! |---|---|---|
//! | `()` | NONE | |
//! | `i64`, `i32`, `u32` | INT | reading an INT out of range of `i32`/`u32` fails with InvalidArgument |
//! | `u64`, `usize` | INT | the bit pattern (values above `i64::MAX` look negative to other languages) |
//! | `f64` | DOUBLE | |
//! | `Vec<u8>` | BYTES | the core copies the bytes when it takes the item |
//! | `String` | BYTES (UTF-8) | reading bytes that are not UTF-8 fails with InvalidArgument |
//! | [`Value`] | any of the above | the dynamically typed form, for mixed queues |
//! | anything else | HOST | a token of this binding; the core never looks inside |
//!
//! PTR values (C pointers with a destructor) are not readable as Rust items: reading one
//! fails with InvalidArgument and runs its destructor.
use crate::driver::{Driver, BINDING_VALUE};
use crate::error::{Error, ErrorKind, Result};
use corral_sys as sys;
use std::any::{Any, TypeId};
use std::fmt;

/// A dynamically typed corral value: what a C, Python or Lua producer may put into a queue
/// shared with Rust (R60, "cross-language values"). Use `Queue<Value>` for a queue whose
/// items have mixed types; a queue of one type can use that type directly (`Queue<i64>`).
///
/// How queue items and watch-cell values travel, chosen by the item type at compile time:
///
/// | Rust type | corral value | notes |
/// |---|---|---|
/// | `()` | NONE | |
/// | `i64`, `i32`, `u32` | INT | reading an INT out of range of `i32`/`u32` fails with InvalidArgument |
/// | `u64`, `usize` | INT | the bit pattern (values above `i64::MAX` look negative to other languages) |
/// | `f64` | DOUBLE | |
/// | `Vec<u8>` | BYTES | the core copies the bytes when it takes the item |
/// | `String` | BYTES (UTF-8) | reading bytes that are not UTF-8 fails with InvalidArgument |
/// | `Value` | any of the above | the dynamically typed form, for mixed queues |
/// | anything else | HOST | a token of this binding, moved without a copy; only Rust can read it |
///
/// A C PTR value (a pointer with a destructor) is not readable as a Rust item: reading one
/// fails with InvalidArgument and runs its destructor. A HOST token of another binding
/// fails with InvalidArgument (and stays that binding's).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// NONE (Python `None`, Lua `nil`, C `CORRAL_VALUE_NONE`).
    #[default]
    None,
    /// INT.
    Int(i64),
    /// DOUBLE.
    Double(f64),
    /// BYTES (a byte string; copied by the core).
    Bytes(Vec<u8>),
}

impl fmt::Display for Value {
    /// The trace's canonical text: integers, floats as the core prints them, bytes as text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::Bytes(b) => f.write_str(&String::from_utf8_lossy(b)),
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Double(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Bytes(v.as_bytes().to_vec())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Bytes(v.into_bytes())
    }
}

pub(crate) fn wrong_type() -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        "the value is not a Rust value of the expected type",
    )
}

fn is<T: 'static, U: 'static>() -> bool {
    TypeId::of::<T>() == TypeId::of::<U>()
}

/// `a` as a `B` when `A` and `B` are the same type (a no-op after monomorphisation).
fn cast<A: 'static, B: 'static>(a: A) -> Option<B> {
    let mut slot = Some(a);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<B>>()
        .and_then(Option::take)
}

fn cast_ref<A: 'static, B: 'static>(a: &A) -> Option<&B> {
    (a as &dyn Any).downcast_ref::<B>()
}

/// True when `T` travels as a native corral value.
pub(crate) fn is_native<T: 'static>() -> bool {
    is::<T, ()>()
        || is::<T, i64>()
        || is::<T, i32>()
        || is::<T, u32>()
        || is::<T, u64>()
        || is::<T, usize>()
        || is::<T, f64>()
        || is::<T, Vec<u8>>()
        || is::<T, String>()
        || is::<T, Value>()
}

fn int(i: i64) -> sys::corral_value {
    sys::corral_value {
        type_: sys::CORRAL_VALUE_INT,
        as_: sys::corral_value_as { i },
        ..Default::default()
    }
}

fn bytes(b: &[u8]) -> sys::corral_value {
    sys::corral_value {
        type_: sys::CORRAL_VALUE_BYTES,
        as_: sys::corral_value_as {
            p: b.as_ptr().cast(),
        },
        len: b.len() as u64,
        ..Default::default()
    }
}

/// The native corral value of `x` (borrowing its bytes), or None when `T` is not native.
fn native_raw<T: 'static>(x: &T) -> Option<sys::corral_value> {
    if is::<T, ()>() {
        return Some(sys::corral_value::default());
    }
    if let Some(i) = cast_ref::<T, i64>(x) {
        return Some(int(*i));
    }
    if let Some(i) = cast_ref::<T, i32>(x) {
        return Some(int(*i as i64));
    }
    if let Some(i) = cast_ref::<T, u32>(x) {
        return Some(int(*i as i64));
    }
    if let Some(i) = cast_ref::<T, u64>(x) {
        return Some(int(*i as i64));
    }
    if let Some(i) = cast_ref::<T, usize>(x) {
        return Some(int(*i as i64));
    }
    if let Some(d) = cast_ref::<T, f64>(x) {
        return Some(sys::corral_value {
            type_: sys::CORRAL_VALUE_DOUBLE,
            as_: sys::corral_value_as { d: *d },
            ..Default::default()
        });
    }
    if let Some(b) = cast_ref::<T, Vec<u8>>(x) {
        return Some(bytes(b));
    }
    if let Some(s) = cast_ref::<T, String>(x) {
        return Some(bytes(s.as_bytes()));
    }
    if let Some(v) = cast_ref::<T, Value>(x) {
        return Some(match v {
            Value::None => sys::corral_value::default(),
            Value::Int(i) => int(*i),
            Value::Double(d) => native_raw(d)?,
            Value::Bytes(b) => bytes(b),
        });
    }
    None
}

/// A `T` read from a native value the caller does not own (copied); None when `T` is not
/// native.
fn native_from<T: 'static>(v: &sys::corral_value) -> Option<Result<T>> {
    if !is_native::<T>() {
        return None;
    }
    // SAFETY: each union member is read only for its own type tag; BYTES point to `len`
    // bytes owned by the core or the caller for the duration of this call.
    let dynamic = unsafe {
        match v.type_ {
            sys::CORRAL_VALUE_NONE => Some(Value::None),
            sys::CORRAL_VALUE_INT => Some(Value::Int(v.as_.i)),
            sys::CORRAL_VALUE_DOUBLE => Some(Value::Double(v.as_.d)),
            sys::CORRAL_VALUE_BYTES => Some(Value::Bytes(if v.len == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(v.as_.p.cast::<u8>(), v.len as usize).to_vec()
            })),
            _ => None,
        }
    };
    let Some(dynamic) = dynamic else {
        return Some(Err(wrong_type()));
    };
    Some(typed(dynamic).ok_or_else(wrong_type))
}

fn typed<T: 'static>(v: Value) -> Option<T> {
    if is::<T, Value>() {
        return cast(v);
    }
    match v {
        Value::None => cast(()),
        Value::Int(i) => cast(i)
            .or_else(|| cast(i32::try_from(i).ok()?))
            .or_else(|| cast(u32::try_from(i).ok()?))
            .or_else(|| cast(i as u64))
            .or_else(|| cast(i as usize)),
        Value::Double(d) => cast(d),
        Value::Bytes(b) => {
            if is::<T, String>() {
                cast(String::from_utf8(b).ok()?)
            } else {
                cast(b)
            }
        }
    }
}

/// An item a put operation (queue put, watch put) carries into the core: encoded on the
/// first poll, and given back to Rust (then dropped) unless the core took it.
pub(crate) struct Outgoing<T: 'static> {
    item: Option<T>,
    enc: Option<Encoded<T>>,
}

impl<T: 'static> Outgoing<T> {
    pub(crate) fn new(item: T) -> Outgoing<T> {
        Outgoing {
            item: Some(item),
            enc: None,
        }
    }

    /// The corral value to submit (the item is encoded on the first call).
    pub(crate) fn raw(&mut self, d: &Driver) -> sys::corral_value {
        if let Some(item) = self.item.take() {
            self.enc = Some(Encoded::new(d, item));
        }
        self.enc.as_ref().map(|e| e.raw).unwrap_or_default()
    }

    /// The operation ended with `status`: anything but 0 means the core did not take the
    /// item (cancelled at entry, closed, timed out), so it is still ours and dropped here.
    pub(crate) fn settle(&mut self, d: &Driver, status: i32) {
        if let Some(enc) = self.enc.take() {
            if status != 0 {
                drop(enc.reclaim(d));
            }
        }
    }

    /// The operation was withdrawn without effect (R31): the item was never taken.
    pub(crate) fn withdrawn(&mut self, d: &Driver) {
        if let Some(enc) = self.enc.take() {
            drop(enc.reclaim(d));
        }
    }
}

/// An item on its way into the core: the corral value submitted, and what must happen to
/// the Rust item afterwards.
pub(crate) struct Encoded<T> {
    pub(crate) raw: sys::corral_value,
    /// Native: the item itself (the raw value may point into it; the core copies BYTES when
    /// it takes them). HOST: None (the item is in the driver's slab under the token).
    keep: Option<T>,
}

impl<T: 'static> Encoded<T> {
    pub(crate) fn new(d: &Driver, item: T) -> Encoded<T> {
        match native_raw(&item) {
            Some(raw) => Encoded {
                raw,
                keep: Some(item),
            },
            None => Encoded {
                raw: d.put_value(Box::new(item)),
                keep: None,
            },
        }
    }

    /// The core did not take the item: get it back.
    pub(crate) fn reclaim(self, d: &Driver) -> T {
        match self.keep {
            Some(item) => item,
            None => match d.take_value(&self.raw).map(|b| b.downcast::<T>()) {
                Some(Ok(b)) => *b,
                _ => unreachable!("the token just stored holds a T"),
            },
        }
    }
}

/// Take a `T` out of a value the caller owns (a queue item): a HOST token of ours is moved
/// out of the slab, a native value is copied and then released. Another type: the value is
/// released and InvalidArgument returned.
pub(crate) fn take_owned<T: 'static>(d: &Driver, v: &mut sys::corral_value) -> Result<T> {
    if v.type_ == sys::CORRAL_VALUE_HOST {
        if v.binding != BINDING_VALUE {
            return Err(wrong_type()); // another binding's token: not ours to read or drop
        }
        return match d.take_value(v) {
            Some(b) => b.downcast::<T>().map(|b| *b).map_err(|_| wrong_type()),
            None => Err(wrong_type()),
        };
    }
    let r = native_from::<T>(v).unwrap_or_else(|| Err(wrong_type()));
    // SAFETY: an owned BYTES/PTR value: its copy / destructor is ours to release.
    unsafe { sys::corral_value_clear(v) };
    r
}

/// A copy of a value the core keeps (a watch cell's current value).
pub(crate) fn clone_borrowed<T: Clone + 'static>(d: &Driver, v: &sys::corral_value) -> Result<T> {
    if v.type_ == sys::CORRAL_VALUE_HOST {
        return d.clone_value::<T>(v).ok_or_else(wrong_type);
    }
    native_from::<T>(v).unwrap_or_else(|| Err(wrong_type()))
}

/// Release a value the caller owns without reading it.
pub(crate) fn drop_owned(d: &Driver, v: &mut sys::corral_value) {
    if v.type_ == sys::CORRAL_VALUE_HOST {
        if let Some(b) = d.take_value(v) {
            drop(b);
        }
    } else {
        // SAFETY: an owned value.
        unsafe { sys::corral_value_clear(v) };
    }
}
