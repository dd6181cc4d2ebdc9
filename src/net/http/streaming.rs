//! `Async.http_stream`: a response body as an `AsyncStream` of chunks or
//! lines (chunked bodies, server-sent events).

use std::future::Future;

use futures::StreamExt;
use gdnative::prelude::*;
use tokio::sync::mpsc;

use crate::error::AsyncError;
use crate::io::stream::AsyncStream;
use crate::script::args::Args;
use crate::script::method::Refusal;

use super::client::{self, Failure};
use super::options::{self, Spec};
use super::response::Head;

/// Pieces read ahead of the game: past this many, reading the body waits
/// (the server is slowed down, nothing is dropped).
const READ_AHEAD: usize = 64;
/// The longest line in `lines` mode: 1 MiB (a longer one ends the stream
/// with an error).
const MAX_LINE: usize = 1 << 20;

/// One item of the stream.
enum Piece {
    Chunk(Vec<u8>),
    Line(String),
    Error(AsyncError),
}

impl ToVariant for Piece {
    fn to_variant(&self) -> Variant {
        match self {
            Piece::Chunk(bytes) => PoolArray::<u8>::from_slice(bytes).owned_to_variant(),
            Piece::Line(line) => line.to_variant(),
            Piece::Error(error) => error.clone().report(),
        }
    }
}

/// `http_stream(url, options = {}) -> Dictionary`: sends the request and
/// resolves once the headers are in, with `{"status", "headers", "url",
/// "stream": AsyncStream}`. The stream emits `item` per piece of the body
/// as it arrives: PoolByteArray chunks, or with `"lines": true` Strings
/// (one per line, without `\n`/`\r\n`; the last line also without one),
/// which is what server-sent events are made of (`data: ...` lines, an
/// empty line after each event). It emits `finished` at the body's end;
/// a failure mid-body is emitted as one last item, an `AsyncError`
/// (`connection reset mid-body`), before `finished`. `close()` drops the
/// connection. `timeout` applies to the headers only: a stream may idle.
pub(crate) fn http_stream(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 2)?;
    let spec = options::parse(&args, 1)?;
    let work = crate::background::spawn_background(async move {
        let response = client::send(&spec, false).await?;
        let head = Head::of(&response);
        let (tx, rx) = mpsc::channel(READ_AHEAD);
        // Runs until the body ends or the AsyncStream is closed or gone
        // (its receiver dropped: the send fails).
        tokio::spawn(forward(spec, response, tx));
        Ok::<_, Failure>((head, rx))
    });
    Ok(async move {
        match work.await {
            Ok(Ok((head, rx))) => {
                let dict = head.dictionary();
                dict.insert("stream", AsyncStream::from_receiver(rx));
                dict.owned_to_variant()
            }
            Ok(Err(failure)) => super::report("http_stream", failure),
            Err(error) => error.in_method("http_stream").report(),
        }
    })
}

async fn forward(spec: Spec, response: reqwest::Response, tx: mpsc::Sender<Piece>) {
    let mut body = response.bytes_stream();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(next) = body.next().await {
        let chunk = match next {
            Ok(chunk) => chunk,
            Err(e) => {
                let (kind, message) = client::failure(&spec, &e);
                let _ = tx
                    .send(Piece::Error(AsyncError::new(kind, "http_stream", message)))
                    .await;
                return;
            }
        };
        if !spec.lines {
            if tx.send(Piece::Chunk(chunk.to_vec())).await.is_err() {
                return;
            }
            continue;
        }
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = pending.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if tx
                .send(Piece::Line(String::from_utf8_lossy(&line).into_owned()))
                .await
                .is_err()
            {
                return;
            }
        }
        if pending.len() > MAX_LINE {
            let message = format!(
                "{} {}: a line longer than {MAX_LINE} bytes",
                spec.method, spec.url
            );
            let _ = tx
                .send(Piece::Error(AsyncError::new(
                    crate::error::ErrorKind::Failed,
                    "http_stream",
                    message,
                )))
                .await;
            return;
        }
    }
    if !pending.is_empty() {
        let _ = tx
            .send(Piece::Line(String::from_utf8_lossy(&pending).into_owned()))
            .await;
    }
}
