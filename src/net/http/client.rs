//! The shared clients (one reqwest `Client`, i.e. one connection pool,
//! per [`ClientKey`]), sending a [`Spec`], and error messages that name
//! the cause.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use reqwest::redirect::Policy;
use reqwest::{Client, Response};

use crate::error::ErrorKind;
use crate::net::tls;

use super::options::{ClientKey, Spec};

/// Why a request failed: the error kind and a message naming the cause.
pub(crate) type Failure = (ErrorKind, String);

/// The client for `key`, made on first use and shared from then on (its
/// connections are reused by every request with the same key). Reads the
/// extra root's file the first time: call it off the main thread.
pub(crate) fn client(key: &ClientKey) -> Result<Client, Failure> {
    static CLIENTS: OnceLock<Mutex<HashMap<ClientKey, Client>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Mutex::default);
    if let Some(client) = clients.lock().unwrap_or_else(|p| p.into_inner()).get(key) {
        return Ok(client.clone());
    }
    let config = tls::client_config(key.ca.as_ref()).map_err(|e| (ErrorKind::Failed, e))?;
    let redirects = match key.max_redirects {
        0 => Policy::none(),
        n => Policy::limited(n),
    };
    let client = Client::builder()
        .use_preconfigured_tls((*config).clone())
        .redirect(redirects)
        .connect_timeout(key.connect_timeout)
        .cookie_store(key.session.is_some())
        .gzip(true)
        .tcp_nodelay(true)
        .user_agent(concat!("gdnative-tokio/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            (
                ErrorKind::Failed,
                format!("HTTP client setup: {}", chain(&e)),
            )
        })?;
    let mut clients = clients.lock().unwrap_or_else(|p| p.into_inner());
    Ok(clients.entry(key.clone()).or_insert(client).clone())
}

/// Sends `spec` and waits for the response's headers (not its body).
/// `total` puts `spec.timeout` on the whole exchange, body included
/// (reqwest's request timeout); otherwise it limits the wait for the
/// headers only.
pub(crate) async fn send(spec: &Spec, total: bool) -> Result<Response, Failure> {
    let client = client(&spec.client)?;
    let mut request = client.request(spec.method.clone(), spec.url.clone());
    for (name, value) in &spec.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &spec.body {
        request = request.body(body.clone());
    }
    if total {
        request = request.timeout(spec.timeout);
    }
    let sent = tokio::time::timeout(spec.timeout, request.send()).await;
    match sent {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => Err(failure(spec, &e)),
        Err(_) => Err(timed_out(spec)),
    }
}

/// The `timeout` failure of `spec`.
pub(crate) fn timed_out(spec: &Spec) -> Failure {
    (
        ErrorKind::Timeout,
        format!(
            "{} {}: no answer within {} s",
            spec.method,
            spec.url,
            spec.timeout.as_secs_f64()
        ),
    )
}

/// `error` as a failure of `spec`: kind `timeout` or `failed`, the
/// message `METHOD URL: <cause>: <details>`, the cause one of `connection
/// refused`, `DNS lookup failed`, `TLS certificate rejected`, `TLS
/// handshake failed`, `connection reset mid-body`, `too many redirects`.
pub(crate) fn failure(spec: &Spec, error: &reqwest::Error) -> Failure {
    if error.is_timeout() {
        return timed_out(spec);
    }
    let details = chain(error);
    let lower = details.to_ascii_lowercase();
    let cause = if lower.contains("connection refused") {
        "connection refused"
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        "DNS lookup failed"
    } else if lower.contains("certificate") {
        "TLS certificate rejected"
    } else if lower.contains("tls") || lower.contains("handshake") {
        "TLS handshake failed"
    } else if error.is_redirect() {
        "too many redirects"
    } else if error.is_body()
        || error.is_decode()
        || lower.contains("reset")
        || lower.contains("closed before message completed")
    {
        "connection reset mid-body"
    } else {
        "request failed"
    };
    (
        ErrorKind::Failed,
        format!("{} {}: {cause}: {details}", spec.method, spec.url),
    )
}

/// The error and its sources, joined with `: ` (each only once).
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}
