//! Seconds since each broker's last heartbeat, from our server's `/metrics`
//! (`namesrv_broker_seconds_since_heartbeat`). The remoting protocol has no such answer, and
//! the Java name server keeps it to itself, so without `--http` the column says "n/a".

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::AdminError;

pub fn heartbeat_ages(http: &str, timeout: Duration) -> Result<BTreeMap<String, f64>, AdminError> {
    let unreachable = |why: String| AdminError::Unreachable {
        addr: http.to_owned(),
        why,
    };
    let socket = http
        .to_socket_addrs()
        .map_err(|e| unreachable(e.to_string()))?
        .next()
        .ok_or_else(|| unreachable("no address".into()))?;
    let mut s =
        TcpStream::connect_timeout(&socket, timeout).map_err(|e| unreachable(e.to_string()))?;
    s.set_read_timeout(Some(timeout))
        .map_err(|e| unreachable(e.to_string()))?;
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| unreachable(e.to_string()))?;
    let mut text = String::new();
    s.read_to_string(&mut text)
        .map_err(|e| unreachable(e.to_string()))?;
    Ok(parse(&text))
}

/// `namesrv_broker_seconds_since_heartbeat{broker_addr="…",cluster="…"} 12.5` → addr → 12.5.
fn parse(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| l.starts_with("namesrv_broker_seconds_since_heartbeat{"))
        .filter_map(|l| {
            let addr = l.split("broker_addr=\"").nth(1)?.split('"').next()?;
            let value = l.rsplit(' ').next()?.parse().ok()?;
            Some((addr.to_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_gauge_per_broker_address() {
        let text = "# HELP x\nnamesrv_broker_seconds_since_heartbeat{broker_addr=\"10.0.0.1:10911\",cluster=\"C\"} 12.5\nnamesrv_live_brokers 1\n";
        let ages = super::parse(text);
        assert_eq!(ages.get("10.0.0.1:10911"), Some(&12.5));
        assert_eq!(ages.len(), 1);
    }
}
