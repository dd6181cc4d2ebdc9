//! The arguments of the HTTP methods: a URL and an options Dictionary,
//! checked on the main thread into a [`Spec`] (plain Rust, `Send`) that the
//! background runtime runs.

use std::time::Duration;

use gdnative::prelude::*;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::net::tls::ExtraRoot;
use crate::script::args::{script_type, Args, MAX_SECONDS};

use super::json;

/// The time limit when none is given: 30 s.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The connect time limit when none is given: 10 s.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed when `max_redirects` is not given.
pub(crate) const DEFAULT_REDIRECTS: usize = 10;

/// The option names, for the message about an unknown one.
const KNOWN: &str = "method, query, headers, body, json, timeout, connect_timeout, \
                     max_redirects, session, ca, lines";

/// A checked request.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Option<Vec<u8>>,
    /// `http_request`: the whole request; downloads and streams: the wait
    /// for the headers and, for downloads, each wait for data.
    pub(crate) timeout: Duration,
    pub(crate) client: ClientKey,
    /// `http_stream`: items are lines (`true`) or chunks.
    pub(crate) lines: bool,
}

impl Spec {
    /// A GET of `url` with every option at its default.
    pub(crate) fn get(url: Url) -> Spec {
        Spec {
            method: Method::GET,
            url,
            headers: Vec::new(),
            body: None,
            timeout: DEFAULT_TIMEOUT,
            client: ClientKey {
                max_redirects: DEFAULT_REDIRECTS,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                ca: None,
                session: None,
            },
            lines: false,
        }
    }
}

/// What selects the shared client (connection pool) a request goes
/// through: requests with equal keys share connections.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    pub(crate) max_redirects: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) ca: Option<ExtraRoot>,
    /// A named cookie session, or none (no cookies kept).
    pub(crate) session: Option<String>,
}

