//! `corral::Error`: one error type with an [`ErrorKind`] per outcome kind of semantics R2.
use corral_sys as sys;
use std::ffi::{CStr, CString};
use std::fmt;
use std::ptr;

/// `Result<T, corral::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The outcome kinds of semantics R2, plus `Closed` (a handle of a closed runtime) and
/// `Os` (a system errno). `Cancelled` is control flow: corral awaitables return it while
/// the task's cancellation is pending; propagate it with `?`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Cancelled (`CORRAL_ECANCELLED`): control flow, never an error of a FAILED task.
    Cancelled,
    /// Timeout (`CORRAL_ETIMEOUT`): a `fail_*` scope or a per-call deadline.
    Timeout,
    /// TaskCancelled (`CORRAL_ETASKCANCELLED`): the joined task ended CANCELLED.
    TaskCancelled,
    /// FutureCancelled (`CORRAL_EFUTURECANCELLED`): the awaited future was cancelled.
    FutureCancelled,
    /// InvalidState (`CORRAL_EINVALIDSTATE`).
    InvalidState,
    /// InvalidArgument (`CORRAL_EINVALIDARG`).
    InvalidArgument,
    /// GroupClosed (`CORRAL_EGROUPCLOSED`).
    GroupClosed,
    /// QueueClosed (`CORRAL_EQUEUECLOSED`).
    QueueClosed,
    /// QueueEmpty (`CORRAL_EQUEUEEMPTY`).
    QueueEmpty,
    /// QueueFull (`CORRAL_EQUEUEFULL`).
    QueueFull,
    /// ErrorGroup (`CORRAL_EERRORGROUP`).
    ErrorGroup,
    /// StrayCancellation (`CORRAL_ESTRAYCANCELLATION`, R14).
    StrayCancellation,
    /// CleanupTimeout (`CORRAL_ECLEANUPTIMEOUT`, R66).
    CleanupTimeout,
    /// Deadlock (`CORRAL_EDEADLOCK`, R10).
    Deadlock,
    /// User(kind, message) (`CORRAL_EUSER`): an error raised by user code;
    /// [`Error::kind_name`] gives its kind ("ValueError", "Panic", ...).
    User,
    /// The handle or its runtime was closed (`CORRAL_ECLOSED`).
    Closed,
    /// The loop was stopped by `corral_rt_stop` (`CORRAL_ESTOPPED`).
    Stopped,
    /// A system failure: the errno value (e.g. `ENOMEM`).
    Os(i32),
}

impl ErrorKind {
    /// The kind of a `CORRAL_E*` code (or a negative errno).
    pub fn from_code(code: i32) -> ErrorKind {
        use ErrorKind::*;
        match code {
            sys::CORRAL_ECANCELLED => Cancelled,
            sys::CORRAL_ETIMEOUT => Timeout,
            sys::CORRAL_ETASKCANCELLED => TaskCancelled,
            sys::CORRAL_EFUTURECANCELLED => FutureCancelled,
            sys::CORRAL_EINVALIDSTATE => InvalidState,
            sys::CORRAL_EINVALIDARG => InvalidArgument,
            sys::CORRAL_EGROUPCLOSED => GroupClosed,
            sys::CORRAL_EQUEUECLOSED => QueueClosed,
            sys::CORRAL_EQUEUEEMPTY => QueueEmpty,
            sys::CORRAL_EQUEUEFULL => QueueFull,
            sys::CORRAL_EERRORGROUP => ErrorGroup,
            sys::CORRAL_ESTRAYCANCELLATION => StrayCancellation,
            sys::CORRAL_ECLEANUPTIMEOUT => CleanupTimeout,
            sys::CORRAL_EDEADLOCK => Deadlock,
            sys::CORRAL_EUSER => User,
            sys::CORRAL_ECLOSED => Closed,
            sys::CORRAL_ESTOPPED => Stopped,
            other => Os(-other),
        }
    }

