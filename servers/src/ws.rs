//! The WebSocket echo server (`GDT_WS_URL`, `GDT_WSS_URL`): filled in by
//! the WebSocket work. The signature of [`serve`] stays.

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Serves WebSocket connections on `listener` (through `tls` when given)
/// until the runtime stops. Accepts nothing yet.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>) {
    let _ = (listener, tls);
    std::future::pending::<()>().await;
}
