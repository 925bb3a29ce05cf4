//! Authenticated admin operations: who may call the codes that change what a name server
//! knows (KV put/delete, delete or register a topic, wipe/add write permission, config
//! update).
//!
//! An open admin surface is how name servers get hurt: CVE-2023-37582 was an
//! unauthenticated UPDATE_NAMESRV_CONFIG rewriting a file path on the Java server. So an
//! operator can require, for those codes, any one of:
//! - a source address inside `authAdminAddresses` (CIDRs);
//! - a valid RocketMQ ACL signature (`AccessKey` + `Signature` ext fields, as Java's
//!   `AclClientRPCHook` adds them) from an access key in `authCredentialsFile`;
//! - a TLS client certificate whose subject CN is in `authTlsSubjects`.
//!
//! Which codes are protected is not listed here: each code's [`Access`] class is declared
//! with the code in the protocol crate's request table, so a new code cannot be left
//! unclassified. Reads and broker traffic (registration, heartbeats) stay open unless
//! `authReads` is set for reads. The policy is fixed at start and checked on the session's thread before the
//! request reaches any owner; it is plain data, tested without actors.
//!
//! The HTTP endpoint's writes (`POST /drain`, `/undrain`) are held to the same policy by
//! [`AuthPolicy::check_http`]: an address in `authAdminAddresses`, or an access key from
//! `authCredentialsFile` signing the request (`AccessKey`, `Timestamp` and `Signature`
//! headers, see [`sign_http`]). The timestamp bounds how long an overheard signature can be
//! replayed, since plain HTTP hides nothing. A certificate subject cannot admit anyone
//! there: the endpoint has no TLS.

pub mod networks;
mod proxy_trust;
mod signature;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipnet::IpNet;
use namesrv_protocol::code::{Access, RequestCode};
use namesrv_protocol::RemotingCommand;

pub use proxy_trust::ProxyTrust;
pub use signature::{sign, sign_http, ACCESS_KEY_FIELD, SIGNATURE_FIELD};

/// Why a request was turned away; the text goes to the log and the client's remark.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("the source address is not in authAdminAddresses and the request carries no AccessKey/Signature")]
    NoCredentials,
    #[error("unknown AccessKey")]
    UnknownAccessKey,
    #[error("Signature is not valid Base64")]
    MalformedSignature,
    #[error("Signature does not match")]
    BadSignature,
    #[error(
        "Timestamp is missing, not Unix milliseconds, or more than 300 s from the server's clock"
    )]
    BadTimestamp,
}

impl Denied {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Denied::NoCredentials => "no_credentials",
            Denied::UnknownAccessKey => "unknown_access_key",
            Denied::MalformedSignature => "malformed_signature",
            Denied::BadSignature => "bad_signature",
            Denied::BadTimestamp => "bad_timestamp",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("{key}: '{value}' is not an address or CIDR")]
    BadAddress { key: &'static str, value: String },
    #[error("authCredentialsFile {path}: {source}")]
    Credentials {
        path: String,
        source: std::io::Error,
    },
}

/// The admin-operation policy.
#[derive(Debug, Clone, Default)]
pub struct AuthPolicy {
    admin_networks: Vec<IpNet>,
    /// AccessKey → SecretKey.
    credentials: HashMap<String, String>,
    tls_subjects: Vec<String>,
    protect_reads: bool,
}

impl AuthPolicy {
    /// From the configuration values: `;`/`,`-separated CIDRs or addresses, a properties
    /// file of `accessKey=secretKey` lines, `;`-separated certificate subject CNs.
    pub fn from_config(
        admin_addresses: &str,
        credentials_file: &str,
        tls_subjects: &str,
        protect_reads: bool,
    ) -> Result<AuthPolicy, AuthConfigError> {
        let admin_networks =
            networks::parse(admin_addresses).map_err(|value| AuthConfigError::BadAddress {
                key: "authAdminAddresses",
                value,
            })?;
        let credentials = if credentials_file.trim().is_empty() {
            HashMap::new()
        } else {
            let text =
                std::fs::read_to_string(Path::new(credentials_file.trim())).map_err(|source| {
                    AuthConfigError::Credentials {
                        path: credentials_file.to_owned(),
                        source,
                    }
                })?;
            namesrv_protocol::body::parse_properties(&text)
                .into_iter()
                .collect()
        };
        Ok(AuthPolicy {
            admin_networks,
            credentials,
            tls_subjects: split(tls_subjects).map(str::to_owned).collect(),
            protect_reads,
        })
    }

