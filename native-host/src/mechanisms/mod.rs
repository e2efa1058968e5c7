//! The per-module mechanism table (issue 12). PKCS#11 has no standard SM2 numbers:
//! every vendor puts SM2, SM3 and SM4 in the `CKM_VENDOR_DEFINED` range with its own
//! numbers, and some tokens compute `e = SM3(Z ‖ M)` themselves while others expect
//! the caller to. A [`Profile`] names one vendor numbering; each loaded module gets at
//! most one, from the host's configuration or from its manufacturer id
//! ([`select`]). `diagnose` shows which and why. docs/sm2.md lists the sources.
//!
//! - [`sm2`]: SM2 key generation, SM3withSM2 signatures and the GM/T 0016 envelope
//!   opened on the token with a profile's numbers.

pub mod sm2;

use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::KeyType;
use serde::Serialize;

use crate::error::HostError;

/// `CKM_VENDOR_DEFINED` and `CKK_VENDOR_DEFINED` (PKCS#11 v2.40).
const VENDOR: u32 = 0x8000_0000;

/// One vendor numbering of SM2/SM3/SM4. Numbers are `u32` so they convert to
/// `CK_ULONG` on 32-bit (Windows) and 64-bit platforms alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The profile's name in host.toml and `diagnose`.
    pub name: &'static str,
    /// `CKK_SM2`.
    pub ckk_sm2: u32,
    /// SM2 key pair generation.
    pub keygen: u32,
    /// SM2 signature of a caller's 32-byte `e`.
    pub sign_e: u32,
    /// SM3-with-SM2 over the message, Z on the token (used when `token_hashes`).
    pub sign_message: u32,
    /// SM2 encryption/decryption and unwrap of an `SM2Cipher`.
    pub cipher: u32,
    /// `CKK_SM4`.
    pub ckk_sm4: u32,
    /// SM4-ECB (unwrap of the envelope's private key).
    pub sm4_ecb: u32,
    /// Whether the token computes Z and SM3 itself ([`Profile::sign_message`]).
    pub token_hashes: bool,
}

/// The built-in profiles; the sources are in docs/sm2.md.
pub const PROFILES: [Profile; 3] = [
    // 卫士通 (Westone) "P11 扩展函数定义" header V1.0.0.
    Profile {
        name: "westone",
        ckk_sm2: VENDOR + 1,
        keygen: VENDOR + 1,
        sign_e: VENDOR + 2,
        sign_message: VENDOR + 2,
        cipher: VENDOR + 2,
        ckk_sm4: VENDOR + 5,
        sm4_ecb: VENDOR + 41,
        token_hashes: false,
    },
    // The same family's header "Compatible with Bgi version".
    Profile {
        name: "westone-bgi",
        ckk_sm2: VENDOR + 1,
        keygen: VENDOR + 3,
        sign_e: VENDOR + 4,
        sign_message: VENDOR + 4,
        cipher: VENDOR + 4,
        ckk_sm4: VENDOR + 5,
        sm4_ecb: VENDOR + 41,
        token_hashes: false,
    },
    // 三未信安 (Sansec) swpkcs11.h: CKM_SM2 = VENDOR + 0x8000.
    Profile {
        name: "sansec",
        ckk_sm2: VENDOR + 4,
        keygen: VENDOR + 0x8001,
        sign_e: VENDOR + 0x8105,
        sign_message: VENDOR + 0x8102,
        cipher: VENDOR + 0x8200,
        ckk_sm4: VENDOR + 0x106,
        sm4_ecb: VENDOR + 0x108,
        token_hashes: false,
    },
];

/// The built-in profile called `name`.
pub fn builtin(name: &str) -> Option<Profile> {
    PROFILES.iter().copied().find(|p| p.name == name)
}

/// Manufacturer id fragments (lower case) that select a profile, most specific
/// first. The test token reports `certrenew test (<profile>)`.
const BY_MANUFACTURER: [(&str, &str); 6] = [
    ("westone-bgi", "westone-bgi"),
    ("bgi", "westone-bgi"),
    ("westone", "westone"),
    ("卫士通", "westone"),
    ("sansec", "sansec"),
    ("三未信安", "sansec"),
];

/// What host.toml says about one module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleSetting {
    /// `profile = "…"`: a built-in profile name, or `"none"` for no SM2.
    pub profile: Option<String>,
    /// `token_hashes = true|false`.
    pub token_hashes: Option<bool>,
}

