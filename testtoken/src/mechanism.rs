//! Which mechanisms the token offers, under which numbers (standard ones and the
//! configured vendor profile's), and what each may be used for.

use cryptoki_sys::{
    CK_FLAGS, CK_MECHANISM_INFO, CK_MECHANISM_TYPE, CKF_DECRYPT, CKF_DERIVE, CKF_DIGEST,
    CKF_EC_F_P, CKF_EC_NAMEDCURVE, CKF_EC_UNCOMPRESS, CKF_ENCRYPT, CKF_GENERATE,
    CKF_GENERATE_KEY_PAIR, CKF_HW, CKF_SIGN, CKF_UNWRAP, CKF_VERIFY, CKM_AES_KEY_WRAP_PAD,
    CKM_EC_KEY_PAIR_GEN, CKM_ECDH1_DERIVE, CKM_ECDSA, CKM_SHA256, CKR_MECHANISM_INVALID,
};

use crate::config::Config;
use crate::error::{CkResult, Rv};

/// What a mechanism does on this token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mech {
    /// `CKM_EC_KEY_PAIR_GEN` on P-256.
    EcKeyGen,
    /// `CKM_ECDSA` over the caller's hash.
    Ecdsa,
    /// `CKM_ECDH1_DERIVE` with `CKD_NULL` or `CKD_SHA256_KDF`.
    EcdhDerive,
    /// `CKM_AES_KEY_WRAP_PAD` (unwrap only).
    AesKwp,
    /// `CKM_SHA256`.
    Sha256,
    /// The profile's SM2 key pair generation.
    Sm2KeyGen,
    /// The profile's plain SM2 signature: over the caller's `e`, or over the message
    /// with Z and SM3 on the token when `hashes`.
    Sm2Sign {
        /// Whether the token computes Z and SM3.
        hashes: bool,
    },
    /// The profile's separate SM3-with-SM2 (Z on the token); parameter: the ID.
    Sm3Sm2,
    /// SM2 encryption / decryption.
    Sm2Cipher,
    /// SM3 digest.
    Sm3,
    /// SM4 key generation.
    Sm4KeyGen,
    /// SM4-ECB.
    Sm4Ecb,
    /// SM4-CBC, parameter: the IV.
    Sm4Cbc,
}

/// What a mechanism is being asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// C_SignInit.
    Sign,
    /// C_VerifyInit.
    Verify,
    /// C_EncryptInit.
    Encrypt,
    /// C_DecryptInit.
    Decrypt,
    /// C_DigestInit.
    Digest,
    /// C_GenerateKeyPair.
    KeyPair,
    /// C_GenerateKey.
    Key,
    /// C_DeriveKey.
    Derive,
    /// C_UnwrapKey.
    Unwrap,
}

impl Use {
    fn flag(self) -> CK_FLAGS {
        match self {
            Use::Sign => CKF_SIGN,
            Use::Verify => CKF_VERIFY,
            Use::Encrypt => CKF_ENCRYPT,
            Use::Decrypt => CKF_DECRYPT,
            Use::Digest => CKF_DIGEST,
            Use::KeyPair => CKF_GENERATE_KEY_PAIR,
            Use::Key => CKF_GENERATE,
            Use::Derive => CKF_DERIVE,
            Use::Unwrap => CKF_UNWRAP,
        }
    }
}

const EC_FLAGS: CK_FLAGS = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;

/// Every (number, what it does, allowed uses, key size range) the token offers.
fn table(config: &Config) -> Vec<(CK_MECHANISM_TYPE, Mech, CK_FLAGS, (u64, u64))> {
    let p = config.profile;
    let mut t = vec![
        (
            CKM_EC_KEY_PAIR_GEN,
            Mech::EcKeyGen,
            CKF_GENERATE_KEY_PAIR | EC_FLAGS,
            (256, 256),
        ),
        (
            CKM_ECDSA,
            Mech::Ecdsa,
            CKF_SIGN | CKF_VERIFY | EC_FLAGS,
            (256, 256),
        ),
        (
            CKM_ECDH1_DERIVE,
            Mech::EcdhDerive,
            CKF_DERIVE | EC_FLAGS,
            (256, 256),
        ),
        (CKM_AES_KEY_WRAP_PAD, Mech::AesKwp, CKF_UNWRAP, (16, 32)),
        (CKM_SHA256, Mech::Sha256, CKF_DIGEST, (0, 0)),
        (
            p.sm2_keygen,
            Mech::Sm2KeyGen,
            CKF_GENERATE_KEY_PAIR,
            (256, 256),
        ),
        (p.sm3, Mech::Sm3, CKF_DIGEST, (0, 0)),
        (p.sm4_keygen, Mech::Sm4KeyGen, CKF_GENERATE, (16, 16)),
        (
            p.sm4_ecb,
            Mech::Sm4Ecb,
            CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP,
            (16, 16),
        ),
        (
            p.sm4_cbc,
            Mech::Sm4Cbc,
            CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP,
            (16, 16),
        ),
    ];
    // With a separate SM3-with-SM2 number, the plain one always takes `e`; without
    // one, the plain one hashes when the configuration says the token hashes.
    let plain_hashes = config.token_hashes && p.sm3_sm2.is_none();
    t.push((
        p.sm2_sign,
        Mech::Sm2Sign {
            hashes: plain_hashes,
        },
        CKF_SIGN | CKF_VERIFY,
        (256, 256),
    ));
    if let (true, Some(n)) = (config.token_hashes, p.sm3_sm2) {
        t.push((n, Mech::Sm3Sm2, CKF_SIGN | CKF_VERIFY, (256, 256)));
    }
    t.push((
        p.sm2_cipher,
        Mech::Sm2Cipher,
        CKF_ENCRYPT | CKF_DECRYPT | CKF_UNWRAP,
        (256, 256),
    ));
    t
}

/// The mechanism numbered `ty` for `usage`, or `CKR_MECHANISM_INVALID`.
pub fn resolve(config: &Config, ty: CK_MECHANISM_TYPE, usage: Use) -> CkResult<Mech> {
    table(config)
        .into_iter()
        .find(|(n, _, flags, _)| *n == ty && flags & usage.flag() != 0)
        .map(|(_, m, _, _)| m)
        .ok_or(Rv(CKR_MECHANISM_INVALID))
}

/// The numbers for C_GetMechanismList, each once.
pub fn list(config: &Config) -> Vec<CK_MECHANISM_TYPE> {
    let mut out: Vec<CK_MECHANISM_TYPE> = Vec::new();
    for (n, ..) in table(config) {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// C_GetMechanismInfo: the union of the uses of everything numbered `ty`.
pub fn info(config: &Config, ty: CK_MECHANISM_TYPE) -> CkResult<CK_MECHANISM_INFO> {
    let rows: Vec<_> = table(config).into_iter().filter(|r| r.0 == ty).collect();
    let first = rows.first().ok_or(Rv(CKR_MECHANISM_INVALID))?;
    Ok(CK_MECHANISM_INFO {
        ulMinKeySize: first.3.0 as _,
        ulMaxKeySize: first.3.1 as _,
        flags: rows.iter().fold(CKF_HW, |f, r| f | r.2),
    })
}
