//! The WebSocket echo server (`GDT_WS_URL`, `GDT_WSS_URL`; tokio-tungstenite):
//! every text and binary message comes back as is, except text commands
//! that start with `!`:
//!
//! | command | what the server does |
//! | --- | --- |
//! | `!close CODE REASON` | sends a close frame with `CODE` and `REASON`, then ends |
//! | `!vanish` | drops the TCP connection, no close frame |
//! | `!big N` | sends a binary message of `N` bytes (byte `i` = `i % 251`) |
//! | `!ping` | sends a ping `gdt`; answers `pong gdt` when the client's pong came |
//! | `!request` | sends the upgrade request: `path`, then `name: value` lines (lower-case names) |
//! | `!flood N SIZE` | sends `N` binary messages of `SIZE` bytes (at least 4; the first 4 = the message's index, little-endian), then the text `flooded N, longest send W ms`: `W` is the longest time one send waited (TCP backpressure from a client that stopped reading) |
//! | `!pings` | answers `pings N`: how many pings the client sent so far |
//! | `!deaf` | stops reading (and so answering pings) for good, keeping the connection open |
//!
//! A client offering subprotocols gets the first one. The path `/reject`
//! refuses the upgrade with HTTP 403. Messages up to 64 MiB are accepted.

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;

use futures::{SinkExt, StreamExt};

/// The largest message the server takes.
const MAX_MESSAGE: usize = 64 << 20;

/// Serves WebSocket connections on `listener` (through `tls` when given)
/// until the runtime stops, one task per connection.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>) {
    crate::accept_loop(listener, tls, connection).await;
}

/// The server's socket configuration.
pub fn config() -> WebSocketConfig {
    WebSocketConfig {
        max_message_size: Some(MAX_MESSAGE),
        max_frame_size: Some(MAX_MESSAGE),
        ..WebSocketConfig::default()
    }
}

// The handshake callback's error type is tungstenite's (a whole HTTP
// response).
#[allow(clippy::result_large_err)]
async fn connection(stream: Box<dyn crate::Io>) {
    let mut request_text = String::new();
    let callback = |request: &Request, mut response: Response| {
        if request.uri().path() == "/reject" {
            let mut refusal = ErrorResponse::new(Some("rejected".into()));
            *refusal.status_mut() = StatusCode::FORBIDDEN;
            return Err(refusal);
        }
        request_text = describe(request);
        let chosen = request
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|p| p.trim().to_owned());
        if let Some(protocol) = chosen.and_then(|p| HeaderValue::from_str(&p).ok()) {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", protocol);
        }
        Ok(response)
    };
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config())).await
    else {
        return;
    };
    let mut ping_sent = false;
    let mut pings = 0u64;
    while let Some(Ok(message)) = ws.next().await {
        let reply = match message {
            Message::Text(text) if text.starts_with('!') => {
                let mut words = text.splitn(3, ' ');
                match words.next() {
                    Some("!close") => {
                        let code = words.next().and_then(|c| c.parse().ok()).unwrap_or(1000);
                        let reason = words.next().unwrap_or_default().to_owned();
                        let frame = CloseFrame {
                            code: CloseCode::from(code),
                            reason: reason.into(),
                        };
                        let _ = ws.close(Some(frame)).await;
                        // Reads the client's answer, so the close is clean.
                        while let Some(Ok(_)) = ws.next().await {}
                        return;
                    }
                    Some("!vanish") => return,
                    Some("!big") => {
                        let n = words.next().and_then(|n| n.parse().ok()).unwrap_or(0usize);
                        Some(Message::Binary((0..n).map(|i| (i % 251) as u8).collect()))
                    }
                    Some("!ping") => {
                        ping_sent = true;
                        Some(Message::Ping(b"gdt".to_vec()))
                    }
                    Some("!request") => Some(Message::Text(request_text.clone())),
                    Some("!flood") => {
                        let n = words.next().and_then(|n| n.parse().ok()).unwrap_or(0u32);
                        let size = words.next().and_then(|n| n.parse().ok()).unwrap_or(4usize);
                        match flood(&mut ws, n, size.max(4)).await {
                            Some(report) => Some(Message::Text(report)),
                            None => return,
                        }
                    }
                    Some("!pings") => Some(Message::Text(format!("pings {pings}"))),
                    Some("!deaf") => {
                        // Holds the connection without reading it.
                        std::future::pending::<()>().await;
                        return;
                    }
                    _ => Some(Message::Text(text)),
                }
            }
            Message::Pong(payload) if ping_sent => {
                ping_sent = false;
                Some(Message::Text(format!(
                    "pong {}",
                    String::from_utf8_lossy(&payload)
                )))
            }
            Message::Text(_) | Message::Binary(_) => Some(message),
            Message::Ping(_) => {
                pings += 1;
                None
            }
            _ => None,
        };
        if let Some(reply) = reply {
            if ws.send(reply).await.is_err() {
                return;
            }
        }
    }
}

/// `!flood`: `n` messages of `size` bytes, each sent and flushed on its
/// own; the report, or `None` when the client went away.
async fn flood<S>(ws: &mut S, n: u32, size: usize) -> Option<String>
where
    S: futures::Sink<Message> + Unpin,
{
    let mut longest = std::time::Duration::ZERO;
    for i in 0..n {
        let mut bytes = vec![0u8; size];
        bytes[..4].copy_from_slice(&i.to_le_bytes());
        let started = std::time::Instant::now();
        ws.send(Message::Binary(bytes)).await.ok()?;
        longest = longest.max(started.elapsed());
    }
    Some(format!(
        "flooded {n}, longest send {} ms",
        longest.as_millis()
    ))
}

/// `path`, then `name: value` lines.
fn describe(request: &Request) -> String {
    let mut text = request.uri().path().to_owned();
    for (name, value) in request.headers() {
        text.push_str(&format!(
            "\n{}: {}",
            name.as_str(),
            value.to_str().unwrap_or("?")
        ));
    }
    text
}
