//! A connection's read side: reads messages until the connection ends,
//! hands each to the script, answers pings (tungstenite queues the pong
//! and the next read sends it), sends pings of its own when asked (the
//! `ping_interval` option) and tells how the connection ended. Pure
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
    /// Called after each message: may wait for the next frame, or for
    /// room in a full queue (then the socket is not read meanwhile).
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

/// Reads until the connection ends; see the module docs. With `ping`,
/// sends a ping that often; when nothing at all came from the peer (no
/// pong, no message) between two pings, the connection is taken as lost
/// and ends with 1006.
pub(crate) async fn read<S, D>(
    stream: &mut S,
    writes: &WriteQueue<Message, WsError>,
    local: LocalClose<'_>,
    deliver: &mut D,
    ping: Option<Duration>,
) -> Ended
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
    D: Deliver,
{
    let mut peer: Option<Ended> = None;
    let mut deadline = None;
    let mut pings = ping.map(|every| {
        let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        pings
    });
    // Whether anything came since the last ping.
    let mut heard = true;
    loop {
        let next = if local.requested.is_closed() {
            let deadline =
                *deadline.get_or_insert_with(|| tokio::time::Instant::now() + CLOSE_WAIT);
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(next) => next,
                Err(_) => break,
            }
        } else {
            // Biased: a reader that waited for room reads what came
            // meanwhile before it judges the peer silent.
            tokio::select! {
                biased;
                next = stream.next() => next,
                () = local.requested.wait() => continue,
                _ = tick(pings.as_mut()) => {
                    if !heard {
                        let every = ping.unwrap_or_default().as_secs_f64();
                        return Ended::new(ABNORMAL, format!("no answer to a ping within {every} s"));
                    }
                    heard = false;
                    drop(writes.push(Message::Ping(Vec::new())));
                    continue;
                }
            }
        };
        heard = true;
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

/// The next tick of `pings`; never without pings.
async fn tick(pings: Option<&mut tokio::time::Interval>) {
    match pings {
        Some(pings) => {
            pings.tick().await;
        }
        None => std::future::pending().await,
    }
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    use super::*;
    use crate::net::websocket::connect::{open, Target};

    /// Collects what the reader delivers.
    #[derive(Default)]
    struct Collect(Vec<Incoming>);

    impl Deliver for Collect {
        fn deliver(&mut self, message: Incoming) {
            self.0.push(message);
        }

        async fn pause(&mut self) {}
    }

    /// Connects to the loopback echo server, sends `commands`, and reads
    /// until the connection ends: what came, and how it ended.
    fn session(
        max: usize,
        commands: &[&str],
        close: Option<(u16, &str)>,
    ) -> (Vec<Incoming>, Ended) {
        session_pinging(max, commands, close, None)
    }

    /// [`session`] with pings every `ping`.
    fn session_pinging(
        max: usize,
        commands: &[&str],
        close: Option<(u16, &str)>,
        ping: Option<Duration>,
    ) -> (Vec<Incoming>, Ended) {
        let servers = gdnative_tokio_servers::start();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        let url = format!("ws://{}/echo", servers.ws);
        rt.block_on(async {
            let target = Target {
                host: "127.0.0.1",
                port: servers.ws.port(),
                tls: None,
                max_message_size: max,
            };
            let request = url.into_client_request().expect("a request");
            let (socket, _) = open(target, request, Duration::from_secs(5))
                .await
                .expect("connected");
            let (sink, mut stream) = socket.split();
            let (writes, writer) = WriteQueue::with_sink(sink);
            let local = tokio::task::LocalSet::new();
            local
                .run_until(async {
                    tokio::task::spawn_local(writer);
                    // Commands up to the first `wait MS` go now; the rest
                    // after the waits, while the reader runs.
                    let now = commands.iter().take_while(|c| !c.starts_with("wait "));
                    for command in now {
                        drop(writes.push(Message::Text((*command).to_owned())));
                    }
                    let later = async {
                        let rest = commands.iter().skip_while(|c| !c.starts_with("wait "));
                        for command in rest {
                            match command.strip_prefix("wait ").and_then(|ms| ms.parse().ok()) {
                                Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                                None => drop(writes.push(Message::Text((*command).to_owned()))),
                            }
                        }
                        std::future::pending::<()>().await;
                    };
                    let requested = Closing::default();
                    let sent = RefCell::new(None);
                    if let Some((code, reason)) = close {
                        let frame = CloseFrame {
                            code: CloseCode::from(code),
                            reason: reason.to_owned().into(),
                        };
                        drop(writes.push(Message::Close(Some(frame))));
                        *sent.borrow_mut() = Some((code, reason.to_owned()));
                        requested.close();
                    }
                    let mut collect = Collect::default();
                    let local = LocalClose {
                        requested: &requested,
                        sent: &sent,
                    };
                    let reader = read(&mut stream, &writes, local, &mut collect, ping);
                    let ended = tokio::time::timeout(Duration::from_secs(10), async {
                        tokio::select! {
                            ended = reader => ended,
                            () = later => unreachable!(),
                        }
                    })
                    .await
                    .expect("the reader ends");
                    (collect.0, ended)
                })
                .await
        })
    }

    #[test]
    fn a_peer_that_vanishes_ends_with_1006() {
        let (got, ended) = session(1 << 20, &["a", "!vanish"], None);
        assert_eq!(got, vec![Incoming::Text("a".into())]);
        assert_eq!(ended.code, ABNORMAL, "{ended:?}");
        assert_eq!(ended.error, None);
    }

    #[test]
    fn a_peer_close_gives_its_code_and_reason() {
        let (got, ended) = session(1 << 20, &["!big 3", "!close 4002 see you"], None);
        assert_eq!(got, vec![Incoming::Binary(vec![0, 1, 2])]);
        assert_eq!(ended, Ended::new(4002, "see you"));
    }

    #[test]
    fn a_message_over_the_limit_ends_with_1009_and_says_why() {
        let (got, ended) = session(100, &["!big 100", "!big 101", "never read"], None);
        assert_eq!(got.len(), 1, "the message at the limit came");
        assert_eq!(ended.code, TOO_BIG);
        assert_eq!(
            ended.error.as_deref(),
            Some("a message of 101 bytes is larger than max_message_size (100)")
        );
    }

    #[test]
    fn a_local_close_ends_with_the_peers_answer_and_drops_later_messages() {
        let (got, ended) = session(1 << 20, &["x"], Some((4000, "bye")));
        assert!(
            got.is_empty(),
            "messages after close() are dropped: {got:?}"
        );
        assert_eq!(
            ended,
            Ended::new(4000, "bye"),
            "the server echoes the close"
        );
    }

    /// Pings keep a live peer's connection open (it answers each) and end
    /// a peer's that stopped reading, with 1006, within two intervals.
    #[test]
    fn pings_end_a_connection_whose_peer_went_deaf() {
        let every = Duration::from_millis(50);
        let started = std::time::Instant::now();
        let (got, ended) = session_pinging(1 << 20, &["a", "!deaf"], None, Some(every));
        let took = started.elapsed();
        assert_eq!(got, vec![Incoming::Text("a".into())]);
        assert_eq!(
            ended,
            Ended::new(ABNORMAL, "no answer to a ping within 0.05 s")
        );
        assert!(took < Duration::from_secs(2), "ended after {took:?}");
    }

    #[test]
    fn pings_answered_keep_the_connection() {
        // After 0.3 s of pings every 20 ms, the server counts them, then
        // closes.
        let every = Duration::from_millis(20);
        let (got, ended) = session_pinging(
            1 << 20,
            &["wait 300", "!pings", "!close 4001 done"],
            None,
            Some(every),
        );
        let Some(Incoming::Text(pings)) = got.first() else {
            panic!("no pings reply: {got:?} {ended:?}");
        };
        let n: u32 = pings
            .strip_prefix("pings ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_default();
        assert!(n >= 5, "{pings}");
        assert_eq!(ended, Ended::new(4001, "done"));
    }
}