/// The profile a module got, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// The profile, if the module does SM2.
    pub profile: Option<Profile>,
    /// Why, in words (`diagnose`).
    pub reason: String,
}

impl Selection {
    fn none(reason: impl Into<String>) -> Self {
        Self {
            profile: None,
            reason: reason.into(),
        }
    }
}

/// Chooses a module's profile: the configuration first, then the manufacturer ids
/// (the library's `CK_INFO`, then its tokens').
pub fn select(setting: Option<&ModuleSetting>, manufacturers: &[String]) -> Selection {
    let hashes = setting.and_then(|s| s.token_hashes);
    let with_hashes = |mut p: Profile| {
        if let Some(h) = hashes {
            p.token_hashes = h;
        }
        p
    };
    if let Some(name) = setting.and_then(|s| s.profile.as_deref()) {
        if name == "none" {
            return Selection::none("none: by configuration");
        }
        return match builtin(name) {
            Some(p) => Selection {
                profile: Some(with_hashes(p)),
                reason: "by configuration".into(),
            },
            None => Selection::none(format!(
                "none: the configured profile {name:?} is not one of {}",
                PROFILES.map(|p| p.name).join(", ")
            )),
        };
    }
    for id in manufacturers {
        let lower = id.to_lowercase();
        if let Some((_, name)) = BY_MANUFACTURER.iter().find(|(f, _)| lower.contains(f))
            && let Some(p) = builtin(name)
        {
            return Selection {
                profile: Some(with_hashes(p)),
                reason: format!("by manufacturer id {:?}", id.trim()),
            };
        }
    }
    Selection::none("none: no SM2 (no configured profile, manufacturer id not known)")
}

fn vendor_type(number: u32) -> Result<MechanismType, HostError> {
    MechanismType::new_vendor_defined(number.into())
        .map_err(|e| HostError::Internal(format!("vendor mechanism {number:#x}: {e}")))
}

/// A vendor mechanism without parameter.
pub fn mechanism(number: u32) -> Result<Mechanism<'static>, HostError> {
    Ok(Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(
        vendor_type(number)?,
        None,
    )))
}

/// A vendor key type.
pub fn key_type(number: u32) -> Result<KeyType, HostError> {
    KeyType::new_vendor_defined(number.into())
        .map_err(|e| HostError::Internal(format!("vendor key type {number:#x}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn manufacturer_ids_pick_the_profile() {
        let pick = |id: &str| select(None, &ids(&[id])).profile.map(|p| p.name);
        assert_eq!(pick("certrenew test (westone)"), Some("westone"));
        assert_eq!(pick("certrenew test (westone-bgi)"), Some("westone-bgi"));
        assert_eq!(pick("Sansec Technology"), Some("sansec"));
        assert_eq!(pick("SoftHSM"), None);
        let s = select(None, &ids(&["SoftHSM", "certrenew test (sansec)"]));
        assert_eq!(s.reason, "by manufacturer id \"certrenew test (sansec)\"");
    }

    #[test]
    fn configuration_wins_and_sets_hashing() {
        let setting = ModuleSetting {
            profile: Some("sansec".into()),
            token_hashes: Some(true),
        };
        let s = select(Some(&setting), &ids(&["certrenew test (westone)"]));
        let p = s.profile.unwrap();
        assert_eq!((p.name, p.token_hashes), ("sansec", true));
        assert_eq!(s.reason, "by configuration");
        let none = ModuleSetting {
            profile: Some("none".into()),
            token_hashes: None,
        };
        assert!(select(Some(&none), &ids(&["westone"])).profile.is_none());
        let bad = ModuleSetting {
            profile: Some("luna".into()),
            token_hashes: None,
        };
        let s = select(Some(&bad), &[]);
        assert!(
            s.profile.is_none() && s.reason.contains("\"luna\""),
            "{s:?}"
        );
        // token_hashes alone keeps detection by manufacturer.
        let hashes = ModuleSetting {
            profile: None,
            token_hashes: Some(true),
        };
        let p = select(Some(&hashes), &ids(&["westone"])).profile.unwrap();
        assert!(p.token_hashes);
    }

    #[test]
    fn vendor_numbers_are_vendor_defined() {
        for p in PROFILES {
            for n in [p.keygen, p.sign_e, p.sign_message, p.cipher, p.sm4_ecb] {
                assert!(mechanism(n).is_ok(), "{} {n:#x}", p.name);
            }
            assert!(key_type(p.ckk_sm2).is_ok() && key_type(p.ckk_sm4).is_ok());
        }
    }
}
