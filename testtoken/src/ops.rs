//! Single- and multi-part operations: the key and mechanism are fixed at init, the
//! data is collected, and the result computed at the end.

use cryptoki_sys::*;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::crypto::{ec, sm2, sym};
use crate::error::{CkResult, Rv};
use crate::mechanism::{Mech, Use};
use crate::object::Object;

/// The most data one operation collects (more is `CKR_DATA_LEN_RANGE`).
pub const MAX_DATA: usize = 1 << 20;

/// Which operation of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpKind {
    /// C_Encrypt*.
    Encrypt,
    /// C_Decrypt*.
    Decrypt,
    /// C_Digest*.
    Digest,
    /// C_Sign*.
    Sign,
    /// C_Verify*.
    Verify,
}

impl OpKind {
    /// The mechanism use it needs.
    pub fn usage(self) -> Use {
        match self {
            OpKind::Encrypt => Use::Encrypt,
            OpKind::Decrypt => Use::Decrypt,
            OpKind::Digest => Use::Digest,
            OpKind::Sign => Use::Sign,
            OpKind::Verify => Use::Verify,
        }
    }

    fn permit(self) -> CK_ATTRIBUTE_TYPE {
        match self {
            OpKind::Encrypt => CKA_ENCRYPT,
            OpKind::Decrypt => CKA_DECRYPT,
            OpKind::Digest => 0,
            OpKind::Sign => CKA_SIGN,
            OpKind::Verify => CKA_VERIFY,
        }
    }
}

/// A running operation.
pub struct Operation {
    kind: OpKind,
    mech: Mech,
    param: Vec<u8>,
    /// The key value (private scalar or secret) or public point.
    key: Zeroizing<Vec<u8>>,
    /// For SM3-with-SM2: the distinguishing ID.
    id: String,
    /// The data so far.
    pub data: Vec<u8>,
}

/// Checks `key` fits `mech` and `kind`, and starts the operation.
pub fn start(
    config: &Config,
    kind: OpKind,
    mech: Mech,
    param: Vec<u8>,
    key: Option<Object>,
) -> CkResult<Operation> {
    let p = config.profile;
    let want_class = match kind {
        OpKind::Sign | OpKind::Decrypt => CKO_PRIVATE_KEY,
        OpKind::Verify | OpKind::Encrypt => CKO_PUBLIC_KEY,
        OpKind::Digest => 0,
    };
    let key_type = match mech {
        Mech::Ecdsa => Some(CKK_EC),
        Mech::Sm2Sign { .. } | Mech::Sm3Sm2 | Mech::Sm2Cipher => Some(p.ckk_sm2),
        Mech::Sm4Ecb | Mech::Sm4Cbc => Some(p.ckk_sm4),
        Mech::Sha256 | Mech::Sm3 => None,
        _ => return Err(Rv(CKR_MECHANISM_INVALID)),
    };
    let key_value = match (key_type, key) {
        (None, _) => Zeroizing::new(Vec::new()),
        (Some(_), None) => return Err(Rv(CKR_KEY_HANDLE_INVALID)),
        (Some(want), Some(k)) => {
            if k.key_type() != Some(want) {
                return Err(Rv(CKR_KEY_TYPE_INCONSISTENT));
            }
            let symmetric = matches!(mech, Mech::Sm4Ecb | Mech::Sm4Cbc);
            if symmetric {
                if k.class() != Some(CKO_SECRET_KEY) {
                    return Err(Rv(CKR_KEY_TYPE_INCONSISTENT));
                }
            } else if k.class() != Some(want_class) {
                return Err(Rv(CKR_KEY_TYPE_INCONSISTENT));
            }
            if !k.flag(kind.permit()) {
                return Err(Rv(CKR_KEY_FUNCTION_NOT_PERMITTED));
            }
            let attr = if symmetric || want_class == CKO_PRIVATE_KEY {
                CKA_VALUE
            } else {
                CKA_EC_POINT
            };
            let v = k.attrs.get(&attr).ok_or(Rv(CKR_KEY_HANDLE_INVALID))?;
            let v = if attr == CKA_EC_POINT {
                crate::crypto::raw_point(v).to_vec()
            } else {
                v.clone()
            };
            Zeroizing::new(v)
        }
    };
    if mech == Mech::Sm4Cbc && param.len() != sym::SM4_BLOCK {
        return Err(Rv(CKR_MECHANISM_PARAM_INVALID));
    }
    let id = if mech == Mech::Sm3Sm2 && !param.is_empty() {
        String::from_utf8(param.clone()).map_err(|_| Rv(CKR_MECHANISM_PARAM_INVALID))?
    } else {
        sm2::DEFAULT_ID.to_owned()
    };
    Ok(Operation {
        kind,
        mech,
        param,
        key: key_value,
        id,
        data: Vec::new(),
    })
}

/// The operation's result over its data.
pub fn output(op: &Operation) -> CkResult<Zeroizing<Vec<u8>>> {
    let d = &op.data;
    let out = match (op.kind, op.mech) {
        (OpKind::Digest, Mech::Sm3) => sym::sm3(d),
        (OpKind::Digest, Mech::Sha256) => sym::sha256(d),
        (OpKind::Sign, Mech::Ecdsa) => ec::sign(&op.key, d)?,
        (OpKind::Sign, Mech::Sm2Sign { hashes: false }) => sm2::sign_e(&op.key, d)?,
        (OpKind::Sign, Mech::Sm2Sign { hashes: true } | Mech::Sm3Sm2) => {
            sm2::sign_message(&op.key, &op.id, d)?
        }
        (OpKind::Decrypt, Mech::Sm2Cipher) => return sm2::decrypt(&op.key, d),
        (OpKind::Encrypt, Mech::Sm2Cipher) => sm2::encrypt(&op.key, d)?,
        (OpKind::Encrypt, Mech::Sm4Ecb) => sym::sm4_encrypt(&op.key, None, d)?,
        (OpKind::Encrypt, Mech::Sm4Cbc) => sym::sm4_encrypt(&op.key, Some(&op.param), d)?,
        (OpKind::Decrypt, Mech::Sm4Ecb) => return sym::sm4_decrypt(&op.key, None, d),
        (OpKind::Decrypt, Mech::Sm4Cbc) => return sym::sm4_decrypt(&op.key, Some(&op.param), d),
        _ => return Err(Rv(CKR_MECHANISM_INVALID)),
    };
    Ok(Zeroizing::new(out))
}

/// Checks `signature` over the verify operation's data.
pub fn verify(op: &Operation, signature: &[u8]) -> CkResult<()> {
    if signature.len() != 64 {
        return Err(Rv(CKR_SIGNATURE_LEN_RANGE));
    }
    match op.mech {
        Mech::Ecdsa => ec::verify(&op.key, &op.data, signature),
        Mech::Sm2Sign { hashes: false } => sm2::verify_e(&op.key, &op.data, signature),
        Mech::Sm2Sign { hashes: true } | Mech::Sm3Sm2 => {
            sm2::verify_message(&op.key, &op.id, &op.data, signature)
        }
        _ => Err(Rv(CKR_MECHANISM_INVALID)),
    }
}
