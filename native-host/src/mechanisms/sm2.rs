//! SM2 on the token with a module's [`Profile`]: key generation, SM3withSM2
//! signatures (GM/T 0009: `e = SM3(Z ‖ M)`, Z from the distinguishing ID
//! `1234567812345678` and the public key; DER `SEQUENCE { r, s }`), and the GM/T 0016 /
//! GB/T 35276 digital envelope opened on the token: `C_UnwrapKey(SM2, signing key,
//! SM2Cipher)` gives the SM4 key, `C_UnwrapKey(SM4-ECB, that key, …)` the encryption
//! private key.

use cryptoki::error::{Error, RvError};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

use super::{Profile, key_type, mechanism};
use crate::error::HostError;
use crate::objects;
use crate::pubkey::{PublicKey, SM2_PARAMS};
use certinfo::der;
use certinfo::sm2_envelope::Sm2EnvelopedKey;
use protocol::envelope::{Envelope, KeyTransport};

/// The default distinguishing ID of GM/T 0009 §10.
pub const DEFAULT_ID: &[u8] = b"1234567812345678";

/// The SM2 curve (GB/T 32918.5) parameters that enter Z.
const A: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
const B: [u8; 32] = hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
const GX: [u8; 32] = hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
const GY: [u8; 32] = hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not upper-case hex"),
    }
}

/// `e = SM3(Z ‖ M)`, `Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)` (GB/T 32918.2 §5.5).
pub fn digest_e(point: &[u8], id: &[u8], message: &[u8]) -> Result<[u8; 32], HostError> {
    if point.len() != 65 || point[0] != 0x04 {
        return Err(HostError::Internal(
            "an SM2 public key is not an uncompressed point".into(),
        ));
    }
    let entl = u16::try_from(id.len() * 8)
        .map_err(|_| HostError::Internal("the SM2 distinguishing ID is too long".into()))?;
    let mut z = Sm3::new();
    z.update(entl.to_be_bytes());
    z.update(id);
    for part in [&A, &B, &GX, &GY] {
        z.update(part);
    }
    z.update(&point[1..]);
    let mut e = Sm3::new();
    e.update(z.finalize());
    e.update(message);
    Ok(e.finalize().into())
}

/// The templates of a new SM2 pair: the private key signs; for a dual renewal it
/// also unwraps (it opens the KMC's SM2 envelope).
pub fn keygen_templates(
    profile: &Profile,
    public: &mut Vec<Attribute>,
    private: &mut Vec<Attribute>,
) -> Result<cryptoki::mechanism::Mechanism<'static>, HostError> {
    public.push(Attribute::KeyType(key_type(profile.ckk_sm2)?));
    public.push(Attribute::EcParams(SM2_PARAMS.to_vec()));
    private.push(Attribute::KeyType(key_type(profile.ckk_sm2)?));
    mechanism(profile.keygen)
}

/// The public point of the private key `key`: its public-key object's (same
/// `CKA_ID`), or the private key's own `CKA_EC_POINT` if the token shows one.
fn public_point(session: &Session, key: ObjectHandle) -> Result<Vec<u8>, HostError> {
    let id = session
        .get_attributes(key, &[AttributeType::Id])?
        .into_iter()
        .find_map(|a| match a {
            Attribute::Id(id) => Some(id),
            _ => None,
        })
        .unwrap_or_default();
    let from = match objects::by_id(session, ObjectClass::PUBLIC_KEY, &id)?.first() {
        Some(&public) => PublicKey::from_object(session, public),
        None => PublicKey::from_object(session, key),
    };
    match from {
        Ok(PublicKey::Sm2 { point }) => Ok(point),
        _ => Err(HostError::MechanismUnsupported(
            "the SM2 key's public point is not on the token, so Z cannot be computed".into(),
        )),
    }
}

/// SM3withSM2 of `data` by `key`, DER `SEQUENCE { r, s }`.
pub fn sign(
    session: &Session,
    profile: &Profile,
    key: ObjectHandle,
    data: &[u8],
) -> Result<Vec<u8>, HostError> {
    let raw = if profile.token_hashes {
        session.sign(&mechanism(profile.sign_message)?, key, data)?
    } else {
        let point = public_point(session, key)?;
        let e = digest_e(&point, DEFAULT_ID, data)?;
        session.sign(&mechanism(profile.sign_e)?, key, &e)?
    };
    if raw.len() != 64 {
        return Err(HostError::Internal(format!(
            "the token returned a {}-byte SM2 signature, not r ‖ s of 64",
            raw.len()
        )));
    }
    der::ecdsa_signature(&raw)
        .ok_or_else(|| HostError::Internal("the SM2 signature did not encode".into()))
}

fn refused(what: &str, err: HostError) -> HostError {
    match err {
        HostError::Pkcs11 { function, rv } => HostError::EncryptionRefused(format!(
            "{what} ({function}: {rv}); the envelope was not made for this key or is damaged"
        )),
        other => other,
    }
}

