//! Asynchronous IO for scripts: files (`Async.read_text`, ...), TCP
//! (`Async.tcp_connect`, `Async.tcp_listen`) and Rust streams as signals
//! ([`AsyncStream`]).
//!
//! # Cancellation
//!
//! An operation is *cancelled* when its task is: `Async.timeout` gives up,
//! it loses an `Async.any`, a script calls `cancel()`, or a combinator that
//! owns it is cancelled itself. *Cancellation-safe* means, as in Tokio's
//! docs, that cancelling loses no data and leaves the object usable. What
//! each operation guarantees:
//!
//! | operation | cancellation-safe | what cancelling does |
//! | --- | --- | --- |
//! | `AsyncTcpStream.read_line()` | yes | bytes of an unfinished line stay buffered in the connection for the next read |
//! | `AsyncTcpStream.read_bytes(n)` | yes | bytes of an unfinished count stay buffered for the next read |
//! | `AsyncTcpStream.read_available(max)` | yes | it takes bytes only in the poll that completes it |
//! | `AsyncTcpStream.write(data)` | yes, all or nothing: all | the bytes were queued whole at the call; all are still sent, before any later write's |
//! | `AsyncTcpListener.accept()` | yes | a connection is taken from the listener only in the poll that completes the accept; others wait for the next `accept()` |
//! | `Async.tcp_connect(...)` | yes | the attempt is dropped; nothing was handed out |
//! | `Async.read_text`, `Async.read_bytes` | yes | the result of the read (which runs on) is discarded; the file is untouched |
//! | `Async.write_text`, `Async.write_bytes` | whole or not at all | a write still queued behind earlier writes to its path is skipped; one that started runs to its end (the file is replaced whole, by a rename); only the wait stops |
//! | `AsyncStream` `item` | n/a: items are signals | an item is taken from the Rust stream only in the poll that emits it; a wait on `item` that gives up misses later emissions (signals are not queued: connect to `item`); `close()` drops the stream with the items not taken yet |
//! | `Async.http_request(...)` | yes | the request is dropped on the background runtime: its connection is closed mid-exchange (never reused half-read); nothing was handed out |
//! | `Async.http_download(...)` | yes, all or nothing | the transfer stops and the temporary file is removed; the target keeps its old content (or stays absent). Only a cancel during the final flush-and-rename (after the last byte) lets that rename finish: the target is then the whole new file |
//! | `Async.http_stream(...)` | yes | before the headers: the request is dropped. Afterwards the `AsyncStream` owns the body: `close()` drops the connection; items are as for `AsyncStream` |
//! | `Async.websocket_connect(...)` | yes | the attempt (TCP, TLS, handshake) is dropped with its socket; nothing was handed out |
//! | `AsyncWebSocket.receive()` | yes | a message leaves the connection only in the poll that completes the receive; a cancelled receive leaves it for the next `receive()` (or the `message` signal) |
//! | `AsyncWebSocket.send(data)` | yes, all or nothing: all | the message was queued whole at the call; it is still sent, before any later send's and before a close frame |
//! | [`Service::request`](crate::background::Service::request) | no, once queued | dropped before its request was queued: nothing was sent; after: the service still handles it and the response is dropped |
//! | [`Service::try_request`](crate::background::Service::try_request) | no | the request was queued at the call: it is handled, its response dropped |
//!
//! The one way a TCP read's bytes can miss the script: a read that had
//! finished is not undone. When `Async.any` is given several items that
//! finish in the same frame, the first in the array wins; a read later in
//! the array that finished too keeps its value in its task's `result`.
//! Put the read first. `close()` drops what is buffered and queued.

pub(crate) mod buffered;
pub(crate) mod closing;
pub(crate) mod files;
pub(crate) mod save;
pub(crate) mod stream;
pub(crate) mod tcp;
pub(crate) mod write_queue;

pub use stream::{AsyncStream, Step};
pub use tcp::{AsyncTcpListener, AsyncTcpStream};
