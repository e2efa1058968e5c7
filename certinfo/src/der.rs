//! The few DER encodings the native host and the CA write themselves: a CSR around a subject copied byte
//! for byte, SubjectPublicKeyInfo from token attributes, ECDSA signatures from the raw
//! `r ‖ s` a token returns, and the PKCS#1 DigestInfo for SHA-256.
//!
//! Written by hand because each is a handful of fixed shapes and a CSR must carry the
//! old certificate's subject exactly as encoded; re-encoding through a general ASN.1
//! model could change string types or RDN order.

/// DER tag numbers used here.
pub mod tag {
    /// INTEGER
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING
    pub const OCTET_STRING: u8 = 0x04;
    /// NULL
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER
    pub const OID: u8 = 0x06;
    /// SEQUENCE
    pub const SEQUENCE: u8 = 0x30;
    /// `[0]` constructed, context-specific
    pub const CONTEXT_0: u8 = 0xa0;
}

/// Encoded OIDs (content bytes only).
pub mod oid {
    /// ecdsa-with-SHA256 (1.2.840.10045.4.3.2)
    pub const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    /// sha256WithRSAEncryption (1.2.840.113549.1.1.11)
    pub const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    /// id-ecPublicKey (1.2.840.10045.2.1)
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// prime256v1 (1.2.840.10045.3.1.7)
    pub const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// rsaEncryption (1.2.840.113549.1.1.1)
    pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
}

/// A tag-length-value.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already-encoded parts.
pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// An unsigned big-endian integer as a DER INTEGER (minimal, positive).
pub fn unsigned_integer(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let trimmed = &be[first..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.is_empty() || trimmed[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(tag::INTEGER, &content)
}

/// A BIT STRING with no unused bits.
pub fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(tag::BIT_STRING, &content)
}

/// An AlgorithmIdentifier with no parameters (ECDSA) or NULL parameters (RSA).
pub fn algorithm(oid_content: &[u8], null_params: bool) -> Vec<u8> {
    let oid = tlv(tag::OID, oid_content);
    if null_params {
        sequence(&[&oid, &[tag::NULL, 0]])
    } else {
        sequence(&[&oid])
    }
}

/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` from the raw `r ‖ s`.
pub fn ecdsa_signature(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    Some(sequence(&[&unsigned_integer(r), &unsigned_integer(s)]))
}

/// The PKCS#1 v1.5 DigestInfo prefix for SHA-256, followed by the digest.
pub fn sha256_digest_info(digest: &[u8; 32]) -> Vec<u8> {
    const PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    [&PREFIX[..], &digest[..]].concat()
}

/// The uncompressed EC point inside a `CKA_EC_POINT` value, which PKCS#11 defines as a
/// DER OCTET STRING (some tokens return the bare point, which is accepted too). Only an
/// uncompressed point of `point_len` bytes is returned.
pub fn ec_point(value: &[u8], point_len: usize) -> Option<Vec<u8>> {
    let bare = |p: &[u8]| (p.len() == point_len && p.first() == Some(&0x04)).then(|| p.to_vec());
    if let Some(point) = bare(value) {
        return Some(point);
    }
    match read_tlv(value) {
        Some((tag::OCTET_STRING, inner, [])) => bare(inner),
        _ => None,
    }
}

/// Reads one TLV at the start of `input`: (tag, content, rest). Only what the host
/// needs to unwrap a DER OCTET STRING around an EC point.
pub fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_points_bare_or_wrapped() {
        let mut point = vec![0x04];
        point.extend([7u8; 64]);
        assert_eq!(ec_point(&point, 65), Some(point.clone()));
        assert_eq!(
            ec_point(&tlv(tag::OCTET_STRING, &point), 65),
            Some(point.clone())
        );
        assert_eq!(ec_point(&point[..64], 65), None);
        assert_eq!(ec_point(&tlv(tag::BIT_STRING, &point), 65), None);
    }

    #[test]
    fn lengths() {
        assert_eq!(tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = tlv(0x04, &[0; 300]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(read_tlv(&longer).unwrap().1.len(), 300);
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(unsigned_integer(&[0, 0, 5]), vec![0x02, 1, 5]);
        assert_eq!(unsigned_integer(&[0x80]), vec![0x02, 2, 0, 0x80]);
        assert_eq!(unsigned_integer(&[0, 0]), vec![0x02, 1, 0]);
    }

    #[test]
    fn ecdsa_signature_shape() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0xff;
        raw[63] = 1;
        let der = ecdsa_signature(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 33, 0]);
        assert_eq!(&der[der.len() - 3..], &[0x02, 1, 1]);
        assert!(ecdsa_signature(&[1, 2, 3]).is_none());
    }
}
