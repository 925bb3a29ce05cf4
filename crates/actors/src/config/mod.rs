//! The name server's configuration, under the Java key names.
//!
//! One flat struct holds every NamesrvConfig and NettyServerConfig key an operator's
//! `namesrv.properties` may contain, plus our own additions. Java names are the contract:
//! a file written for `mqnamesrv` works here unchanged, GET_NAMESRV_CONFIG shows the same
//! keys, and UPDATE_NAMESRV_CONFIG accepts the same ones.
//!
//! Conversion to and from properties goes through the serde (JSON) view of the struct, so a
//! key added to the struct is automatically printable, loadable and updatable.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub mod actor;
pub use actor::ConfigActor;

/// Keys never changeable at run time, whatever `configBlackList` says: they name files or
/// the black list itself. (A remote config update that rewrote file paths is how
/// CVE-2023-37582 reached code execution on Java name servers.)
pub const ALWAYS_BLACK_LISTED: [&str; 4] = [
    "configBlackList",
    "configStorePath",
    "kvConfigPath",
    "rocketmqHome",
];

/// The only keys UPDATE_NAMESRV_CONFIG may change: flags read on every request, which take
/// effect at once and name no file, thread or socket. Java accepts any key outside its black
/// list (and rewrites the config file with it), which is how CVE-2023-37582 turned a remote
/// config update into code execution; and most keys it accepts do nothing until a restart.
pub const RUNTIME_UPDATABLE: [&str; 9] = [
    "orderMessageEnable",
    "returnOrderTopicConfigToBroker",
    "supportActingMaster",
    "enableAllTopicList",
    "enableTopicList",
    "notifyMinBrokerIdChanged",
    "needWaitForService",
    "waitSecondsForService",
    "deleteTopicWithBrokerRegistration",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NamesrvConfig {
    // --- NamesrvConfig ---
    pub rocketmq_home: String,
    pub kv_config_path: String,
    pub config_store_path: String,
    pub product_env_name: String,
    pub cluster_test: bool,
    pub order_message_enable: bool,
    pub return_order_topic_config_to_broker: bool,
    pub client_request_thread_pool_nums: i64,
    pub default_thread_pool_nums: i64,
    pub client_request_thread_pool_queue_capacity: i64,
    pub default_thread_pool_queue_capacity: i64,
    pub scan_not_active_broker_interval: i64,
    pub un_register_broker_queue_capacity: i64,
    pub support_acting_master: bool,
    pub enable_all_topic_list: bool,
    pub enable_topic_list: bool,
    pub notify_min_broker_id_changed: bool,
    pub enable_controller_in_namesrv: bool,
    pub need_wait_for_service: bool,
    pub wait_seconds_for_service: i64,
    pub delete_topic_with_broker_registration: bool,
    pub config_black_list: String,
    // --- NettyServerConfig ---
    pub bind_address: String,
    pub listen_port: i64,
    pub server_worker_threads: i64,
    pub server_callback_executor_threads: i64,
    pub server_selector_threads: i64,
    pub server_oneway_semaphore_value: i64,
    pub server_async_semaphore_value: i64,
    pub server_channel_max_idle_time_seconds: i64,
    pub server_socket_snd_buf_size: i64,
    pub server_socket_rcv_buf_size: i64,
    pub write_buffer_high_water_mark: i64,
    pub write_buffer_low_water_mark: i64,
    pub server_socket_backlog: i64,
    pub server_netty_worker_group_enable: bool,
    pub server_pooled_byte_buf_allocator_enable: bool,
    pub enable_shutdown_gracefully: bool,
    pub shutdown_wait_time_seconds: i64,
    pub use_epoll_native_selector: bool,
    // --- ours ---
    /// Largest accepted frame (`totalLength + 4`), Java's `com.rocketmq.remoting.frameMaxLength`.
    pub frame_max_length: i64,
    /// Header encoding of our replies: `REQUEST` (mirror each request), `JSON` or `ROCKETMQ`.
    pub serialize_type: String,
    /// Threads serving connections; 0 means half the CPUs (at least one).
    pub io_threads: i64,
    /// `human` or `json` log lines.
    pub log_format: String,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: i64,
    /// Requests of one connection in progress at most; more get SYSTEM_BUSY.
    pub max_in_flight_per_connection: i64,
    /// Bytes of answers a peer may leave unread before its connection is closed.
    pub max_write_backlog_bytes: i64,
    /// A frame must arrive whole within this many ms of its first byte (0 = no limit).
    pub frame_read_timeout_millis: i64,
    /// Warm restart: route snapshot file, written periodically and on shutdown and restored
    /// at start (empty = off).
    pub route_snapshot_path: String,
    /// Seconds between route snapshots (written only when routes changed).
    pub route_snapshot_interval_seconds: i64,
    /// Port of the HTTP endpoint (/metrics, /healthz, /readyz) on `bindAddress`; -1 = off,
    /// 0 = any free port.
    pub http_port: i64,
    /// Admin requests (KV put/delete, topic delete/register, write-perm changes, config
    /// update) allowed from these CIDRs or addresses, `;`-separated (empty: not this way).
    pub auth_admin_addresses: String,
    /// A properties file of `accessKey=secretKey` lines; admin requests signed with one of
    /// them (RocketMQ ACL signature) are allowed.
    pub auth_credentials_file: String,
    /// TLS client-certificate subject CNs allowed to make admin requests, `;`-separated
    /// (certificates verified per `tls.server.need.client.auth`).
    pub auth_tls_subjects: String,
    /// Require the same for reads (route, cluster, topic lists, KV/config reads).
    pub auth_reads: bool,
    /// TLS on the remoting port (Java: `tls.server.mode`): `disabled`, `permissive` (TLS and
    /// plain on one port) or `enforcing`.
    pub tls_server_mode: String,
    /// PEM certificate chain (Java: `tls.server.certPath`).
    pub tls_server_cert_path: String,
    /// PEM private key, PKCS#8, RSA or EC (Java: `tls.server.keyPath`).
    pub tls_server_key_path: String,
    /// Java: `tls.server.keyPassword`; encrypted keys are not supported (startup fails).
    pub tls_server_key_password: String,
    /// Client certificates (Java: `tls.server.need.client.auth`): `none`, `optional`, `require`.
    pub tls_server_need_client_auth: String,
    /// Java: `tls.server.authClient`; client certificates are always verified against
    /// `tlsServerTrustCertPath` here when asked for, so this only has to agree.
    pub tls_server_auth_client: bool,
    /// PEM CA certificates that client certificates must chain to (Java:
    /// `tls.server.trustCertPath`).
    pub tls_server_trust_cert_path: String,
    /// The replica list the HTTP endpoint serves at `/rocketmq/nsaddr` as RocketMQ's address
    /// server (`host:port;host:port`), for clients configured with a name-server domain.
    pub address_server_list: String,
}

impl Default for NamesrvConfig {
    fn default() -> Self {
        let home = std::env::var("HOME").unwrap_or_else(|_| ".".into());
        NamesrvConfig {
            rocketmq_home: std::env::var("ROCKETMQ_HOME").unwrap_or_default(),
            kv_config_path: format!("{home}/namesrv/kvConfig.json"),
            config_store_path: format!("{home}/namesrv/namesrv.properties"),
            product_env_name: "center".into(),
            cluster_test: false,
            order_message_enable: false,
            return_order_topic_config_to_broker: true,
            client_request_thread_pool_nums: 8,
            default_thread_pool_nums: 16,
            client_request_thread_pool_queue_capacity: 50_000,
            default_thread_pool_queue_capacity: 10_000,
            scan_not_active_broker_interval: 5_000,
            un_register_broker_queue_capacity: 3_000,
            support_acting_master: false,
            enable_all_topic_list: true,
            enable_topic_list: true,
            notify_min_broker_id_changed: false,
            enable_controller_in_namesrv: false,
            need_wait_for_service: false,
            wait_seconds_for_service: 45,
            delete_topic_with_broker_registration: false,
            config_black_list: "configBlackList;configStorePath;kvConfigPath".into(),
            bind_address: "0.0.0.0".into(),
            listen_port: 9876,
            server_worker_threads: 8,
            server_callback_executor_threads: 0,
            server_selector_threads: 3,
            server_oneway_semaphore_value: 256,
            server_async_semaphore_value: 64,
            server_channel_max_idle_time_seconds: 120,
            server_socket_snd_buf_size: 0,
            server_socket_rcv_buf_size: 0,
            write_buffer_high_water_mark: 0,
            write_buffer_low_water_mark: 0,
            server_socket_backlog: 1024,
            server_netty_worker_group_enable: true,
            server_pooled_byte_buf_allocator_enable: true,
            enable_shutdown_gracefully: false,
            shutdown_wait_time_seconds: 30,
            use_epoll_native_selector: false,
            frame_max_length: 16 * 1024 * 1024,
            serialize_type: "REQUEST".into(),
            io_threads: 0,
            log_format: "human".into(),
            max_connections: 50_000,
            max_in_flight_per_connection: 1024,
            max_write_backlog_bytes: 16 * 1024 * 1024,
            frame_read_timeout_millis: 60_000,
            route_snapshot_path: String::new(),
            route_snapshot_interval_seconds: 10,
            http_port: -1,
            tls_server_mode: "disabled".into(),
            tls_server_cert_path: String::new(),
            tls_server_key_path: String::new(),
            tls_server_key_password: String::new(),
            tls_server_need_client_auth: "none".into(),
            tls_server_auth_client: false,
            tls_server_trust_cert_path: String::new(),
            auth_admin_addresses: String::new(),
            auth_credentials_file: String::new(),
            auth_tls_subjects: String::new(),
            auth_reads: false,
            address_server_list: String::new(),
        }
    }
}

/// The flags read on every request, pushed to the route owner whenever they change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeFlags {
    pub order_message_enable: bool,
    pub return_order_topic_config_to_broker: bool,
    pub support_acting_master: bool,
    pub enable_all_topic_list: bool,
    pub enable_topic_list: bool,
    pub notify_min_broker_id_changed: bool,
    pub need_wait_for_service: bool,
    pub wait_seconds_for_service: i64,
    pub delete_topic_with_broker_registration: bool,
}

