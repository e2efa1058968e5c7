//! The cryptography, all from RustCrypto crates: EC P-256 ([`ec`]), SM2 ([`sm2`]),
//! SM3 / SM4 / AES key wrap and the digests ([`sym`]).

pub mod ec;
pub mod sm2;
pub mod sym;

use cryptoki_sys::{CKR_ARGUMENTS_BAD, CKR_DEVICE_ERROR};
use sha2::{Digest, Sha256};

use crate::error::{CkResult, Rv};

/// Fills `buf` from the operating system's generator.
pub fn random(buf: &mut [u8]) -> CkResult<()> {
    getrandom::fill(buf).map_err(|_| Rv(CKR_DEVICE_ERROR))
}

/// 32 random bytes that `accept` takes as a private scalar (it rejects 0 and values
/// at or above the group order, so this loops about once).
pub fn random_scalar<T>(accept: impl Fn(&[u8]) -> Option<T>) -> CkResult<T> {
    for _ in 0..64 {
        let mut d = zeroize::Zeroizing::new([0u8; 32]);
        random(&mut d[..])?;
        if let Some(key) = accept(&d[..]) {
            return Ok(key);
        }
    }
    Err(Rv(CKR_DEVICE_ERROR))
}

/// The ANSI X9.63 KDF with SHA-256 (`CKD_SHA256_KDF`): `len` bytes of
/// SHA-256(Z ‖ counter ‖ SharedInfo) for counter = 1, 2, … (SEC 1 v2 §3.6.1). The
/// loop is a few lines around the `sha2` crate.
pub fn x963_sha256(z: &[u8], shared_info: &[u8], len: usize) -> CkResult<Vec<u8>> {
    if len == 0 || len > 32 * 255 {
        return Err(Rv(CKR_ARGUMENTS_BAD));
    }
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 1;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(z);
        h.update(counter.to_be_bytes());
        h.update(shared_info);
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    Ok(out)
}

/// The DER OCTET STRING around an uncompressed point, as `CKA_EC_POINT` holds it.
pub fn ec_point_der(point: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04, point.len() as u8];
    out.extend_from_slice(point);
    out
}

/// The raw point from a `CKA_EC_POINT` (DER OCTET STRING) or a raw uncompressed
/// point, as ECDH public data may come either way.
pub fn raw_point(data: &[u8]) -> &[u8] {
    match data {
        [0x04, len, rest @ ..] if usize::from(*len) == rest.len() && rest.first() == Some(&4) => {
            rest
        }
        _ => data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x963_matches_a_published_vector() {
        // NIST CAVS ansx963_2001 SHA-256, shared secret size 192, key data 128 bits.
        let z = hex::decode("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08").unwrap();
        let out = x963_sha256(&z, b"", 16).unwrap();
        assert_eq!(hex::encode(out), "443024c3dae66b95e6f5670601558f71");
    }

    #[test]
    fn points_unwrap_from_der_or_not() {
        let raw = [4u8; 65];
        assert_eq!(raw_point(&ec_point_der(&raw)), &raw[..]);
        assert_eq!(raw_point(&raw), &raw[..]);
    }
}
