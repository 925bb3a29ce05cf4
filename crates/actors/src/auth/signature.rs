//! RocketMQ's ACL request signature (ACL 1.0, as the Java `AclClientRPCHook` and the C++ and
//! Go clients compute it): the values of every ext field except `Signature`, in the order
//! of their keys, concatenated, then the body; HMAC-SHA1 with the secret key; Base64.
//!
//! Java signs the custom header's fields plus `AccessKey` (and `SecurityToken`), which is
//! exactly what arrives as ext fields, so the server rebuilds the content from what it
//! received.

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
