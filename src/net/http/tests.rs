//! The HTTP core against the real loopback servers (pure Rust: no
//! Godot), on a multi-thread runtime like the background one.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, Url};

use super::client::{self, Failure};
use super::download::download;
use super::options::Spec;
use crate::error::ErrorKind;
use crate::io::save::tests::names;
use crate::net::tls::ExtraRoot;
use crate::script::progress::Progress;

fn spec(url: &str) -> Spec {
    Spec {
        timeout: Duration::from_secs(10),
        ..Spec::get(Url::parse(url).expect("url"))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Status, final URL and body of `spec`, or the failure.
fn fetch(spec: &Spec) -> Result<(u16, String, String), Failure> {
    runtime().block_on(async {
        let response = client::send(spec, true).await?;
        let status = response.status().as_u16();
        let url = response.url().to_string();
        let body = response
            .text()
            .await
            .map_err(|e| client::failure(spec, &e))?;
        Ok((status, url, body))
    })
}

#[test]
fn every_redirect_kind_is_followed_keeping_or_dropping_the_body_as_specified() {
    let servers = gdnative_tokio_servers::start();
    let base = format!("http://{}", servers.http);
    for (code, method) in [
        (301, "GET"),
        (302, "GET"),
        (303, "GET"),
        (307, "POST"),
        (308, "POST"),
    ] {
        let mut s = spec(&format!("{base}/redirect/{code}/2"));
        s.method = Method::POST;
        s.body = Some(b"payload".to_vec());
        let (status, url, body) = fetch(&s).unwrap_or_else(|e| panic!("{code}: {e:?}"));
        assert_eq!(status, 200, "{code}");
        assert_eq!(url, format!("{base}/echo"), "{code}");
        assert!(
            body.contains(&format!("\"method\":\"{method}\"")),
            "{code}: {body}"
        );
        assert_eq!(
            body.contains("\"body\":\"payload\""),
            method == "POST",
            "{code}: {body}"
        );
    }
}

#[test]
fn a_redirect_loop_and_the_limit_fail_naming_the_redirects() {
    let servers = gdnative_tokio_servers::start();
    let (kind, message) = fetch(&spec(&format!("http://{}/loop", servers.http))).expect_err("loop");
    assert_eq!(kind, ErrorKind::Failed);
    assert!(message.contains("too many redirects"), "{message}");
    // 3 redirects with a limit of 2: refused; with 3: followed.
    let mut limited = spec(&format!("http://{}/redirect/302/2", servers.http));
    limited.client.max_redirects = 2;
    let (_, message) = fetch(&limited).expect_err("over the limit");
    assert!(message.contains("too many redirects"), "{message}");
    limited.client.max_redirects = 3;
    assert_eq!(fetch(&limited).expect("within the limit").0, 200);
    limited.client.max_redirects = 0;
    assert_eq!(fetch(&limited).expect("not followed").0, 302);
}

#[test]
fn failures_name_their_cause() {
    let servers = gdnative_tokio_servers::start();
    let (kind, message) =
        fetch(&spec(&format!("http://{}/hello", servers.refused))).expect_err("refused");
    assert_eq!(kind, ErrorKind::Failed);
    assert!(message.contains(": connection refused"), "{message}");

    let (kind, message) =
        fetch(&spec(&format!("https://{}/hello", servers.https))).expect_err("unknown CA");
    assert_eq!(kind, ErrorKind::Failed);
    assert!(
        message.contains("TLS certificate rejected") && message.contains("UnknownIssuer"),
        "{message}"
    );

    let mut trusted = spec(&format!("https://{}/hello", servers.https));
    trusted.client.ca = Some(ExtraRoot::File(servers.ca_file.clone()));
    assert_eq!(fetch(&trusted).expect("extra root").2, "hello");

    let (kind, message) = fetch(&spec(&format!(
        "http://{}/reset?after=100000&total=1000000",
        servers.http
    )))
    .expect_err("reset");
    assert_eq!(kind, ErrorKind::Failed);
    assert!(message.contains("connection reset mid-body"), "{message}");

    let mut stall = spec(&format!("http://{}/stall", servers.http));
    stall.timeout = Duration::from_millis(300);
    let (kind, message) = fetch(&stall).expect_err("stall");
    assert_eq!(kind, ErrorKind::Timeout, "{message}");

    let (kind, message) = fetch(&spec("http://no-such-host.invalid/")).expect_err("dns");
    assert_eq!(kind, ErrorKind::Failed);
    assert!(message.contains("DNS lookup failed"), "{message}");
}

#[test]
fn gzip_is_decoded_and_404_is_a_response() {
    let servers = gdnative_tokio_servers::start();
    let (status, _, body) = fetch(&spec(&format!("http://{}/gzip", servers.http))).expect("gzip");
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"ok":true,"n":42,"list":[1,2,3]}"#)
    );
    assert_eq!(
        fetch(&spec(&format!("http://{}/nothing", servers.http)))
            .expect("404")
            .0,
        404
    );
}

fn folder(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gdt-http-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("folder");
    dir
}

#[test]
fn a_download_saves_the_whole_body_and_a_failed_or_cancelled_one_leaves_nothing() {
    let servers = gdnative_tokio_servers::start();
    let dir = folder("download");
    let target = dir.join("file.bin");
    let rt = runtime();

    let n = 3_000_000u64;
    let progress = Progress::new();
    let done = rt.block_on(download(
        spec(&format!("http://{}/bytes?n={n}", servers.http)),
        target.clone(),
        progress.clone(),
    ));
    assert!(done.is_ok(), "{:?}", done.err());
    let saved = std::fs::read(&target).expect("saved");
    assert_eq!(saved.len() as u64, n);
    assert!(saved
        .iter()
        .enumerate()
        .all(|(i, b)| *b == gdnative_tokio_servers::http::pattern_byte(i as u64)));
    assert_eq!(progress.total(), n as f64);
    assert_eq!(names(&dir), ["file.bin"]);

    // Reset mid-body: the old file stays as it was, no temporary file.
    let failed = rt.block_on(download(
        spec(&format!(
            "http://{}/reset?after=200000&total=1000000",
            servers.http
        )),
        target.clone(),
        Progress::new(),
    ));
    assert!(failed
        .expect_err("reset")
        .1
        .contains("connection reset mid-body"));
    assert_eq!(std::fs::read(&target).expect("old").len() as u64, n);
    assert_eq!(names(&dir), ["file.bin"]);

    // Cancelled (the future dropped) mid-body: nothing under the new name.
    let other = dir.join("other.bin");
    let progress = Progress::new();
    rt.block_on(async {
        let slow = spec(&format!(
            "http://{}/bytes?n=10000000&chunk=65536&delay_ms=5",
            servers.http
        ));
        let work = tokio::spawn(download(slow, other.clone(), progress.clone()));
        while progress.total() < 0.0 || names(&dir).len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        work.abort();
        let _ = work.await;
    });
    assert_eq!(
        names(&dir),
        ["file.bin"],
        "the cancelled download left a file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
