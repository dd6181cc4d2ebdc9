//! A response as scripts get it: a Dictionary made on the main thread.

use gdnative::prelude::*;
use reqwest::Response;

use crate::error::{AsyncError, ErrorKind};

use super::json;

/// The status line and headers of a response.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) status: u16,
    /// Lower-case names; a repeated header's values joined with `, `.
    pub(crate) headers: Vec<(String, String)>,
    /// The URL after redirects.
    pub(crate) url: String,
}

impl Head {
    pub(crate) fn of(response: &Response) -> Head {
        let mut headers: Vec<(String, String)> = Vec::new();
        for (name, value) in response.headers() {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match headers.iter_mut().find(|(n, _)| n == name.as_str()) {
                Some((_, joined)) => {
                    joined.push_str(", ");
                    joined.push_str(&value);
                }
                None => headers.push((name.as_str().to_owned(), value)),
            }
        }
        Head {
            status: response.status().as_u16(),
            headers,
            url: response.url().to_string(),
        }
    }

    /// `{"status", "headers", "url"}`.
    pub(crate) fn dictionary(&self) -> Dictionary<Unique> {
        let dict = Dictionary::new();
        dict.insert("status", i64::from(self.status));
        let headers = Dictionary::new();
        for (name, value) in &self.headers {
            headers.insert(name.as_str(), value.as_str());
        }
        dict.insert("headers", headers.into_shared());
        dict.insert("url", self.url.as_str());
        dict
    }
}

/// A whole response, body read, JSON parsed (off the main thread).
pub(crate) struct Full {
    pub(crate) head: Head,
    pub(crate) body: Vec<u8>,
    pub(crate) json: Result<serde_json::Value, String>,
}

impl Full {
    /// `{"status", "headers", "url", "body": PoolByteArray, "text": String
    /// (UTF-8, invalid bytes replaced), "json": the parsed body or an
    /// AsyncError (kind failed, not printed) saying where it broke}`.
    pub(crate) fn into_variant(self, method: &str) -> Variant {
        let dict = self.head.dictionary();
        dict.insert("text", String::from_utf8_lossy(&self.body).as_ref());
        dict.insert("body", PoolArray::<u8>::from_vec(self.body));
        let json = match &self.json {
            Ok(value) => json::to_variant(value),
            Err(e) => AsyncError::new(ErrorKind::Failed, method, e.as_str())
                .expected()
                .into_value(),
        };
        dict.insert("json", json);
        dict.owned_to_variant()
    }
}
