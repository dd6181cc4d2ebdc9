//! WebSocket for scripts: `Async.websocket_connect(url, options)` and the
//! [`AsyncWebSocket`](crate::net::AsyncWebSocket) it resolves with (feature
//! `websocket`).
//!
//! ```gdscript
//! var ws = yield(Async.websocket_connect(OS.get_environment("GDT_WS_URL") + "/chat", {"protocols": ["chat"]}), "completed")
//! if Async.is_error(ws):
//!     return print(ws.message)
//! ws.send(PoolByteArray([1, 2, 3]))              # binary; a String goes as text
//! var echo = yield(ws.receive(), "completed")    # PoolByteArray [1, 2, 3] (the test server echoes)
//! ws.close(1000, "bye")
//! var why = yield(ws, "closed")                  # [1000, "bye"]
//! ```
//!
//! Options (a Dictionary, all optional): `headers` (a Dictionary of
//! header names to values), `protocols` (an Array of subprotocol names),
//! `ca` (an extra trusted root for a self-hosted `wss://` server: PEM
//! text, or a `res://`, `user://` or absolute path to a PEM file),
//! `timeout` (seconds for the connection and handshake, default 10),
//! `max_message_size` (bytes, default 16 MiB: a larger message ends the
//! connection with close code 1009), `max_queue_size` (bytes, default 16
//! MiB: while the messages received and not taken yet by a `receive()` or
//! the `message` signal count for this much, each message counting 64
//! bytes more than its size, the socket is not read, so a peer that sends
//! faster than the game takes meets TCP backpressure and memory stays
//! bounded), `ping_interval` (seconds, default 0 = none: a ping this
//! often; when nothing at all came from the server between two pings,
//! the connection ends as lost, code 1006).
//!
//! TLS is rustls with the ring backend and Mozilla's roots compiled in
//! (no system OpenSSL). The socket lives on the main thread's runtime:
//! the pump reads it every frame; the script polls nothing.
//!
//! # Cancellation
//!
//! `Async.websocket_connect` is cancellation-safe: a cancelled connect
//! drops the attempt (its socket included); nothing was handed out.
//! `receive()` and `send()`: see [`AsyncWebSocket`](crate::net::AsyncWebSocket).

mod connect;
mod inbox;
mod options;
mod session;
mod socket;

use std::future::Future;

use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::script::args::Args;
use crate::script::method::Refusal;

pub use socket::AsyncWebSocket;

/// `websocket_connect(url, options = {}) -> AsyncWebSocket`: see the
/// module docs. Errors: `bad_arguments` (a bad URL or option), `timeout`,
/// `failed` naming the cause (refused, the certificate, the HTTP status).
pub(crate) fn websocket_connect(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    let plan = options::plan(&args)?;
    Ok(async move {
        let failed = |kind: ErrorKind, message: String| {
            let message = format!("{}: {message}", plan.url);
            AsyncError::new(kind, "websocket_connect", message).report()
        };
        let tls = if plan.secure {
            // Reads the `ca` file, if any: a small blocking read.
            let root = plan.root.clone();
            let config = crate::background::spawn_blocking(move || {
                crate::net::tls::client_config(root.as_ref())
            });
            match config.await {
                Ok(Ok(config)) => Some(config),
                Ok(Err(e)) => return failed(ErrorKind::Failed, format!("option `ca`: {e}")),
                Err(e) => return failed(ErrorKind::Failed, e.to_string()),
            }
        } else {
            None
        };
        let target = connect::Target {
            host: &plan.host,
            port: plan.port,
            tls,
            max_message_size: plan.max_message_size,
        };
        match connect::open(target, plan.request.clone(), plan.timeout).await {
            Ok((socket, protocol)) => {
                AsyncWebSocket::start(socket, plan.url.clone(), protocol, plan.keep)
            }
            Err((kind, message)) => failed(kind, message),
        }
    })
}
