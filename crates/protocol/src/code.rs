//! Request and response codes.
//!
//! [`RequestCode`] lists every code a name server handles, plus the one it sends
//! (NOTIFY_MIN_BROKER_ID_CHANGE) and the codes brokers and clients are known to send to it.
//! A code that is not here is answered with REQUEST_CODE_NOT_SUPPORTED; keeping the table an
//! enum lets the dispatcher's `match` prove that every known code has a handler.
//!
//! [`ControllerRequestCode`] is the same for the RocketMQ 5 controller, which listens on its
//! own port: a second table, so each dispatcher's `match` covers exactly what its listener
//! serves. BROKER_HEARTBEAT (904) is in both, as brokers send it to both.
//!
//! Each request code is declared once, in [`RequestCode`]'s table: its number, its
//! [`Access`] class (which admin authorization reads) and its typed request and response
//! headers (which the round-trip tests and the header fuzz target walk through
//! [`RequestCode::visit_headers`]). The wire names stay greppable: the variant is the Java
//! constant's name.

use std::fmt::Debug;

use crate::headers::*;

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:expr,)* }) => {
        $(#[$meta])*
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)*
        }

        impl $name {
            /// Every code in the table, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The numeric code as it travels in the `code` header field.
            pub const fn code(self) -> i32 {
                self as i32
            }

            /// The Java constant name, for logs and docs.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)*
                }
            }

            /// The code for a number, if the table knows it.
            pub const fn from_code(code: i32) -> Option<Self> {
                match code {
                    $($value => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl From<$name> for i32 {
            fn from(code: $name) -> i32 {
                code as i32
            }
        }
    };
}

/// Who may send a request code, which is what admin authorization decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Queries by clients and tools; open unless `authReads` is set.
    Read,
    /// What brokers send about themselves; never restricted (a broker that cannot register
    /// serves nobody).
    BrokerTraffic,
    /// Changes state an operator owns (KV, topics, write permission, config); restricted
    /// whenever an admin policy is configured.
    AdminWrite,
    /// Sent by the server, never accepted by it.
    Outbound,
    /// Traffic between our own controllers (Raft); no Java peer sends it. Restricted like
    /// `AdminWrite` whenever an admin policy is configured.
    Peer,
}

/// Sees every typed header of a request table, with the number and Java name of the code it
/// belongs to; lets tests and fuzz targets cover every header without a list of their own.
pub trait HeaderVisitor {
    fn visit<H: CommandHeader + PartialEq + Debug>(&mut self, code: i32, name: &'static str);
}

/// Hands every header of both tables ([`RequestCode`] and [`ControllerRequestCode`]) to
/// `visitor`.
pub fn visit_all_headers(visitor: &mut impl HeaderVisitor) {
    RequestCode::visit_headers(visitor);
    ControllerRequestCode::visit_headers(visitor);
}

/// The request table: one line per code, with its access class, its request header and its
/// response header ([`NoHeader`] where there is none). A code is wired by this line, one
/// message and one handler; leaving out the access class does not compile.
macro_rules! request_codes {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $value:literal, $access:ident, $request:ty => $response:ty;)*
    }) => {
        codes! {
            $(#[$meta])* $name { $($(#[$vmeta])* $variant = $value,)* }
        }

        impl $name {
            /// Who may send this code.
            pub const fn access(self) -> Access {
                match self {
                    $($name::$variant => Access::$access,)*
                }
            }

            /// Hands every request and response header type of the table to `visitor`.
            pub fn visit_headers(visitor: &mut impl HeaderVisitor) {
                $(
                    visitor.visit::<$request>($value, stringify!($variant));
                    visitor.visit::<$response>($value, stringify!($variant));
                )*
            }
        }
    };
}

