//! Finding objects on a token by stable names: certificates by the SHA-256 of their
//! DER, keys by `CKA_ID`. Object handles are used only within one session.

use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use protocol::ids::{CertSha256, KeyId};
use sha2::{Digest, Sha256};

use crate::error::HostError;

/// A certificate object.
pub struct CertObject {
    /// Its handle in the session it was found in.
    pub handle: ObjectHandle,
    /// The DER.
    pub der: Vec<u8>,
    /// Its `CKA_ID` (empty when it has none).
    pub id: Vec<u8>,
    /// Its label.
    pub label: String,
    /// The SHA-256 of the DER.
    pub sha256: CertSha256,
}

/// Every X.509 certificate object visible in the session.
pub fn certificates(session: &Session) -> Result<Vec<CertObject>, HostError> {
    let template = [
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
    ];
    let mut out = Vec::new();
    for handle in session.find_objects(&template)? {
        let attrs = session.get_attributes(
            handle,
            &[
                AttributeType::Value,
                AttributeType::Id,
                AttributeType::Label,
            ],
        )?;
        let mut der = Vec::new();
        let mut id = Vec::new();
        let mut label = String::new();
        for attr in attrs {
            match attr {
                Attribute::Value(v) => der = v,
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = String::from_utf8_lossy(&v).trim().to_owned(),
                _ => {}
            }
        }
        if der.is_empty() {
            continue;
        }
        let sha256 = CertSha256::from_digest(&Sha256::digest(&der).into());
        out.push(CertObject {
            handle,
            der,
            id,
            label,
            sha256,
        });
    }
    Ok(out)
}

/// The certificate with this digest.
pub fn find_certificate(session: &Session, sha256: &CertSha256) -> Result<CertObject, HostError> {
    certificates(session)?
        .into_iter()
        .find(|c| &c.sha256 == sha256)
        .ok_or_else(|| HostError::CertNotFound(sha256.to_string()))
}

/// Objects of `class` with this `CKA_ID`.
pub fn by_id(
    session: &Session,
    class: ObjectClass,
    id: &[u8],
) -> Result<Vec<ObjectHandle>, HostError> {
    Ok(session.find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])?)
}

/// The `CKA_ID`s of every key object (private and public) visible in the session.
/// One search per class, not one per certificate: SoftHSM and many tokens pay a
/// file-system or card round trip per search.
pub fn key_ids(session: &Session) -> Result<std::collections::HashSet<Vec<u8>>, HostError> {
    let mut ids = std::collections::HashSet::new();
    for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
        for handle in session.find_objects(&[Attribute::Class(class)])? {
            for attr in session.get_attributes(handle, &[AttributeType::Id])? {
                if let Attribute::Id(id) = attr {
                    ids.insert(id);
                }
            }
        }
    }
    Ok(ids)
}

/// The one private key with this `CKA_ID`.
pub fn private_key(session: &Session, id: &[u8]) -> Result<ObjectHandle, HostError> {
    by_id(session, ObjectClass::PRIVATE_KEY, id)?
        .into_iter()
        .next()
        .ok_or_else(|| HostError::KeyNotFound(protocol::ids::to_hex(id)))
}

/// The private key of a certificate object.
pub fn private_key_of(session: &Session, cert: &CertObject) -> Result<ObjectHandle, HostError> {
    if cert.id.is_empty() {
        return Err(HostError::KeyNotFound(format!(
            "(the certificate {} has no CKA_ID)",
            cert.sha256
        )));
    }
    private_key(session, &cert.id)
}

/// An object's label.
pub fn label(session: &Session, handle: ObjectHandle) -> Result<String, HostError> {
    let attrs = session.get_attributes(handle, &[AttributeType::Label])?;
    Ok(attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::Label(v) => Some(String::from_utf8_lossy(&v).into_owned()),
            _ => None,
        })
        .unwrap_or_default())
}

/// The key id of raw `CKA_ID` bytes, if it can be named.
pub fn key_id(id: &[u8]) -> Option<KeyId> {
    KeyId::from_bytes(id)
}
