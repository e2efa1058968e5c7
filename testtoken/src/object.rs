//! Objects as PKCS#11 sees them: a map from attribute type to the attribute's bytes
//! in the C layout (`CK_ULONG` native-endian, `CK_BBOOL` one byte), with the rules
//! for what a caller may read, find and change.

use std::collections::BTreeMap;

use cryptoki_sys::{
    CK_ATTRIBUTE_TYPE, CK_OBJECT_CLASS, CK_ULONG, CKA_ALWAYS_SENSITIVE, CKA_CLASS, CKA_EXTRACTABLE,
    CKA_KEY_TYPE, CKA_MODIFIABLE, CKA_NEVER_EXTRACTABLE, CKA_PRIVATE, CKA_SENSITIVE, CKA_TOKEN,
    CKA_VALUE, CKO_PRIVATE_KEY, CKO_SECRET_KEY, CKR_ATTRIBUTE_READ_ONLY, CKR_ATTRIBUTE_SENSITIVE,
    CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID,
};
use serde::{Deserialize, Serialize};

use crate::error::{CkResult, Rv};

/// A template or an object's attributes.
pub type Attrs = BTreeMap<CK_ATTRIBUTE_TYPE, Vec<u8>>;

/// One object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// Its attributes, hex in the state file.
    #[serde(with = "hex_attrs")]
    pub attrs: Attrs,
}

/// The bytes of a `CK_ULONG` attribute.
pub fn ulong(v: CK_ULONG) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

/// The bytes of a `CK_BBOOL` attribute.
pub fn bool(v: bool) -> Vec<u8> {
    vec![u8::from(v)]
}

/// A `CK_ULONG` attribute of a template, if present; `CKR_ATTRIBUTE_VALUE_INVALID`
/// if it has the wrong size.
pub fn get_ulong(attrs: &Attrs, ty: CK_ATTRIBUTE_TYPE) -> CkResult<Option<CK_ULONG>> {
    match attrs.get(&ty) {
        None => Ok(None),
        Some(v) => v
            .as_slice()
            .try_into()
            .map(|b| Some(CK_ULONG::from_ne_bytes(b)))
            .map_err(|_| Rv(CKR_ATTRIBUTE_VALUE_INVALID)),
    }
}

/// A `CK_BBOOL` attribute of a template, if present.
pub fn get_bool(attrs: &Attrs, ty: CK_ATTRIBUTE_TYPE) -> CkResult<Option<bool>> {
    match attrs.get(&ty).map(Vec::as_slice) {
        None => Ok(None),
        Some([b]) => Ok(Some(*b != 0)),
        Some(_) => Err(Rv(CKR_ATTRIBUTE_VALUE_INVALID)),
    }
}

/// Attributes fixed at creation: changing them is `CKR_ATTRIBUTE_READ_ONLY`.
const FIXED: &[CK_ATTRIBUTE_TYPE] = &[
    CKA_CLASS,
    CKA_KEY_TYPE,
    CKA_TOKEN,
    CKA_PRIVATE,
    CKA_VALUE,
    cryptoki_sys::CKA_EC_PARAMS,
    cryptoki_sys::CKA_EC_POINT,
    cryptoki_sys::CKA_VALUE_LEN,
    CKA_ALWAYS_SENSITIVE,
    CKA_NEVER_EXTRACTABLE,
    cryptoki_sys::CKA_LOCAL,
    cryptoki_sys::CKA_KEY_GEN_MECHANISM,
    CKA_MODIFIABLE,
];

impl Object {
    /// An object with these attributes.
    pub fn new(attrs: Attrs) -> Self {
        Object { attrs }
    }

    /// `CKA_CLASS`.
    pub fn class(&self) -> Option<CK_OBJECT_CLASS> {
        get_ulong(&self.attrs, CKA_CLASS).ok().flatten()
    }

    /// `CKA_KEY_TYPE`.
    pub fn key_type(&self) -> Option<CK_ULONG> {
        get_ulong(&self.attrs, CKA_KEY_TYPE).ok().flatten()
    }

    /// A boolean attribute, false when absent.
    pub fn flag(&self, ty: CK_ATTRIBUTE_TYPE) -> bool {
        get_bool(&self.attrs, ty).ok().flatten().unwrap_or(false)
    }

    /// Whether it is a token (persistent) object.
    pub fn is_token(&self) -> bool {
        self.flag(CKA_TOKEN)
    }

    /// Whether only a logged-in user may see it.
    pub fn is_private(&self) -> bool {
        self.flag(CKA_PRIVATE)
    }

    /// Whether every attribute of `template` is present with the same bytes.
    pub fn matches(&self, template: &Attrs) -> bool {
        template
            .iter()
            .all(|(ty, value)| self.attrs.get(ty) == Some(value))
    }