    /// The `CORRAL_E*` code of this kind.
    pub fn code(self) -> i32 {
        use ErrorKind::*;
        match self {
            Cancelled => sys::CORRAL_ECANCELLED,
            Timeout => sys::CORRAL_ETIMEOUT,
            TaskCancelled => sys::CORRAL_ETASKCANCELLED,
            FutureCancelled => sys::CORRAL_EFUTURECANCELLED,
            InvalidState => sys::CORRAL_EINVALIDSTATE,
            InvalidArgument => sys::CORRAL_EINVALIDARG,
            GroupClosed => sys::CORRAL_EGROUPCLOSED,
            QueueClosed => sys::CORRAL_EQUEUECLOSED,
            QueueEmpty => sys::CORRAL_EQUEUEEMPTY,
            QueueFull => sys::CORRAL_EQUEUEFULL,
            ErrorGroup => sys::CORRAL_EERRORGROUP,
            StrayCancellation => sys::CORRAL_ESTRAYCANCELLATION,
            CleanupTimeout => sys::CORRAL_ECLEANUPTIMEOUT,
            Deadlock => sys::CORRAL_EDEADLOCK,
            User => sys::CORRAL_EUSER,
            Closed => sys::CORRAL_ECLOSED,
            Stopped => sys::CORRAL_ESTOPPED,
            Os(e) => -e,
        }
    }

    /// The R2 name ("Cancelled", "Timeout", ...; "Errno" for `Os`).
    pub fn name(self) -> &'static str {
        // SAFETY: corral_error_name returns a static string for any code (Thread: any).
        unsafe {
            CStr::from_ptr(sys::corral_error_name(self.code()))
                .to_str()
                .unwrap_or("?")
        }
    }
}

/// An error from corral or from a task. Wraps the core's refcounted error object, so an
/// error that a task fails with arrives at its joiners as the same object
/// ([`Error::same_as`]). Cheap to clone. `!Send`: it belongs to its runtime's thread.
pub struct Error {
    code: i32,
    raw: *mut sys::corral_error,
}

impl Error {
    /// The `Cancelled` control-flow error (no message).
    pub fn cancelled() -> Error {
        Error {
            code: sys::CORRAL_ECANCELLED,
            raw: ptr::null_mut(),
        }
    }

    /// An error of `kind` with a message (`User` needs [`Error::user`]).
    pub fn new(kind: ErrorKind, msg: &str) -> Error {
        if kind == ErrorKind::User {
            return Error::user("Error", msg);
        }
        Error::make(kind.code(), None, Some(msg))
    }

    /// A user error `User(kind, msg)`, printed `kind:msg` in traces (e.g. `ValueError:w`).
    pub fn user(kind: &str, msg: &str) -> Error {
        Error::make(sys::CORRAL_EUSER, Some(kind), Some(msg))
    }

    fn make(code: i32, kind: Option<&str>, msg: Option<&str>) -> Error {
        let kind = kind.map(|k| cstring(if k.is_empty() { "Error" } else { k }));
        let msg = msg.filter(|m| !m.is_empty()).map(cstring);
        let mut raw = ptr::null_mut();
        // SAFETY: strings are NUL-terminated and copied by the core (Thread: any).
        let rc = unsafe {
            sys::corral_error_new(
                &mut raw,
                code,
                kind.as_ref().map_or(ptr::null(), |k| k.as_ptr()),
                msg.as_ref().map_or(ptr::null(), |m| m.as_ptr()),
            )
        };
        if rc < 0 {
            raw = ptr::null_mut();
        }
        Error { code, raw }
    }

    /// An error for a failed corral call: its code plus the thread's last error message.
    pub(crate) fn last(code: i32) -> Error {
        if code == sys::CORRAL_ECANCELLED {
            return Error::cancelled();
        }
        // SAFETY: thread-local message, copied at once.
        let msg = unsafe { CStr::from_ptr(sys::corral_last_error_message()) }
            .to_string_lossy()
            .into_owned();
        Error::make(code, None, Some(&msg))
    }

