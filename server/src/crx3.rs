//! CRX3 packages, the browser extension's signed format: a package is checked as
//! Chromium checks it (header, signatures, the crx_id naming one of the signing keys)
//! and its extension id computed, for the self-hosted updates of
//! [`api::extension`](crate::api::extension).
//!
//! The format (components/crx_file/crx3.proto in Chromium): `Cr24`, u32le version 3,
//! u32le header length, a protobuf `CrxFileHeader`, then the zip. Only the few protobuf
//! fields needed are read, by hand.

use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::{Digest, Sha256};

/// What the server needs from a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrxInfo {
    /// The extension id: the declared crx_id, hex digits written a–p.
    pub id: String,
    /// The key the id is computed from (SubjectPublicKeyInfo DER).
    pub public_key: Vec<u8>,
}

/// The largest header Chromium accepts.
const MAX_HEADER: usize = 1 << 18;

/// Checks a CRX3 file as Chromium's verifier does (components/crx_file/crx_verifier.cc):
/// the `Cr24` magic and version 3, every `sha256_with_rsa` proof's signature over
/// `"CRX3 SignedData\0" | u32le len | signed_header_data | zip`, and that the declared
/// crx_id is the first 16 bytes of SHA-256 of one of the signing keys. ECDSA proofs are
/// not checked and are refused (the packer writes RSA only).
pub fn inspect_crx(bytes: &[u8]) -> Result<CrxInfo, String> {
    if bytes.len() < 12 || &bytes[..4] != b"Cr24" {
        return Err("no Cr24 magic".into());
    }
    let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if version != 3 {
        return Err(format!("CRX version {version}, expected 3"));
    }
    let header_len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    if header_len > MAX_HEADER || 12 + header_len > bytes.len() {
        return Err("header size out of range".into());
    }
    let header = &bytes[12..12 + header_len];
    let zip = &bytes[12 + header_len..];

    let mut rsa_proofs: Vec<(&[u8], &[u8])> = Vec::new();
    let mut signed_header_data: Option<&[u8]> = None;
    for (field, value) in proto_bytes_fields(header)? {
        match field {
            2 => {
                let mut key = None;
                let mut signature = None;
                for (f, v) in proto_bytes_fields(value)? {
                    match f {
                        1 => key = Some(v),
                        2 => signature = Some(v),
                        _ => {}
                    }
                }
                match (key, signature) {
                    (Some(k), Some(s)) => rsa_proofs.push((k, s)),
                    _ => return Err("an RSA proof without a key or a signature".into()),
                }
            }
            3 => return Err("ECDSA proofs are not supported".into()),
            10000 => signed_header_data = Some(value),
            _ => {}
        }
    }
    let signed_header_data = signed_header_data.ok_or("no signed_header_data")?;
    let crx_id = proto_bytes_fields(signed_header_data)?
        .into_iter()
        .find(|(f, _)| *f == 1)
        .map(|(_, v)| v)
        .filter(|v| v.len() == 16)
        .ok_or("signed_header_data without a 16-byte crx_id")?;
    if rsa_proofs.is_empty() {
        return Err("no proofs".into());
    }

    let mut message = Vec::with_capacity(16 + 4 + signed_header_data.len() + zip.len());
    message.extend_from_slice(b"CRX3 SignedData\x00");
    message.extend_from_slice(&(signed_header_data.len() as u32).to_le_bytes());
    message.extend_from_slice(signed_header_data);
    message.extend_from_slice(zip);

    let mut declared = None;
    for (key_der, signature) in rsa_proofs {
        let key = RsaPublicKey::from_public_key_der(key_der)
            .map_err(|e| format!("a proof's key is not an RSA public key: {e}"))?;
        let signature = Signature::try_from(signature)
            .map_err(|e| format!("a proof's signature is malformed: {e}"))?;
        VerifyingKey::<Sha256>::new(key)
            .verify(&message, &signature)
            .map_err(|_| "a signature does not verify".to_string())?;
        if Sha256::digest(key_der)[..16] == *crx_id {
            declared = Some(key_der);
        }
    }
    let public_key = declared.ok_or("no proof by the key the crx_id names")?;
    Ok(CrxInfo {
        id: extension_id(public_key),
        public_key: public_key.to_vec(),
    })
}

/// The extension id of a SubjectPublicKeyInfo DER: SHA-256's first 16 bytes, each hex
/// digit written `a`–`p`.
pub fn extension_id(public_key_der: &[u8]) -> String {
    Sha256::digest(public_key_der)[..16]
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0f])
        .map(|n| char::from(b'a' + n))
        .collect()
}

/// The length-delimited fields of a protobuf message, as (field number, bytes); varint
/// and fixed-width fields are skipped, anything malformed is an error.
fn proto_bytes_fields(mut buf: &[u8]) -> Result<Vec<(u64, &[u8])>, String> {
    fn varint(buf: &mut &[u8]) -> Result<u64, String> {
        let mut value = 0u64;
        for i in 0..10 {
            let (&b, rest) = buf.split_first().ok_or("truncated varint")?;
            *buf = rest;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint too long".into())
    }
    let mut out = Vec::new();
    while !buf.is_empty() {
        let tag = varint(&mut buf)?;
        let field = tag >> 3;
        if field == 0 {
            return Err("field number 0".into());
        }
        let skip = match tag & 7 {
            0 => {
                varint(&mut buf)?;
                0
            }
            1 => 8,
            5 => 4,
            2 => {
                let len = usize::try_from(varint(&mut buf)?).map_err(|_| "field too long")?;
                if len > buf.len() {
                    return Err("truncated field".into());
                }
                out.push((field, &buf[..len]));
                len
            }
            w => return Err(format!("unsupported wire type {w}")),
        };
        if skip > buf.len() {
            return Err("truncated field".into());
        }
        buf = &buf[skip..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_digits_written_a_to_p() {
        // The development key's id (extension/dev-extension-id.txt).
        let key = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            include_str!("../../extension/dev-key.pub.b64").trim(),
        )
        .unwrap();
        assert_eq!(extension_id(&key), "ohfjkjdnkjegijjeajcndblepfapjcnb");
    }

    #[test]
    fn malformed_packages_are_named() {
        assert!(inspect_crx(b"PK\x03\x04").unwrap_err().contains("magic"));
        let mut v2 = b"Cr24".to_vec();
        v2.extend_from_slice(&2u32.to_le_bytes());
        v2.extend_from_slice(&0u32.to_le_bytes());
        assert!(inspect_crx(&v2).unwrap_err().contains("version 2"));
        let mut huge = b"Cr24".to_vec();
        huge.extend_from_slice(&3u32.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(inspect_crx(&huge).unwrap_err().contains("header size"));
        let mut empty = b"Cr24".to_vec();
        empty.extend_from_slice(&3u32.to_le_bytes());
        empty.extend_from_slice(&0u32.to_le_bytes());
        assert!(
            inspect_crx(&empty)
                .unwrap_err()
                .contains("signed_header_data")
        );
    }
}
