//! Vendor mechanism numberings for SM2, SM3 and SM4. PKCS#11 v2.40 has none, so each
//! vendor puts them somewhere in the `CKM_VENDOR_DEFINED` range; the token's
//! configuration picks which numbering it speaks. Sources: testtoken/README.md.

use cryptoki_sys::{CK_KEY_TYPE, CK_MECHANISM_TYPE};

const VD: CK_MECHANISM_TYPE = 0x8000_0000;

/// One vendor's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The name used in the configuration (`profile = "..."`).
    pub name: &'static str,
    /// The default manufacturer id the token reports under this profile.
    pub manufacturer: &'static str,
    /// `CKK_SM2`.
    pub ckk_sm2: CK_KEY_TYPE,
    /// `CKK_SM4`.
    pub ckk_sm4: CK_KEY_TYPE,
    /// `CKM_SM2_KEY_PAIR_GEN`.
    pub sm2_keygen: CK_MECHANISM_TYPE,
    /// The SM2 signature of a caller-computed `e = SM3(Z ‖ M)`, output `r ‖ s`.
    pub sm2_sign: CK_MECHANISM_TYPE,
    /// SM3-with-SM2 where the token computes Z (default ID) and SM3 itself, if the
    /// vendor has a separate number for it.
    pub sm3_sm2: Option<CK_MECHANISM_TYPE>,
    /// SM2 public-key encryption / decryption (C1 ‖ C3 ‖ C2 or the GM/T 0009 DER).
    pub sm2_cipher: CK_MECHANISM_TYPE,
    /// SM3 digest.
    pub sm3: CK_MECHANISM_TYPE,
    /// `CKM_SM4_KEY_GEN`.
    pub sm4_keygen: CK_MECHANISM_TYPE,
    /// `CKM_SM4_ECB`.
    pub sm4_ecb: CK_MECHANISM_TYPE,
    /// `CKM_SM4_CBC`.
    pub sm4_cbc: CK_MECHANISM_TYPE,
}

/// Small consecutive numbers: `CKM_SM2_KEY_PAIR_GEN` = +1, `CKM_SM2` = +2 (one number
/// for sign and encrypt), `CKK_SM2` = +1, SM4 at +40..+42, `CKM_HASH_SM3` = +31.
pub const WESTONE: Profile = Profile {
    name: "westone",
    manufacturer: "certrenew test (westone)",
    ckk_sm2: VD + 1,
    ckk_sm4: VD + 5,
    sm2_keygen: VD + 1,
    sm2_sign: VD + 2,
    sm3_sm2: None,
    sm2_cipher: VD + 2,
    sm3: VD + 31,
    sm4_keygen: VD + 40,
    sm4_ecb: VD + 41,
    sm4_cbc: VD + 42,
};

/// The same family's older ("Bgi compatible") numbers: `CKM_SM2_KEY_PAIR_GEN` = +3,
/// `CKM_SM2` = +4, `CKK_SM2` = +1.
pub const WESTONE_BGI: Profile = Profile {
    name: "westone-bgi",
    manufacturer: "certrenew test (westone-bgi)",
    ckk_sm2: VD + 1,
    ckk_sm4: VD + 5,
    sm2_keygen: VD + 3,
    sm2_sign: VD + 4,
    sm3_sm2: None,
    sm2_cipher: VD + 4,
    sm3: VD + 31,
    sm4_keygen: VD + 40,
    sm4_ecb: VD + 41,
    sm4_cbc: VD + 42,
};

/// Block numbering from `CKM_SM2` = +0x8000: keygen +0x8001, `CKM_SM3_SM2_APPID1`
/// (Z with ID 1234567812345678, hashed on the token) +0x8102, `CKM_SM2_SIGN_NO_DER`
/// (no digest, `r ‖ s`) +0x8105, `CKM_SM2_RAW` (encryption) +0x8200, `CKK_SM2` = +4,
/// `CKM_SM3_HASH` +0x9001, SM4 at +0x107..+0x109 with `CKK_SM4` = +0x106.
pub const SANSEC: Profile = Profile {
    name: "sansec",
    manufacturer: "certrenew test (sansec)",
    ckk_sm2: VD + 4,
    ckk_sm4: VD + 0x106,
    sm2_keygen: VD + 0x8001,
    sm2_sign: VD + 0x8105,
    sm3_sm2: Some(VD + 0x8102),
    sm2_cipher: VD + 0x8200,
    sm3: VD + 0x9001,
    sm4_keygen: VD + 0x107,
    sm4_ecb: VD + 0x108,
    sm4_cbc: VD + 0x109,
};

/// Every profile, for lookup by name.
pub const ALL: [Profile; 3] = [WESTONE, WESTONE_BGI, SANSEC];

/// The profile named `name`.
pub fn by_name(name: &str) -> Option<Profile> {
    ALL.into_iter().find(|p| p.name == name)
}
