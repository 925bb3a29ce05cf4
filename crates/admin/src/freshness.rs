//! Seconds since each broker's last heartbeat, from our server's `/metrics`
//! (`namesrv_broker_seconds_since_heartbeat`). The remoting protocol has no such answer, and
//! the Java name server keeps it to itself, so without `--http` the column says "n/a".
//!
//! Failures here name the HTTP endpoint rather than the replica: the replica answered, it is
//! the address given with `--http` that did not.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::AdminError;

/// The `host:port` of one `--http` entry, which may also be written as a URL
/// (`http://host:port`, with or without a path: `/metrics` is always what is read).
pub fn endpoint(spec: &str) -> Result<String, AdminError> {
    let spec = spec.trim();
    let rest = match spec.split_once("://") {
        None => spec,
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(AdminError::Usage(format!(
                "--http {spec}: only plain http:// endpoints are supported, not {scheme}://"
            )))
        }
    };
    let host_port = rest.split('/').next().unwrap_or_default();
    if host_port.is_empty() {
        return Err(AdminError::Usage(format!(
            "--http {spec}: expected host:port"
        )));
    }
    Ok(host_port.to_owned())
}

pub fn heartbeat_ages(http: &str, timeout: Duration) -> Result<BTreeMap<String, f64>, AdminError> {
    let fail = |why: String| AdminError::Http {
        endpoint: http.to_owned(),
        why,
    };
    let io = |e: std::io::Error| match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            fail(format!("timed out after {} ms", timeout.as_millis()))
        }
        _ => fail(format!("unreachable: {e}")),
    };
    let socket = http
        .to_socket_addrs()
        .map_err(io)?
        .next()
        .ok_or_else(|| fail("the name resolves to no address".into()))?;
    let mut s = TcpStream::connect_timeout(&socket, timeout).map_err(io)?;
    s.set_read_timeout(Some(timeout)).map_err(io)?;
    s.set_write_timeout(Some(timeout)).map_err(io)?;
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n\r\n"
    )
    .map_err(io)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(io)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.lines().next().unwrap_or_default();
    match status.split_whitespace().collect::<Vec<_>>().as_slice() {
        [version, "200", ..] if version.starts_with("HTTP/") => Ok(parse(&text)),
        [version, ..] if version.starts_with("HTTP/") => {
            Err(fail(format!("GET /metrics answered '{}'", status.trim())))
        }
        _ => Err(fail("did not answer in HTTP".into())),
    }
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

    #[test]
    fn an_endpoint_may_be_written_as_a_url() {
        for spec in [
            "127.0.0.1:9877",
            "http://127.0.0.1:9877",
            "HTTP://127.0.0.1:9877/",
            "http://127.0.0.1:9877/metrics",
        ] {
            assert_eq!(super::endpoint(spec).unwrap(), "127.0.0.1:9877", "{spec}");
        }
        assert!(super::endpoint("https://127.0.0.1:9877").is_err());
        assert!(super::endpoint("http://").is_err());
    }
}
