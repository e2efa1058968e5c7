//! Proof that the private key unwrapped onto the token belongs to the encryption
//! certificate, before the certificate is written beside it.
//!
//! - RSA: the private key's `CKA_MODULUS` and `CKA_PUBLIC_EXPONENT` (public
//!   attributes every token shows) equal the certificate's.
//! - EC: an EC private key object holds no public point, so an ECDH test on the
//!   token: a throwaway session key pair `e`; ECDH(unwrapped key, e's point) must
//!   equal ECDH(e, the certificate's point).

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectHandle};
use cryptoki::session::Session;

use crate::dual::content_key::shared_secret;
use crate::error::HostError;
use crate::mechanisms::Profile;
use crate::pubkey::{P256_PARAMS, PublicKey};

/// Whether the private key `private` is the certificate key `public`'s.
pub fn matches(
    session: &Session,
    sm2: Option<&Profile>,
    private: ObjectHandle,
    public: &PublicKey,
) -> Result<bool, HostError> {
    match public {
        // SM2: a decryption test (crate::mechanisms::sm2::matches).
        PublicKey::Sm2 { point } => {
            let profile = sm2.ok_or_else(crate::dual::no_sm2_profile)?;
            crate::mechanisms::sm2::matches(session, profile, private, point)
        }
        PublicKey::Rsa { .. } => Ok(PublicKey::from_object(session, private)? == *public),
        PublicKey::EcP256 { point } => {
            let (e_public, e_private) = session.generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &[
                    Attribute::Token(false),
                    Attribute::EcParams(P256_PARAMS.to_vec()),
                ],
                &[
                    Attribute::Token(false),
                    Attribute::Sensitive(true),
                    Attribute::Derive(true),
                ],
            )?;
            let outcome = (|| {
                let PublicKey::EcP256 { point: e_point } =
                    PublicKey::from_object(session, e_public)?
                else {
                    return Err(HostError::Internal(
                        "the token made a non-EC test key".into(),
                    ));
                };
                let ours = shared_secret(session, private, &e_point)?;
                let theirs = shared_secret(session, e_private, point)?;
                Ok(ours == theirs)
            })();
            let _ = session.destroy_object(e_private);
            let _ = session.destroy_object(e_public);
            outcome
        }
    }
}
