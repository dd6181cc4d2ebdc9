//! The arguments of `Async.websocket_connect(url, options)`: the URL and
//! the options Dictionary, checked into a [`Plan`] with messages that name
//! the argument or option.

use std::time::Duration;

use gdnative::prelude::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::header::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::http::Uri;

use crate::net::tls::ExtraRoot;
use crate::script::args::{script_type, Args};

/// The connect (and handshake) time limit when none is given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest message accepted when `max_message_size` is not given.
pub(crate) const DEFAULT_MAX_MESSAGE: usize = 16 << 20;
/// The largest `max_message_size` (and `max_queue_size`) accepted: 1 GiB.
const MAX_MAX_MESSAGE: i64 = 1 << 30;
/// The received-but-not-taken messages a connection holds when
/// `max_queue_size` is not given, in bytes (see `inbox.rs`).
pub(crate) const DEFAULT_MAX_QUEUE: usize = 16 << 20;
/// The options `websocket_connect` knows.
const OPTIONS: [&str; 7] = [
    "headers",
    "protocols",
    "ca",
    "timeout",
    "max_message_size",
    "max_queue_size",
    "ping_interval",
];

/// Where to connect and how.
pub(crate) struct Plan {
    pub(crate) url: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) secure: bool,
    /// The handshake request: the URL plus the script's headers and
    /// subprotocols.
    pub(crate) request: Request,
    pub(crate) root: Option<ExtraRoot>,
    pub(crate) timeout: Duration,
    pub(crate) max_message_size: usize,
    /// What the connection does while open: its queue bound and pings.
    pub(crate) keep: Keep,
}

/// The options that rule an open connection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Keep {
    /// The reader stops reading while the queued messages count for this
    /// many bytes or more.
    pub(crate) max_queue_size: usize,
    /// A ping this often; `None`: no pings of our own.
    pub(crate) ping_interval: Option<Duration>,
}

impl Default for Keep {
    fn default() -> Self {
        Keep {
            max_queue_size: DEFAULT_MAX_QUEUE,
            ping_interval: None,
        }
    }
}

/// The URL's parts: `ws://` or `wss://`, a host, a port (80 and 443 when
/// none is given).
pub(crate) fn parse_url(url: &str) -> Result<(Uri, String, u16, bool), String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("not a URL ({e}): {url:?}"))?;
    let secure = match uri.scheme_str() {
        Some("ws") => false,
        Some("wss") => true,
        Some(other) => return Err(format!("the scheme must be ws or wss, got {other}")),
        None => {
            return Err(format!(
                "expected ws://host/... or wss://host/..., got {url:?}"
            ))
        }
    };
    let host = uri.host().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("no host in {url:?}"));
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    Ok((uri, host, port, secure))
}

/// Checks the arguments `url` and `options` (a Dictionary, optional).
pub(crate) fn plan(args: &Args) -> Result<Plan, String> {
    args.expect_count(1, 2)?;
    let url: String = args.get(0, "url")?;
    let (uri, host, port, secure) = parse_url(&url).map_err(|e| Args::invalid(0, "url", e))?;
    let mut request = uri
        .into_client_request()
        .map_err(|e| Args::invalid(0, "url", e))?;
    let mut plan = Plan {
        url,
        host,
        port,
        secure,
        request: Request::default(),
        root: None,
        timeout: DEFAULT_TIMEOUT,
        max_message_size: DEFAULT_MAX_MESSAGE,
        keep: Keep::default(),
    };
    let options = match args.raw(1, "options") {
        Ok(value) if !value.is_nil() => Dictionary::from_variant(value).map_err(|_| {
            let got = script_type(value.get_type());
            Args::invalid(
                1,
                "options",
                format_args!("expected a Dictionary, got {got}"),
            )
        })?,
        _ => Dictionary::new_shared(),
    };
    for (key, value) in options.iter() {
        let name = key.to_string();
        let bad = |detail: String| Args::invalid(1, "options", format_args!("`{name}`: {detail}"));
        match name.as_str() {
            "headers" => add_headers(&mut request, &value).map_err(bad)?,
            "protocols" => add_protocols(&mut request, &value).map_err(bad)?,
            "ca" => plan.root = Some(root(&value).map_err(bad)?),
            "timeout" => plan.timeout = seconds(value, "timeout").map_err(bad)?,
            "max_message_size" => plan.max_message_size = bytes(&value).map_err(bad)?,
            "max_queue_size" => plan.keep.max_queue_size = bytes(&value).map_err(bad)?,
            "ping_interval" => {
                let every = seconds(value, "ping_interval").map_err(bad)?;
                plan.keep.ping_interval = Some(every).filter(|d| !d.is_zero());
            }
            _ => {
                return Err(bad(format!(
                    "unknown option; known: {}",
                    OPTIONS.join(", ")
                )))
            }
        }
    }
    plan.request = request;
    Ok(plan)
}

