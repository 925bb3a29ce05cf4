//! RocketMQ's ACL request signature (ACL 1.0, as the Java `AclClientRPCHook` and the C++ and
//! Go clients compute it): the values of every ext field except `Signature`, in the order
//! of their keys, concatenated, then the body; HMAC-SHA1 with the secret key; Base64.
//!
//! Java signs the custom header's fields plus `AccessKey` (and `SecurityToken`), which is
//! exactly what arrives as ext fields, so the server rebuilds the content from what it
//! received.
//!
//! The HTTP endpoint has no ext fields to sign, so its writes sign a fixed canonical string
//! with the same HMAC-SHA1 and secrets (see [`sign_http`]).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use namesrv_protocol::RemotingCommand;
use sha1::Sha1;

use super::Denied;

pub const SIGNATURE_FIELD: &str = "Signature";
pub const ACCESS_KEY_FIELD: &str = "AccessKey";

fn mac_of(request: &RemotingCommand, secret: &str) -> Hmac<Sha1> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    let mut fields: Vec<(&str, &str)> = request
        .ext_fields
        .iter()
        .flat_map(|f| f.iter())
        .filter(|(k, _)| *k != SIGNATURE_FIELD)
        .collect();
    fields.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (_, value) in fields {
        mac.update(value.as_bytes());
    }
    mac.update(&request.body);
    mac
}

/// Checks `signature` (Base64) against the request, in constant time.
pub fn verify(request: &RemotingCommand, secret: &str, signature: &str) -> Result<(), Denied> {
    let expected = STANDARD
        .decode(signature.trim())
        .map_err(|_| Denied::MalformedSignature)?;
    mac_of(request, secret)
        .verify_slice(&expected)
        .map_err(|_| Denied::BadSignature)
}

/// Adds `AccessKey` and `Signature` as a RocketMQ ACL client would (tests and tools).
pub fn sign(mut request: RemotingCommand, access_key: &str, secret: &str) -> RemotingCommand {
    request
        .ext_fields
        .get_or_insert_with(Default::default)
        .insert(ACCESS_KEY_FIELD, access_key);
    let signature = STANDARD.encode(mac_of(&request, secret).finalize().into_bytes());
    request
        .ext_fields
        .get_or_insert_with(Default::default)
        .insert(SIGNATURE_FIELD, signature);
    request
}

/// The HTTP endpoint's signature: HMAC-SHA1 over `METHOD\nPATH\nTIMESTAMP` (the path
/// without its query, the timestamp as sent), Base64. The primitive is ACL's, so the same
/// access keys serve both ports and any shell with `openssl dgst -hmac` can sign.
fn http_mac(method: &str, path: &str, timestamp: &str, secret: &str) -> Hmac<Sha1> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    for (i, part) in [method, path, timestamp].into_iter().enumerate() {
        if i > 0 {
            mac.update(b"\n");
        }
        mac.update(part.as_bytes());
    }
    mac
}

/// The `Signature` header for an HTTP write (tests and tools).
pub fn sign_http(method: &str, path: &str, timestamp: &str, secret: &str) -> String {
    STANDARD.encode(
        http_mac(method, path, timestamp, secret)
            .finalize()
            .into_bytes(),
    )
}

/// Checks an HTTP write's `signature` (Base64), in constant time.
pub fn verify_http(
    method: &str,
    path: &str,
    timestamp: &str,
    secret: &str,
    signature: &str,
) -> Result<(), Denied> {
    let expected = STANDARD
        .decode(signature.trim())
        .map_err(|_| Denied::MalformedSignature)?;
    http_mac(method, path, timestamp, secret)
        .verify_slice(&expected)
        .map_err(|_| Denied::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signed by the Java 4.9.7 `AclClientRPCHook` (AccessKey `RocketMQ`, secret
    /// `12345678`) on a PUT_KV_CONFIG of ns/k=v.
    const JAVA_SIGNATURE: &str = "o9N72JxoU4ePBhe7vIjrQgZfrrM=";

    fn kv_put() -> RemotingCommand {
        let ext: namesrv_protocol::ExtFields = [("namespace", "ns"), ("key", "k"), ("value", "v")]
            .into_iter()
            .collect();
        RemotingCommand::request(100, Some(ext))
    }

    /// The shell recipe of docs/operations.md gives the same signature:
    /// `printf 'POST\n/drain\n1700000000000' | openssl dgst -sha1 -hmac admin-secret -binary | base64`.
    #[test]
    fn the_http_signature_is_what_openssl_computes_over_the_canonical_string() {
        let signature = sign_http("POST", "/drain", "1700000000000", "admin-secret");
        assert_eq!(signature, "cToJem7Y8/sljaYZdeG2s8lQu+c=");
        assert_eq!(
            verify_http(
                "POST",
                "/drain",
                "1700000000000",
                "admin-secret",
                &signature
            ),
            Ok(())
        );
        for (method, path, timestamp) in [
            ("POST", "/undrain", "1700000000000"),
            ("GET", "/drain", "1700000000000"),
            ("POST", "/drain", "1700000000001"),
        ] {
            assert_eq!(
                verify_http(method, path, timestamp, "admin-secret", &signature),
                Err(Denied::BadSignature),
                "{method} {path} {timestamp}"
            );
        }
    }

    #[test]
    fn matches_what_the_java_acl_hook_signs() {
        let signed = sign(kv_put(), "RocketMQ", "12345678");
        assert_eq!(signed.ext(SIGNATURE_FIELD), Some(JAVA_SIGNATURE));
        let mut from_java = kv_put();
        let ext = from_java.ext_fields.as_mut().unwrap();
        ext.insert(ACCESS_KEY_FIELD, "RocketMQ");
        ext.insert(SIGNATURE_FIELD, JAVA_SIGNATURE);
        assert_eq!(verify(&from_java, "12345678", JAVA_SIGNATURE), Ok(()));
        assert_eq!(
            verify(&from_java, "other", JAVA_SIGNATURE),
            Err(Denied::BadSignature)
        );
    }
}
