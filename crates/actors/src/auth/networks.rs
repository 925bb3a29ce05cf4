//! Lists of networks in the configuration (`10.0.0.0/8;192.168.1.7`), and matching a peer
//! against one.
//!
//! Shared by every key that names who is allowed something (`authAdminAddresses`,
//! `proxyProtocolTrustedAddresses`), so they read the same way and an IPv4 peer is matched
//! the same way whether it reached an IPv4 or a dual-stack socket.

use std::net::IpAddr;

use ipnet::IpNet;

/// The networks of a `;`/`,`-separated list of CIDRs and bare addresses, or the first
/// entry that is neither.
pub fn parse(list: &str) -> Result<Vec<IpNet>, String> {
    super::split(list)
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| entry.to_owned())
        })
        .collect()
}

/// Whether `peer` is in one of `networks`. An IPv4 peer reaching a dual-stack socket
/// arrives as `::ffff:a.b.c.d`; it is matched as the IPv4 address it is.
pub fn contain(networks: &[IpNet], peer: IpAddr) -> bool {
    let peer = peer.to_canonical();
    networks.iter().any(|n| n.contains(&peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_addresses_separated_either_way() {
        let networks = parse(" 10.0.0.0/8; 192.168.1.7,::1 ;").unwrap();
        assert_eq!(networks.len(), 3);
        for inside in ["10.1.2.3", "192.168.1.7", "::1", "::ffff:10.9.9.9"] {
            assert!(contain(&networks, inside.parse().unwrap()), "{inside}");
        }
        for outside in ["11.0.0.1", "192.168.1.8", "::2"] {
            assert!(!contain(&networks, outside.parse().unwrap()), "{outside}");
        }
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("10.0.0.0/8;10.0.0.0/33"), Err("10.0.0.0/33".into()));
        assert_eq!(parse("localhost"), Err("localhost".into()));
    }
}
