//! The TLS client configuration the network clients share: rustls with the
//! ring crypto backend, Mozilla's roots compiled in (webpki-roots), and an
//! optional extra root certificate for self-hosted servers.

use std::sync::{Arc, OnceLock};

use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// The configuration with the compiled-in roots only, built once.
pub(crate) fn default_config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    Arc::clone(CONFIG.get_or_init(|| build(Vec::new())))
}

/// A configuration that also trusts the certificates in `pem` (PEM text,
/// one or more `CERTIFICATE` blocks); an error names what is wrong with it.
pub(crate) fn config_with_root(pem: &[u8]) -> Result<Arc<ClientConfig>, String> {
    let certs = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("no CERTIFICATE block in the PEM text".into());
    }
    Ok(build(certs))
}

fn build(extra: Vec<CertificateDer<'static>>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in extra {
        // A certificate rustls cannot use as a root is left out; the
        // handshake then fails naming the server's certificate.
        let _ = roots.add(cert);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    // The ring provider supports the default protocol versions.
    Arc::new(config.unwrap_or_else(|_| unreachable!("ring supports TLS 1.2 and 1.3")))
}
