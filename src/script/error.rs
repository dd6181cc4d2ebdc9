//! The Godot class `AsyncError`: the object scripts receive for an
//! [`AsyncError`] (the plain Rust error, `src/error.rs`), with `kind`,
//! `method` and `message` properties and an `is_error()` method.

use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};

/// The object behind an [`AsyncError`] value in scripts, registered as
/// the class `AsyncError`.
///
/// Its Rust data is behind a lock (`RwLockData`), not gdnative's default
/// thread-local cell: an error made on another thread (a call refused off
/// the main thread) is released on the main thread, and the default cell
/// would leak its data then.
#[derive(NativeClass, Debug, Clone)]
#[inherit(Reference)]
#[user_data(gdnative::export::user_data::RwLockData<ErrorObject>)]
#[no_constructor]
pub(crate) struct ErrorObject {
    /// One of `"panic"`, `"bad_arguments"`, `"failed"`, `"timeout"`,
    /// `"cancelled"`, `"freed"` (see [`ErrorKind`]).
    #[property(no_editor)]
    kind: String,
    /// The name of the async method that failed.
    #[property(no_editor)]
    method: String,
    /// A human-readable description.
    #[property(no_editor)]
    message: String,
}

#[methods]
impl ErrorObject {
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

impl AsyncError {
    /// Prints the error to Godot's console as `<method>: <kind>: <message>`
    /// at the Rust line it was made at (unless [`is_printed`](Self::is_printed)
    /// says no) and converts it to the Variant the method resolves with.
    /// Allocates one Godot object.
    pub fn report(self) -> Variant {
        if self.is_printed() {
            crate::godot::log::error_in(
                &self.method,
                self.location(),
                format_args!("{}: {}", self.kind.as_str(), self.message),
            );
        }
        self.into_value()
    }

    /// Converts the error to the Variant a method resolves with (an
    /// `AsyncError` object), without printing it: for errors that were
    /// already reported where they happened and are only passed on.
    pub fn into_value(self) -> Variant {
        let object = ErrorObject {
            kind: self.kind.as_str().to_owned(),
            method: self.method,
            message: self.message,
        };
        Instance::emplace(object).into_shared().owned_to_variant()
    }

    /// The error held by `value`, when `value` is an `AsyncError` object.
    /// Costs one script-type check for objects, nothing for other values.
    /// A `kind` a script overwrote with an unknown name reads as `failed`.
    #[track_caller]
    pub fn from_value(value: &Variant) -> Option<AsyncError> {
        if value.get_type() != VariantType::Object {
            return None;
        }
        let instance = Instance::<ErrorObject, Shared>::from_variant(value).ok()?;
        // SAFETY: the object is a Reference; `value` keeps it alive during
        // the call, and its data is behind a lock.
        let object = unsafe { instance.assume_safe() }
            .map(|e, _| e.clone())
            .ok()?;
        let kind = ErrorKind::from_name(&object.kind).unwrap_or(ErrorKind::Failed);
        Some(AsyncError::new(kind, &object.method, object.message))
    }
}
