//! HTTP for scripts (feature `http`): `Async.http_request`,
//! `Async.http_download`, `Async.http_stream`.
//!
//! ```gdscript
//! var base = OS.get_environment("GDT_HTTP_URL")   # the test server; yours: "https://..."
//! var r = yield(Async.http_request(base + "/echo", {"method": "POST", "json": {"name": "ada"}}), "completed")
//! if Async.is_error(r):
//!     return print(r.message)   # e.g. "POST http://...: connection refused: ..."
//! print(r.status, " ", r.headers["content-type"], " ", r.json.method)   # 200 application/json POST
//! var task = Async.http_download(base + "/bytes?n=1000000", "user://level.pck")
//! task.connect("progress", self, "_on_progress")   # bytes so far; task.progress_total: size or -1
//! var saved = yield(task, "completed")             # {"saved": true, "size": 1000000, ...}
//! ```
//!
//! Every request runs on the background runtime (reqwest over rustls,
//! `src/net/tls.rs`), off the main thread: nothing is polled per frame,
//! a download's speed does not depend on the frame rate, and the result
//! arrives in the first pump after it is ready. Requests share connection
//! pools: one per set of `connect_timeout`, `max_redirects`, `ca` and
//! `session` options. Proxies come from the environment (`HTTP_PROXY`,
//! `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`).
//!
//! The options (a Dictionary, every key optional; an unknown key is
//! refused): `method` (`"GET"`), `query` (Dictionary, appended to the
//! URL), `headers` (Dictionary), `body` (String or PoolByteArray) or
//! `json` (any JSON-able value: sent as JSON with `Content-Type:
//! application/json`), `timeout` (seconds, 30: `http_request`'s whole
//! exchange; a download's or stream's wait for the headers and a
//! download's wait for each piece of data), `connect_timeout` (seconds,
//! 10), `max_redirects` (10; 0 = return the 3xx itself; all of 301, 302,
//! 303, 307, 308 are followed, 303 and a POST's 301/302 as GET), `session`
//! (a name: requests with the same session keep and send cookies), `ca`
//! (an extra root certificate: PEM text or a `res://`, `user://` or
//! absolute path of a PEM file), `lines` (`http_stream` only).
//!
//! Failures resolve with an `AsyncError`: `bad_arguments` (a bad URL or
//! option), `timeout`, `failed` (message `METHOD URL: <cause>: <details>`,
//! the cause one of `connection refused`, `DNS lookup failed`, `TLS
//! certificate rejected`, `TLS handshake failed`, `connection reset
//! mid-body`, `too many redirects`, `request failed`), `cancelled`. A 404
//! or 500 is a response, not an error.
//!
//! Cancelling (see the table in `src/io/mod.rs`) drops the request: its
//! connection is closed, a download's temporary file is removed and the
//! target file is untouched.

pub(crate) mod client;
pub(crate) mod download;
pub(crate) mod json;
pub(crate) mod options;
pub(crate) mod response;
pub(crate) mod streaming;

use std::future::Future;

use gdnative::prelude::*;

use crate::error::AsyncError;
use crate::script::args::Args;
use crate::script::method::Refusal;

use self::client::Failure;
use self::response::{Full, Head};

/// `http_request(url, options = {}) -> Dictionary`: sends the request and
/// reads the whole body (within `timeout`); resolves with `{"status": int,
/// "headers": Dictionary (lower-case names), "body": PoolByteArray,
/// "text": String, "json": the parsed body or an AsyncError saying where
/// it broke (`not JSON: line 3, column 14: expected value`), "url": the
/// URL after redirects}`. Any status is a response.
pub(crate) fn http_request(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 2)?;
    let spec = options::parse(&args, 1)?;
    let work = crate::background::spawn_background(async move {
        let response = client::send(&spec, true).await?;
        let head = Head::of(&response);
        let body = response
            .bytes()
            .await
            .map_err(|e| client::failure(&spec, &e))?;
        let json = json::parse(&body);
        Ok::<_, Failure>(Full {
            head,
            body: body.to_vec(),
            json,
        })
    });
    Ok(async move {
        match work.await {
            Ok(Ok(full)) => full.into_variant("http_request"),
            Ok(Err(failure)) => report("http_request", failure),
            Err(error) => error.in_method("http_request").report(),
        }
    })
}

/// The error value of a failure; a timeout the caller asked for is quiet.
fn report(method: &str, (kind, message): Failure) -> Variant {
    AsyncError::new(kind, method, message).report()
}

pub(crate) use download::http_download;
pub(crate) use streaming::http_stream;

#[cfg(test)]
mod tests;
