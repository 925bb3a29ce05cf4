//! Request and response codes.
//!
//! [`RequestCode`] lists every code a name server handles, plus the one it sends
//! (NOTIFY_MIN_BROKER_ID_CHANGE) and the codes brokers and clients are known to send to it.
//! A code that is not here is answered with REQUEST_CODE_NOT_SUPPORTED; keeping the table an
//! enum lets the dispatcher's `match` prove that every known code has a handler.
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
    /// Sent by the name server, never accepted by it.
    Outbound,
}

/// Sees every typed header of the request table, with the code it belongs to; lets tests
/// and fuzz targets cover every header without a list of their own.
pub trait HeaderVisitor {
    fn visit<H: CommandHeader + PartialEq + Debug>(&mut self, code: RequestCode);
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
                    visitor.visit::<$request>($name::$variant);
                    visitor.visit::<$response>($name::$variant);
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

codes! {
    /// Response codes a name server answers with.
    ResponseCode {
        SUCCESS = 0,
        SYSTEM_ERROR = 1,
        SYSTEM_BUSY = 2,
        REQUEST_CODE_NOT_SUPPORTED = 3,
        NO_PERMISSION = 16,
        TOPIC_NOT_EXIST = 17,
        QUERY_NOT_FOUND = 22,
        GO_AWAY = 1500,
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
        struct Count(Vec<RequestCode>);
        impl HeaderVisitor for Count {
            fn visit<H: CommandHeader + PartialEq + Debug>(&mut self, code: RequestCode) {
                self.0.push(code);
            }
        }
        let mut seen = Count(Vec::new());
        RequestCode::visit_headers(&mut seen);
        assert_eq!(seen.0.len(), 2 * RequestCode::ALL.len());
    }

    #[test]
    fn unknown_numbers_are_not_codes() {
        assert_eq!(RequestCode::from_code(99999), None);
        assert_eq!(RequestCode::from_code(0), None);
        assert_eq!(ResponseCode::from_code(4), None);
    }
}
