//! Opening a WebSocket: TCP (no Nagle delay), TLS for `wss://` (the
//! shared rustls configuration, see `net/tls.rs`), then the HTTP upgrade,
//! all within the caller's time limit. Pure Rust.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::WebSocketStream;

use crate::error::ErrorKind;

/// A byte stream a WebSocket runs on: plain TCP or TLS over TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin {}
impl<T: AsyncRead + AsyncWrite + Unpin> Io for T {}

/// An open WebSocket, on TCP or TLS.
pub(crate) type Socket = WebSocketStream<Box<dyn Io>>;

/// Where and how to connect.
pub(crate) struct Target<'a> {
    pub(crate) host: &'a str,
    pub(crate) port: u16,
    /// The TLS configuration for `wss://`; `None` for `ws://`.
    pub(crate) tls: Option<Arc<ClientConfig>>,
    pub(crate) max_message_size: usize,
}

/// The configuration of a client socket: messages and frames up to `max`
/// bytes, each written at once (games send small messages).
pub(crate) fn config(max: usize) -> WebSocketConfig {
    WebSocketConfig {
        max_message_size: Some(max),
        max_frame_size: Some(max),
        write_buffer_size: 0,
        ..WebSocketConfig::default()
    }
}

/// Connects and upgrades within `limit`: the socket and the subprotocol
/// the server chose (empty when none). The error is `(kind, message)`:
/// `timeout` when the limit passed first, `failed` otherwise, with a
/// message naming the cause (refused, the certificate, the HTTP status).
pub(crate) async fn open(
    target: Target<'_>,
    request: Request,
    limit: Duration,
) -> Result<(Socket, String), (ErrorKind, String)> {
    match tokio::time::timeout(limit, connect(target, request)).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(message)) => Err((ErrorKind::Failed, message)),
        Err(_) => Err((
            ErrorKind::Timeout,
            format!("not connected within {} s", limit.as_secs_f64()),
        )),
    }
}

async fn connect(target: Target<'_>, request: Request) -> Result<(Socket, String), String> {
    let address = (target.host, target.port);
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| crate::io::tcp::describe(&e))?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = match target.tls {
        None => Box::new(tcp),
        Some(config) => {
            let name = ServerName::try_from(target.host.to_owned())
                .map_err(|_| format!("{:?} is no TLS server name", target.host))?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| tls_failure(target.host, &e))?;
            Box::new(tls)
        }
    };
    let config = config(target.max_message_size);
    let (socket, response) = tokio_tungstenite::client_async_with_config(request, io, Some(config))
        .await
        .map_err(|e| handshake_failure(&e))?;
    let protocol = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((socket, protocol))
}

/// A TLS failure, naming the server's certificate when it was refused.
fn tls_failure(host: &str, error: &std::io::Error) -> String {
    let text = error.to_string();
    if text.contains("certificate") {
        format!(
            "TLS: the certificate of {host} was not accepted ({text}); for a \
             self-hosted server, pass its CA with the `ca` option"
        )
    } else {
        format!("TLS: {text}")
    }
}

fn handshake_failure(error: &WsError) -> String {
    match error {
        WsError::Http(response) => format!(
            "the server answered HTTP {} instead of switching to WebSocket",
            response.status()
        ),
        WsError::Io(e) => crate::io::tcp::describe(e),
        other => format!("handshake: {other}"),
    }
}
