//! The crate's error type, plain Rust: what went wrong ([`ErrorKind`]),
//! in which method, and a message. Rust APIs (background work, services,
//! signal waits) return it; scripts receive it as the Godot class
//! `AsyncError` (`src/script/error.rs`, see [`AsyncError::report`]).

/// What went wrong; GDScript sees it as the error's `kind` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The Rust future panicked; `message` has the panic message.
    Panic,
    /// Wrong argument count or types; `message` says which.
    BadArguments,
    /// The operation itself failed (an `Err` returned from Rust).
    Failed,
    /// A time limit set by the caller passed first (`Async.timeout`,
    /// `Async.signal` with a timeout). Not printed: the caller asked for it.
    Timeout,
    /// The task was cancelled (`AsyncTask.cancel()`, or by a combinator
    /// that owned it). Not printed: the caller asked for it.
    Cancelled,
    /// An object the operation waited on was freed first.
    Freed,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Panic,
        ErrorKind::BadArguments,
        ErrorKind::Failed,
        ErrorKind::Timeout,
        ErrorKind::Cancelled,
        ErrorKind::Freed,
    ];

    /// The string GDScript reads from an `AsyncError`'s `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Panic => "panic",
            ErrorKind::BadArguments => "bad_arguments",
            ErrorKind::Failed => "failed",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Freed => "freed",
        }
    }

    /// The kind named `name` (as [`as_str`](Self::as_str) writes it).
    pub(crate) fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether [`AsyncError::report`] prints errors of this kind. Failures
    /// (`panic`, `bad_arguments`, `failed`, `freed`) are printed; outcomes
    /// the caller asked for (`timeout`, `cancelled`) are not.
    pub fn is_printed(self) -> bool {
        !matches!(self, ErrorKind::Timeout | ErrorKind::Cancelled)
    }
}

/// The value an async method resolves with when it fails: a `Reference`
/// with `kind`, `method` and `message` properties and an `is_error()`
/// method, so a script can tell it apart from any real result:
///
/// ```gdscript
/// var r = yield(demo.delay(0.5), "completed")
/// if r is Object and r.has_method("is_error"):
///     push_error("%s failed (%s): %s" % [r.method, r.kind, r.message])
/// ```
///
/// Every failure is also printed to Godot's console as an error once, where
/// it happens, so nothing fails silently; `timeout` and `cancelled` are the
/// exceptions (see [`ErrorKind::is_printed`]). Combinators that pass an
/// item's failure on (`Async.all`) do not print it again.
///
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncError {
    /// What went wrong; scripts read it as a string (`"panic"`,
    /// `"bad_arguments"`, `"failed"`, `"timeout"`, `"cancelled"`, `"freed"`).
    pub kind: ErrorKind,
    /// The name of the async method that failed.
    pub method: String,
    /// A human-readable description.
    pub message: String,
}

impl AsyncError {
    /// Creates an error value.
    pub fn new(kind: ErrorKind, method: &str, message: impl Into<String>) -> Self {
        AsyncError {
            kind,
            method: method.to_owned(),
            message: message.into(),
        }
    }

    /// True when this error's kind is `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
}

impl std::fmt::Display for AsyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed ({}): {}",
            self.method,
            self.kind.as_str(),
            self.message
        )
    }
}

impl std::error::Error for AsyncError {}
