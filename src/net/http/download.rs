//! `Async.http_download`: a response body streamed to a file.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;

use futures::StreamExt;
use gdnative::prelude::*;

use crate::error::ErrorKind;
use crate::io::save::TempFile;
use crate::script::args::Args;
use crate::script::method::Refusal;
use crate::script::progress::Progress;

use super::client::{self, Failure};
use super::options::{self, Spec};
use super::response::Head;

/// The most of a non-2xx body a download keeps (it is not saved).
const MAX_ERROR_BODY: usize = 1 << 20;

/// `http_download(url, path, options = {}) -> Dictionary`: streams the
/// body of a 2xx response into `path` (absolute, `user://`; `res://` in an
/// unexported project). Resolves with `{"status", "headers", "url",
/// "path": the real path, "size": bytes saved, "saved": true}`; a non-2xx
/// response saves nothing and resolves with `"saved": false` and its
/// `"text"` (the first MiB).
///
/// Guarantees: memory stays flat whatever the size (the body goes to disk
/// piece by piece); `progress(bytes)` is emitted as bytes arrive (at most
/// once per frame, never decreasing; the task's `progress_total` is the
/// announced size or -1); the body goes to a temporary file beside the
/// target that is flushed to disk and renamed over it only once complete,
/// so a failed, timed-out or cancelled download leaves no file under the
/// target name (an existing one stays as it was) and no temporary file.
/// `timeout` limits the wait for the headers and each wait for data, not
/// the whole download.
pub(crate) fn http_download(
    args: Args,
    progress: Progress,
) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 3)?;
    let spec = options::parse(&args, 2)?;
    let text: String = args.get(1, "path")?;
    let path = crate::io::files::real_path(&text).map_err(|d| Args::invalid(1, "path", d))?;
    let target = PathBuf::from(&path);
    let work = crate::background::spawn_background(download(spec, target, progress));
    Ok(async move {
        match work.await {
            Ok(Ok((head, outcome))) => {
                let dict = head.dictionary();
                match outcome {
                    Outcome::Saved(size) => {
                        dict.insert("path", path.as_str());
                        dict.insert("size", size as i64);
                        dict.insert("saved", true);
                    }
                    Outcome::NotSaved(text) => {
                        dict.insert("saved", false);
                        dict.insert("text", text.as_str());
                    }
                }
                dict.owned_to_variant()
            }
            Ok(Err(failure)) => super::report("http_download", failure),
            Err(error) => error.in_method("http_download").report(),
        }
    })
}

#[derive(Debug)]
pub(crate) enum Outcome {
    Saved(u64),
    NotSaved(String),
}

pub(crate) async fn download(
    spec: Spec,
    target: PathBuf,
    progress: Progress,
) -> Result<(Head, Outcome), Failure> {
    let response = client::send(&spec, false).await?;
    let head = Head::of(&response);
    let mut body = response.bytes_stream();
    let limit = spec.timeout;
    if !(200..300).contains(&head.status) {
        let mut text = Vec::new();
        while text.len() < MAX_ERROR_BODY {
            match tokio::time::timeout(limit, body.next()).await {
                Ok(Some(Ok(chunk))) => text.extend_from_slice(&chunk),
                _ => break,
            }
        }
        text.truncate(MAX_ERROR_BODY);
        return Ok((
            head,
            Outcome::NotSaved(String::from_utf8_lossy(&text).into_owned()),
        ));
    }
    let content_length = head
        .headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    progress.set_total(content_length.map_or(-1.0, |n| n as f64));
    progress.set(0.0);
    let file_error = |e: std::io::Error| {
        (
            ErrorKind::Failed,
            format!(
                "{} {}: cannot write {}: {}",
                spec.method,
                spec.url,
                target.display(),
                crate::io::files::describe(&e)
            ),
        )
    };
    // Dropped (removed) on every early return and on cancellation.
    let mut temp = TempFile::beside(&target).map_err(file_error)?;
    let mut received: u64 = 0;
    loop {
        match tokio::time::timeout(limit, body.next()).await {
            Ok(Some(Ok(chunk))) => {
                // Page-cache writes: short; the runtime's other workers
                // keep running meanwhile.
                temp.file().write_all(&chunk).map_err(file_error)?;
                received += chunk.len() as u64;
                progress.set(received as f64);
            }
            Ok(Some(Err(e))) => return Err(client::failure(&spec, &e)),
            Ok(None) => break,
            Err(_) => return Err(client::timed_out(&spec)),
        }
    }
    // Flushing a large file to disk blocks: on a blocking thread, awaited.
    let committed = tokio::task::spawn_blocking(move || temp.commit())
        .await
        .map_err(|e| {
            (
                ErrorKind::Failed,
                format!("{} {}: saving stopped: {e}", spec.method, spec.url),
            )
        })?;
    committed.map_err(file_error)?;
    Ok((head, Outcome::Saved(received)))
}