request_codes! {
    /// Request codes a name server receives (and the one it sends, 905).
    RequestCode {
        PUT_KV_CONFIG = 100, AdminWrite, PutKvConfigRequestHeader => NoHeader;
        GET_KV_CONFIG = 101, Read, GetKvConfigRequestHeader => GetKvConfigResponseHeader;
        DELETE_KV_CONFIG = 102, AdminWrite, DeleteKvConfigRequestHeader => NoHeader;
        REGISTER_BROKER = 103, BrokerTraffic,
            RegisterBrokerRequestHeader => RegisterBrokerResponseHeader;
        UNREGISTER_BROKER = 104, BrokerTraffic, UnregisterBrokerRequestHeader => NoHeader;
        GET_ROUTEINFO_BY_TOPIC = 105, Read, GetRouteInfoRequestHeader => NoHeader;
        GET_BROKER_CLUSTER_INFO = 106, Read, NoHeader => NoHeader;
        WIPE_WRITE_PERM_OF_BROKER = 205, AdminWrite,
            WipeWritePermOfBrokerRequestHeader => WipeWritePermOfBrokerResponseHeader;
        GET_ALL_TOPIC_LIST_FROM_NAMESERVER = 206, Read, NoHeader => NoHeader;
        DELETE_TOPIC_IN_NAMESRV = 216, AdminWrite, DeleteTopicFromNamesrvRequestHeader => NoHeader;
        REGISTER_TOPIC_IN_NAMESRV = 217, AdminWrite, RegisterTopicRequestHeader => NoHeader;
        GET_KVLIST_BY_NAMESPACE = 219, Read, GetKvListByNamespaceRequestHeader => NoHeader;
        GET_TOPICS_BY_CLUSTER = 224, Read, GetTopicsByClusterRequestHeader => NoHeader;
        GET_SYSTEM_TOPIC_LIST_FROM_NS = 304, Read, NoHeader => NoHeader;
        GET_UNIT_TOPIC_LIST = 311, Read, NoHeader => NoHeader;
        GET_HAS_UNIT_SUB_TOPIC_LIST = 312, Read, NoHeader => NoHeader;
        GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST = 313, Read, NoHeader => NoHeader;
        /// The body carries the properties; there is no header.
        UPDATE_NAMESRV_CONFIG = 318, AdminWrite, NoHeader => NoHeader;
        GET_NAMESRV_CONFIG = 319, Read, NoHeader => NoHeader;
        QUERY_DATA_VERSION = 322, BrokerTraffic,
            QueryDataVersionRequestHeader => QueryDataVersionResponseHeader;
        ADD_WRITE_PERM_OF_BROKER = 327, AdminWrite,
            AddWritePermOfBrokerRequestHeader => AddWritePermOfBrokerResponseHeader;
        GET_BROKER_MEMBER_GROUP = 901, BrokerTraffic, GetBrokerMemberGroupRequestHeader => NoHeader;
        BROKER_HEARTBEAT = 904, BrokerTraffic, BrokerHeartbeatRequestHeader => NoHeader;
        /// The name server tells a broker group its minimum broker id changed.
        NOTIFY_MIN_BROKER_ID_CHANGE = 905, Outbound,
            NotifyMinBrokerIdChangeRequestHeader => NoHeader;
    }
}

