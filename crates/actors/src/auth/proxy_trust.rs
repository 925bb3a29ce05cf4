//! Which load balancers may tell us who their clients are.
//!
//! A PROXY protocol preamble is a claim made by whoever opened the connection; anyone who
//! reaches the port can send `PROXY TCP4 10.0.0.1 …` and pose as an admin address. So the
//! preamble's client address counts for authorization only when the connection's own peer
//! is in `proxyProtocolTrustedAddresses`; otherwise it is shown in logs and nothing more.
//! Java trusts every preamble; with this list empty (the default) we trust none.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{networks, AuthConfigError};

/// The peers whose PROXY preambles are believed, from `proxyProtocolTrustedAddresses`.
#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    proxies: Vec<IpNet>,
}

impl ProxyTrust {
    /// From a `;`/`,`-separated list of CIDRs and addresses (empty: trust no preamble).
    pub fn from_config(trusted: &str) -> Result<ProxyTrust, AuthConfigError> {
        let proxies = networks::parse(trusted).map_err(|value| AuthConfigError::BadAddress {
            key: "proxyProtocolTrustedAddresses",
            value,
        })?;
        Ok(ProxyTrust { proxies })
    }

    /// Whether a preamble sent by `peer` (the socket's remote address) is believed.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        networks::contain(&self.proxies, peer)
    }

    pub fn is_empty(&self) -> bool {
        self.proxies.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_proxies_are_trusted() {
        assert!(!ProxyTrust::default().trusts("127.0.0.1".parse().unwrap()));
        let trust = ProxyTrust::from_config("10.0.0.0/8;127.0.0.2").unwrap();
        assert!(trust.trusts("10.1.2.3".parse().unwrap()));
        assert!(trust.trusts("::ffff:127.0.0.2".parse().unwrap()));
        assert!(!trust.trusts("127.0.0.1".parse().unwrap()));
        let bad = ProxyTrust::from_config("10.0.0.0/8;haproxy").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "proxyProtocolTrustedAddresses: 'haproxy' is not an address or CIDR"
        );
    }
}
