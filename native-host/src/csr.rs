//! Building a PKCS#10 certification request whose subject is the renewed
//! certificate's subject DN, copied byte for byte, signed by a key on the token.

use cryptoki::object::ObjectHandle;
use cryptoki::session::Session;

use crate::error::HostError;
use crate::signer::{self, KeyKind};
use certinfo::der::{self, tag};

/// `CertificationRequest` DER: `{ version 0, subject, spki, attributes [0] {} }`
/// signed by `key`.
pub fn build(
    session: &Session,
    sm2: Option<&crate::mechanisms::Profile>,
    key: ObjectHandle,
    kind: KeyKind,
    subject_der: &[u8],
    spki_der: &[u8],
) -> Result<Vec<u8>, HostError> {
    let version = der::tlv(tag::INTEGER, &[0]);
    let attributes = der::tlv(tag::CONTEXT_0, &[]);
    let info = der::sequence(&[&version, subject_der, spki_der, &attributes]);
    let (_, signature) = signer::sign_with(session, sm2, key, &info)?;
    Ok(der::sequence(&[
        &info,
        &kind.algorithm_identifier(),
        &der::bit_string(&signature),
    ]))
}
