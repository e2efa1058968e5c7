//! The renewal binding: a private data object on the token, written by `generate_csr`
//! before the new key pair, that names the certificate the new key renews. It is what
//! lets `install_certificate` tell a key made for this renewal from any other key on
//! the token, and which certificate (and only which one) it may retire. It lives on
//! the token, not in the process, so it survives a crash and a restarted host; it goes
//! when the install completes or the key is discarded.
//!
//! Data objects have no `CKA_ID` in PKCS#11, so the key id travels in the value (and,
//! for a person reading the token with `pkcs11-tool`, in the label).

use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use protocol::ids::{CertSha256, to_hex};

use crate::error::HostError;

/// `CKA_APPLICATION` of every binding object.
pub const APPLICATION: &str = "certrenew renewal binding";
/// The label's prefix; the new key's id (hex) follows.
pub const LABEL_PREFIX: &str = "certrenew renewal ";
const FORMAT: &str = "certrenew-renewal-binding-v1";

/// A binding found on the token.
#[derive(Debug)]
pub struct Binding {
    /// The data object, valid in the session it was found in.
    pub handle: ObjectHandle,
    /// The certificate the key renews.
    pub renews: CertSha256,
}

/// The value stored for `key_id` renewing `renews`.
fn encode(key_id: &[u8], renews: &CertSha256) -> Vec<u8> {
    format!("{FORMAT}\nkey_id={}\nrenews={renews}\n", to_hex(key_id)).into_bytes()
}

/// The (key id hex, renewed certificate) a value names; `None` for anything else.
fn decode(value: &[u8]) -> Option<(String, CertSha256)> {
    let text = std::str::from_utf8(value).ok()?;
    let mut lines = text.lines();
    if lines.next()? != FORMAT {
        return None;
    }
    let key_id = lines.next()?.strip_prefix("key_id=")?.to_owned();
    let renews = CertSha256::parse(lines.next()?.strip_prefix("renews=")?).ok()?;
    Some((key_id, renews))
}

/// Records that the key `key_id` (not made yet) renews `renews`.
pub fn create(
    session: &Session,
    key_id: &[u8],
    renews: &CertSha256,
) -> Result<ObjectHandle, HostError> {
    let label = format!("{LABEL_PREFIX}{}", to_hex(key_id));
    let template = [
        Attribute::Class(ObjectClass::DATA),
        Attribute::Token(true),
        // Read only after login, like the private key it speaks for.
        Attribute::Private(true),
        Attribute::Label(label.into_bytes()),
        Attribute::Application(APPLICATION.as_bytes().to_vec()),
        Attribute::Value(encode(key_id, renews)),
    ];
    Ok(session.create_object(&template)?)
}

/// The binding of `key_id`. More than one (a token edited by hand) is refused: the
/// host cannot tell which certificate the key renews.
pub fn find(session: &Session, key_id: &[u8]) -> Result<Option<Binding>, HostError> {
    let wanted = to_hex(key_id);
    let mut found: Option<Binding> = None;
    for handle in all(session)? {
        let Some((id, renews)) = value(session, handle)?.as_deref().and_then(decode) else {
            continue;
        };
        if id != wanted {
            continue;
        }
        if found.as_ref().is_some_and(|b| b.renews != renews) {
            return Err(HostError::Internal(format!(
                "the token holds conflicting renewal records for the key {wanted}; \
                 discard the key and start the renewal again"
            )));
        }
        found = Some(Binding { handle, renews });
    }
    Ok(found)
}

/// Deletes every binding of `key_id`.
pub fn remove(session: &Session, key_id: &[u8]) -> Result<(), HostError> {
    let wanted = to_hex(key_id);
    for handle in all(session)? {
        let ours = value(session, handle)?
            .as_deref()
            .and_then(decode)
            .is_some_and(|(id, _)| id == wanted);
        if ours {
            session.destroy_object(handle)?;
        }
    }
    Ok(())
}

fn all(session: &Session) -> Result<Vec<ObjectHandle>, HostError> {
    Ok(session.find_objects(&[
        Attribute::Class(ObjectClass::DATA),
        Attribute::Application(APPLICATION.as_bytes().to_vec()),
    ])?)
}

fn value(session: &Session, handle: ObjectHandle) -> Result<Option<Vec<u8>>, HostError> {
    let attrs = session.get_attributes(handle, &[AttributeType::Value])?;
    Ok(attrs.into_iter().find_map(|a| match a {
        Attribute::Value(v) => Some(v),
        _ => None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_round_trips_and_rejects_other_data() {
        let sha = CertSha256::from_digest(&[7u8; 32]);
        let value = encode(&[0xab, 0x01], &sha);
        assert_eq!(decode(&value), Some(("ab01".to_owned(), sha)));
        assert_eq!(decode(b"something else\nkey_id=ab01\n"), None);
        assert_eq!(
            decode(b"certrenew-renewal-binding-v1\nkey_id=ab01\nrenews=zz\n"),
            None
        );
        assert_eq!(decode(&[0xff, 0xfe]), None);
    }
}
