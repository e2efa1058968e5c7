//! Symmetric pieces: SM4 in ECB and CBC without padding, AES key wrap with padding
//! (RFC 5649) for unwrapping, and the SM3 / SHA-256 digests.

use aes_kw::{KwpAes128, KwpAes192, KwpAes256};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use cryptoki_sys::{
    CKR_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_KEY_SIZE_RANGE,
    CKR_MECHANISM_PARAM_INVALID, CKR_WRAPPED_KEY_INVALID,
};
use sha2::Digest;
use sm4::Sm4;
use zeroize::Zeroizing;

use crate::error::{CkResult, Rv};

/// The SM4 block and key size.
pub const SM4_BLOCK: usize = 16;

fn sm4_key(key: &[u8]) -> CkResult<&[u8; 16]> {
    key.try_into().map_err(|_| Rv(CKR_KEY_SIZE_RANGE))
}

fn iv(param: &[u8]) -> CkResult<&[u8; 16]> {
    param
        .try_into()
        .map_err(|_| Rv(CKR_MECHANISM_PARAM_INVALID))
}

/// SM4 encryption of whole blocks, ECB (`iv` None) or CBC.
pub fn sm4_encrypt(key: &[u8], iv_param: Option<&[u8]>, data: &[u8]) -> CkResult<Vec<u8>> {
    if !data.len().is_multiple_of(SM4_BLOCK) {
        return Err(Rv(CKR_DATA_LEN_RANGE));
    }
    let mut buf = data.to_vec();
    let n = data.len();
    let out = match iv_param {
        None => ecb::Encryptor::<Sm4>::new(sm4_key(key)?.into())
            .encrypt_padded::<NoPadding>(&mut buf, n)
            .map(<[u8]>::to_vec),
        Some(p) => cbc::Encryptor::<Sm4>::new(sm4_key(key)?.into(), iv(p)?.into())
            .encrypt_padded::<NoPadding>(&mut buf, n)
            .map(<[u8]>::to_vec),
    };
    out.map_err(|_| Rv(CKR_DATA_LEN_RANGE))
}

/// SM4 decryption of whole blocks, ECB (`iv` None) or CBC.
pub fn sm4_decrypt(
    key: &[u8],
    iv_param: Option<&[u8]>,
    data: &[u8],
) -> CkResult<Zeroizing<Vec<u8>>> {
    if data.is_empty() || !data.len().is_multiple_of(SM4_BLOCK) {
        return Err(Rv(CKR_ENCRYPTED_DATA_LEN_RANGE));
    }
    let mut buf = Zeroizing::new(data.to_vec());
    let out = match iv_param {
        None => ecb::Decryptor::<Sm4>::new(sm4_key(key)?.into())
            .decrypt_padded::<NoPadding>(&mut buf)
            .map(<[u8]>::to_vec),
        Some(p) => cbc::Decryptor::<Sm4>::new(sm4_key(key)?.into(), iv(p)?.into())
            .decrypt_padded::<NoPadding>(&mut buf)
            .map(<[u8]>::to_vec),
    };
    out.map(Zeroizing::new)
        .map_err(|_| Rv(CKR_ENCRYPTED_DATA_LEN_RANGE))
}

/// RFC 5649 unwrap (`CKM_AES_KEY_WRAP_PAD`) with a 16-, 24- or 32-byte AES key.
pub fn aes_kwp_unwrap(kek: &[u8], wrapped: &[u8]) -> CkResult<Zeroizing<Vec<u8>>> {
    if wrapped.len() < 16 || !wrapped.len().is_multiple_of(8) {
        return Err(Rv(CKR_WRAPPED_KEY_INVALID));
    }
    let mut buf = Zeroizing::new(vec![0u8; wrapped.len()]);
    let bad = |_| Rv(CKR_WRAPPED_KEY_INVALID);
    let len = match kek.len() {
        16 => KwpAes128::new_from_slice(kek)
            .map_err(|_| Rv(CKR_KEY_SIZE_RANGE))?
            .unwrap_key(wrapped, &mut buf)
            .map_err(bad)?
            .len(),
        24 => KwpAes192::new_from_slice(kek)
            .map_err(|_| Rv(CKR_KEY_SIZE_RANGE))?
            .unwrap_key(wrapped, &mut buf)
            .map_err(bad)?
            .len(),
        32 => KwpAes256::new_from_slice(kek)
            .map_err(|_| Rv(CKR_KEY_SIZE_RANGE))?
            .unwrap_key(wrapped, &mut buf)
            .map_err(bad)?
            .len(),
        _ => return Err(Rv(CKR_KEY_SIZE_RANGE)),
    };
    buf.truncate(len);
    Ok(buf)
}

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> Vec<u8> {
    sm3::Sm3::digest(data).to_vec()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm4_matches_the_standard_example() {
        // GB/T 32907-2016 Appendix A, example 1.
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let ct = sm4_encrypt(&key, None, &key).unwrap();
        assert_eq!(hex::encode(&ct), "681edf34d206965e86b3e94f536e4246");
        assert_eq!(&sm4_decrypt(&key, None, &ct).unwrap()[..], &key[..]);
        let iv = [9u8; 16];
        let two = [key.clone(), key.clone()].concat();
        let ct = sm4_encrypt(&key, Some(&iv), &two).unwrap();
        assert_ne!(&ct[..16], &ct[16..]);
        assert_eq!(&sm4_decrypt(&key, Some(&iv), &ct).unwrap()[..], &two[..]);
    }

    #[test]
    fn sm3_matches_the_standard_example() {
        // GB/T 32905-2016 Appendix A.1: "abc".
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn kwp_unwraps_the_rfc_5649_example() {
        // RFC 5649 §6, 20-octet key data.
        let kek = hex::decode("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8").unwrap();
        let wrapped =
            hex::decode("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
                .unwrap();
        assert_eq!(
            hex::encode(&*aes_kwp_unwrap(&kek, &wrapped).unwrap()),
            "c37b7e6492584340bed12207808941155068f738"
        );
        let mut bad = wrapped.clone();
        bad[3] ^= 1;
        assert_eq!(aes_kwp_unwrap(&kek, &bad), Err(Rv(CKR_WRAPPED_KEY_INVALID)));
    }
}
