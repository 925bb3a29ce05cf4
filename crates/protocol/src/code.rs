//! Request and response codes.
//!
//! [`RequestCode`] lists every code a name server handles, plus the one it sends
//! (NOTIFY_MIN_BROKER_ID_CHANGE) and the codes brokers and clients are known to send to it.
//! A code that is not here is answered with REQUEST_CODE_NOT_SUPPORTED; keeping the table an
//! enum lets the dispatcher's `match` prove that every known code has a handler.

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

codes! {
    /// Request codes a name server receives (and the one it sends, 905).
    RequestCode {
        PUT_KV_CONFIG = 100,
        GET_KV_CONFIG = 101,
        DELETE_KV_CONFIG = 102,
        REGISTER_BROKER = 103,
        UNREGISTER_BROKER = 104,
        GET_ROUTEINFO_BY_TOPIC = 105,
        GET_BROKER_CLUSTER_INFO = 106,
        WIPE_WRITE_PERM_OF_BROKER = 205,
        GET_ALL_TOPIC_LIST_FROM_NAMESERVER = 206,
        DELETE_TOPIC_IN_NAMESRV = 216,
        REGISTER_TOPIC_IN_NAMESRV = 217,
        GET_KVLIST_BY_NAMESPACE = 219,
        GET_TOPICS_BY_CLUSTER = 224,
        GET_SYSTEM_TOPIC_LIST_FROM_NS = 304,
        GET_UNIT_TOPIC_LIST = 311,
        GET_HAS_UNIT_SUB_TOPIC_LIST = 312,
        GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST = 313,
        UPDATE_NAMESRV_CONFIG = 318,
        GET_NAMESRV_CONFIG = 319,
        QUERY_DATA_VERSION = 322,
        ADD_WRITE_PERM_OF_BROKER = 327,
        GET_BROKER_MEMBER_GROUP = 901,
        BROKER_HEARTBEAT = 904,
        /// Outbound only: the name server tells a broker group its minimum broker id changed.
        NOTIFY_MIN_BROKER_ID_CHANGE = 905,
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
    fn unknown_numbers_are_not_codes() {
        assert_eq!(RequestCode::from_code(99999), None);
        assert_eq!(RequestCode::from_code(0), None);
        assert_eq!(ResponseCode::from_code(4), None);
    }
}
