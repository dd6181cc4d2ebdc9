//! A connection's read side: reads messages until the connection ends,
//! hands each to the script, answers pings (tungstenite queues the pong
//! and the next read sends it), and tells how the connection ended. Pure
//! Rust; the Godot side is a [`Deliver`].

use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::io::closing::Closing;
use crate::io::write_queue::WriteQueue;
use crate::net::websocket::inbox::Incoming;

/// How long a closing handshake may take: after `close()`, for the peer's
/// answer; after a close this side sends on an error, for the send.
pub(crate) const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// The code the `closed` signal gives when the connection was lost
/// without a close frame (RFC 6455's "abnormal closure").
pub(crate) const ABNORMAL: u16 = 1006;
/// A close frame without a code (RFC 6455's "no status received").
const NO_STATUS: u16 = 1005;
/// The code sent for a message over `max_message_size`.
pub(crate) const TOO_BIG: u16 = 1009;

/// Where received messages go.
pub(crate) trait Deliver {
    /// Hands a message to the script.
    fn deliver(&mut self, message: Incoming);
    /// Called after each message: may wait for the next frame.
    async fn pause(&mut self);
}

/// How a connection ended: the close code and reason the `closed` signal
/// gives, and, for receives, why they end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ended {
    pub(crate) code: u16,
    pub(crate) reason: String,
    /// Set when this side failed the connection (a message too big, a
    /// protocol error): the message pending receives end with.
    pub(crate) error: Option<String>,
}

impl Ended {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Ended {
            code,
            reason: reason.into(),
            error: None,
        }
    }
}

/// The local `close(code, reason)` request, as the reader sees it.
pub(crate) struct LocalClose<'a> {
    pub(crate) requested: &'a Closing,
    /// What was sent, for the `closed` signal when the peer never answers.
    pub(crate) sent: &'a std::cell::RefCell<Option<(u16, String)>>,
}

/// Reads until the connection ends; see the module docs.
pub(crate) async fn read<S, D>(
    stream: &mut S,
    writes: &WriteQueue<Message, WsError>,
    local: LocalClose<'_>,
    deliver: &mut D,
) -> Ended
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
    D: Deliver,
{
    let mut peer: Option<Ended> = None;
    let mut deadline = None;
    loop {
        let next = if local.requested.is_closed() {
            let deadline =
                *deadline.get_or_insert_with(|| tokio::time::Instant::now() + CLOSE_WAIT);
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(next) => next,
                Err(_) => break,
            }
        } else {
            tokio::select! {
                next = stream.next() => next,
                () = local.requested.wait() => continue,
            }
        };
        match next {
            Some(Ok(Message::Text(text))) if !local.requested.is_closed() => {
                deliver.deliver(Incoming::Text(text));
                deliver.pause().await;
            }
            Some(Ok(Message::Binary(bytes))) if !local.requested.is_closed() => {
                deliver.deliver(Incoming::Binary(bytes));
                deliver.pause().await;
            }
            Some(Ok(Message::Close(frame))) => {
                peer = Some(match frame {
                    Some(f) => Ended::new(u16::from(f.code), f.reason.into_owned()),
                    None => Ended::new(NO_STATUS, ""),
                });
            }
            // Pings are answered by tungstenite; messages after a local
            // close() are dropped.
            Some(Ok(_)) => {}
            None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => break,
            Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                let error = format!(
                    "a message of {size} bytes is larger than max_message_size ({max_size})"
                );
                return fail(writes, TOO_BIG, "message too big", error).await;
            }
            Some(Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))) => {
                return peer.unwrap_or_else(|| {
                    Ended::new(ABNORMAL, "the connection was lost without a close frame")
                });
            }
            Some(Err(WsError::Io(e))) => {
                return peer.unwrap_or_else(|| Ended::new(ABNORMAL, crate::io::tcp::describe(&e)));
            }
            Some(Err(WsError::Utf8)) => {
                return fail(
                    writes,
                    1007,
                    "invalid UTF-8",
                    "a text message was not UTF-8".into(),
                )
                .await;
            }
            Some(Err(other)) => {
                let error = format!("protocol error: {other}");
                return fail(writes, 1002, "protocol error", error).await;
            }
        }
    }
    peer.unwrap_or_else(|| match local.sent.borrow().clone() {
        Some((code, reason)) if local.requested.is_closed() => Ended::new(code, reason),
        _ => Ended::new(ABNORMAL, "the connection was lost without a close frame"),
    })
}

/// Closes the connection with `code` because of `error` (the close frame
/// is sent within [`CLOSE_WAIT`], best effort).
async fn fail(
    writes: &WriteQueue<Message, WsError>,
    code: u16,
    reason: &str,
    error: String,
) -> Ended {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_owned().into(),
    };
    let _ = tokio::time::timeout(CLOSE_WAIT, writes.push(Message::Close(Some(frame)))).await;
    Ended {
        code,
        reason: reason.to_owned(),
        error: Some(error),
    }
}
