//! Header of the route query (105), the request every client sends most.

crate::command_header! {
    /// GET_ROUTEINFO_BY_TOPIC (105). Java's class also inherits `lo`, `ns`, `nsd`, `bname` and
    /// `oway` from its RPC parents; a name server never looks at them, so they are not kept.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetRouteInfoRequestHeader {
        pub topic: String = "topic",
        /// `Some(true)` asks for the standard-JSON route body whatever the client's version.
        pub accept_standard_json_only: Option<bool> = "acceptStandardJsonOnly",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_round_trip, ext, noisy};
    use super::*;
    use crate::error::HeaderError;
    use crate::headers::CommandHeader;

    #[test]
    fn reads_and_writes_every_field() {
        let header = GetRouteInfoRequestHeader {
            topic: "TopicTest".into(),
            accept_standard_json_only: Some(true),
        };
        assert_round_trip(
            &header,
            &[("topic", "TopicTest"), ("acceptStandardJsonOnly", "true")],
        );
        let plain = GetRouteInfoRequestHeader {
            topic: "TopicTest".into(),
            accept_standard_json_only: None,
        };
        assert_round_trip(&plain, &[("topic", "TopicTest")]);
    }

    #[test]
    fn inherited_rpc_fields_and_acl_keys_are_ignored() {
        let header = GetRouteInfoRequestHeader::from_ext(Some(&noisy(&[("topic", "T")]))).unwrap();
        assert_eq!(
            header,
            GetRouteInfoRequestHeader {
                topic: "T".into(),
                accept_standard_json_only: None
            }
        );
        assert_eq!(header.to_ext().len(), 1);
    }

    #[test]
    fn topic_is_required() {
        assert_eq!(
            GetRouteInfoRequestHeader::from_ext(None),
            Err(HeaderError::Missing("topic"))
        );
        assert_eq!(
            GetRouteInfoRequestHeader::from_ext(Some(&ext(&[("acceptStandardJsonOnly", "true")]))),
            Err(HeaderError::Missing("topic"))
        );
    }

    #[test]
    fn the_flag_is_lenient() {
        for (text, expected) in [("TRUE", true), ("True", true), ("yes", false), ("1", false)] {
            let fields = ext(&[("topic", "T"), ("acceptStandardJsonOnly", text)]);
            assert_eq!(
                GetRouteInfoRequestHeader::from_ext(Some(&fields))
                    .unwrap()
                    .accept_standard_json_only,
                Some(expected),
                "{text:?}"
            );
        }
    }
}