impl Default for RuntimeFlags {
    fn default() -> Self {
        NamesrvConfig::default().runtime_flags()
    }
}

/// What applying a set of properties did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Keys this server does not know (kept, and shown by GET_NAMESRV_CONFIG, as Java does).
    pub unknown: Vec<String>,
    /// Known keys whose value did not parse as the key's type (ignored, as Java does).
    pub rejected: Vec<(String, String)>,
}

impl NamesrvConfig {
    pub fn runtime_flags(&self) -> RuntimeFlags {
        RuntimeFlags {
            order_message_enable: self.order_message_enable,
            return_order_topic_config_to_broker: self.return_order_topic_config_to_broker,
            support_acting_master: self.support_acting_master,
            enable_all_topic_list: self.enable_all_topic_list,
            enable_topic_list: self.enable_topic_list,
            notify_min_broker_id_changed: self.notify_min_broker_id_changed,
            need_wait_for_service: self.need_wait_for_service,
            wait_seconds_for_service: self.wait_seconds_for_service,
            delete_topic_with_broker_registration: self.delete_topic_with_broker_registration,
        }
    }

    /// Every key with its value as text, sorted by key (GET_NAMESRV_CONFIG, `-p`).
    pub fn to_properties(&self) -> BTreeMap<String, String> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut out = BTreeMap::new();
        if let serde_json::Value::Object(map) = value {
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(k, text);
            }
        }
        out
    }

    /// Whether `key` is a configuration key this server knows.
    pub fn is_known_key(key: &str) -> bool {
        matches!(
            serde_json::to_value(NamesrvConfig::default()),
            Ok(serde_json::Value::Object(map)) if map.contains_key(key)
        )
    }

    /// Applies properties the way Java's setter matching does: values converted to the
    /// key's type (booleans true only for a case-insensitive "true", numbers parsed, text
    /// trimmed), unparsable numbers ignored, unknown keys reported.
    pub fn apply_properties<'a>(
        &mut self,
        properties: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Applied {
        let mut applied = Applied::default();
        let Ok(serde_json::Value::Object(mut map)) = serde_json::to_value(&*self) else {
            return applied;
        };
        for (key, raw) in properties {
            let raw = raw.trim();
            let Some(slot) = map.get_mut(key) else {
                applied.unknown.push(key.to_owned());
                continue;
            };
            let parsed = match slot {
                serde_json::Value::Bool(_) => {
                    Some(serde_json::Value::Bool(raw.eq_ignore_ascii_case("true")))
                }
                serde_json::Value::Number(_) => raw.parse::<i64>().ok().map(Into::into),
                _ => Some(serde_json::Value::String(raw.to_owned())),
            };
            match parsed {
                Some(v) => *slot = v,
                None => applied.rejected.push((key.to_owned(), raw.to_owned())),
            }
        }
        if let Ok(updated) = serde_json::from_value(serde_json::Value::Object(map)) {
            *self = updated;
        }
        applied
    }

    /// Keys UPDATE_NAMESRV_CONFIG refuses: the fixed ones plus `configBlackList` entries.
    pub fn black_list(&self) -> Vec<String> {
        let mut list: Vec<String> = ALWAYS_BLACK_LISTED.iter().map(|s| s.to_string()).collect();
        for key in self.config_black_list.split(';') {
            let key = key.trim();
            if !key.is_empty() && !list.iter().any(|k| k == key) {
                list.push(key.to_owned());
            }
        }
        list
    }

    pub fn kv_config_path(&self) -> PathBuf {
        PathBuf::from(&self.kv_config_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_key_names_and_defaults_are_printed() {
        let props = NamesrvConfig::default().to_properties();
        assert_eq!(props["listenPort"], "9876");
        assert_eq!(props["scanNotActiveBrokerInterval"], "5000");
        assert_eq!(props["unRegisterBrokerQueueCapacity"], "3000");
        assert_eq!(props["enableAllTopicList"], "true");
        assert_eq!(props["serverChannelMaxIdleTimeSeconds"], "120");
        assert_eq!(
            props["configBlackList"],
            "configBlackList;configStorePath;kvConfigPath"
        );
        assert!(props["kvConfigPath"].ends_with("/namesrv/kvConfig.json"));
    }

    #[test]
    fn properties_apply_with_java_conversions() {
        let mut config = NamesrvConfig::default();
        let applied = config.apply_properties([
            ("listenPort", " 19876 "),
            ("enableTopicList", "TRUE"),
            ("orderMessageEnable", "yes"),
            ("supportActingMaster", "true"),
            ("scanNotActiveBrokerInterval", "soon"),
            ("brokerIP1", "127.0.0.1"),
        ]);
        assert_eq!(config.listen_port, 19876);
        assert!(config.enable_topic_list);
        assert!(!config.order_message_enable, "only 'true' is true");
        assert!(config.support_acting_master);
        assert_eq!(config.scan_not_active_broker_interval, 5000);
        assert_eq!(applied.unknown, vec!["brokerIP1".to_string()]);
        assert_eq!(applied.rejected.len(), 1);
    }

    #[test]
    fn every_runtime_updatable_key_is_a_known_flag() {
        let flags_before = NamesrvConfig::default().runtime_flags();
        for key in RUNTIME_UPDATABLE {
            assert!(NamesrvConfig::is_known_key(key), "{key}");
            assert!(!ALWAYS_BLACK_LISTED.contains(&key));
        }
        let mut config = NamesrvConfig::default();
        config.apply_properties(RUNTIME_UPDATABLE.iter().map(|k| (*k, "true")));
        assert_ne!(
            config.runtime_flags(),
            flags_before,
            "they are the run-time flags"
        );
    }

    #[test]
    fn black_list_always_holds_the_path_keys() {
        let config = NamesrvConfig {
            config_black_list: "listenPort; ".into(),
            ..Default::default()
        };
        let list = config.black_list();
        for key in ALWAYS_BLACK_LISTED {
            assert!(list.iter().any(|k| k == key));
        }
        assert!(list.iter().any(|k| k == "listenPort"));
        assert!(NamesrvConfig::is_known_key("enableTopicList"));
        assert!(!NamesrvConfig::is_known_key("nonsense"));
    }
}
