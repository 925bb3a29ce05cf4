//! TLS on the remoting port, configured with the Java server's property names.
//!
//! `disabled` serves plain TCP only; `enforcing` TLS only; `permissive` both on one port: the
//! first byte of a new connection (after a PROXY protocol preamble, which `proxy` takes off
//! before this is asked, as a balancer sends it before the handshake) tells them apart (a TLS handshake record starts with 0x16,
//! a remoting frame with the high byte of its length, which is 0 for any frame under 16 MiB).
//! Client certificates are asked for per `tls.server.need.client.auth` and verified against
//! `tls.server.trustCertPath`; a verified certificate's subject CN is what
//! `authTlsSubjects` matches.
//!
//! The key may be encrypted, as Java accepts it with `tls.server.keyPassword`: an
//! `ENCRYPTED PRIVATE KEY` (PKCS#8 with PBES2: PBKDF2 or scrypt, AES or 3DES) is decrypted
//! at start. PBKDF2-HMAC-SHA1 and 3DES are read because older OpenSSL wrote them by default;
//! nothing is ever encrypted with them here. A key that cannot be opened stops the start
//! with the file's name and whether the password is missing or wrong, rather than at the
//! first handshake.

use std::sync::Arc;
use std::time::Duration;

use namesrv_actors::config::NamesrvConfig;
use namesrv_actors::session::transport::Transport;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tracing::warn;

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
    #[error("TLS key {path} is encrypted and tls.server.keyPassword is missing")]
    KeyPasswordMissing { path: String },
    #[error("TLS key {path} does not decrypt with tls.server.keyPassword: the password is wrong (or the file is damaged)")]
    KeyPasswordWrong { path: String },
    #[error("TLS key {path}: {why}; re-encrypt it as PKCS#8 with PBES2: openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW")]
    KeyEncryptionUnsupported { path: String, why: String },
    #[error("client certificates need tls.server.trustCertPath")]
    MissingTrust,
    #[error("{path}: {why}")]
    File { path: String, why: String },
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Why a new connection got no transport.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("closed before sending anything")]
    Closed,
    #[error("sent nothing within the handshake deadline")]
    Silent,
    #[error("TLS handshake timed out")]
    HandshakeTimeout,
    #[error("TLS handshake failed: {0}")]
    Handshake(std::io::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// How accepted connections become transports.
#[derive(Clone)]
pub struct Tls {
    pub mode: TlsMode,
    acceptor: Option<TlsAcceptor>,
}

/// How long a new connection has to send its first byte (permissive mode) and to finish
/// the handshake, so a silent socket cannot hold a worker's task forever.
pub const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);

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
        let file_error = |path: &str, e: &dyn std::fmt::Display| TlsError::File {
            path: path.to_owned(),
            why: e.to_string(),
        };
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(&cfg.tls_server_cert_path)
                .and_then(|i| i.collect())
                .map_err(|e| file_error(&cfg.tls_server_cert_path, &e))?;
        let key = load_key(&cfg.tls_server_key_path, &cfg.tls_server_key_password)?;
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

    /// Turns an accepted socket (past any PROXY preamble) into a transport, or says why it
    /// is to be closed (a plain connection under `enforcing`, a failed or too slow
    /// handshake).
    pub async fn accept(&self, stream: TcpStream) -> Result<Transport, AcceptError> {
        let Some(acceptor) = &self.acceptor else {
            return Ok(Transport::Plain(stream));
        };
        if self.mode == TlsMode::Permissive {
            let mut first = [0u8; 1];
            match tokio::time::timeout(HANDSHAKE_DEADLINE, stream.peek(&mut first)).await {
                Ok(Ok(1)) if first[0] != 0x16 => return Ok(Transport::Plain(stream)),
                Ok(Ok(1)) => {}
                Ok(Ok(_)) => return Err(AcceptError::Closed),
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => return Err(AcceptError::Silent),
            }
        }
        let tls = tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.accept(stream))
            .await
            .map_err(|_| AcceptError::HandshakeTimeout)?
            .map_err(AcceptError::Handshake)?;
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

