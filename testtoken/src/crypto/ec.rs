//! EC P-256: key pairs, ECDSA over a caller's hash (`CKM_ECDSA`, `r ‖ s`) and ECDH.

use cryptoki_sys::{CKR_DATA_LEN_RANGE, CKR_KEY_HANDLE_INVALID, CKR_SIGNATURE_INVALID};
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::error::{CkResult, Rv};

/// DER of the namedCurve OID prime256v1, as `CKA_EC_PARAMS` holds it.
pub const PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// A new key pair: the private scalar and the uncompressed public point.
pub fn generate() -> CkResult<(Zeroizing<Vec<u8>>, Vec<u8>)> {
    let secret = crate::crypto::random_scalar(|d| SecretKey::from_slice(d).ok())?;
    let point = public_point(&secret);
    Ok((Zeroizing::new(secret.to_bytes().to_vec()), point))
}

fn public_point(secret: &SecretKey) -> Vec<u8> {
    secret.public_key().to_sec1_point(false).as_bytes().to_vec()
}

fn secret(d: &[u8]) -> CkResult<SecretKey> {
    SecretKey::from_slice(d).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))
}

/// The uncompressed public point of the private scalar `d`.
pub fn public_of(d: &[u8]) -> CkResult<Vec<u8>> {
    Ok(public_point(&secret(d)?))
}

/// The private scalar of a PKCS#8 EC P-256 key.
pub fn from_pkcs8(der: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use p256::pkcs8::DecodePrivateKey;
    SecretKey::from_pkcs8_der(der)
        .ok()
        .map(|k| Zeroizing::new(k.to_bytes().to_vec()))
}

/// ECDSA of the hash `digest`, `r ‖ s` (64 bytes).
pub fn sign(d: &[u8], digest: &[u8]) -> CkResult<Vec<u8>> {
    if digest.len() < 16 || digest.len() > 64 {
        return Err(Rv(CKR_DATA_LEN_RANGE));
    }
    let key = SigningKey::from(secret(d)?);
    let sig: Signature = key
        .sign_prehash(digest)
        .map_err(|_| Rv(CKR_DATA_LEN_RANGE))?;
    Ok(sig.to_bytes().to_vec())
}

/// Checks an `r ‖ s` ECDSA signature of the hash `digest`.
pub fn verify(point: &[u8], digest: &[u8], signature: &[u8]) -> CkResult<()> {
    let key = VerifyingKey::from_sec1_bytes(point).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))?;
    let sig = Signature::from_slice(signature).map_err(|_| Rv(CKR_SIGNATURE_INVALID))?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| Rv(CKR_SIGNATURE_INVALID))
}

/// The ECDH shared x-coordinate of private `d` and the peer's uncompressed point.
pub fn ecdh(d: &[u8], peer: &[u8]) -> CkResult<Zeroizing<Vec<u8>>> {
    let peer = PublicKey::from_sec1_bytes(peer)
        .map_err(|_| Rv(cryptoki_sys::CKR_MECHANISM_PARAM_INVALID))?;
    let shared = p256::ecdh::diffie_hellman(secret(d)?.to_nonzero_scalar(), peer.as_affine());
    Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
}
