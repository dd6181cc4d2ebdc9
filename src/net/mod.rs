//! Networking for scripts (features `http` and `websocket`): the toolkit's
//! `Async.http_request`, `Async.http_download`, `Async.http_stream` and
//! `Async.websocket_connect`, and the `AsyncWebSocket` class it resolves
//! with (feature `websocket`).
//!
//! - `tls.rs`: the rustls client configuration both share (compiled-in
//!   Mozilla roots, an optional extra root, the `ring` crypto backend);
//! - `http/`: `Async.http_request`, `Async.http_download`,
//!   `Async.http_stream` (feature `http`);
//! - `websocket/`: `Async.websocket_connect` and `AsyncWebSocket`
//!   (feature `websocket`).

// Used by `http` and `websocket`; `net` alone (a feature nobody turns on
// by itself) would leave it unused.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) mod tls;

#[cfg(feature = "http")]
pub(crate) mod http;

#[cfg(feature = "websocket")]
pub(crate) mod websocket;

#[cfg(feature = "websocket")]
pub use websocket::AsyncWebSocket;