/// Checks `url` (argument 0) and the options Dictionary (argument
/// `index`, optional; `null` is no options).
pub(crate) fn parse(args: &Args, index: usize) -> Result<Spec, String> {
    let text: String = args.get(0, "url")?;
    let mut url = Url::parse(&text)
        .map_err(|e| Args::invalid(0, "url", format_args!("not a URL ({e}): {text:?}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Args::invalid(
            0,
            "url",
            format_args!("only http:// and https:// URLs, got {text:?}"),
        ));
    }
    let mut spec = Spec::get(url.clone());
    let options = match args.raw(index, "options") {
        Ok(value) if !value.is_nil() => args.get::<Dictionary>(index, "options")?,
        _ => return Ok(spec),
    };
    let bad = |detail: String| Args::invalid(index, "options", detail);
    let mut has_body = false;
    for (key, value) in options.iter() {
        let Ok(key) = key.try_to::<String>() else {
            return Err(bad(format!(
                "option names are Strings, got {}",
                script_type(key.get_type())
            )));
        };
        let want = |what: &str| {
            bad(format!(
                "{key:?} must be {what}, got {}",
                script_type(value.get_type())
            ))
        };
        match key.as_str() {
            "method" => {
                let name: String = value.try_to().map_err(|_| want("a String"))?;
                spec.method = Method::from_bytes(name.to_ascii_uppercase().as_bytes())
                    .map_err(|_| bad(format!("\"method\": not an HTTP method: {name:?}")))?;
            }
            "query" => {
                let pairs: Dictionary = value.try_to().map_err(|_| want("a Dictionary"))?;
                let mut query = url.query_pairs_mut();
                for (k, v) in pairs.iter() {
                    query.append_pair(
                        &scalar(&k).ok_or_else(|| want("a Dictionary of Strings and numbers"))?,
                        &scalar(&v).ok_or_else(|| want("a Dictionary of Strings and numbers"))?,
                    );
                }
            }
            "headers" => {
                let pairs: Dictionary = value.try_to().map_err(|_| want("a Dictionary"))?;
                for (k, v) in pairs.iter() {
                    let (Some(name), Some(text)) = (scalar(&k), scalar(&v)) else {
                        return Err(want("a Dictionary of Strings and numbers"));
                    };
                    let name = HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| bad(format!("\"headers\": not a header name: {name:?}")))?;
                    let text = HeaderValue::from_str(&text)
                        .map_err(|_| bad(format!("\"headers\": bad value for {name}: {text:?}")))?;
                    spec.headers.push((name, text));
                }
            }
            "body" => {
                if has_body {
                    return Err(bad("give \"body\" or \"json\", not both".into()));
                }
                has_body = true;
                spec.body = Some(match value.get_type() {
                    VariantType::GodotString => value
                        .try_to::<String>()
                        .map_err(|_| want("a String or PoolByteArray"))?
                        .into_bytes(),
                    VariantType::ByteArray => value
                        .try_to::<PoolArray<u8>>()
                        .map_err(|_| want("a String or PoolByteArray"))?
                        .to_vec(),
                    _ => return Err(want("a String or PoolByteArray")),
                });
            }
            "json" => {
                if has_body {
                    return Err(bad("give \"body\" or \"json\", not both".into()));
                }
                has_body = true;
                let text = json::to_json(&value).map_err(|e| bad(format!("\"json\": {e}")))?;
                spec.body = Some(text.into_bytes());
                spec.headers.push((
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ));
            }
            "timeout" => spec.timeout = seconds(&key, &value).map_err(bad)?,
            "connect_timeout" => {
                spec.client.connect_timeout = seconds(&key, &value).map_err(bad)?
            }
            "max_redirects" => {
                let n: i64 = if value.get_type() == VariantType::I64 {
                    value.try_to().unwrap_or(-1)
                } else {
                    return Err(want("an int"));
                };
                if !(0..=100).contains(&n) {
                    return Err(bad(format!(
                        "\"max_redirects\" must be in 0..=100, got {n}"
                    )));
                }
                spec.client.max_redirects = n as usize;
            }
            "session" => {
                let name: String = value.try_to().map_err(|_| want("a String"))?;
                if name.is_empty() {
                    return Err(bad("\"session\" must not be empty".into()));
                }
                spec.client.session = Some(name);
            }
            "ca" => {
                let text: String = value
                    .try_to()
                    .map_err(|_| want("a String (PEM text or a path)"))?;
                spec.client.ca =
                    Some(ExtraRoot::from_script(&text).map_err(|e| bad(format!("\"ca\": {e}")))?);
            }
            "lines" => spec.lines = value.try_to::<bool>().map_err(|_| want("a bool"))?,
            other => return Err(bad(format!("unknown option {other:?} (known: {KNOWN})"))),
        }
    }
    spec.url = url;
    Ok(spec)
}

/// A String, int or float as text (query values, header values).
fn scalar(value: &Variant) -> Option<String> {
    match value.get_type() {
        VariantType::GodotString => value.try_to::<String>().ok(),
        VariantType::I64 => value.try_to::<i64>().ok().map(|n| n.to_string()),
        VariantType::F64 => value.try_to::<f64>().ok().map(|n| n.to_string()),
        VariantType::Bool => value.try_to::<bool>().ok().map(|b| b.to_string()),
        _ => None,
    }
}

/// A time-limit option: a number of seconds, above 0, at most a day.
fn seconds(key: &str, value: &Variant) -> Result<Duration, String> {
    let secs = match value.get_type() {
        VariantType::I64 => value.try_to::<i64>().map(|n| n as f64).ok(),
        VariantType::F64 => value.try_to::<f64>().ok(),
        _ => None,
    };
    match secs {
        Some(s) if s > 0.0 && s <= MAX_SECONDS => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(format!(
            "{key:?} must be above 0 and at most {MAX_SECONDS}, got {s}"
        )),
        None => Err(format!(
            "{key:?} must be a number of seconds, got {}",
            script_type(value.get_type())
        )),
    }
}
