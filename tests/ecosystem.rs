//! Real Tokio-ecosystem clients against loopback servers, all on one pool
//! (the main thread's runtime in a game): how many pumps (frames) a
//! request takes. No timing asserts: pumps run back to back.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use futures::{SinkExt, StreamExt};
use gdnative_tokio::SharedLocalPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

fn pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

/// Spawns `job` on the pool and pumps until it is done; returns the number
/// of pumps it took (at most `max`).
fn pumps_for<F: Future<Output = ()> + 'static>(pool: &SharedLocalPool, max: u32, job: F) -> u32 {
    let done = Rc::new(Cell::new(false));
    let d = Rc::clone(&done);
    pool.spawn_local(async move {
        job.await;
        d.set(true);
    });
    for n in 1..=max {
        pool.pump();
        if done.get() {
            return n;
        }
    }
    panic!("not done after {max} pumps");
}

/// A loopback HTTP/1.1 server (keep-alive, fixed body) as a runtime task.
async fn http_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut have = 0;
                loop {
                    let Ok(n) = socket.read(&mut buf[have..]).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
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

#[test]
fn a_loopback_reqwest_get_completes_within_2_pumps_of_the_call() {
    let pool = pool();
    let addr = Rc::new(Cell::new(None));
    let a = Rc::clone(&addr);
    pumps_for(pool, 10, async move { a.set(Some(http_server().await)) });
    let url = format!("http://{}/", addr.get().expect("server address"));
    let client = reqwest::Client::new();
    for round in ["cold connection", "pooled connection"] {
        let (client, url) = (client.clone(), url.clone());
        let pumps = pumps_for(pool, 100, async move {
            let body = client
                .get(&url)
                .send()
                .await
                .expect("response")
                .text()
                .await
                .expect("body");
            assert_eq!(body, "hello");
        });
        assert!(pumps <= 2, "{round}: GET took {pumps} pumps");
    }
}

#[test]
fn a_hundred_websocket_echoes_complete_within_3_pumps() {
    let pool = pool();
    let addr = Rc::new(Cell::new(None));
    let a = Rc::clone(&addr);
    pumps_for(pool, 10, async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        a.set(Some(listener.local_addr().expect("addr")));
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
    });
    let addr = addr.get().expect("server address");
    let pumps = pumps_for(pool, 100, async move {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/"), stream)
            .await
            .expect("handshake");
        for i in 0..100 {
            ws.send(Message::text(format!("m{i}"))).await.expect("send");
            let echo = ws.next().await.expect("echo").expect("frame");
            assert_eq!(echo.into_text().expect("text").as_str(), format!("m{i}"));
        }
    });
    assert!(
        pumps <= 3,
        "connect, handshake and 100 echoes took {pumps} pumps"
    );
}
