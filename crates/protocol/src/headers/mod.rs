//! Typed custom headers: the fields of a request or response that travel in `extFields`.
//!
//! Java maps a header class to `extFields` by reflection: every non-null field becomes an
//! entry named exactly like the field, with its value as text. Here each header is declared
//! with [`command_header!`]: one line per field gives its Rust name, type and wire name, and
//! the macro writes the [`CommandHeader`] impl. The wire names stay greppable, the field's
//! type says whether it is required (`T`), optional (`Option<T>`) or defaulted (`T` with
//! `or default`: absent reads as `T::default()`, and it is always written), and a handler
//! gets a typed value or a [`HeaderError`] naming the field, never a panic.
//!
//! Decoding follows Java where Java is well defined and is stricter where Java is silent:
//! - booleans read like `Boolean.parseBoolean` (`"true"` in any case is true, anything else is
//!   false), so a boolean never fails to decode;
//! - a number that does not parse is [`HeaderError::Malformed`]. Java logs it and leaves the
//!   field at its default, which for a required field ends as a null-unboxing error later;
//!   failing at decode gives the handler the same outcome (a `SYSTEM_ERROR` reply) with a
//!   remark that names the field;
//! - a required field that is absent is [`HeaderError::Missing`]. Java's own check is
//!   swallowed, so the fields a handler can do without (the KV triple, `haServerAddr`) are
//!   optional or defaulted here rather than required;
//! - keys no header declares (ACL keys, the inherited `lo`/`ns`/`nsd`/`bname`/`oway`, the zone
//!   keys) are ignored.
//!
//! Number syntax is Rust's `from_str`, which matches `Long.parseLong` for ASCII input (an
//! optional sign, then decimal digits, no spaces). Java also accepts non-ASCII Unicode digits;
//! no RocketMQ peer writes those.
//!
//! Encoding writes fields in the Java class's declaration order. Java writes them in
//! `HashMap` iteration order, which depends on the keys' hash codes; no reader depends on
//! the order (every decoder, ours included, looks fields up by name), so we pick the order a
//! human can check against the class. Byte-level comparisons with a Java peer must therefore
//! compare `extFields` as a map.

mod broker;
mod controller;
mod kv;
mod route;
mod topic;

pub use broker::{
    BrokerHeartbeatRequestHeader, GetBrokerMemberGroupRequestHeader,
    NotifyMinBrokerIdChangeRequestHeader, QueryDataVersionRequestHeader,
    QueryDataVersionResponseHeader, RegisterBrokerRequestHeader, RegisterBrokerResponseHeader,
    UnregisterBrokerRequestHeader,
};
pub use controller::{
    AlterSyncStateSetRequestHeader, AlterSyncStateSetResponseHeader, ApplyBrokerIdRequestHeader,
    ApplyBrokerIdResponseHeader, CleanControllerBrokerDataRequestHeader, ElectMasterRequestHeader,
    ElectMasterResponseHeader, GetMetaDataResponseHeader, GetNextBrokerIdRequestHeader,
    GetNextBrokerIdResponseHeader, GetReplicaInfoRequestHeader, GetReplicaInfoResponseHeader,
    NotifyBrokerRoleChangedRequestHeader, RegisterBrokerToControllerRequestHeader,
    RegisterBrokerToControllerResponseHeader,
};
pub use kv::{
    DeleteKvConfigRequestHeader, GetKvConfigRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
pub use route::GetRouteInfoRequestHeader;
pub use topic::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader,
    DeleteTopicFromNamesrvRequestHeader, GetTopicsByClusterRequestHeader,
    RegisterTopicRequestHeader, WipeWritePermOfBrokerRequestHeader,
    WipeWritePermOfBrokerResponseHeader,
};

use std::fmt::Display;
use std::str::FromStr;

use crate::error::HeaderError;
use crate::ext_fields::ExtFields;

/// Ext key a broker (register) or client (route query) uses to name its zone.
pub const ZONE_NAME: &str = "__ZONE_NAME";
/// Ext key a client sets to `"true"` to ask for zone-filtered routes.
pub const ZONE_MODE: &str = "__ZONE_MODE";

/// A typed view of a command's `extFields`.
pub trait CommandHeader: Sized {
    /// Reads the header from a command's extFields (None = no extFields: all fields absent).
    fn from_ext(ext: Option<&ExtFields>) -> Result<Self, HeaderError>;
    /// Writes the header as Java would: every non-None field, numbers in decimal, booleans
    /// "true"/"false".
    fn to_ext(&self) -> ExtFields;
}

/// A request or response without custom header fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoHeader;

impl CommandHeader for NoHeader {
    fn from_ext(_: Option<&ExtFields>) -> Result<Self, HeaderError> {
        Ok(NoHeader)
    }

    fn to_ext(&self) -> ExtFields {
        ExtFields::new()
    }
}

