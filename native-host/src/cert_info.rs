//! Reading a certificate's DER into what the page shows: subject and issuer as
//! RFC 4514 strings with non-ASCII kept as UTF-8, serial, validity, usage.

use protocol::host::{Base64Bytes, CertificateSummary, Usage};
use protocol::ids::{CertSha256, KeyId};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::asn1_rs::{Tag, ToDer};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::error::HostError;

/// Parses DER that must be exactly one certificate.
pub fn parse(der: &[u8]) -> Result<X509Certificate<'_>, HostError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(HostError::BadRequest(
            "the certificate has trailing bytes".into(),
        )),
        Err(e) => Err(HostError::BadRequest(format!(
            "the certificate does not parse: {e}"
        ))),
    }
}

/// The summary of a certificate object.
pub fn summarize(
    der: &[u8],
    key_id: Option<KeyId>,
    label: String,
    has_private_key: bool,
) -> Result<CertificateSummary, HostError> {
    let cert = parse(der)?;
    let validity = cert.validity();
    Ok(CertificateSummary {
        der: Base64Bytes(der.to_vec()),
        sha256: CertSha256::from_digest(&Sha256::digest(der).into()),
        key_id,
        label,
        subject: rfc4514(cert.subject()),
        issuer: rfc4514(cert.issuer()),
        serial: serial_hex(cert.raw_serial()),
        not_before: rfc3339(validity.not_before.timestamp()),
        not_after: rfc3339(validity.not_after.timestamp()),
        usage: usage(&cert),
        has_private_key,
    })
}

/// The serial's value in hex, without the sign byte DER adds to a positive integer
/// whose high bit is set (as openssl and pkcs11-tool print it).
fn serial_hex(raw: &[u8]) -> String {
    let first = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    protocol::ids::to_hex(&raw[first..])
}

fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn usage(cert: &X509Certificate<'_>) -> Usage {
    match cert.key_usage() {
        Ok(Some(ext)) => {
            let ku = ext.value;
            let sign = ku.digital_signature() || ku.non_repudiation();
            let encrypt = ku.key_encipherment() || ku.data_encipherment() || ku.key_agreement();
            match (sign, encrypt) {
                (true, false) => Usage::Sign,
                (false, true) => Usage::Encrypt,
                _ => Usage::Both,
            }
        }
        _ => Usage::Both,
    }
}

/// A name as RFC 4514: last RDN first, `,` between RDNs, `+` inside one, special
/// characters escaped, non-ASCII kept as UTF-8.
pub fn rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| rdn.iter().map(attribute).collect::<Vec<_>>().join("+"))
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

fn attribute(atv: &AttributeTypeAndValue<'_>) -> String {
    let oid = atv.attr_type().to_id_string();
    let short = match oid.as_str() {
        "2.5.4.3" => Some("CN"),
        "2.5.4.7" => Some("L"),
        "2.5.4.8" => Some("ST"),
        "2.5.4.10" => Some("O"),
        "2.5.4.11" => Some("OU"),
        "2.5.4.6" => Some("C"),
        "2.5.4.9" => Some("STREET"),
        "0.9.2342.19200300.100.1.25" => Some("DC"),
        "0.9.2342.19200300.100.1.1" => Some("UID"),
        _ => None,
    };
    match (short, string_value(atv)) {
        (Some(short), Some(value)) => format!("{short}={}", escape(&value)),
        (None, Some(value)) => format!("{oid}={}", escape(&value)),
        // Not a string type: RFC 4514 says the dotted OID and `#` with the DER in hex.
        (_, None) => {
            let value = atv.attr_value();
            let der = value.to_der_vec().unwrap_or_default();
            format!("{oid}=#{}", protocol::ids::to_hex(&der))
        }
    }
}

fn string_value(atv: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = atv.attr_value();
    let data = value.data;
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(data).ok().map(str::to_owned),
        // T.61 in theory; in practice Latin-1.
        Tag::TeletexString => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if data.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Tag::UniversalString => {
            if data.len() % 4 != 0 {
                return None;
            }
            data.chunks(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else {
            if special {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, serial_hex};

    #[test]
    fn serial_without_sign_byte() {
        assert_eq!(serial_hex(&[0x00, 0xcf, 0x5a]), "cf5a");
        assert_eq!(serial_hex(&[0x01, 0x00]), "0100");
        assert_eq!(serial_hex(&[0x00]), "00");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("a,b"), "a\\,b");
        assert_eq!(escape("#x "), "\\#x\\ ");
        assert_eq!(escape("测试医药有限公司"), "测试医药有限公司");
        assert_eq!(escape("a+b=c"), "a\\+b=c");
    }
}