    /// Whether any restriction is configured at all.
    pub fn is_enabled(&self) -> bool {
        !self.admin_networks.is_empty()
            || !self.credentials.is_empty()
            || !self.tls_subjects.is_empty()
    }

    fn protects(&self, code: i32) -> bool {
        let Some(code) = RequestCode::from_code(code) else {
            return false;
        };
        match code.access() {
            Access::AdminWrite | Access::Peer => true,
            Access::Read | Access::Outbound => self.protect_reads,
            Access::BrokerTraffic => false,
        }
    }

    /// Decides whether `request` from `peer` (with this TLS client-certificate CN, if any)
    /// may proceed.
    pub fn check(
        &self,
        request: &RemotingCommand,
        peer: IpAddr,
        tls_subject: Option<&str>,
    ) -> Result<(), Denied> {
        if !self.is_enabled() || !self.protects(request.code) {
            return Ok(());
        }
        if self.is_admin_address(peer) {
            return Ok(());
        }
        if tls_subject.is_some_and(|s| self.tls_subjects.iter().any(|t| t == s)) {
            return Ok(());
        }
        let (Some(access_key), Some(signature)) = (
            request.ext(signature::ACCESS_KEY_FIELD),
            request.ext(SIGNATURE_FIELD),
        ) else {
            return Err(Denied::NoCredentials);
        };
        let secret = self
            .credentials
            .get(access_key)
            .ok_or(Denied::UnknownAccessKey)?;
        signature::verify(request, secret, signature)
    }
}

/// The header carrying an HTTP signature's time, in Unix milliseconds.
pub const TIMESTAMP_HEADER: &str = "Timestamp";

/// How far an HTTP signature's `Timestamp` may be from the server's clock, either way.
pub const HTTP_SIGNATURE_WINDOW: Duration = Duration::from_secs(300);

/// What an HTTP request presents to [`AuthPolicy::check_http`]: its headers of these names.
#[derive(Debug, Default, Clone, Copy)]
pub struct HttpCredentials<'a> {
    pub access_key: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
}

impl AuthPolicy {
    /// Decides whether an HTTP write (`method` on `path`) from `peer` may proceed, at `now`.
    pub fn check_http(
        &self,
        method: &str,
        path: &str,
        peer: IpAddr,
        credentials: HttpCredentials<'_>,
        now: SystemTime,
    ) -> Result<(), Denied> {
        if !self.is_enabled() || self.is_admin_address(peer) {
            return Ok(());
        }
        let (Some(access_key), Some(signature)) = (credentials.access_key, credentials.signature)
        else {
            return Err(Denied::NoCredentials);
        };
        let secret = self
            .credentials
            .get(access_key.trim())
            .ok_or(Denied::UnknownAccessKey)?;
        let timestamp = credentials.timestamp.ok_or(Denied::BadTimestamp)?;
        let millis: u64 = timestamp.parse().map_err(|_| Denied::BadTimestamp)?;
        signature::verify_http(method, path, timestamp, secret, signature)?;
        let signed = UNIX_EPOCH
            .checked_add(Duration::from_millis(millis))
            .ok_or(Denied::BadTimestamp)?;
        let skew = now
            .duration_since(signed)
            .or_else(|_| signed.duration_since(now))
            .unwrap_or(Duration::MAX);
        if skew > HTTP_SIGNATURE_WINDOW {
            return Err(Denied::BadTimestamp);
        }
        Ok(())
    }