/// The private key in `path` (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1).
fn load_key(path: &str, password: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = std::fs::read(path).map_err(|e| TlsError::File {
        path: path.to_owned(),
        why: e.to_string(),
    })?;
    let text = String::from_utf8_lossy(&pem);
    if let Some(block) = pem_block(&text, "ENCRYPTED PRIVATE KEY") {
        return decrypt_key(path, block, password);
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(TlsError::KeyEncryptionUnsupported {
            path: path.to_owned(),
            why: "a key encrypted in OpenSSL's traditional format (Proc-Type: 4,ENCRYPTED) is not read, as in Java".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::File {
        path: path.to_owned(),
        why: e.to_string(),
    })?;
    if !password.is_empty() {
        warn!(
            path,
            "tls.server.keyPassword is set but the key is not encrypted; the password is not used"
        );
    }
    Ok(key)
}

fn decrypt_key(
    path: &str,
    block: &str,
    password: &str,
) -> Result<PrivateKeyDer<'static>, TlsError> {
    use pkcs8::der::Decode;
    use pkcs8::pkcs5;

    if password.is_empty() {
        return Err(TlsError::KeyPasswordMissing {
            path: path.to_owned(),
        });
    }
    let unsupported = |why: String| TlsError::KeyEncryptionUnsupported {
        path: path.to_owned(),
        why,
    };
    let unreadable = |e: pkcs8::der::Error| {
        unsupported(format!(
            "not a PKCS#8 encrypted key this server reads ({e})"
        ))
    };
    let (_, der) = pkcs8::Document::from_pem(block).map_err(unreadable)?;
    let info =
        pkcs8::EncryptedPrivateKeyInfoRef::from_der(der.as_bytes()).map_err(
            |e| match scheme_of(der.as_bytes()) {
                Some(scheme) => unsupported(format!("it is encrypted with {scheme}, not PBES2")),
                None => unreadable(e),
            },
        )?;
    match info.decrypt(password) {
        Ok(der) => Ok(PrivateKeyDer::Pkcs8(der.as_bytes().to_vec().into())),
        Err(pkcs8::Error::EncryptedPrivateKey(
            e @ (pkcs5::Error::NoPbes1CryptSupport | pkcs5::Error::UnsupportedAlgorithm { .. }),
        )) => Err(unsupported(format!(
            "its encryption is not supported ({e})"
        ))),
        Err(_) => Err(TlsError::KeyPasswordWrong {
            path: path.to_owned(),
        }),
    }
}

/// The encryption scheme of an `EncryptedPrivateKeyInfo` the pkcs8 crate does not parse,
/// named for the operator: PKCS#12's PBE schemes are what RocketMQ's TLS guide suggests
/// (`-v1 PBE-SHA1-RC4-128`).
fn scheme_of(der: &[u8]) -> Option<String> {
    use pkcs8::der::{AnyRef, Decode, Reader, SliceReader};

    let mut reader = SliceReader::new(der).ok()?;
    let oid = reader
        .sequence(|r| {
            let algorithm = pkcs8::AlgorithmIdentifierRef::decode(r)?;
            AnyRef::decode(r)?;
            Ok::<_, pkcs8::der::Error>(algorithm.oid)
        })
        .ok()?;
    let text = oid.to_string();
    let family = if text.starts_with("1.2.840.113549.1.12.1.") {
        "a PKCS#12 PBE scheme such as PBE-SHA1-RC4-128 or PBE-SHA1-3DES"
    } else if text.starts_with("1.2.840.113549.1.5.") {
        "a PKCS#5 v1 (PBES1) scheme"
    } else {
        "an unknown scheme"
    };
    Some(format!("{family} (OID {text})"))
}

/// The first `-----BEGIN {label}-----` … `-----END {label}-----` section of `text`, markers
/// included (a key file may carry other sections or openssl's "Bag Attributes" text).
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = start + text[start..].find(&end)? + end.len();
    Some(&text[start..stop])
}