request_codes! {
    /// Request codes the controller receives (and the one it sends, 1008). 1007
    /// (GET_BROKER_EPOCH_CACHE) goes to brokers and 1014–1018 live inside Java's JRaft log, so
    /// neither is here.
    ControllerRequestCode {
        /// Sent by the master every few seconds; the body is the proposed SyncStateSet.
        CONTROLLER_ALTER_SYNC_STATE_SET = 1001, BrokerTraffic,
            AlterSyncStateSetRequestHeader => AlterSyncStateSetResponseHeader;
        /// Sent by brokers and by `mqadmin electMaster` (`designateElect=true`) alike, so it
        /// cannot be restricted without refusing brokers.
        CONTROLLER_ELECT_MASTER = 1002, BrokerTraffic,
            ElectMasterRequestHeader => ElectMasterResponseHeader;
        CONTROLLER_REGISTER_BROKER = 1003, BrokerTraffic,
            RegisterBrokerToControllerRequestHeader => RegisterBrokerToControllerResponseHeader;
        CONTROLLER_GET_REPLICA_INFO = 1004, BrokerTraffic,
            GetReplicaInfoRequestHeader => GetReplicaInfoResponseHeader;
        /// Brokers ask every controller address for it to find the leader.
        CONTROLLER_GET_METADATA_INFO = 1005, BrokerTraffic, NoHeader => GetMetaDataResponseHeader;
        /// The body is a JSON list of broker names; the answer's body is BrokerReplicasInfo.
        CONTROLLER_GET_SYNC_STATE_DATA = 1006, Read, NoHeader => NoHeader;
        /// The controller tells every live member of a group about its new master (one-way).
        NOTIFY_BROKER_ROLE_CHANGED = 1008, Outbound,
            NotifyBrokerRoleChangedRequestHeader => NoHeader;
        /// The body carries the properties; there is no header.
        UPDATE_CONTROLLER_CONFIG = 1009, AdminWrite, NoHeader => NoHeader;
        GET_CONTROLLER_CONFIG = 1010, Read, NoHeader => NoHeader;
        CLEAN_BROKER_DATA = 1011, AdminWrite, CleanControllerBrokerDataRequestHeader => NoHeader;
        CONTROLLER_GET_NEXT_BROKER_ID = 1012, BrokerTraffic,
            GetNextBrokerIdRequestHeader => GetNextBrokerIdResponseHeader;
        CONTROLLER_APPLY_BROKER_ID = 1013, BrokerTraffic,
            ApplyBrokerIdRequestHeader => ApplyBrokerIdResponseHeader;
        /// Ours, not Java's (RequestCode.java has nothing from 1019 to 1999 in 5.5 and
        /// develop): Raft messages between our controllers, the openraft request in the body.
        CONTROLLER_RAFT_RPC = 1101, Peer, NoHeader => NoHeader;
        BROKER_HEARTBEAT = 904, BrokerTraffic, BrokerHeartbeatRequestHeader => NoHeader;
    }
}

