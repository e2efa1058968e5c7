//! Building key objects: the caller's template checked against what the mechanism
//! makes, and the defaults a real token fills in.

use cryptoki_sys::*;

use crate::error::{CkResult, Rv};
use crate::object::{Attrs, Object, bool, get_bool, get_ulong, ulong};

/// The curve family of an EC-style key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (`CKK_EC`).
    P256,
    /// SM2 (the profile's `CKK_SM2`).
    Sm2,
}

impl Curve {
    /// `CKA_EC_PARAMS`.
    pub fn params(self) -> &'static [u8] {
        match self {
            Curve::P256 => crate::crypto::ec::PARAMS,
            Curve::Sm2 => crate::crypto::sm2::PARAMS,
        }
    }
}

/// `CKR_TEMPLATE_INCONSISTENT` unless `ty`, if the template has it, equals `want`.
fn expect(template: &Attrs, ty: CK_ATTRIBUTE_TYPE, want: &[u8]) -> CkResult<()> {
    match template.get(&ty) {
        Some(v) if v.as_slice() != want => Err(Rv(CKR_TEMPLATE_INCONSISTENT)),
        _ => Ok(()),
    }
}

/// Sets `ty` to `value` unless the template set it.
fn default(attrs: &mut Attrs, ty: CK_ATTRIBUTE_TYPE, value: Vec<u8>) {
    attrs.entry(ty).or_insert(value);
}

/// The common defaults of every object, and of keys.
fn common(attrs: &mut Attrs, private_default: bool) {
    default(attrs, CKA_TOKEN, bool(false));
    default(attrs, CKA_PRIVATE, bool(private_default));
    default(attrs, CKA_MODIFIABLE, bool(true));
    default(attrs, CKA_LABEL, Vec::new());
}

fn key_common(attrs: &mut Attrs, local: bool, mechanism: CK_MECHANISM_TYPE) {
    default(attrs, CKA_ID, Vec::new());
    default(attrs, CKA_DERIVE, bool(false));
    attrs.insert(CKA_LOCAL, bool(local));
    attrs.insert(
        CKA_KEY_GEN_MECHANISM,
        ulong(if local {
            mechanism
        } else {
            CK_UNAVAILABLE_INFORMATION
        }),
    );
}

/// Sensitive and non-extractable unless the template says otherwise; the
/// "always"/"never" attributes follow from how the key was made.
fn secret_defaults(attrs: &mut Attrs, born_here: bool) -> CkResult<()> {
    default(attrs, CKA_SENSITIVE, bool(true));
    default(attrs, CKA_EXTRACTABLE, bool(false));
    let sensitive = get_bool(attrs, CKA_SENSITIVE)?.unwrap_or(true);
    let extractable = get_bool(attrs, CKA_EXTRACTABLE)?.unwrap_or(false);
    attrs.insert(CKA_ALWAYS_SENSITIVE, bool(born_here && sensitive));
    attrs.insert(CKA_NEVER_EXTRACTABLE, bool(born_here && !extractable));
    default(attrs, CKA_ALWAYS_AUTHENTICATE, bool(false));
    default(attrs, CKA_WRAP_WITH_TRUSTED, bool(false));
    Ok(())
}

/// The public half of a generated or imported EC/SM2 key pair.
pub fn public_key(
    template: &Attrs,
    curve: Curve,
    key_type: CK_KEY_TYPE,
    point: &[u8],
    mechanism: Option<CK_MECHANISM_TYPE>,
) -> CkResult<Object> {
    expect(template, CKA_CLASS, &ulong(CKO_PUBLIC_KEY))?;
    expect(template, CKA_KEY_TYPE, &ulong(key_type))?;
    expect(template, CKA_EC_PARAMS, curve.params())?;
    let mut a = template.clone();
    a.insert(CKA_CLASS, ulong(CKO_PUBLIC_KEY));
    a.insert(CKA_KEY_TYPE, ulong(key_type));
    a.insert(CKA_EC_PARAMS, curve.params().to_vec());
    a.insert(CKA_EC_POINT, crate::crypto::ec_point_der(point));
    common(&mut a, false);
    key_common(&mut a, mechanism.is_some(), mechanism.unwrap_or(0));
    default(&mut a, CKA_VERIFY, bool(true));
    default(&mut a, CKA_ENCRYPT, bool(curve == Curve::Sm2));
    default(&mut a, CKA_WRAP, bool(false));
    default(&mut a, CKA_TRUSTED, bool(false));
    Ok(Object::new(a))
}

/// The private half; `mechanism` is the generating mechanism, None when imported
/// (created or unwrapped). Its public point is kept too, for SM2's Z.
pub fn private_key(
    template: &Attrs,
    curve: Curve,
    key_type: CK_KEY_TYPE,
    d: &[u8],
    point: &[u8],
    mechanism: Option<CK_MECHANISM_TYPE>,
) -> CkResult<Object> {
    expect(template, CKA_CLASS, &ulong(CKO_PRIVATE_KEY))?;
    expect(template, CKA_KEY_TYPE, &ulong(key_type))?;
    expect(template, CKA_EC_PARAMS, curve.params())?;
    let mut a = template.clone();
    a.insert(CKA_CLASS, ulong(CKO_PRIVATE_KEY));
    a.insert(CKA_KEY_TYPE, ulong(key_type));
    a.insert(CKA_EC_PARAMS, curve.params().to_vec());
    a.insert(CKA_EC_POINT, crate::crypto::ec_point_der(point));
    a.insert(CKA_VALUE, d.to_vec());
    common(&mut a, true);
    key_common(&mut a, mechanism.is_some(), mechanism.unwrap_or(0));
    default(&mut a, CKA_SIGN, bool(true));
    default(&mut a, CKA_DECRYPT, bool(curve == Curve::Sm2));
    default(&mut a, CKA_UNWRAP, bool(curve == Curve::Sm2));
    if curve == Curve::P256 {
        a.insert(
            CKA_DERIVE,
            get_bool(template, CKA_DERIVE)?.map_or(bool(true), bool),
        );
    }
    secret_defaults(&mut a, mechanism.is_some())?;
    Ok(Object::new(a))
}