    /// An outcome `code` with the core's (borrowed) error object, which is referenced.
    pub(crate) fn from_outcome(code: i32, raw: *mut sys::corral_error) -> Error {
        if !raw.is_null() {
            // SAFETY: raw is a live error borrowed from a record or a task.
            return Error {
                code,
                raw: unsafe { sys::corral_error_ref(raw) },
            };
        }
        Error {
            code,
            raw: ptr::null_mut(),
        }
    }

    /// An error with only a code (no message).
    pub fn from_code(code: i32) -> Error {
        if code >= 0 {
            return Error::new(ErrorKind::InvalidArgument, "error code must be negative");
        }
        Error {
            code,
            raw: ptr::null_mut(),
        }
    }

    /// The kind (R2).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }

    /// The `CORRAL_E*` code.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// True for `Cancelled`.
    pub fn is_cancelled(&self) -> bool {
        self.code == sys::CORRAL_ECANCELLED
    }

    /// The kind as printed in traces: the R2 name, or the user kind for `User` errors.
    pub fn kind_name(&self) -> String {
        if !self.raw.is_null() {
            // SAFETY: raw is referenced by self; the string is borrowed while it lives.
            let k = unsafe { CStr::from_ptr(sys::corral_error_kind(self.raw)) };
            if !k.to_bytes().is_empty() {
                return k.to_string_lossy().into_owned();
            }
        }
        self.kind().name().to_string()
    }

    /// The message ("" if none).
    pub fn message(&self) -> String {
        if self.raw.is_null() {
            return String::new();
        }
        // SAFETY: as in kind_name.
        unsafe { CStr::from_ptr(sys::corral_error_message(self.raw)) }
            .to_string_lossy()
            .into_owned()
    }

    /// True when both are the same core error object (R16: join re-raises the same error).
    pub fn same_as(&self, other: &Error) -> bool {
        !self.raw.is_null() && self.raw == other.raw
    }

    /// The error that was being handled when this one was raised (R67: an exit callback's
    /// error has the error it unwound with as context), if any. It is part of the trace text:
    /// `ValueError:E1 <- ValueError:E2`.
    pub fn context(&self) -> Option<Error> {
        // SAFETY: NULL-safe; the context is borrowed from self and referenced by from_outcome.
        let c = unsafe { sys::corral_error_context(self.raw) };
        (!c.is_null()).then(|| Error::from_outcome(unsafe { sys::corral_error_code(c) }, c))
    }

    /// This error with `context` attached as the error it replaced (R67), unless that would
    /// make the context chain a cycle. The core object is shared by every clone, so a clone
    /// sees the context too (Python's `__context__` is set the same way). A message-less error
    /// (`Error::from_code`) gets an object first; a message-less context is given one too.
    pub(crate) fn with_context(mut self, context: &Error) -> Error {
        let context = if context.raw.is_null() {
            Error::make(context.code, None, None)
        } else {
            context.clone()
        };
        if self.raw.is_null() {
            self = Error::make(self.code, None, None);
        }
        if self.raw.is_null() || context.raw.is_null() || context.chain_contains(&self) {
            return self; // out of memory, or a cycle
        }
        // SAFETY: both are live; the core takes its own reference to the context.
        unsafe { sys::corral_error_set_context(self.raw, context.raw) };
        self
    }

    /// True when `e` is this error or one of its contexts (the same core object).
    fn chain_contains(&self, e: &Error) -> bool {
        let mut c = self.raw;
        while !c.is_null() {
            if c == e.raw {
                return true;
            }
            // SAFETY: c is borrowed from a live chain.
            c = unsafe { sys::corral_error_context(c) };
        }
        false
    }