/// How one field of a header is read from and written to `extFields`.
pub trait FieldValue: Sized {
    fn read(ext: Option<&ExtFields>, name: &'static str) -> Result<Self, HeaderError>;
    fn write(&self, name: &str, out: ExtWriter) -> ExtWriter;
}

macro_rules! field_values {
    ($($ty:ty: $required:ident, $optional:ident;)*) => {
        $(
            impl FieldValue for $ty {
                fn read(ext: Option<&ExtFields>, name: &'static str) -> Result<Self, HeaderError> {
                    $required(ext, name)
                }

                fn write(&self, name: &str, out: ExtWriter) -> ExtWriter {
                    out.put(name, self)
                }
            }

            impl FieldValue for Option<$ty> {
                fn read(ext: Option<&ExtFields>, name: &'static str) -> Result<Self, HeaderError> {
                    $optional(ext, name)
                }

                fn write(&self, name: &str, out: ExtWriter) -> ExtWriter {
                    out.put_opt(name, self.as_ref())
                }
            }
        )*
    };
}

/// `optional_string` and `optional_bool` cannot fail; this lets the table above treat every
/// type alike.
fn infallible<T>(value: Option<T>) -> Result<Option<T>, HeaderError> {
    Ok(value)
}

fn optional_string_field(
    ext: Option<&ExtFields>,
    name: &'static str,
) -> Result<Option<String>, HeaderError> {
    infallible(optional_string(ext, name))
}

fn optional_bool_field(
    ext: Option<&ExtFields>,
    name: &'static str,
) -> Result<Option<bool>, HeaderError> {
    infallible(optional_bool(ext, name))
}

field_values! {
    String: required_string, optional_string_field;
    i64: required_i64, optional_i64;
    i32: required_i32, optional_i32;
    bool: required_bool, optional_bool_field;
}

/// Declares a header struct and its [`CommandHeader`] impl from one line per field:
/// `pub rust_name: Type = "wireName",` (or `… = "wireName" or default,`). Fields are written
/// in declaration order, which is the Java class's.
#[macro_export]
macro_rules! command_header {
    ($(#[$meta:meta])* pub struct $name:ident {
        $($(#[$fmeta:meta])* pub $field:ident: $ty:ty = $wire:literal $(or $default:ident)?,)*
    }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $crate::headers::CommandHeader for $name {
            fn from_ext(
                ext: Option<&$crate::ExtFields>,
            ) -> Result<Self, $crate::HeaderError> {
                Ok(Self {
                    $($field: $crate::command_header!(@read ext, $ty, $wire $(, $default)?),)*
                })
            }

            fn to_ext(&self) -> $crate::ExtFields {
                let out = $crate::headers::ExtWriter::new();
                $(let out = $crate::headers::FieldValue::write(&self.$field, $wire, out);)*
                out.finish()
            }
        }
    };
    (@read $ext:ident, $ty:ty, $wire:literal) => {
        <$ty as $crate::headers::FieldValue>::read($ext, $wire)?
    };
    (@read $ext:ident, $ty:ty, $wire:literal, default) => {
        <Option<$ty> as $crate::headers::FieldValue>::read($ext, $wire)?.unwrap_or_default()
    };
}

/// The raw text of `field`, if the command has it.
pub fn field<'a>(ext: Option<&'a ExtFields>, name: &str) -> Option<&'a str> {
    ext.and_then(|fields| fields.get(name))
}

pub fn required_string(ext: Option<&ExtFields>, name: &'static str) -> Result<String, HeaderError> {
    optional_string(ext, name).ok_or(HeaderError::Missing(name))
}

pub fn optional_string(ext: Option<&ExtFields>, name: &'static str) -> Option<String> {
    field(ext, name).map(str::to_owned)
}

pub fn required_i64(ext: Option<&ExtFields>, name: &'static str) -> Result<i64, HeaderError> {
    optional_i64(ext, name)?.ok_or(HeaderError::Missing(name))
}

pub fn optional_i64(
    ext: Option<&ExtFields>,
    name: &'static str,
) -> Result<Option<i64>, HeaderError> {
    optional_number(ext, name)
}

pub fn required_i32(ext: Option<&ExtFields>, name: &'static str) -> Result<i32, HeaderError> {
    optional_i32(ext, name)?.ok_or(HeaderError::Missing(name))
}

pub fn optional_i32(
    ext: Option<&ExtFields>,
    name: &'static str,
) -> Result<Option<i32>, HeaderError> {
    optional_number(ext, name)
}

fn optional_number<T: FromStr>(
    ext: Option<&ExtFields>,
    name: &'static str,
) -> Result<Option<T>, HeaderError> {
    field(ext, name)
        .map(|text| {
            text.parse().map_err(|_| HeaderError::Malformed {
                field: name,
                value: text.to_owned(),
            })
        })
        .transpose()
}

pub fn required_bool(ext: Option<&ExtFields>, name: &'static str) -> Result<bool, HeaderError> {
    optional_bool(ext, name).ok_or(HeaderError::Missing(name))
}

pub fn optional_bool(ext: Option<&ExtFields>, name: &'static str) -> Option<bool> {
    field(ext, name).map(parse_bool)
}

/// Java's `Boolean.parseBoolean`: true only for "true" in any letter case.
pub fn parse_bool(text: &str) -> bool {
    text.eq_ignore_ascii_case("true")
}

/// Builds the `extFields` of a header, skipping absent fields as Java skips nulls.
#[derive(Debug, Default)]
pub struct ExtWriter(ExtFields);

impl ExtWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(mut self, name: &str, value: impl Display) -> Self {
        self.0.insert(name, value.to_string());
        self
    }

