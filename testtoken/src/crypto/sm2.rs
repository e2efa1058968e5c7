//! SM2 (GM/T 0003): key pairs, signatures over a caller's `e` or over the message with
//! Z computed here, and public-key encryption, from the RustCrypto `sm2` crate.

use cryptoki_sys::{
    CKR_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID, CKR_KEY_HANDLE_INVALID, CKR_SIGNATURE_INVALID,
};
use sm2::dsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::pke::DecryptingKey;
use sm2::{PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::error::{CkResult, Rv};

/// DER of the SM2 curve OID 1.2.156.10197.1.301, as `CKA_EC_PARAMS` holds it.
pub const PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];

/// The distinguishing ID when the caller gives none (GM/T 0009).
pub const DEFAULT_ID: &str = "1234567812345678";

/// A new key pair: the private scalar and the uncompressed public point.
pub fn generate() -> CkResult<(Zeroizing<Vec<u8>>, Vec<u8>)> {
    let secret = crate::crypto::random_scalar(|d| SecretKey::from_slice(d).ok())?;
    let point = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
    Ok((Zeroizing::new(secret.to_bytes().to_vec()), point))
}

fn secret(d: &[u8]) -> CkResult<SecretKey> {
    SecretKey::from_slice(d).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))
}

/// The uncompressed public point of the private scalar `d`.
pub fn public_of(d: &[u8]) -> CkResult<Vec<u8>> {
    Ok(secret(d)?
        .public_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec())
}

/// The private scalar of a PKCS#8 SM2 key.
pub fn from_pkcs8(der: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use sm2::pkcs8::DecodePrivateKey;
    SecretKey::from_pkcs8_der(der)
        .ok()
        .map(|k| Zeroizing::new(k.to_bytes().to_vec()))
}

/// The SM2 signature (`r ‖ s`) of `e`, the caller's SM3(Z ‖ M).
pub fn sign_e(d: &[u8], e: &[u8]) -> CkResult<Vec<u8>> {
    if e.len() != 32 {
        return Err(Rv(CKR_DATA_LEN_RANGE));
    }
    let key = SigningKey::new(DEFAULT_ID, &secret(d)?).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))?;
    let sig: Signature = key.sign_prehash(e).map_err(|_| Rv(CKR_DATA_LEN_RANGE))?;
    Ok(sig.to_bytes().to_vec())
}

/// SM3-with-SM2 of `message`: Z from `id` and the key's public point, then SM3, then
/// the signature (`r ‖ s`).
pub fn sign_message(d: &[u8], id: &str, message: &[u8]) -> CkResult<Vec<u8>> {
    let key = SigningKey::new(id, &secret(d)?).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))?;
    let sig: Signature = key.try_sign(message).map_err(|_| Rv(CKR_DATA_LEN_RANGE))?;
    Ok(sig.to_bytes().to_vec())
}

fn verifying(point: &[u8], id: &str) -> CkResult<VerifyingKey> {
    VerifyingKey::from_sec1_bytes(id, point).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))
}

/// Checks an `r ‖ s` signature of `e`.
pub fn verify_e(point: &[u8], e: &[u8], signature: &[u8]) -> CkResult<()> {
    let sig = Signature::from_slice(signature).map_err(|_| Rv(CKR_SIGNATURE_INVALID))?;
    verifying(point, DEFAULT_ID)?
        .verify_prehash(e, &sig)
        .map_err(|_| Rv(CKR_SIGNATURE_INVALID))
}

/// Checks an `r ‖ s` SM3-with-SM2 signature of `message` with the ID `id`.
pub fn verify_message(point: &[u8], id: &str, message: &[u8], signature: &[u8]) -> CkResult<()> {
    let sig = Signature::from_slice(signature).map_err(|_| Rv(CKR_SIGNATURE_INVALID))?;
    verifying(point, id)?
        .verify(message, &sig)
        .map_err(|_| Rv(CKR_SIGNATURE_INVALID))
}

/// Decrypts an SM2 ciphertext: the GM/T 0009 DER `SM2Cipher` when it starts with a
/// SEQUENCE, else raw `C1 ‖ C3 ‖ C2` with an uncompressed C1.
pub fn decrypt(d: &[u8], ciphertext: &[u8]) -> CkResult<Zeroizing<Vec<u8>>> {
    let key = DecryptingKey::new(secret(d)?);
    let plain = if ciphertext.first() == Some(&0x30) {
        key.decrypt_der(ciphertext)
    } else {
        key.decrypt(ciphertext)
    };
    plain
        .map(Zeroizing::new)
        .map_err(|_| Rv(CKR_ENCRYPTED_DATA_INVALID))
}

/// Encrypts to the public point: raw `C1 ‖ C3 ‖ C2`.
pub fn encrypt(point: &[u8], plain: &[u8]) -> CkResult<Vec<u8>> {
    let key = PublicKey::from_sec1_bytes(point).map_err(|_| Rv(CKR_KEY_HANDLE_INVALID))?;
    let enc = sm2::pke::EncryptingKey::new(key);
    enc.encrypt(&mut getrandom::SysRng, plain)
        .map_err(|_| Rv(CKR_DATA_LEN_RANGE))
}
