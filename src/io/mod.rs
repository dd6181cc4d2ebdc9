//! Asynchronous IO for scripts: files (`Async.read_text`, ...), TCP
//! (`Async.tcp_connect`, `Async.tcp_listen`) and Rust streams as signals
//! ([`AsyncStream`](crate::AsyncStream)).

pub(crate) mod files;
pub(crate) mod save;
pub(crate) mod stream;
pub(crate) mod tcp;
