//! Everything `run` needs that can be wrong in the configuration, checked before anything
//! starts: the address to bind, per-connection limits, the reply encoding, the admin policy
//! and the proxies it trusts, TLS and the thread count. An error here names the key, and the server never starts
//! half-configured.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use namesrv_actors::auth::{AuthPolicy, ProxyTrust};
use namesrv_actors::config::NamesrvConfig;
use namesrv_actors::session::{ReplyEncoding, SessionSettings};
use namesrv_protocol::SerializeType;

use crate::tls::Tls;

pub struct ServerSettings {
    pub bind: SocketAddr,
    pub session: SessionSettings,
    /// The reply encoding's name as configured, for the startup line.
    pub encoding_name: String,
    pub auth: AuthPolicy,
    /// Whose PROXY preambles count for `auth`.
    pub proxy_trust: ProxyTrust,
    pub tls: Tls,
    pub max_connections: usize,
    pub io_threads: usize,
    /// `None` when the HTTP endpoint is off.
    pub http: Option<SocketAddr>,
}

impl ServerSettings {
    pub fn from_config(cfg: &NamesrvConfig) -> Result<Self, String> {
        let ip: IpAddr = cfg
            .bind_address
            .parse()
            .map_err(|_| format!("bindAddress '{}' is not an IP address", cfg.bind_address))?;
        let port = u16::try_from(cfg.listen_port)
            .map_err(|_| format!("listenPort {} is out of range", cfg.listen_port))?;
        // ROCKETMQ_SERIALIZE_TYPE is one of the configuration's layers (see `config`).
        let encoding_name = cfg.serialize_type.clone();
        let session = SessionSettings {
            max_frame_length: usize::try_from(cfg.frame_max_length)
                .ok()
                .filter(|n| *n >= 1024)
                .ok_or_else(|| format!("frameMaxLength {} is too small", cfg.frame_max_length))?,
            reply_encoding: reply_encoding(&encoding_name)?,
            idle_timeout: (cfg.server_channel_max_idle_time_seconds > 0)
                .then(|| Duration::from_secs(cfg.server_channel_max_idle_time_seconds as u64)),
            max_in_flight: cfg.max_in_flight_per_connection.max(1) as usize,
            max_write_backlog: cfg.max_write_backlog_bytes.max(0) as u64,
            frame_deadline: (cfg.frame_read_timeout_millis > 0)
                .then(|| Duration::from_millis(cfg.frame_read_timeout_millis as u64)),
        };
        let auth = AuthPolicy::from_config(
            &cfg.auth_admin_addresses,
            &cfg.auth_credentials_file,
            &cfg.auth_tls_subjects,
            cfg.auth_reads,
        )
        .map_err(|e| e.to_string())?;
        let proxy_trust = ProxyTrust::from_config(&cfg.proxy_protocol_trusted_addresses)
            .map_err(|e| e.to_string())?;
        let tls = Tls::from_config(cfg).map_err(|e| e.to_string())?;
        // Auto: half the CPUs. Measured on 2 cores with the load on the same machine: one
        // connection thread served 540k route queries/s, two only 404k (they and the
        // kernel's network work contend for the same cores); the route and storage actors
        // have threads of their own anyway.
        let io_threads = match cfg.io_threads {
            n if n > 0 => n as usize,
            _ => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
        };
        Ok(Self {
            bind: SocketAddr::new(ip, port),
            session,
            encoding_name,
            auth,
            proxy_trust,
            tls,
            max_connections: cfg.max_connections.max(1) as usize,
            io_threads,
            http: u16::try_from(cfg.http_port)
                .ok()
                .map(|p| SocketAddr::new(ip, p)),
        })
    }
}

fn reply_encoding(name: &str) -> Result<ReplyEncoding, String> {
    if name.eq_ignore_ascii_case("REQUEST") {
        return Ok(ReplyEncoding::MirrorRequest);
    }
    SerializeType::from_name(name)
        .map(ReplyEncoding::Fixed)
        .ok_or_else(|| format!("serializeType must be REQUEST, JSON or ROCKETMQ, not '{name}'"))
}
