//! The crate's error type, plain Rust: what went wrong ([`ErrorKind`]),
//! in which method, and a message. Rust APIs (background work, services,
//! signal waits) return it; scripts receive it as the Godot class
//! `AsyncError` (`src/script/error.rs`, see [`AsyncError::report`]).

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};

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

    /// Whether errors of this kind are printed by default. Failures
    /// (`panic`, `bad_arguments`, `failed`, `freed`) are; outcomes the
    /// caller asked for (`timeout`, `cancelled`) are not. See
    /// [`AsyncError::is_printed`].
    pub fn is_printed(self) -> bool {
        !matches!(self, ErrorKind::Timeout | ErrorKind::Cancelled)
    }
}

/// The value an async method resolves with when it fails: a `Reference`
/// with `kind`, `method` and `message` properties and an `is_error()`
/// method, so a script can tell it apart from any real result:
///
/// ```gdscript
/// var r = yield(Async.read_text("user://missing.txt"), "completed")
/// if Async.is_error(r):
///     print("%s failed (%s): %s" % [r.method, r.kind, r.message])
/// ```
///
/// (`r is AsyncError` does not work in Godot 3: a NativeScript class is no
/// global type for `is`; `Async.is_error(r)` and `Async.is_error(r, "timeout")`
/// are the short checks.)
///
/// Where it happens, an error is printed to Godot's console once, as
/// `ERROR: <method>: <kind>: <message>` with the Rust source line it was
/// made at, so programming errors never fail silently. Not printed (unless
/// [`set_print_all_errors`]`(true)`, `Async.set_print_all_errors(true)`
/// in scripts): outcomes the caller asked for (`timeout`, `cancelled`, see
/// [`ErrorKind::is_printed`]) and outcomes a caller handles (marked
/// [`expected`](Self::expected): a file not found, a peer that closed the
/// connection, a full service queue). Combinators that pass an item's
/// failure on (`Async.all`) do not print it again.
#[derive(Debug, Clone)]
pub struct AsyncError {
    /// What went wrong; scripts read it as a string (`"panic"`,
    /// `"bad_arguments"`, `"failed"`, `"timeout"`, `"cancelled"`, `"freed"`).
    pub kind: ErrorKind,
    /// The name of the method the script called.
    pub method: String,
    /// A human-readable description.
    pub message: String,
    expected: bool,
    location: &'static Location<'static>,
}

/// Whether every error is printed, expected outcomes included.
static PRINT_ALL: AtomicBool = AtomicBool::new(false);

/// Prints every [`AsyncError`] from now on, also the outcomes a caller
/// handles or asked for (`timeout`, `cancelled`, a file not found, a
/// closed peer, a busy queue), e.g. while debugging; `false` returns to the
/// default. Scripts call `Async.set_print_all_errors(true)`.
pub fn set_print_all_errors(on: bool) {
    PRINT_ALL.store(on, Ordering::Relaxed);
}

impl AsyncError {
    /// Creates an error value, made at the caller's source line (which the
    /// console message shows).
    #[track_caller]
    pub fn new(kind: ErrorKind, method: &str, message: impl Into<String>) -> Self {
        AsyncError {
            kind,
            method: method.to_owned(),
            message: message.into(),
            expected: false,
            location: Location::caller(),
        }
    }

    /// Marks the error as an outcome the caller handles (a file not found,
    /// a closed peer, a full queue): not printed by default.
    pub fn expected(mut self) -> Self {
        self.expected = true;
        self
    }

    /// The same error, named after `method` (the method the script called,
    /// when the error came from a lower layer).
    pub fn in_method(mut self, method: &str) -> Self {
        method.clone_into(&mut self.method);
        self
    }

    /// True when this error's kind is `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }

    /// Whether reporting this error prints it: failures do, outcomes the
    /// caller asked for or handles do not, everything does after
    /// [`set_print_all_errors`]`(true)`.
    pub fn is_printed(&self) -> bool {
        PRINT_ALL.load(Ordering::Relaxed) || (self.kind.is_printed() && !self.expected)
    }

    /// The Rust source line the error was made at.
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

/// Errors are equal when kind, method and message are; where they were
/// made does not count.
impl PartialEq for AsyncError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.method == other.method && self.message == other.message
    }
}

impl Eq for AsyncError {}

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
