//! SM2 signatures with SM3 (GM/T 0003 / GM/T 0009): Z from the distinguishing ID and
//! the public key, then SM3(Z ‖ M), checked by the RustCrypto `sm2` crate. The
//! signature is DER `SEQUENCE { r, s }`, as in X.509 and like ECDSA's.

use ::sm2::dsa::signature::Verifier;
use ::sm2::dsa::{Signature, VerifyingKey};

use super::VerifyError;

/// The distinguishing ID when none is agreed (GM/T 0009 §10; also GM/T 0015's for
/// certificates).
pub const DEFAULT_DISTID: &str = "1234567812345678";

/// Checks the DER SM3-with-SM2 `signature` of `message` by the uncompressed public
/// point `point`, with the distinguishing ID `distid`.
pub fn verify(
    point: &[u8],
    distid: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let key = VerifyingKey::from_sec1_bytes(distid, point)
        .map_err(|_| VerifyError::Spki("the SM2 public key is not a point on the curve".into()))?;
    let sig = Signature::from_der(signature).map_err(|_| VerifyError::BadSignature)?;
    key.verify(message, &sig)
        .map_err(|_| VerifyError::BadSignature)
}

#[cfg(test)]
mod tests;