    /// Whether `ty`'s value is secret: the key value of a sensitive or non-extractable
    /// private or secret key.
    fn is_hidden(&self, ty: CK_ATTRIBUTE_TYPE) -> bool {
        let secret_class = matches!(self.class(), Some(CKO_PRIVATE_KEY | CKO_SECRET_KEY));
        secret_class && ty == CKA_VALUE && (self.flag(CKA_SENSITIVE) || !self.flag(CKA_EXTRACTABLE))
    }

    /// The value of `ty` as `C_GetAttributeValue` reports it.
    pub fn read(&self, ty: CK_ATTRIBUTE_TYPE) -> CkResult<&[u8]> {
        if self.is_hidden(ty) {
            return Err(Rv(CKR_ATTRIBUTE_SENSITIVE));
        }
        self.attrs
            .get(&ty)
            .map(Vec::as_slice)
            .ok_or(Rv(CKR_ATTRIBUTE_TYPE_INVALID))
    }

    /// Applies `C_SetAttributeValue`'s template, all or nothing: fixed attributes are
    /// read-only, `CKA_SENSITIVE` may only become true and `CKA_EXTRACTABLE` only false.
    pub fn update(&mut self, template: &Attrs) -> CkResult<()> {
        if !self.flag(CKA_MODIFIABLE) && self.attrs.contains_key(&CKA_MODIFIABLE) {
            return Err(Rv(CKR_ATTRIBUTE_READ_ONLY));
        }
        for (ty, value) in template {
            if self.attrs.get(ty) == Some(value) {
                continue;
            }
            let one_way = match *ty {
                CKA_SENSITIVE => get_bool(template, *ty)? == Some(true),
                CKA_EXTRACTABLE => get_bool(template, *ty)? == Some(false),
                t => !FIXED.contains(&t),
            };
            if !one_way {
                return Err(Rv(CKR_ATTRIBUTE_READ_ONLY));
            }
        }
        for (ty, value) in template {
            self.attrs.insert(*ty, value.clone());
        }
        Ok(())
    }
}

/// Attributes as `{ "<type hex>": "<value hex>" }` in the state file.
mod hex_attrs {
    use super::Attrs;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(attrs: &Attrs, s: S) -> Result<S::Ok, S::Error> {
        attrs
            .iter()
            .map(|(k, v)| (format!("{k:x}"), hex::encode(v)))
            .collect::<BTreeMap<_, _>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Attrs, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, v)| {
                let ty = u64::from_str_radix(&k, 16).map_err(D::Error::custom)?;
                let value = hex::decode(v).map_err(D::Error::custom)?;
                Ok((ty as cryptoki_sys::CK_ATTRIBUTE_TYPE, value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sensitive: bool, extractable: bool) -> Object {
        Object::new(Attrs::from([
            (CKA_CLASS, ulong(CKO_PRIVATE_KEY)),
            (CKA_VALUE, vec![7; 32]),
            (CKA_SENSITIVE, bool(sensitive)),
            (CKA_EXTRACTABLE, bool(extractable)),
            (cryptoki_sys::CKA_LABEL, b"k".to_vec()),
        ]))
    }

    #[test]
    fn a_sensitive_or_unextractable_value_is_not_readable() {
        assert_eq!(
            key(true, true).read(CKA_VALUE),
            Err(Rv(CKR_ATTRIBUTE_SENSITIVE))
        );
        assert_eq!(
            key(false, false).read(CKA_VALUE),
            Err(Rv(CKR_ATTRIBUTE_SENSITIVE))
        );
        assert_eq!(key(false, true).read(CKA_VALUE), Ok(&[7u8; 32][..]));
        assert_eq!(
            key(false, true).read(cryptoki_sys::CKA_ID),
            Err(Rv(CKR_ATTRIBUTE_TYPE_INVALID))
        );
    }

    #[test]
    fn sensitive_only_turns_on_and_extractable_only_off() {
        let mut k = key(false, true);
        assert!(
            k.update(&Attrs::from([(CKA_SENSITIVE, bool(true))]))
                .is_ok()
        );
        assert_eq!(
            k.update(&Attrs::from([(CKA_SENSITIVE, bool(false))])),
            Err(Rv(CKR_ATTRIBUTE_READ_ONLY))
        );
        assert!(
            k.update(&Attrs::from([(CKA_EXTRACTABLE, bool(false))]))
                .is_ok()
        );
        assert_eq!(
            k.update(&Attrs::from([(CKA_EXTRACTABLE, bool(true))])),
            Err(Rv(CKR_ATTRIBUTE_READ_ONLY))
        );
        assert_eq!(
            k.update(&Attrs::from([(CKA_VALUE, vec![1; 32])])),
            Err(Rv(CKR_ATTRIBUTE_READ_ONLY))
        );
        assert!(
            k.update(&Attrs::from([(cryptoki_sys::CKA_LABEL, b"new".to_vec())]))
                .is_ok()
        );
    }

    #[test]
    fn the_state_file_form_round_trips() {
        let k = key(true, false);
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<Object>(&json).unwrap(), k);
    }
}
