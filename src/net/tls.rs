//! TLS for the HTTP and WebSocket clients: a rustls [`ClientConfig`] that
//! trusts the compiled-in Mozilla roots (webpki-roots; no system store, no
//! OpenSSL) plus, when a script gives one, an extra root certificate for a
//! self-hosted server. Crypto is rustls' `ring` provider, which builds for
//! Windows with Debian's mingw-w64 (aws-lc-rs would need cmake and nasm).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// An extra root certificate as a script gave it: PEM text, or the path
/// of a PEM file (absolute, or `res://`/`user://` made absolute on the
/// main thread when the argument was checked).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ExtraRoot {
    /// PEM text (`-----BEGIN CERTIFICATE-----` ...).
    Pem(String),
    /// A PEM file, read when the config is made.
    File(PathBuf),
}

impl ExtraRoot {
    /// Parses a script's `ca` option: text containing `-----BEGIN` is PEM,
    /// anything else a path (`res://` and `user://` are globalized, so call
    /// this on the main thread). `Err` is the detail of a bad argument.
    pub(crate) fn from_script(text: &str) -> Result<ExtraRoot, String> {
        if text.contains("-----BEGIN") {
            return Ok(ExtraRoot::Pem(text.to_owned()));
        }
        if text.is_empty() {
            return Err("must be PEM text or the path of a PEM file, got an empty String".into());
        }
        crate::io::files::real_path(text).map(|p| ExtraRoot::File(PathBuf::from(p)))
    }

    /// The certificates, read (a file) and parsed. Blocks on a file read:
    /// call it off the main thread. The error names the file and the cause.
    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, String> {
        let (pem, shown) = match self {
            ExtraRoot::Pem(text) => (text.clone().into_bytes(), "the PEM text".to_owned()),
            ExtraRoot::File(path) => match std::fs::read(path) {
                Ok(bytes) => (bytes, path.display().to_string()),
                Err(e) => {
                    return Err(format!(
                        "extra root certificate {}: {}",
                        path.display(),
                        crate::io::files::describe(&e)
                    ))
                }
            },
        };
        let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
        match certs {
            Ok(certs) if !certs.is_empty() => Ok(certs),
            Ok(_) => Err(format!(
                "extra root certificate {shown}: no CERTIFICATE block in it"
            )),
            Err(e) => Err(format!("extra root certificate {shown}: bad PEM ({e:?})")),
        }
    }
}

/// The client config: Mozilla's roots, plus `extra` when given. Configs
/// are made once per distinct extra root and shared. Reads the extra
/// root's file (blocking, small): call it off the main thread. `Err`
/// names the certificate problem.
pub(crate) fn client_config(extra: Option<&ExtraRoot>) -> Result<Arc<ClientConfig>, String> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    static WITH_EXTRA: OnceLock<Mutex<HashMap<ExtraRoot, Arc<ClientConfig>>>> = OnceLock::new();
    let Some(extra) = extra else {
        return Ok(Arc::clone(DEFAULT.get_or_init(|| {
            build(Vec::new()).expect("the Mozilla roots are valid")
        })));
    };
    let cache = WITH_EXTRA.get_or_init(Mutex::default);
    if let Some(config) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(extra) {
        return Ok(Arc::clone(config));
    }
    let config = build(extra.certificates()?)?;
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(extra.clone(), Arc::clone(&config));
    Ok(config)
}

fn build(extra: Vec<CertificateDer<'static>>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in extra {
        roots
            .add(cert)
            .map_err(|e| format!("extra root certificate: not usable as a root ({e})"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_text_without_a_certificate_is_refused_with_the_cause() {
        let bad = ExtraRoot::Pem("-----BEGIN NOTHING-----\n-----END NOTHING-----\n".into());
        let error = client_config(Some(&bad)).expect_err("no certificate");
        assert!(error.contains("no CERTIFICATE block"), "{error}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let missing = ExtraRoot::File("/nonexistent/ca.pem".into());
        let error = client_config(Some(&missing)).expect_err("missing");
        assert!(error.contains("/nonexistent/ca.pem: not found"), "{error}");
    }

    #[test]
    fn the_servers_ca_is_accepted_and_cached() {
        let ca = gdnative_tokio_servers::tls::Tls::generate().ca_pem;
        let root = ExtraRoot::Pem(ca);
        let a = client_config(Some(&root)).expect("valid CA");
        let b = client_config(Some(&root)).expect("valid CA");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &client_config(None).expect("default")));
    }
}
