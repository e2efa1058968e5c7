//! Generating a new key pair on the token for a renewal. The private key is a token
//! object, private, sensitive and never extractable, and may only sign, except that
//! for a dual renewal it may also open the KMC's envelope (docs/protocol.md §15):
//! `CKA_UNWRAP` for RSA (the OAEP-wrapped content key) and SM2 (the GM/T 0016
//! envelope's SM2Cipher), `CKA_DERIVE` for EC (the
//! ECDH with the KMC's ephemeral key), as SKF tokens use the signing key. Both halves
//! carry a new random `CKA_ID` and a label that marks them pending until the new
//! certificate is installed.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectHandle};
use cryptoki::session::Session;
use protocol::host::KeyAlgorithm;

use crate::error::HostError;
use crate::mechanisms::Profile;
use crate::pubkey::P256_PARAMS;

/// The label of a key pair made by `generate_csr` and not yet installed.
pub const PENDING_LABEL: &str = "certrenew pending";

/// A new random `CKA_ID`.
pub fn new_key_id() -> Result<[u8; 16], HostError> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id)
        .map_err(|e| HostError::Internal(format!("no randomness for a key id: {e}")))?;
    Ok(id)
}

/// Generates the pair: (public, private). `dual`: the private key can also open an
/// envelope. SM2 uses the module's profile `sm2`.
pub fn generate(
    session: &Session,
    algorithm: KeyAlgorithm,
    sm2: Option<&Profile>,
    id: &[u8],
    subject_der: &[u8],
    dual: bool,
) -> Result<(ObjectHandle, ObjectHandle), HostError> {
    let label = PENDING_LABEL.as_bytes().to_vec();
    let mut public = vec![
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Id(id.to_vec()),
        Attribute::Label(label.clone()),
        Attribute::Verify(true),
        Attribute::Encrypt(false),
        Attribute::Wrap(false),
    ];
    // RSA and SM2 open the envelope by unwrapping, EC by key agreement.
    let unwraps = matches!(algorithm, KeyAlgorithm::Rsa2048 | KeyAlgorithm::Sm2);
    let mut private = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Id(id.to_vec()),
        Attribute::Label(label),
        Attribute::Subject(subject_der.to_vec()),
        Attribute::Sign(true),
        Attribute::Decrypt(false),
        Attribute::Unwrap(dual && unwraps),
        Attribute::Derive(dual && !unwraps),
    ];
    let mechanism = match algorithm {
        KeyAlgorithm::EcP256 => {
            public.push(Attribute::EcParams(P256_PARAMS.to_vec()));
            Mechanism::EccKeyPairGen
        }
        KeyAlgorithm::Rsa2048 => {
            public.push(Attribute::ModulusBits(2048.into()));
            public.push(Attribute::PublicExponent(vec![0x01, 0x00, 0x01]));
            Mechanism::RsaPkcsKeyPairGen
        }
        // SM2 keys use the vendor numbers of the module's profile (issue 12).
        KeyAlgorithm::Sm2 => {
            let profile = sm2.ok_or_else(|| {
                HostError::MechanismUnsupported(
                    "SM2 key generation needs a module with an SM2 profile (host.toml: profile)"
                        .into(),
                )
            })?;
            crate::mechanisms::sm2::keygen_templates(profile, &mut public, &mut private)?
        }
    };
    Ok(session.generate_key_pair(&mechanism, &public, &private)?)
}