    pub fn put_opt(self, name: &str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.put(name, value),
            None => self,
        }
    }

    pub fn finish(self) -> ExtFields {
        self.0
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// An ext map from literal pairs.
    pub fn ext(pairs: &[(&str, &str)]) -> ExtFields {
        pairs.iter().copied().collect()
    }

    /// Asserts that `header` writes exactly `expected` (in that order) and reads back equal.
    pub fn assert_round_trip<H>(header: &H, expected: &[(&str, &str)])
    where
        H: CommandHeader + PartialEq + std::fmt::Debug,
    {
        let written = header.to_ext();
        assert_eq!(written.iter().collect::<Vec<_>>(), expected);
        assert_eq!(&H::from_ext(Some(&written)).unwrap(), header);
    }

    /// The keys that must be ignored by every header.
    pub const NOISE: &[(&str, &str)] = &[
        ("AccessKey", ""),
        ("Signature", "c2ln"),
        ("lo", "true"),
        ("ns", "namespace-of-a-client"),
        ("nsd", "false"),
        ("bname", "broker-x"),
        ("oway", "true"),
        (ZONE_NAME, "zone-a"),
        (ZONE_MODE, "true"),
    ];

    /// `pairs` plus [`NOISE`].
    pub fn noisy(pairs: &[(&str, &str)]) -> ExtFields {
        NOISE.iter().chain(pairs).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::ext;
    use super::*;

    #[test]
    fn booleans_read_like_java_parse_boolean() {
        for (text, expected) in [
            ("true", true),
            ("TRUE", true),
            ("tRuE", true),
            ("false", false),
            ("yes", false),
            ("1", false),
            ("", false),
            (" true", false),
            ("truee", false),
        ] {
            assert_eq!(parse_bool(text), expected, "{text:?}");
        }
    }

    #[test]
    fn numbers_accept_what_parse_long_accepts_and_nothing_else() {
        let f = ext(&[
            ("a", "+7"),
            ("b", "-0"),
            ("c", " 7"),
            ("d", ""),
            ("e", "0x10"),
            ("f", "7.0"),
        ]);
        assert_eq!(optional_i64(Some(&f), "a"), Ok(Some(7)));
        assert_eq!(optional_i64(Some(&f), "b"), Ok(Some(0)));
        for name in ["c", "d", "e", "f"] {
            assert!(matches!(
                optional_i64(Some(&f), name),
                Err(HeaderError::Malformed { field, .. }) if field == name
            ));
        }
    }

    #[test]
    fn numbers_out_of_range_are_malformed() {
        let f = ext(&[("i", "2147483648"), ("l", "9223372036854775808")]);
        assert_eq!(
            required_i32(Some(&f), "i"),
            Err(HeaderError::Malformed {
                field: "i",
                value: "2147483648".into()
            })
        );
        assert!(required_i64(Some(&f), "i").is_ok());
        assert!(required_i64(Some(&f), "l").is_err());
    }

    #[test]
    fn absent_fields_and_absent_ext_fields_are_the_same() {
        let empty = ExtFields::new();
        for ext in [None, Some(&empty)] {
            assert_eq!(
                required_string(ext, "topic"),
                Err(HeaderError::Missing("topic"))
            );
            assert_eq!(
                required_i64(ext, "brokerId"),
                Err(HeaderError::Missing("brokerId"))
            );
            assert_eq!(
                required_bool(ext, "changed"),
                Err(HeaderError::Missing("changed"))
            );
            assert_eq!(optional_i32(ext, "epoch"), Ok(None));
            assert_eq!(optional_bool(ext, "lo"), None);
            assert_eq!(optional_string(ext, "ns"), None);
        }
    }

    #[test]
    fn writer_skips_absent_values() {
        let written = ExtWriter::new()
            .put("a", 1)
            .put_opt("b", None::<i64>)
            .put_opt("c", Some(true))
            .put("d", "x")
            .finish();
        assert_eq!(
            written.iter().collect::<Vec<_>>(),
            vec![("a", "1"), ("c", "true"), ("d", "x")]
        );
    }
}