/// A secret key (SM4, AES or generic) with `value`.
pub fn secret_key(
    template: &Attrs,
    value: &[u8],
    mechanism: Option<CK_MECHANISM_TYPE>,
) -> CkResult<Object> {
    expect(template, CKA_CLASS, &ulong(CKO_SECRET_KEY))?;
    if get_ulong(template, CKA_KEY_TYPE)?.is_none() {
        return Err(Rv(CKR_TEMPLATE_INCOMPLETE));
    }
    let mut a = template.clone();
    a.insert(CKA_CLASS, ulong(CKO_SECRET_KEY));
    a.insert(CKA_VALUE, value.to_vec());
    a.insert(CKA_VALUE_LEN, ulong(value.len() as CK_ULONG));
    common(&mut a, true);
    key_common(&mut a, mechanism.is_some(), mechanism.unwrap_or(0));
    for ty in [CKA_ENCRYPT, CKA_DECRYPT, CKA_UNWRAP] {
        default(&mut a, ty, bool(true));
    }
    for ty in [CKA_SIGN, CKA_VERIFY, CKA_WRAP] {
        default(&mut a, ty, bool(false));
    }
    secret_defaults(&mut a, mechanism.is_some())?;
    Ok(Object::new(a))
}

/// C_CreateObject: data objects, certificates, public keys and key values given in
/// full; key values are checked and the public point is derived from a private one.
pub fn create(template: &Attrs, ckk_sm2: CK_KEY_TYPE, ckk_sm4: CK_KEY_TYPE) -> CkResult<Object> {
    let class = get_ulong(template, CKA_CLASS)?.ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
    let key_type = get_ulong(template, CKA_KEY_TYPE)?;
    let curve = match key_type {
        Some(CKK_EC) => Some(Curve::P256),
        Some(t) if t == ckk_sm2 => Some(Curve::Sm2),
        _ => None,
    };
    match class {
        CKO_DATA | CKO_CERTIFICATE => {
            let mut a = template.clone();
            common(&mut a, false);
            if class == CKO_CERTIFICATE {
                if get_ulong(template, CKA_CERTIFICATE_TYPE)?.is_none()
                    || !template.contains_key(&CKA_VALUE)
                {
                    return Err(Rv(CKR_TEMPLATE_INCOMPLETE));
                }
                default(&mut a, CKA_ID, Vec::new());
                default(&mut a, CKA_TRUSTED, bool(false));
            }
            Ok(Object::new(a))
        }
        CKO_PUBLIC_KEY => {
            let curve = curve.ok_or(Rv(CKR_TEMPLATE_INCONSISTENT))?;
            let der = template
                .get(&CKA_EC_POINT)
                .ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
            let point = crate::crypto::raw_point(der).to_vec();
            let valid = match curve {
                Curve::P256 => p256::PublicKey::from_sec1_bytes(&point).is_ok(),
                Curve::Sm2 => sm2::PublicKey::from_sec1_bytes(&point).is_ok(),
            };
            if !valid {
                return Err(Rv(CKR_ATTRIBUTE_VALUE_INVALID));
            }
            public_key(template, curve, key_type.unwrap_or(CKK_EC), &point, None)
        }
        CKO_PRIVATE_KEY => {
            let curve = curve.ok_or(Rv(CKR_TEMPLATE_INCONSISTENT))?;
            let d = template
                .get(&CKA_VALUE)
                .ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
            let point = match curve {
                Curve::P256 => crate::crypto::ec::public_of(d),
                Curve::Sm2 => crate::crypto::sm2::public_of(d),
            }
            .map_err(|_| Rv(CKR_ATTRIBUTE_VALUE_INVALID))?;
            private_key(template, curve, key_type.unwrap_or(CKK_EC), d, &point, None)
        }
        CKO_SECRET_KEY => {
            let value = template
                .get(&CKA_VALUE)
                .ok_or(Rv(CKR_TEMPLATE_INCOMPLETE))?;
            let ok = match key_type {
                Some(t) if t == ckk_sm4 => value.len() == 16,
                Some(CKK_AES) => matches!(value.len(), 16 | 24 | 32),
                Some(CKK_GENERIC_SECRET) => !value.is_empty(),
                _ => return Err(Rv(CKR_TEMPLATE_INCONSISTENT)),
            };
            if !ok {
                return Err(Rv(CKR_ATTRIBUTE_VALUE_INVALID));
            }
            secret_key(template, value, None)
        }
        _ => Err(Rv(CKR_ATTRIBUTE_VALUE_INVALID)),
    }
}
