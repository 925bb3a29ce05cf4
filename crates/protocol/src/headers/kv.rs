//! Headers of the KV config requests (100, 101, 102, 219).
//!
//! Java marks namespace and key as required, but its check is swallowed and the handlers
//! answer a missing one themselves (`namespace or key is null` for PUT, a not-found for GET),
//! so those fields are optional here and decoding these headers cannot fail.

crate::command_header! {
    /// PUT_KV_CONFIG (100).
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct PutKvConfigRequestHeader {
        pub namespace: Option<String> = "namespace",
        pub key: Option<String> = "key",
        pub value: Option<String> = "value",
    }
}

crate::command_header! {
    /// GET_KV_CONFIG (101).
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct GetKvConfigRequestHeader {
        pub namespace: Option<String> = "namespace",
        pub key: Option<String> = "key",
    }
}

crate::command_header! {
    /// Response header of GET_KV_CONFIG; `value` is absent on QUERY_NOT_FOUND.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct GetKvConfigResponseHeader {
        pub value: Option<String> = "value",
    }
}

crate::command_header! {
    /// DELETE_KV_CONFIG (102).
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct DeleteKvConfigRequestHeader {
        pub namespace: Option<String> = "namespace",
        pub key: Option<String> = "key",
    }
}

crate::command_header! {
    /// GET_KVLIST_BY_NAMESPACE (219).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct GetKvListByNamespaceRequestHeader {
        pub namespace: String = "namespace",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_round_trip, ext, noisy};
    use super::*;
    use crate::error::HeaderError;
    use crate::ext_fields::ExtFields;
    use crate::headers::CommandHeader;

    #[test]
    fn put_reads_and_writes_every_field() {
        let header = PutKvConfigRequestHeader {
            namespace: Some("ORDER_TOPIC_CONFIG".into()),
            key: Some("TopicTest".into()),
            value: Some("broker-a:4".into()),
        };
        assert_round_trip(
            &header,
            &[
                ("namespace", "ORDER_TOPIC_CONFIG"),
                ("key", "TopicTest"),
                ("value", "broker-a:4"),
            ],
        );
        let noisy = noisy(&[
            ("value", "broker-a:4"),
            ("key", "TopicTest"),
            ("namespace", "ORDER_TOPIC_CONFIG"),
        ]);
        assert_eq!(PutKvConfigRequestHeader::from_ext(Some(&noisy)), Ok(header));
    }

    #[test]
    fn kv_headers_never_fail_on_missing_fields() {
        assert_eq!(
            PutKvConfigRequestHeader::from_ext(None),
            Ok(PutKvConfigRequestHeader::default())
        );
        assert_eq!(
            GetKvConfigRequestHeader::from_ext(Some(&ext(&[("key", "k")]))),
            Ok(GetKvConfigRequestHeader {
                namespace: None,
                key: Some("k".into())
            })
        );
        assert_eq!(
            DeleteKvConfigRequestHeader::from_ext(Some(&ext(&[("namespace", "n")]))),
            Ok(DeleteKvConfigRequestHeader {
                namespace: Some("n".into()),
                key: None
            })
        );
        assert_eq!(
            PutKvConfigRequestHeader::default().to_ext(),
            ExtFields::new()
        );
    }

    #[test]
    fn empty_strings_are_present_values() {
        let header = PutKvConfigRequestHeader::from_ext(Some(&ext(&[
            ("namespace", ""),
            ("key", ""),
            ("value", ""),
        ])))
        .unwrap();
        assert_eq!(header.namespace.as_deref(), Some(""));
        assert_eq!(header.value.as_deref(), Some(""));
    }

    #[test]
    fn get_and_delete_round_trip() {
        assert_round_trip(
            &GetKvConfigRequestHeader {
                namespace: Some("ns".into()),
                key: Some("k".into()),
            },
            &[("namespace", "ns"), ("key", "k")],
        );
        assert_round_trip(
            &DeleteKvConfigRequestHeader {
                namespace: Some("ns".into()),
                key: Some("k".into()),
            },
            &[("namespace", "ns"), ("key", "k")],
        );
        let noisy = noisy(&[("key", "k"), ("namespace", "ns")]);
        assert_eq!(
            DeleteKvConfigRequestHeader::from_ext(Some(&noisy))
                .unwrap()
                .key
                .as_deref(),
            Some("k")
        );
    }

    #[test]
    fn get_response_value_is_optional() {
        assert_round_trip(
            &GetKvConfigResponseHeader {
                value: Some("v \"quoted\" é".into()),
            },
            &[("value", "v \"quoted\" é")],
        );
        assert_round_trip(&GetKvConfigResponseHeader { value: None }, &[]);
    }

    #[test]
    fn kv_list_requires_its_namespace() {
        assert_round_trip(
            &GetKvListByNamespaceRequestHeader {
                namespace: "ORDER_TOPIC_CONFIG".into(),
            },
            &[("namespace", "ORDER_TOPIC_CONFIG")],
        );
        assert_eq!(
            GetKvListByNamespaceRequestHeader::from_ext(None),
            Err(HeaderError::Missing("namespace"))
        );
        assert_eq!(
            GetKvListByNamespaceRequestHeader::from_ext(Some(&noisy(&[]))),
            Err(HeaderError::Missing("namespace"))
        );
    }
}