/// The first subject CN of a DER certificate.
fn subject_cn(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn openssl(dir: &Path, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// An EC key in `plain.key`, and `name` holding it encrypted with `pass` by `how`
    /// (openssl pkcs8 options).
    fn encrypted_key(dir: &Path, name: &str, how: &[&str]) -> String {
        if !dir.join("plain.key").exists() {
            openssl(
                dir,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    "plain.key",
                ],
            );
        }
        let mut args = vec!["pkcs8", "-topk8", "-in", "plain.key", "-out", name];
        args.extend_from_slice(how);
        args.extend_from_slice(&["-passout", "pass:s3cret"]);
        openssl(dir, &args);
        dir.join(name).display().to_string()
    }

    fn plain_der(dir: &Path) -> Vec<u8> {
        PrivateKeyDer::from_pem_file(dir.join("plain.key"))
            .unwrap()
            .secret_der()
            .to_vec()
    }

    #[test]
    fn pbes2_keys_decrypt_to_the_plain_key() {
        let dir = tempfile::tempdir().unwrap();
        for (name, how) in [
            ("aes.key", &["-v2", "aes-256-cbc"][..]),
            (
                "aes128-sha1.key",
                &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
            ),
            ("des3.key", &["-v2", "des3"]),
            ("scrypt.key", &["-scrypt"]),
        ] {
            let path = encrypted_key(dir.path(), name, how);
            let key = load_key(&path, "s3cret").unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(key.secret_der(), plain_der(dir.path()), "{name}");
        }
    }

    #[test]
    fn a_missing_or_wrong_password_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = encrypted_key(dir.path(), "aes.key", &["-v2", "aes-256-cbc"]);
        let missing = load_key(&path, "").unwrap_err();
        assert!(matches!(missing, TlsError::KeyPasswordMissing { .. }));
        assert!(missing.to_string().contains(&path));
        for wrong in ["s3cre", "S3CRET", "s3cret "] {
            let e = load_key(&path, wrong).unwrap_err();
            assert!(
                matches!(e, TlsError::KeyPasswordWrong { .. }),
                "{wrong}: {e}"
            );
            assert!(e.to_string().contains(&path) && e.to_string().contains("wrong"));
        }
    }

    #[test]
    fn unsupported_encryptions_say_how_to_convert() {
        let dir = tempfile::tempdir().unwrap();
        let pkcs12_pbe = encrypted_key(dir.path(), "pbe.key", &["-v1", "PBE-SHA1-3DES"]);
        openssl(
            dir.path(),
            &[
                "ec",
                "-in",
                "plain.key",
                "-aes256",
                "-passout",
                "pass:s3cret",
                "-out",
                "traditional.key",
            ],
        );
        let traditional = dir.path().join("traditional.key").display().to_string();
        for path in [pkcs12_pbe, traditional] {
            let e = load_key(&path, "s3cret").unwrap_err();
            assert!(
                matches!(e, TlsError::KeyEncryptionUnsupported { .. }),
                "{path}: {e}"
            );
            assert!(e.to_string().contains("openssl pkcs8 -topk8 -v2"), "{e}");
        }
        let e = load_key(&dir.path().join("pbe.key").display().to_string(), "s3cret")
            .unwrap_err()
            .to_string();
        assert!(e.contains("PKCS#12 PBE"), "the scheme is named: {e}");
    }

    #[test]
    fn a_plain_key_loads_with_or_without_a_password() {
        let dir = tempfile::tempdir().unwrap();
        encrypted_key(dir.path(), "aes.key", &["-v2", "aes-256-cbc"]);
        let plain = dir.path().join("plain.key").display().to_string();
        assert_eq!(
            load_key(&plain, "").unwrap().secret_der(),
            plain_der(dir.path())
        );
        assert_eq!(
            load_key(&plain, "unused").unwrap().secret_der(),
            plain_der(dir.path())
        );
    }
}
