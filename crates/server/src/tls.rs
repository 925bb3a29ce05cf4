//! TLS on the remoting port, configured with the Java server's property names.
//!
//! `disabled` serves plain TCP only; `enforcing` TLS only; `permissive` both on one port: the
//! first byte of a new connection tells them apart (a TLS handshake record starts with 0x16,
//! a remoting frame with the high byte of its length, which is 0 for any frame under 16 MiB).
//! Client certificates are asked for per `tls.server.need.client.auth` and verified against
//! `tls.server.trustCertPath`; a verified certificate's subject CN is what
//! `authTlsSubjects` matches.

use std::sync::Arc;
use std::time::Duration;

use namesrv_actors::config::NamesrvConfig;
use namesrv_actors::session::transport::Transport;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disabled,
    Permissive,
    Enforcing,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("tls.server.mode must be disabled, permissive or enforcing, not '{0}'")]
    Mode(String),
    #[error("tls.server.need.client.auth must be none, optional or require, not '{0}'")]
    ClientAuth(String),
    #[error("TLS needs tls.server.certPath and tls.server.keyPath")]
    MissingFiles,
    #[error("tls.server.keyPassword: encrypted private keys are not supported; decrypt the key (openssl pkcs8 -nocrypt)")]
    EncryptedKey,
    #[error("client certificates need tls.server.trustCertPath")]
    MissingTrust,
    #[error("{path}: {why}")]
    File { path: String, why: String },
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// How accepted connections become transports.
#[derive(Clone)]
pub struct Tls {
    pub mode: TlsMode,
    acceptor: Option<TlsAcceptor>,
}

/// How long a new connection has to send its first byte (permissive mode) and to finish
/// the handshake, so a silent socket cannot hold a worker's task forever.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);

impl Tls {
    pub fn from_config(cfg: &NamesrvConfig) -> Result<Tls, TlsError> {
        let mode = match cfg.tls_server_mode.trim().to_ascii_lowercase().as_str() {
            "disabled" | "" => TlsMode::Disabled,
            "permissive" => TlsMode::Permissive,
            "enforcing" => TlsMode::Enforcing,
            other => return Err(TlsError::Mode(other.to_owned())),
        };
        if mode == TlsMode::Disabled {
            return Ok(Tls {
                mode,
                acceptor: None,
            });
        }
        if cfg.tls_server_cert_path.is_empty() || cfg.tls_server_key_path.is_empty() {
            return Err(TlsError::MissingFiles);
        }
        if !cfg.tls_server_key_password.is_empty() {
            return Err(TlsError::EncryptedKey);
        }
        let file_error = |path: &str, e: &dyn std::fmt::Display| TlsError::File {
            path: path.to_owned(),
            why: e.to_string(),
        };
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(&cfg.tls_server_cert_path)
                .and_then(|i| i.collect())
                .map_err(|e| file_error(&cfg.tls_server_cert_path, &e))?;
        let key = PrivateKeyDer::from_pem_file(&cfg.tls_server_key_path)
            .map_err(|e| file_error(&cfg.tls_server_key_path, &e))?;
        let need = cfg.tls_server_need_client_auth.trim().to_ascii_lowercase();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?;
        let builder = match need.as_str() {
            "none" | "" => builder.with_no_client_auth(),
            "optional" | "require" => {
                if cfg.tls_server_trust_cert_path.is_empty() {
                    return Err(TlsError::MissingTrust);
                }
                let mut roots = rustls::RootCertStore::empty();
                for ca in CertificateDer::pem_file_iter(&cfg.tls_server_trust_cert_path)
                    .map_err(|e| file_error(&cfg.tls_server_trust_cert_path, &e))?
                {
                    let ca = ca.map_err(|e| file_error(&cfg.tls_server_trust_cert_path, &e))?;
                    roots.add(ca)?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                let verifier = if need == "optional" {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                builder.with_client_cert_verifier(
                    verifier
                        .build()
                        .map_err(|e| TlsError::Rustls(rustls::Error::General(e.to_string())))?,
                )
            }
            other => return Err(TlsError::ClientAuth(other.to_owned())),
        };
        let config = builder.with_single_cert(certs, key)?;
        Ok(Tls {
            mode,
            acceptor: Some(TlsAcceptor::from(Arc::new(config))),
        })
    }

    /// Turns an accepted socket into a transport, or `None` if it is to be closed (a plain
    /// connection under `enforcing`, a failed or too slow handshake).
    pub async fn accept(&self, stream: TcpStream) -> Result<Transport, String> {
        let Some(acceptor) = &self.acceptor else {
            return Ok(Transport::Plain(stream));
        };
        if self.mode == TlsMode::Permissive {
            let mut first = [0u8; 1];
            match tokio::time::timeout(HANDSHAKE_DEADLINE, stream.peek(&mut first)).await {
                Ok(Ok(1)) if first[0] != 0x16 => return Ok(Transport::Plain(stream)),
                Ok(Ok(1)) => {}
                Ok(Ok(_)) => return Err("closed before sending anything".into()),
                Ok(Err(e)) => return Err(e.to_string()),
                Err(_) => return Err("sent nothing within the handshake deadline".into()),
            }
        }
        let tls = tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.accept(stream))
            .await
            .map_err(|_| "TLS handshake timed out".to_string())?
            .map_err(|e| format!("TLS handshake failed: {e}"))?;
        let client_subject = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|cert| subject_cn(cert.as_ref()));
        Ok(Transport::Tls {
            stream: Box::new(tls),
            client_subject,
        })
    }
}

/// The first subject CN of a DER certificate.
fn subject_cn(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}
