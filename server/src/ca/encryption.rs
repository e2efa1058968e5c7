//! The encryption certificate of a dual pair: it certifies the KMC's key under the
//! subject of the signing certificate, byte for byte, for exactly its validity, with a
//! key usage that fits the key (RSA: keyEncipherment + dataEncipherment; EC:
//! keyAgreement), no extended key usage, the project's policies and the same
//! revocation extensions as every other certificate. An SM2 key goes to the SM2 CA
//! (GM/T 0015 profile, [`super::sm2::encryption_profile`]).

use x509_parser::prelude::FromDer as _;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{Ca, CaError, Issued, KeyUsage, Profile, parse_certificate};

/// rsaEncryption.
const RSA_OID: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey.
const EC_OID: &str = "1.2.840.10045.2.1";

/// What to issue.
#[derive(Clone, Copy, Debug)]
pub struct EncryptionRequest<'a> {
    /// The key to certify, SubjectPublicKeyInfo DER (made by the KMC).
    pub spki_der: &'a [u8],
    /// The signing certificate of the pair, DER: its subject and validity are copied.
    pub signing_certificate: &'a [u8],
    /// Certificate policy OIDs, dotted (the project's).
    pub policy_oids: &'a [String],
}

/// The profile of an encryption certificate for `spki_der`'s key.
pub fn encryption_profile(spki_der: &[u8], policy_oids: &[String]) -> Result<Profile, CaError> {
    if super::sm2::is_sm2_spki(spki_der) {
        return Ok(super::sm2::encryption_profile(policy_oids));
    }
    let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der)
        .map_err(|e| CaError::Unsupported(format!("the encryption key: {e}")))?;
    let key_usage = match spki.algorithm.algorithm.to_id_string().as_str() {
        RSA_OID => vec![KeyUsage::KeyEncipherment, KeyUsage::DataEncipherment],
        EC_OID => vec![KeyUsage::KeyAgreement],
        other => {
            return Err(CaError::Unsupported(format!(
                "an encryption certificate for a key of algorithm {other}: only RSA and EC keys"
            )));
        }
    };
    Ok(Profile {
        key_usage,
        extended_key_usage: Vec::new(),
        policy_oids: policy_oids.to_vec(),
    })
}

impl Ca {
    /// Issues the encryption certificate of a pair (see the module's description).
    pub fn issue_encryption(&self, req: &EncryptionRequest<'_>) -> Result<Issued, CaError> {
        if super::sm2::is_sm2_spki(req.spki_der) {
            return self.require_sm2()?.issue_encryption(req);
        }
        let extensions = encryption_profile(req.spki_der, req.policy_oids)?.extensions()?;
        let signing = parse_certificate(req.signing_certificate)
            .map_err(|e| CaError::InvalidCertificate(e.to_string()))?;
        let validity = signing.validity();
        self.certify(
            signing.subject(),
            "signing certificate",
            req.spki_der,
            (
                validity.not_before.to_datetime(),
                validity.not_after.to_datetime(),
            ),
            extensions,
        )
    }
}