codes! {
    /// Response codes the name server and the controller answer with.
    ResponseCode {
        SUCCESS = 0,
        SYSTEM_ERROR = 1,
        SYSTEM_BUSY = 2,
        REQUEST_CODE_NOT_SUPPORTED = 3,
        NO_PERMISSION = 16,
        TOPIC_NOT_EXIST = 17,
        QUERY_NOT_FOUND = 22,
        GO_AWAY = 1500,
        CONTROLLER_FENCED_MASTER_EPOCH = 2000,
        CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH = 2001,
        CONTROLLER_INVALID_MASTER = 2002,
        CONTROLLER_INVALID_REPLICAS = 2003,
        CONTROLLER_MASTER_NOT_AVAILABLE = 2004,
        CONTROLLER_INVALID_REQUEST = 2005,
        CONTROLLER_BROKER_NOT_ALIVE = 2006,
        CONTROLLER_NOT_LEADER = 2007,
        CONTROLLER_BROKER_METADATA_NOT_EXIST = 2008,
        CONTROLLER_INVALID_CLEAN_BROKER_METADATA = 2009,
        CONTROLLER_BROKER_NEED_TO_BE_REGISTERED = 2010,
        CONTROLLER_MASTER_STILL_EXIST = 2011,
        CONTROLLER_ELECT_MASTER_FAILED = 2012,
        CONTROLLER_ALTER_SYNC_STATE_SET_FAILED = 2013,
        CONTROLLER_BROKER_ID_INVALID = 2014,
        CONTROLLER_JRAFT_INTERNAL_ERROR = 2015,
        CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS = 2016,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_code_round_trips_through_its_number() {
        for code in RequestCode::ALL {
            assert_eq!(RequestCode::from_code(code.code()), Some(*code));
        }
        assert_eq!(RequestCode::ALL.len(), 24);
    }

    #[test]
    fn numbers_match_the_java_constants() {
        assert_eq!(RequestCode::GET_ROUTEINFO_BY_TOPIC.code(), 105);
        assert_eq!(RequestCode::QUERY_DATA_VERSION.code(), 322);
        assert_eq!(RequestCode::BROKER_HEARTBEAT.code(), 904);
        assert_eq!(ResponseCode::TOPIC_NOT_EXIST.code(), 17);
        assert_eq!(ResponseCode::QUERY_NOT_FOUND.code(), 22);
        assert_eq!(ResponseCode::GO_AWAY.name(), "GO_AWAY");
    }

    #[test]
    fn access_classes_match_what_each_code_does() {
        let of = |access| {
            RequestCode::ALL
                .iter()
                .filter(move |c| c.access() == access)
                .map(|c| c.code())
                .collect::<Vec<_>>()
        };
        assert_eq!(of(Access::AdminWrite), [100, 102, 205, 216, 217, 318, 327]);
        assert_eq!(of(Access::BrokerTraffic), [103, 104, 322, 901, 904]);
        assert_eq!(of(Access::Outbound), [905]);
    }

    #[test]
    fn every_code_offers_its_request_and_response_header() {
        struct Count(Vec<(i32, &'static str)>);
        impl HeaderVisitor for Count {
            fn visit<H: CommandHeader + PartialEq + Debug>(
                &mut self,
                code: i32,
                name: &'static str,
            ) {
                self.0.push((code, name));
            }
        }
        let mut seen = Count(Vec::new());
        visit_all_headers(&mut seen);
        assert_eq!(
            seen.0.len(),
            2 * (RequestCode::ALL.len() + ControllerRequestCode::ALL.len())
        );
        for (code, name) in seen.0 {
            let known = RequestCode::from_code(code)
                .map(RequestCode::name)
                .or_else(|| {
                    ControllerRequestCode::from_code(code).map(ControllerRequestCode::name)
                });
            assert_eq!(known, Some(name));
        }
    }

    #[test]
    fn controller_codes_match_the_java_constants() {
        for code in ControllerRequestCode::ALL {
            assert_eq!(ControllerRequestCode::from_code(code.code()), Some(*code));
        }
        let numbers: Vec<i32> = ControllerRequestCode::ALL
            .iter()
            .map(|c| c.code())
            .collect();
        assert_eq!(
            numbers,
            [1001, 1002, 1003, 1004, 1005, 1006, 1008, 1009, 1010, 1011, 1012, 1013, 1101, 904]
        );
        assert_eq!(ControllerRequestCode::CLEAN_BROKER_DATA.code(), 1011);
        assert_eq!(
            ControllerRequestCode::CONTROLLER_APPLY_BROKER_ID.code(),
            1013
        );
        assert_eq!(ControllerRequestCode::from_code(1007), None);
        assert_eq!(ResponseCode::CONTROLLER_FENCED_MASTER_EPOCH.code(), 2000);
        assert_eq!(ResponseCode::CONTROLLER_NOT_LEADER.code(), 2007);
        assert_eq!(ResponseCode::CONTROLLER_MASTER_STILL_EXIST.code(), 2011);
        assert_eq!(ResponseCode::CONTROLLER_BROKER_ID_INVALID.code(), 2014);
        assert_eq!(
            ResponseCode::CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS.code(),
            2016
        );
        let controller: Vec<i32> = ResponseCode::ALL
            .iter()
            .map(|c| c.code())
            .filter(|c| *c >= 2000)
            .collect();
        assert_eq!(controller, (2000..=2016).collect::<Vec<_>>());
    }

    #[test]
    fn controller_access_classes_let_brokers_in_and_guard_admin_writes() {
        let of = |access| {
            ControllerRequestCode::ALL
                .iter()
                .filter(move |c| c.access() == access)
                .map(|c| c.code())
                .collect::<Vec<_>>()
        };
        assert_eq!(of(Access::AdminWrite), [1009, 1011]);
        assert_eq!(
            of(Access::BrokerTraffic),
            [1001, 1002, 1003, 1004, 1005, 1012, 1013, 904]
        );
        assert_eq!(of(Access::Read), [1006, 1010]);
        assert_eq!(of(Access::Outbound), [1008]);
        assert_eq!(of(Access::Peer), [1101]);
    }

    #[test]
    fn unknown_numbers_are_not_codes() {
        assert_eq!(RequestCode::from_code(99999), None);
        assert_eq!(RequestCode::from_code(0), None);
        assert_eq!(ResponseCode::from_code(4), None);
    }
}