    /// Whether anyone at all can pass [`AuthPolicy::check_http`]: not under a policy of
    /// certificate subjects only.
    pub fn admits_http(&self) -> bool {
        !self.is_enabled() || !self.admin_networks.is_empty() || !self.credentials.is_empty()
    }

    fn is_admin_address(&self, peer: IpAddr) -> bool {
        networks::contain(&self.admin_networks, peer)
    }
}

/// The entries of a `;`/`,`-separated configuration list.
fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv_put() -> RemotingCommand {
        let ext: namesrv_protocol::ExtFields = [("namespace", "ns"), ("key", "k"), ("value", "v")]
            .into_iter()
            .collect();
        RemotingCommand::request(100, Some(ext))
    }

    fn policy(addresses: &str, keys: &[(&str, &str)]) -> AuthPolicy {
        let mut p = AuthPolicy::from_config(addresses, "", "admin-cn", false).unwrap();
        p.credentials = keys
            .iter()
            .map(|(a, s)| (a.to_string(), s.to_string()))
            .collect();
        p
    }

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn no_policy_means_everything_is_allowed() {
        assert!(AuthPolicy::default().check(&kv_put(), LOCAL, None).is_ok());
    }

    #[test]
    fn reads_and_broker_traffic_stay_open() {
        let p = policy("10.0.0.0/8", &[]);
        assert!(p
            .check(&RemotingCommand::request(105, None), LOCAL, None)
            .is_ok());
        assert!(p
            .check(&RemotingCommand::request(103, None), LOCAL, None)
            .is_ok());
        let mut reads = p.clone();
        reads.protect_reads = true;
        assert_eq!(
            reads.check(&RemotingCommand::request(105, None), LOCAL, None),
            Err(Denied::NoCredentials)
        );
        assert!(reads
            .check(&RemotingCommand::request(103, None), LOCAL, None)
            .is_ok());
    }

    #[test]
    fn an_allowed_network_a_signature_or_a_certificate_each_suffice() {
        let p = policy("10.0.0.0/8;192.168.1.7", &[("ak", "sk")]);
        assert!(p
            .check(&kv_put(), "10.1.2.3".parse().unwrap(), None)
            .is_ok());
        assert!(p
            .check(&kv_put(), "192.168.1.7".parse().unwrap(), None)
            .is_ok());
        assert_eq!(p.check(&kv_put(), LOCAL, None), Err(Denied::NoCredentials));
        assert!(p.check(&kv_put(), LOCAL, Some("admin-cn")).is_ok());
        assert_eq!(
            p.check(&kv_put(), LOCAL, Some("someone")),
            Err(Denied::NoCredentials)
        );
        assert!(p.check(&sign(kv_put(), "ak", "sk"), LOCAL, None).is_ok());
    }

    #[test]
    fn wrong_unknown_and_malformed_signatures_are_denied() {
        let p = policy("", &[("ak", "sk")]);
        assert_eq!(
            p.check(&sign(kv_put(), "ak", "wrong"), LOCAL, None),
            Err(Denied::BadSignature)
        );
        assert_eq!(
            p.check(&sign(kv_put(), "other", "sk"), LOCAL, None),
            Err(Denied::UnknownAccessKey)
        );
        let mut bad = sign(kv_put(), "ak", "sk");
        bad.ext_fields
            .as_mut()
            .unwrap()
            .insert(SIGNATURE_FIELD, "%%% not base64");
        assert_eq!(p.check(&bad, LOCAL, None), Err(Denied::MalformedSignature));
        // A field changed after signing breaks the signature.
        let mut tampered = sign(kv_put(), "ak", "sk");
        tampered
            .ext_fields
            .as_mut()
            .unwrap()
            .insert("value", "evil");
        assert_eq!(p.check(&tampered, LOCAL, None), Err(Denied::BadSignature));
    }

    #[test]
    fn an_ipv4_peer_on_a_dual_stack_socket_matches_its_network() {
        let p = policy("10.0.0.0/8", &[]);
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert!(p.check(&kv_put(), mapped, None).is_ok());
        assert!(p
            .check_http("POST", "/drain", mapped, HttpCredentials::default(), now())
            .is_ok());
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_700_000_000_000)
    }

    /// Headers signed by `secret` at `at_millis`.
    fn signed<'a>(
        access_key: &'a str,
        secret: &str,
        at_millis: &'a str,
        store: &'a mut String,
    ) -> HttpCredentials<'a> {
        *store = sign_http("POST", "/drain", at_millis, secret);
        HttpCredentials {
            access_key: Some(access_key),
            signature: Some(store.as_str()),
            timestamp: Some(at_millis),
        }
    }

    #[test]
    fn an_http_write_needs_an_admin_address_or_a_fresh_signature() {
        let p = policy("10.0.0.0/8", &[("ak", "sk")]);
        let check =
            |peer: IpAddr, c: HttpCredentials<'_>| p.check_http("POST", "/drain", peer, c, now());
        assert!(check("10.9.9.9".parse().unwrap(), HttpCredentials::default()).is_ok());
        assert_eq!(
            check(LOCAL, HttpCredentials::default()),
            Err(Denied::NoCredentials)
        );
        let mut sig = String::new();
        assert!(check(LOCAL, signed("ak", "sk", "1700000000000", &mut sig)).is_ok());
        assert!(
            check(LOCAL, signed("ak", "sk", "1700000299000", &mut sig)).is_ok(),
            "a clock a little ahead"
        );
        assert!(
            check(LOCAL, signed("ak", "sk", "1699999701000", &mut sig)).is_ok(),
            "or behind"
        );
        assert_eq!(
            check(LOCAL, signed("ak", "wrong", "1700000000000", &mut sig)),
            Err(Denied::BadSignature)
        );
        assert_eq!(
            check(LOCAL, signed("other", "sk", "1700000000000", &mut sig)),
            Err(Denied::UnknownAccessKey)
        );
        for stale in [
            "1699999600000",
            "1700000400000",
            "soon",
            "",
            "18446744073709551615",
        ] {
            assert_eq!(
                check(LOCAL, signed("ak", "sk", stale, &mut sig)),
                Err(Denied::BadTimestamp),
                "{stale:?}"
            );
        }
        let mut no_time = signed("ak", "sk", "1700000000000", &mut sig);
        no_time.timestamp = None;
        assert_eq!(check(LOCAL, no_time), Err(Denied::BadTimestamp));
        let mut sig = String::new();
        let for_drain = signed("ak", "sk", "1700000000000", &mut sig);
        assert_eq!(
            p.check_http("POST", "/undrain", LOCAL, for_drain, now()),
            Err(Denied::BadSignature),
            "a signature is for one path"
        );
        assert_eq!(
            check(
                LOCAL,
                HttpCredentials {
                    signature: Some("%%%"),
                    ..for_drain
                }
            ),
            Err(Denied::MalformedSignature)
        );
    }

    #[test]
    fn http_writes_are_open_without_a_policy_and_closed_under_certificates_only() {
        let open = AuthPolicy::default();
        assert!(open.admits_http());
        assert!(open
            .check_http("POST", "/drain", LOCAL, HttpCredentials::default(), now())
            .is_ok());
        let subjects_only = AuthPolicy::from_config("", "", "admin-cn", false).unwrap();
        assert!(!subjects_only.admits_http());
        assert_eq!(
            subjects_only.check_http("POST", "/drain", LOCAL, HttpCredentials::default(), now()),
            Err(Denied::NoCredentials)
        );
        assert!(policy("127.0.0.1", &[]).admits_http());
        assert!(policy("", &[("ak", "sk")]).admits_http());
    }

    #[test]
    fn bad_config_is_reported() {
        assert!(matches!(
            AuthPolicy::from_config("10.0.0.0/99", "", "", false),
            Err(AuthConfigError::BadAddress { .. })
        ));
        assert!(matches!(
            AuthPolicy::from_config("", "/nonexistent/keys", "", false),
            Err(AuthConfigError::Credentials { .. })
        ));
    }
}
