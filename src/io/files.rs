//! File reads and writes for scripts, off the main thread: `Async.read_text`,
//! `read_bytes`, `write_text`, `write_bytes`.
//!
//! ```gdscript
//! var text = yield(Async.read_text("user://save.json"), "completed")
//! if text is Object and text.has_method("is_error"):
//!     print(text.message)   # e.g. read_text(user://save.json): not found
//! yield(Async.write_bytes("user://blob.bin", PoolByteArray([1, 2, 3])), "completed")
//! ```
//!
//! Writes replace the file whole: the writes to one path run in call order,
//! one at a time, each into a temporary file in the same folder
//! (`.<name>.<pid>-<n>.tmp`) that is flushed to disk and renamed over the
//! target; see [`write_text`].
//!
//! Paths may be absolute, `user://` or `res://` (globalized on the main
//! thread; `res://` is only a real directory in an unexported project).
//! The file work runs on the background runtime's blocking threads (see
//! [`spawn_blocking`](crate::background::spawn_blocking)); the result arrives in the
//! first frame after it is done. Failures resolve with an `AsyncError` of
//! kind `failed` whose message starts with the operation and path, then
//! one of `not found`, `permission denied`, `already exists`, `invalid
//! data` (not UTF-8 text) or the system's description.

use std::future::Future;
use std::io;
use std::path::PathBuf;

use gdnative::api::ProjectSettings;
use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::io::save::queue_write;
use crate::script::args::Args;
use crate::script::method::Refusal;

/// `read_text(path) -> String` (the file must be UTF-8).
pub(crate) fn read_text(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 1)?;
    let path = path(&args)?;
    Ok(run("read_text", path, |p| {
        std::fs::read_to_string(p).map(Data::Text)
    }))
}

/// `read_bytes(path) -> PoolByteArray`.
pub(crate) fn read_bytes(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 1)?;
    let path = path(&args)?;
    Ok(run("read_bytes", path, |p| {
        std::fs::read(p).map(Data::Bytes)
    }))
}

/// `write_text(path, text) -> int`: creates or replaces the file; resolves
/// with the number of bytes written.
///
/// Guarantees, for this and `write_bytes`: the writes to one path are
/// applied in the order of the calls and never interleave (a later call's
/// content is the one left, also when the calls are awaited together);
/// each write goes to a temporary file in the target's folder, is flushed
/// to disk and is renamed over the target, so a reader, or the disk after a
/// crash or power loss, sees the old file or the new one, never a mix. No
/// temporary file is left behind, also on failure. A symbolic link is
/// written through and the file keeps its permissions. Cancelling a write
/// that has not started skips it; one that started completes.
pub(crate) fn write_text(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 2)?;
    let path = path(&args)?;
    let text: String = args.get(1, "text")?;
    Ok(write("write_text", path, text.into_bytes()))
}

/// `write_bytes(path, bytes: PoolByteArray) -> int`.
pub(crate) fn write_bytes(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 2)?;
    let path = path(&args)?;
    let bytes: PoolArray<u8> = args.get(1, "bytes")?;
    Ok(write("write_bytes", path, bytes.to_vec()))
}

fn write(name: &'static str, path: String, bytes: Vec<u8>) -> impl Future<Output = Variant> {
    // Queued now, in the script's call, so the order is the calls' order.
    let done = queue_write(PathBuf::from(&path), bytes);
    async move {
        let written = done.await.unwrap_or_else(|_| {
            Err(io::Error::other(
                "the write was lost (its blocking thread stopped)",
            ))
        });
        finish(name, &path, written.map(Data::Written))
    }
}

/// The `path` argument, as a real file-system path.
fn path(args: &Args) -> Result<String, Refusal> {
    let path: String = args.get(0, "path")?;
    real_path(&path).map_err(|detail| Args::invalid(0, "path", detail).into())
}

/// A script's path (absolute, `res://` or `user://`) as a real file-system
/// path, globalized by Godot (main thread only); `Err` is the detail of a
/// bad argument.
pub(crate) fn real_path(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("must not be empty".into());
    }
    if path.contains("://") && !path.starts_with("res://") && !path.starts_with("user://") {
        return Err(format!(
            "only absolute, res:// and user:// paths, got {path}"
        ));
    }
    Ok(ProjectSettings::godot_singleton()
        .globalize_path(path)
        .to_string())
}

/// What a file operation produced, made into Godot values on the main
/// thread.
enum Data {
    Text(String),
    Bytes(Vec<u8>),
    Written(i64),
}

/// Runs `op` on a blocking thread; its result, or the error value.
fn run<F>(name: &'static str, path: String, op: F) -> impl Future<Output = Variant>
where
    F: FnOnce(&str) -> io::Result<Data> + Send + 'static,
{
    let shown = path.clone();
    let work = crate::background::spawn_blocking(move || op(&path));
    async move {
        match work.await {
            Ok(result) => finish(name, &shown, result),
            Err(error) => error.in_method(name).report(),
        }
    }
}

/// A file operation's result as a Godot value, or the error value for
/// `name(path)`.
fn finish(name: &'static str, path: &str, result: io::Result<Data>) -> Variant {
    match result {
        Ok(Data::Text(text)) => text.to_variant(),
        Ok(Data::Bytes(bytes)) => PoolArray::<u8>::from_vec(bytes).owned_to_variant(),
        Ok(Data::Written(len)) => len.to_variant(),
        Err(error) => {
            let failed = AsyncError::new(
                ErrorKind::Failed,
                name,
                format!("{name}({path}): {}", describe(&error)),
            );
            // A missing file is an outcome callers handle.
            match error.kind() {
                io::ErrorKind::NotFound => failed.expected(),
                _ => failed,
            }
            .report()
        }
    }
}

/// What went wrong, in the words the module docs promise.
pub(crate) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "not found".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::AlreadyExists => "already exists".into(),
        io::ErrorKind::InvalidData => "invalid data (not UTF-8 text?)".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words the module docs promise, for the OS errors behind them
    /// (EACCES cannot be provoked for real here: the tests run as root).
    #[test]
    fn os_errors_are_described_in_the_documented_words() {
        #[cfg(not(windows))]
        let cases = [
            (2, "not found"),          // ENOENT
            (13, "permission denied"), // EACCES
            (1, "permission denied"),  // EPERM
            (17, "already exists"),    // EEXIST
        ];
        // Windows' own codes for the same errors (scripts/windows.sh runs
        // this test under Wine).
        #[cfg(windows)]
        let cases = [
            (2, "not found"),         // ERROR_FILE_NOT_FOUND
            (3, "not found"),         // ERROR_PATH_NOT_FOUND
            (5, "permission denied"), // ERROR_ACCESS_DENIED
            (80, "already exists"),   // ERROR_FILE_EXISTS
            (183, "already exists"),  // ERROR_ALREADY_EXISTS
        ];
        for (errno, words) in cases {
            assert_eq!(
                describe(&io::Error::from_raw_os_error(errno)),
                words,
                "errno {errno}"
            );
        }
        let bad_text = io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        );
        assert_eq!(describe(&bad_text), "invalid data (not UTF-8 text?)");
        let other = io::Error::from_raw_os_error(28); // ENOSPC
        assert_eq!(describe(&other), other.to_string());
    }
}
