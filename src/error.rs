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
}

impl ErrorKind {
    /// The string GDScript reads from [`AsyncError::kind`].
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Panic => "panic",
            ErrorKind::BadArguments => "bad_arguments",
            ErrorKind::Failed => "failed",
        }
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
/// Every failure is also printed to Godot's console as an error when it
/// happens, so nothing fails silently.
#[derive(NativeClass, Debug, Clone)]
#[inherit(Reference)]
#[no_constructor]
pub struct AsyncError {
    /// One of `"panic"`, `"bad_arguments"`, `"failed"` (see [`ErrorKind`]).
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

    /// Prints the error to Godot's console and converts it to the Variant
    /// the method resolves with.
    pub fn report(self) -> Variant {
        crate::log::error(format_args!(
            "async method `{}` failed ({}): {}",
            self.method, self.kind, self.message
        ));
        Instance::emplace(self).into_shared().owned_to_variant()
    }
}

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
