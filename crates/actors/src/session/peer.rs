//! Who is at the other end of a connection: the socket's peer, and the client a load
//! balancer relays for when a PROXY protocol preamble named one.
//!
//! Logs name the client (that is whom an operator looks for), with the balancer beside it.
//! Authorization uses the client only when the balancer is trusted (see
//! [`crate::auth::ProxyTrust`]); otherwise the socket's peer, as if there were no preamble.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use namesrv_protocol::proxy_protocol::ProxyHeader;

use crate::auth::ProxyTrust;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    socket: SocketAddr,
    /// The client a preamble named.
    client: Option<SocketAddr>,
    /// Whether `socket` is a proxy whose preamble is believed.
    trusted: bool,
}

impl Peer {
    /// A connection without a preamble.
    pub fn direct(socket: SocketAddr) -> Peer {
        Peer {
            socket,
            client: None,
            trusted: false,
        }
    }

    /// A connection from `socket` whose preamble was `header`.
    pub fn proxied(socket: SocketAddr, header: &ProxyHeader, trust: &ProxyTrust) -> Peer {
        Peer {
            socket,
            client: header.client(),
            trusted: trust.trusts(socket.ip()),
        }
    }

    /// The socket's remote address: the balancer, when there is one.
    pub fn socket(&self) -> SocketAddr {
        self.socket
    }

    /// The client as far as we know: the preamble's, else the socket's peer.
    pub fn client(&self) -> SocketAddr {
        self.client.unwrap_or(self.socket)
    }

    /// The address an admin policy judges: the preamble's client only from a trusted
    /// proxy.
    pub fn auth_address(&self) -> IpAddr {
        match self.client {
            Some(client) if self.trusted => client.ip(),
            _ => self.socket.ip(),
        }
    }

    /// Whether a preamble named a client that authorization does not believe.
    pub fn has_untrusted_claim(&self) -> bool {
        self.client.is_some() && !self.trusted
    }
}

/// The client, and the balancer it came through: `203.0.113.7:51234 via 10.0.0.9:40210`.
impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.client {
            Some(client) => write!(f, "{client} via {}", self.socket),
            None => write!(f, "{}", self.socket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use namesrv_protocol::proxy_protocol::{ProxySource, ProxyVersion};

    fn preamble(source: ProxySource) -> ProxyHeader {
        ProxyHeader {
            version: ProxyVersion::V2,
            source,
            tlvs: vec![],
        }
    }

    #[test]
    fn the_claimed_client_is_shown_and_judged_only_from_a_trusted_proxy() {
        let balancer: SocketAddr = "127.0.0.2:40210".parse().unwrap();
        let client: SocketAddr = "10.0.0.7:51234".parse().unwrap();
        let claim = preamble(ProxySource::Inet {
            client,
            destination: "127.0.0.1:9876".parse().unwrap(),
        });

        let untrusted = Peer::proxied(balancer, &claim, &ProxyTrust::default());
        assert_eq!(untrusted.client(), client);
        assert_eq!(untrusted.auth_address(), balancer.ip());
        assert!(untrusted.has_untrusted_claim());
        assert_eq!(untrusted.to_string(), "10.0.0.7:51234 via 127.0.0.2:40210");

        let trust = ProxyTrust::from_config("127.0.0.0/8").unwrap();
        let trusted = Peer::proxied(balancer, &claim, &trust);
        assert_eq!(trusted.auth_address(), client.ip());
        assert!(!trusted.has_untrusted_claim());
    }

    #[test]
    fn a_preamble_without_a_client_leaves_the_socket_peer() {
        let balancer: SocketAddr = "127.0.0.2:40210".parse().unwrap();
        let trust = ProxyTrust::from_config("127.0.0.0/8").unwrap();
        for source in [ProxySource::Local, ProxySource::Unknown] {
            let peer = Peer::proxied(balancer, &preamble(source), &trust);
            assert!(!peer.has_untrusted_claim());
            assert_eq!(peer.client(), balancer);
            assert_eq!(peer.auth_address(), balancer.ip());
            assert_eq!(peer.to_string(), "127.0.0.2:40210");
        }
    }
}