    /// The member errors of an `ErrorGroup` (R54), in the order they were recorded (each is
    /// the member's own error object, [`Error::same_as`]); empty for other errors.
    pub fn group_errors(&self) -> Vec<Error> {
        // SAFETY: raw is referenced by self (NULL-safe); members are borrowed from it and
        // referenced by from_outcome.
        unsafe {
            let n = sys::corral_error_group_size(self.raw);
            (0..n)
                .map(|i| sys::corral_error_group_get(self.raw, i))
                .filter(|m| !m.is_null())
                .map(|m| Error::from_outcome(sys::corral_error_code(m), m))
                .collect()
        }
    }

    /// An `ErrorGroup` (R54) holding `errors` in order, each as the same object
    /// ([`Error::same_as`]); its message is the canonical list `[ValueError:a, ...]`.
    /// `Cancelled` cannot be a member: InvalidArgument.
    pub fn group(errors: &[Error]) -> Result<Error> {
        if errors.iter().any(Error::is_cancelled) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "an ErrorGroup never holds Cancelled (R54)",
            ));
        }
        let members: Vec<Error> = errors
            .iter()
            .map(|e| {
                if e.raw.is_null() {
                    Error::make(e.code, None, None)
                } else {
                    e.clone()
                }
            })
            .collect();
        let raws: Vec<*mut sys::corral_error> = members.iter().map(|e| e.raw).collect();
        let mut raw = ptr::null_mut();
        // SAFETY: raws holds live errors; the core takes its own references.
        let rc = unsafe { sys::corral_error_new_group(&mut raw, raws.as_ptr(), raws.len()) };
        if rc < 0 {
            return Err(Error::last(rc));
        }
        Ok(Error {
            code: sys::CORRAL_EERRORGROUP,
            raw,
        })
    }

    /// True for an `ErrorGroup` (what the issue calls `Error::Group`: the kind is
    /// [`ErrorKind::ErrorGroup`], its members are [`Error::group_errors`]).
    pub fn is_group(&self) -> bool {
        self.code == sys::CORRAL_EERRORGROUP
    }

    /// True for a fatal error (R58): a panic of a runtime built with
    /// [`crate::RuntimeBuilder::fatal_panics`].
    pub fn is_fatal(&self) -> bool {
        // SAFETY: NULL-safe; raw is referenced by self.
        unsafe { sys::corral_error_is_fatal(self.raw) == 1 }
    }

    /// The raw error object (borrowed; NULL for message-less errors such as `Cancelled`).
    pub fn as_raw(&self) -> *mut sys::corral_error {
        self.raw
    }
}

pub(crate) fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\\0")).expect("NULs replaced")
}

impl Clone for Error {
    fn clone(&self) -> Error {
        // SAFETY: NULL-safe, atomic.
        Error {
            code: self.code,
            raw: unsafe { sys::corral_error_ref(self.raw) },
        }
    }
}

impl Drop for Error {
    fn drop(&mut self) {
        // SAFETY: releases the one reference this value owns; NULL-safe.
        unsafe { sys::corral_error_unref(self.raw) }
    }
}

impl fmt::Display for Error {
    /// The canonical trace text `Kind[:msg][ <- context]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.raw.is_null() {
            return f.write_str(self.kind().name());
        }
        let mut buf = vec![0u8; 256];
        loop {
            // SAFETY: buf has buf.len() bytes; the call NUL-terminates.
            let n =
                unsafe { sys::corral_error_format(self.raw, buf.as_mut_ptr().cast(), buf.len()) }
                    as usize;
            if n < buf.len() {
                return f.write_str(&String::from_utf8_lossy(&buf[..n]));
            }
            buf.resize(n + 1, 0);
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corral::Error({self})")
    }
}

impl std::error::Error for Error {}

impl PartialEq<ErrorKind> for Error {
    fn eq(&self, kind: &ErrorKind) -> bool {
        self.kind() == *kind
    }
}

/// A C return code as a Result (the code itself when non-negative).
pub(crate) fn check(rc: i32) -> Result<i32> {
    if rc < 0 {
        Err(Error::last(rc))
    } else {
        Ok(rc)
    }
}
