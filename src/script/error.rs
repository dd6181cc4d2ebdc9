//! The error value every async method of this crate resolves with on failure.

use gdnative::prelude::*;

/// What went wrong, as the `kind` string GDScript sees.
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

    /// The string GDScript reads from [`AsyncError::kind`].
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
/// Its Rust data is behind a lock (`RwLockData`), not gdnative's default
/// thread-local cell: an error made on another thread (a call refused off
/// the main thread) is released on the main thread, and the default cell
/// would leak its data then.
#[derive(NativeClass, Debug, Clone)]
#[inherit(Reference)]
#[user_data(gdnative::export::user_data::RwLockData<AsyncError>)]
#[no_constructor]
pub struct AsyncError {
    /// One of `"panic"`, `"bad_arguments"`, `"failed"`, `"timeout"`,
    /// `"cancelled"`, `"freed"` (see [`ErrorKind`]).
    #[property(no_editor)]
    pub kind: String,
    /// The name of the async method that failed.
    #[property(no_editor)]
    pub method: String,
    /// A human-readable description.
    #[property(no_editor)]
    pub message: String,
}

impl AsyncError {
    /// Creates an error value.
    pub fn new(kind: ErrorKind, method: &str, message: impl Into<String>) -> Self {
        AsyncError {
            kind: kind.as_str().to_owned(),
            method: method.to_owned(),
            message: message.into(),
        }
    }

    /// Prints the error to Godot's console (unless its kind is one the
    /// caller asked for, see [`ErrorKind::is_printed`]) and converts it to
    /// the Variant the method resolves with. Allocates one Godot object.
    pub fn report(self) -> Variant {
        if self.error_kind().map_or(true, ErrorKind::is_printed) {
            crate::godot::log::error(format_args!(
                "async method `{}` failed ({}): {}",
                self.method, self.kind, self.message
            ));
        }
        self.into_value()
    }

    /// Converts the error to the Variant a method resolves with, without
    /// printing it: for errors that were already reported where they
    /// happened and are only passed on.
    pub fn into_value(self) -> Variant {
        Instance::emplace(self).into_shared().owned_to_variant()
    }

    /// The error held by `value`, when `value` is an `AsyncError` object.
    /// Costs one script-type check for objects, nothing for other values.
    pub fn from_value(value: &Variant) -> Option<AsyncError> {
        if value.get_type() != VariantType::Object {
            return None;
        }
        let instance = Instance::<AsyncError, Shared>::from_variant(value).ok()?;
        // SAFETY: AsyncError is a Reference; `value` keeps it alive during
        // the call, and its data is behind a lock.
        unsafe { instance.assume_safe() }.map(|e, _| e.clone()).ok()
    }

    /// True when this error's kind is `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind.as_str()
    }

    /// The [`ErrorKind`] named by [`kind`](Self::kind) (`None` only if a
    /// script overwrote the property with an unknown name).
    pub fn error_kind(&self) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| self.is(*k))
    }
}

impl std::fmt::Display for AsyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed ({}): {}",
            self.method, self.kind, self.message
        )
    }
}

impl std::error::Error for AsyncError {}

#[methods]
impl AsyncError {
    /// Always `true`: lets scripts recognise the error value by duck typing.
    #[method]
    fn is_error(&self) -> bool {
        true
    }

    #[method]
    fn _to_string(&self) -> String {
        format!(
            "AsyncError({}: {}: {})",
            self.kind, self.method, self.message
        )
    }
}