/// A duration option (seconds, 0 to one day), checked as
/// [`Args::seconds`] checks an argument.
fn seconds(value: Variant, name: &str) -> Result<Duration, String> {
    Args::new(vec![value]).seconds(0, name).map_err(|e| {
        e.trim_start_matches(&format!("argument 1 `{name}`: "))
            .to_owned()
    })
}

/// A size option: an int of bytes, 1 to 1 GiB.
fn bytes(value: &Variant) -> Result<usize, String> {
    i64::from_variant(value)
        .ok()
        .filter(|n| (1..=MAX_MAX_MESSAGE).contains(n))
        .map(|n| n as usize)
        .ok_or_else(|| format!("expected an int in 1..={MAX_MAX_MESSAGE}, got {value:?}"))
}

/// `headers`: a Dictionary of names to values (Strings, or values shown
/// as text).
fn add_headers(request: &mut Request, value: &Variant) -> Result<(), String> {
    let headers = Dictionary::from_variant(value).map_err(|_| {
        format!(
            "expected a Dictionary, got {}",
            script_type(value.get_type())
        )
    })?;
    for (name, value) in headers.iter() {
        let name = name.to_string();
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a header name"))?;
        let text = value.to_string();
        let value = HeaderValue::from_str(&text)
            .map_err(|_| format!("the value of {name:?} is not a header value: {text:?}"))?;
        request.headers_mut().append(header, value);
    }
    Ok(())
}

/// `protocols`: an Array or PoolStringArray of subprotocol names.
fn add_protocols(request: &mut Request, value: &Variant) -> Result<(), String> {
    let names: Vec<String> = match value.get_type() {
        VariantType::StringArray => PoolArray::<GodotString>::from_variant(value)
            .map(|a| a.read().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        VariantType::VariantArray => {
            let array =
                VariantArray::from_variant(value).unwrap_or_else(|_| VariantArray::new_shared());
            let mut names = Vec::new();
            for item in array.iter() {
                if item.get_type() != VariantType::GodotString {
                    return Err(format!(
                        "expected Strings, got {}",
                        script_type(item.get_type())
                    ));
                }
                names.push(item.to_string());
            }
            names
        }
        other => {
            return Err(format!(
                "expected an Array of Strings, got {}",
                script_type(other)
            ))
        }
    };
    for name in &names {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        if !token {
            return Err(format!("{name:?} is not a subprotocol name"));
        }
    }
    if !names.is_empty() {
        let joined = HeaderValue::from_str(&names.join(", ")).map_err(|e| e.to_string())?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", joined);
    }
    Ok(())
}

/// `ca`: an extra root certificate, PEM text or the path of a PEM file.
fn root(value: &Variant) -> Result<ExtraRoot, String> {
    let text = String::from_variant(value)
        .map_err(|_| format!("expected a String, got {}", script_type(value.get_type())))?;
    ExtraRoot::from_script(&text)
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls_need_a_ws_scheme_and_a_host() {
        let (_, host, port, secure) = parse_url("ws://127.0.0.1:9000/chat").expect("a URL");
        assert_eq!((host.as_str(), port, secure), ("127.0.0.1", 9000, false));
        let (_, host, port, secure) = parse_url("wss://example.com").expect("a URL");
        assert_eq!((host.as_str(), port, secure), ("example.com", 443, true));
        let (_, host, _, _) = parse_url("ws://[::1]:80/").expect("a URL");
        assert_eq!(host, "::1");
        for (url, message) in [
            (
                "http://example.com",
                "the scheme must be ws or wss, got http",
            ),
            ("example.com", "expected ws://host/... or wss://host/..."),
            ("ws://", "not a URL"),
            ("", "not a URL"),
            ("ws://a b", "not a URL"),
        ] {
            let error = parse_url(url).err().unwrap_or_default();
            assert!(error.contains(message), "{url:?}: {error}");
        }
    }
}
