//! Copying a distinguished name into rcgen, attribute by attribute, keeping each
//! attribute's order and string type so that the new certificate's subject is the old
//! one byte for byte.
//!
//! Limits, each reported as [`CaError::UnsupportedSubject`] rather than worked around:
//! an empty subject (it would need a subjectAltName, which is not written); rcgen holds
//! at most one attribute of each type (two `OU`s cannot be written), no multi-valued
//! RDN (`CN=a+UID=b`), and only the string types UTF8String, PrintableString,
//! IA5String, BMPString, TeletexString (ASCII content) and UniversalString. The caller
//! also compares the written subject with the original bytes, so anything else that
//! would not round-trip is refused too.

use rcgen::string::{BmpString, Ia5String, PrintableString, TeletexString, UniversalString};
use rcgen::{DistinguishedName, DnType, DnValue};
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use super::CaError;

/// A readable name for an attribute type, for error messages.
fn attribute_name(arcs: &[u64]) -> String {
    let short = match arcs {
        [2, 5, 4, 3] => "CN",
        [2, 5, 4, 4] => "SN",
        [2, 5, 4, 5] => "serialNumber",
        [2, 5, 4, 6] => "C",
        [2, 5, 4, 7] => "L",
        [2, 5, 4, 8] => "ST",
        [2, 5, 4, 9] => "street",
        [2, 5, 4, 10] => "O",
        [2, 5, 4, 11] => "OU",
        [2, 5, 4, 12] => "title",
        [2, 5, 4, 42] => "GN",
        [1, 2, 840, 113549, 1, 9, 1] => "emailAddress",
        [0, 9, 2342, 19200300, 100, 1, 1] => "UID",
        [0, 9, 2342, 19200300, 100, 1, 25] => "DC",
        _ => "",
    };
    if short.is_empty() {
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    } else {
        short.to_string()
    }
}

fn value(attr: &AttributeTypeAndValue<'_>, name: &str, role: &str) -> Result<DnValue, CaError> {
    let any = attr.attr_value();
    let data = any.data;
    let unsupported =
        |why: String| CaError::UnsupportedSubject(format!("the {role}'s {name} attribute {why}"));
    let text =
        || std::str::from_utf8(data).map_err(|_| unsupported("is not valid text".to_string()));
    let invalid = |kind: &'static str| {
        move |e: rcgen::Error| unsupported(format!("is not a valid {kind}: {e}"))
    };
    Ok(match any.header.tag() {
        Tag::Utf8String => DnValue::Utf8String(text()?.to_string()),
        Tag::PrintableString => DnValue::PrintableString(
            PrintableString::try_from(text()?).map_err(invalid("PrintableString"))?,
        ),
        Tag::Ia5String => {
            DnValue::Ia5String(Ia5String::try_from(text()?).map_err(invalid("IA5String"))?)
        }
        Tag::BmpString => DnValue::BmpString(
            BmpString::from_utf16be(data.to_vec()).map_err(invalid("BMPString"))?,
        ),
        Tag::T61String => DnValue::TeletexString(
            TeletexString::try_from(text()?)
                .map_err(invalid("TeletexString with ASCII content"))?,
        ),
        Tag::UniversalString => DnValue::UniversalString(
            UniversalString::from_utf32be(data.to_vec()).map_err(invalid("UniversalString"))?,
        ),
        other => {
            return Err(unsupported(format!(
                "is encoded as {other}, which cannot be reproduced"
            )));
        }
    })
}

/// The rcgen form of `name`. `role` ("old certificate", "request", "ca certificate")
/// names its owner in errors.
pub(crate) fn to_rcgen(name: &X509Name<'_>, role: &str) -> Result<DistinguishedName, CaError> {
    if name.iter().next().is_none() {
        // RFC 5280 §4.2.1.6: an empty subject needs a critical subjectAltName, which
        // is not written.
        return Err(CaError::UnsupportedSubject(format!(
            "the {role}'s subject is empty"
        )));
    }
    let mut dn = DistinguishedName::new();
    for rdn in name.iter() {
        let mut attrs = rdn.iter();
        let (Some(attr), None) = (attrs.next(), attrs.next()) else {
            return Err(CaError::UnsupportedSubject(format!(
                "the {role}'s subject has a multi-valued RDN (attributes joined by '+'), \
                 which cannot be reproduced"
            )));
        };
        let arcs: Vec<u64> = attr
            .attr_type()
            .iter()
            .ok_or_else(|| {
                CaError::UnsupportedSubject(format!(
                    "the {role}'s subject has an attribute type with an arc too large to \
                     handle ({})",
                    attr.attr_type()
                ))
            })?
            .collect();
        let name = attribute_name(&arcs);
        let ty = DnType::from_oid(&arcs);
        if dn.get(&ty).is_some() {
            return Err(CaError::UnsupportedSubject(format!(
                "the {role}'s subject has more than one {name} attribute; only one attribute \
                 of each type can be copied"
            )));
        }
        dn.push(ty, value(attr, &name, role)?);
    }
    Ok(dn)
}
