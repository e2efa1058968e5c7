//! Distinguished names as RFC 4514 strings.
//!
//! The string is what a person reads (`CN=张三,O=测试医药有限公司,C=CN`): the last RDN
//! first, `,` between RDNs, `+` between the attributes of a multi-valued RDN, the
//! usual short names for the common attribute types and the dotted OID for the rest.
//! Values are decoded from every ASN.1 string type to UTF-8 and non-ASCII characters
//! are kept as they are (RFC 4514 allows either; the page shows them). A value that is
//! not a string, or a string whose bytes do not decode, is written as `#` and the hex
//! of its DER, with the dotted OID, as RFC 4514 §2.4 asks.
//!
//! Comparing names is NOT done on these strings: compare the DER (`X509Name::as_raw`).

use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::to_hex;

/// A name as an RFC 4514 string: last RDN first, `,` between RDNs, `+` inside one,
/// special characters escaped, non-ASCII kept as UTF-8. An empty name gives `""`.
pub fn rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| rdn.iter().map(attribute).collect::<Vec<_>>().join("+"))
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// The RFC 4514 short name of an attribute type, for the types RFC 4514 §3 lists.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// One `type=value`.
fn attribute(atv: &AttributeTypeAndValue<'_>) -> String {
    let oid = atv.attr_type().to_id_string();
    match string_value(atv.attr_value()) {
        Some(value) => {
            let kind = short_name(&oid).unwrap_or(&oid);
            format!("{kind}={}", escape(&value))
        }
        // Not a string (or one that does not decode): RFC 4514 §2.4 says the dotted OID
        // and `#` with the hex of the value's encoding.
        None => format!("{oid}=#{}", to_hex(&der_of(atv.attr_value()))),
    }
}

/// The text of a value of one of the ASN.1 string types, or `None`.
fn string_value(value: &Any<'_>) -> Option<String> {
    let data = value.data;
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(data).ok().map(str::to_owned),
        // T.61 in theory; in practice Latin-1, which maps byte for byte to U+0000..U+00FF.
        Tag::TeletexString => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Tag::UniversalString => {
            if !data.len().is_multiple_of(4) {
                return None;
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

/// The DER of a value: its identifier and definite length rebuilt from the parsed
/// header, then its contents (a DER value has exactly one encoding, so this is the
/// bytes the certificate holds).
fn der_of(value: &Any<'_>) -> Vec<u8> {
    let header = &value.header;
    let mut out = Vec::with_capacity(value.data.len() + 8);
    let class = (header.class() as u8) << 6;
    let constructed = if header.is_constructed() { 0x20 } else { 0 };
    let number = header.tag().0;
    if number < 0x1f {
        // Fits in the low five bits.
        out.push(class | constructed | number as u8);
    } else {
        out.push(class | constructed | 0x1f);
        let mut groups = Vec::new();
        let mut n = number;
        loop {
            groups.push((n & 0x7f) as u8);
            n >>= 7;
            if n == 0 {
                break;
            }
        }
        let last = groups.len() - 1;
        for (i, group) in groups.iter().rev().enumerate() {
            out.push(if i == last { *group } else { group | 0x80 });
        }
    }
    let len = value.data.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value.data);
    out
}

/// RFC 4514 §2.4 escaping: `" + , ; < > \` anywhere, `#` or space first, space last,
/// NUL as `\00`. Everything else, non-ASCII included, is kept as it is.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        if c == '\0' {
            out.push_str("\\00");
            continue;
        }
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
