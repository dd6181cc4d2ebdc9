//! Tokio-ecosystem jobs over loopback, shared by tests/ecosystem.rs,
//! tests/pump.rs and benches/ecosystem.rs: minimal HTTP and WebSocket
//! servers (runtime tasks, `tokio::spawn`), their clients, and a
//! `tokio::spawn` fan-out. 127.0.0.1 only; every loop ends with its peer.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// A loopback HTTP/1.1 server (keep-alive, body "hello") as runtime tasks.
pub async fn http_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut have = 0;
                while let Ok(n @ 1..) = socket.read(&mut buf[have..]).await {
                    have += n;
                    if buf[..have].windows(4).any(|w| w == b"\r\n\r\n") {
                        have = 0;
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
                        if socket.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// One GET with reqwest; checks the body.
pub async fn get(client: reqwest::Client, url: String) {
    let response = client.get(&url).send().await.expect("response");
    assert_eq!(response.text().await.expect("body"), "hello");
}

/// A loopback WebSocket echo server (one connection) as a runtime task.
pub async fn ws_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.expect("accept");
        let mut ws = tokio_tungstenite::accept_async(socket)
            .await
            .expect("handshake");
        while let Some(Ok(message)) = ws.next().await {
            if message.is_close() || ws.send(message).await.is_err() {
                break;
            }
        }
    });
    addr
}

/// Connects to `addr`, then sends `n` messages, each after the previous
/// one's echo; checks every echo.
pub async fn echoes(addr: SocketAddr, n: usize) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), stream)
        .await
        .expect("handshake");
    for i in 0..n {
        ws.send(Message::text(format!("m{i}"))).await.expect("send");
        let echo = ws.next().await.expect("echo").expect("frame");
        assert_eq!(echo.into_text().expect("text").as_str(), format!("m{i}"));
    }
}

/// How many of [`spawn_join_1000`]'s tasks have started their sleep.
pub static SLEEPS_STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// 1000 `tokio::spawn` tasks sleeping 5-9 ms, joined in order.
pub async fn spawn_join_1000() {
    let handles: Vec<_> = (0..1000u64)
        .map(|i| {
            tokio::spawn(async move {
                let sleep = tokio::time::sleep(Duration::from_millis(5 + i % 5));
                SLEEPS_STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                sleep.await;
                i
            })
        })
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.expect("join");
    }
    assert_eq!(sum, 999 * 1000 / 2);
}
