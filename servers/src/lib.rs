//! Real loopback servers for gdnative-tokio's tests, benches and demo:
//! HTTP and HTTPS ([`http`]), WebSocket and secure WebSocket ([`ws`]),
//! with a certificate authority made at start ([`tls`]).
//!
//! ```no_run
//! let servers = gdnative_tokio_servers::start();
//! for (key, value) in servers.env() {
//!     println!("{key}={value}");   // GDT_HTTP_URL=http://127.0.0.1:40123 ...
//! }
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub mod http;
pub mod tls;
pub mod ws;

/// A connection's byte stream: plain TCP, or TLS over it.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Accepts connections on `listener` until the runtime stops, one task per
/// connection: the TLS handshake through `tls` when given (a failed one
/// drops the connection), then `connection` with the stream.
pub async fn accept_loop<F, Fut>(listener: TcpListener, tls: Option<TlsAcceptor>, connection: F)
where
    F: Fn(Box<dyn Io>) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let _ = socket.set_nodelay(true);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(socket).await {
                        connection(Box::new(stream)).await;
                    }
                }
                None => connection(Box::new(socket)).await,
            }
        });
    }
}

/// The running servers: their addresses, and the CA clients must trust
/// for the TLS ones. Dropping it stops them and removes the CA file.
pub struct Servers {
    /// Plain HTTP.
    pub http: SocketAddr,
    /// HTTPS, with a certificate the CA in [`ca_pem`](Self::ca_pem) signed.
    pub https: SocketAddr,
    /// WebSocket (`ws://`).
    pub ws: SocketAddr,
    /// Secure WebSocket (`wss://`), same certificate as HTTPS.
    pub wss: SocketAddr,
    /// A loopback port nothing listens on (bound, then closed, at start).
    pub refused: SocketAddr,
    /// The CA certificate, PEM text.
    pub ca_pem: String,
    /// A file holding [`ca_pem`](Self::ca_pem).
    pub ca_file: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Starts every server on `127.0.0.1`, each on a free port, on a
/// multi-thread Tokio runtime of its own (2 workers) in a background
/// thread; returns once they all listen.
///
/// # Panics
///
/// If the runtime cannot start or a port cannot be bound.
pub fn start() -> Servers {
    let tls = tls::Tls::generate();
    let ca_file = std::env::temp_dir().join(format!(
        "gdt-servers-ca-{}-{}.pem",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&ca_file, &tls.ca_pem).expect("cannot write the CA file");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gdt-servers")
        .enable_all()
        .build()
        .expect("cannot start the servers' runtime");
    let bind = || async {
        TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind a loopback port")
    };
    let (http, https, ws, wss, refused) = runtime.block_on(async {
        let refused = bind().await.local_addr().expect("address");
        (
            bind().await,
            bind().await,
            bind().await,
            bind().await,
            refused,
        )
    });
    let addr = |l: &TcpListener| l.local_addr().expect("address");
    let (http_addr, https_addr, ws_addr, wss_addr) =
        (addr(&http), addr(&https), addr(&ws), addr(&wss));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let acceptor = tls.acceptor();
    std::thread::Builder::new()
        .name("gdt-servers".into())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(http::serve(http, None));
                tokio::spawn(http::serve(https, Some(acceptor.clone())));
                tokio::spawn(ws::serve(ws, None));
                tokio::spawn(ws::serve(wss, Some(acceptor)));
                let _ = stopped.await;
            });
            runtime.shutdown_background();
        })
        .expect("cannot start the servers' thread");
    Servers {
        http: http_addr,
        https: https_addr,
        ws: ws_addr,
        wss: wss_addr,
        refused,
        ca_pem: tls.ca_pem,
        ca_file,
        stop: Some(stop),
    }
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Servers {
    /// The environment a Godot run (or any client) reads them from:
    /// `GDT_HTTP_URL` (`http://127.0.0.1:PORT`), `GDT_HTTPS_URL`,
    /// `GDT_WS_URL`, `GDT_WSS_URL`, `GDT_REFUSED_URL`
    /// (`http://127.0.0.1:PORT`, nothing listening) and `GDT_CA_PEM` (the
    /// path of the CA's PEM file).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("GDT_HTTP_URL".into(), format!("http://{}", self.http)),
            ("GDT_HTTPS_URL".into(), format!("https://{}", self.https)),
            ("GDT_WS_URL".into(), format!("ws://{}", self.ws)),
            ("GDT_WSS_URL".into(), format!("wss://{}", self.wss)),
            ("GDT_REFUSED_URL".into(), format!("http://{}", self.refused)),
            ("GDT_CA_PEM".into(), self.ca_file.display().to_string()),
        ]
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_file(&self.ca_file);
    }
}
