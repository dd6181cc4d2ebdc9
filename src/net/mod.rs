//! Networking for scripts beyond raw TCP: TLS shared by the clients, and
//! WebSocket (`Async.websocket_connect`, feature `websocket`).

#[cfg(feature = "tls")]
pub(crate) mod tls;
#[cfg(feature = "websocket")]
pub(crate) mod websocket;