/// Opens the SM2 envelope `der` with `signing_key` and puts the encryption private
/// key on the token: a token object, private, sensitive, never extractable, that
/// decrypts and unwraps and never signs. The SM4 key is a session object, destroyed
/// before this returns.
#[allow(clippy::too_many_arguments)]
pub fn unwrap_private_key(
    session: &Session,
    profile: &Profile,
    signing_key: ObjectHandle,
    envelope_der: &[u8],
    id: &[u8],
    label: &str,
    subject_der: &[u8],
) -> Result<ObjectHandle, HostError> {
    let envelope = Sm2EnvelopedKey::from_der(envelope_der)
        .map_err(|e| HostError::EncryptionRefused(e.to_string()))?;
    let sm4_template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(key_type(profile.ckk_sm4)?),
        Attribute::Token(false),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Unwrap(true),
        Attribute::Encrypt(false),
        Attribute::Decrypt(false),
    ];
    let sm4 = session
        .unwrap_key(
            &mechanism(profile.cipher)?,
            signing_key,
            &envelope.sym_encrypted_key.to_der(),
            &sm4_template,
        )
        .map_err(|e| refused("the signing key could not open the SM4 key", e.into()))?;
    let mut template = crate::dual::store::private_key_template(
        key_type(profile.ckk_sm2)?,
        true,
        id,
        label,
        subject_der,
    );
    template.push(Attribute::EcParams(SM2_PARAMS.to_vec()));
    let made = session
        .unwrap_key(
            &mechanism(profile.sm4_ecb)?,
            sm4,
            &envelope.encrypted_private_key,
            &template,
        )
        .map_err(|e| {
            refused(
                "the private key did not unwrap with the envelope's SM4 key",
                e.into(),
            )
        });
    let _ = session.destroy_object(sm4);
    made
}

/// The public key object of an SM2 encryption pair (it encrypts, never verifies).
pub fn public_key_template(profile: &Profile, point: &[u8]) -> Result<Vec<Attribute>, HostError> {
    Ok(vec![
        Attribute::KeyType(key_type(profile.ckk_sm2)?),
        Attribute::EcParams(SM2_PARAMS.to_vec()),
        Attribute::EcPoint(der::tlv(der::tag::OCTET_STRING, point)),
        Attribute::Encrypt(true),
    ])
}

/// Whether `private` is the key of `point`: a random secret encrypted to `point` here
/// (SM2 encryption, C1 ‖ C3 ‖ C2) must decrypt on the token to the same bytes.
pub fn matches(
    session: &Session,
    profile: &Profile,
    private: ObjectHandle,
    point: &[u8],
) -> Result<bool, HostError> {
    let mut secret = Zeroizing::new([0u8; 16]);
    getrandom::fill(secret.as_mut_slice())
        .map_err(|e| HostError::Internal(format!("no randomness for the key check: {e}")))?;
    let key = sm2::pke::EncryptingKey::from_sec1_bytes(point)
        .map_err(|_| HostError::Internal("the certificate's SM2 point is invalid".into()))?;
    let cipher = key
        .encrypt(
            &mut sm2::elliptic_curve::common::getrandom::SysRng,
            secret.as_slice(),
        )
        .map_err(|e| HostError::Internal(format!("SM2 encryption failed: {e}")))?;
    match session.decrypt(&mechanism(profile.cipher)?, private, &cipher) {
        Ok(plain) => Ok(Zeroizing::new(plain).as_slice() == secret.as_slice()),
        // A wrong key fails its C3 check on the token.
        Err(Error::Pkcs11(RvError::EncryptedDataInvalid | RvError::EncryptedDataLenRange, _)) => {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// The form of an `sm2-enveloped-key` envelope (crate::dual::check): the whole
/// `SM2EnvelopedKey` in `wrapped_private_key`, nothing in the other fields.
pub fn check_envelope_form(envelope: &Envelope) -> Result<(), HostError> {
    let refuse = |why: String| Err(HostError::EncryptionRefused(why));
    if !envelope.wrapped_content_key.0.is_empty() || envelope.ephemeral_public_key.is_some() {
        return refuse(
            "an SM2 envelope carries its SM4 key inside SM2EnvelopedKey: wrapped_content_key must be empty and there is no ephemeral key".into(),
        );
    }
    match Sm2EnvelopedKey::from_der(&envelope.wrapped_private_key.0) {
        Ok(_) => Ok(()),
        Err(e) => refuse(e.to_string()),
    }
}

/// An SM2 envelope's `sm2PublicKey` is the encryption certificate's key.
pub fn check_envelope_key(envelope: &Envelope, public: &PublicKey) -> Result<(), HostError> {
    if envelope.transport != KeyTransport::Sm2EnvelopedKey {
        return Ok(());
    }
    let inside = Sm2EnvelopedKey::from_der(&envelope.wrapped_private_key.0)
        .map_err(|e| HostError::EncryptionRefused(e.to_string()))?;
    match public {
        PublicKey::Sm2 { point } if point.as_slice() == inside.public_key.as_slice() => Ok(()),
        _ => Err(HostError::EncryptionRefused(
            "the SM2 envelope holds another key than the encryption certificate's".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sm2::dsa::signature::hazmat::PrehashVerifier;
    use sm2::dsa::signature::{Signer, Verifier};
    use sm2::elliptic_curve::Generate;
    use sm2::elliptic_curve::sec1::ToSec1Point;

    /// The host's e agrees with RustCrypto's SM2DSA (which hashes Z itself).
    #[test]
    fn e_is_the_one_sm2dsa_signs() {
        let key =
            sm2::dsa::SigningKey::new("1234567812345678", &sm2::SecretKey::generate()).unwrap();
        let point = key
            .verifying_key()
            .as_affine()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        let sig: sm2::dsa::Signature = key.sign(b"message");
        key.verifying_key().verify(b"message", &sig).unwrap();
        let e = digest_e(&point, DEFAULT_ID, b"message").unwrap();
        key.verifying_key().verify_prehash(&e, &sig).unwrap();
        let other = digest_e(&point, b"another id", b"message").unwrap();
        assert!(key.verifying_key().verify_prehash(&other, &sig).is_err());
    }
}
