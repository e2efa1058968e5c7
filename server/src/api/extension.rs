//! The browser extension's self-hosted updates (docs/extension-updates.md).
//!
//! - `GET /extension/updates.xml`: the update manifest in Google's `gupdate` format
//!   (protocol 2.0), naming the highest version among the `certrenew-X.Y.Z.crx` files in
//!   the configured `extension_dir`, with the app id computed from that package's key.
//! - `GET /extension/certrenew-X.Y.Z.crx`: one package, `application/x-chrome-extension`.
//!   Only names of that exact shape are served, so no other file of the folder and no
//!   path outside it can be reached.
//!
//! Packages are made by `extension/pack.mjs` (CRX3, RSA-SHA256). Every request reads the
//! folder afresh: publishing a version is copying its file in, nothing restarts. The
//! manifest's package is checked as Chromium checks it (header, signatures, the crx_id
//! naming one of the signing keys) so a broken upload fails here, loudly, and not
//! silently in every customer's browser.

use std::cmp::Ordering;
use std::path::Path;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The media type Chrome expects for a package.
pub const CRX_CONTENT_TYPE: &str = "application/x-chrome-extension";

/// The `/extension/` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/extension/updates.xml", get(update_manifest))
        .route("/extension/{file}", get(package))
}

/// The update manifest: the highest published version.
pub async fn update_manifest(State(state): State<AppState>) -> AppResult<impl IntoResponse> {
    let dir = extension_dir(&state)?;
    let (version, name) = latest_package(dir)
        .await?
        .ok_or_else(|| AppError::not_found("no extension package is published"))?;
    let bytes = tokio::fs::read(dir.join(&name))
        .await
        .map_err(|e| AppError::Internal(format!("reading the extension package {name}: {e}")))?;
    let crx = inspect_crx(&bytes).map_err(|e| {
        AppError::Internal(format!(
            "the extension package {name} is not a valid CRX3 file: {e}"
        ))
    })?;
    let codebase = format!(
        "{}/extension/{name}",
        state.config.public_origin.as_str().trim_end_matches('/')
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        gupdate_xml(&crx.id, &codebase, &version.to_string()),
    ))
}

/// One package, by its exact published name.
pub async fn package(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> AppResult<impl IntoResponse> {
    let dir = extension_dir(&state)?;
    if PackageVersion::from_file_name(&file).is_none() {
        return Err(AppError::not_found("no such extension file"));
    }
    let path = dir.join(&file);
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::not_found("no such extension package"));
        }
        Err(e) => {
            return Err(AppError::Internal(format!(
                "reading the extension package {file}: {e}"
            )));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, CRX_CONTENT_TYPE),
            // A version's file never changes once published; a short lifetime still lets
            // an operator replace a broken upload.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        bytes,
    ))
}

fn extension_dir(state: &AppState) -> AppResult<&Path> {
    state
        .config
        .extension_dir
        .as_deref()
        .ok_or_else(|| AppError::not_found("extension updates are not served here"))
}

/// The highest version among the folder's `certrenew-X.Y.Z.crx` files, and its file name.
/// `None` when there is none (or no folder).
pub async fn latest_package(dir: &Path) -> AppResult<Option<(PackageVersion, String)>> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(AppError::Internal(format!(
                "listing the extension folder {}: {e}",
                dir.display()
            )));
        }
    };
    let mut best: Option<(PackageVersion, String)> = None;
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|e| AppError::Internal(format!("listing the extension folder: {e}")))?
    {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(version) = PackageVersion::from_file_name(&name) else {
            continue;
        };
        let is_file = tokio::fs::metadata(entry.path())
            .await
            .is_ok_and(|m| m.is_file());
        if !is_file {
            continue;
        }
        // Equal versions ("1.2" and "1.2.0") are ordered by name, so the answer never
        // depends on the order the folder lists its files in.
        let better = match &best {
            None => true,
            Some((v, n)) => match version.cmp(v) {
                Ordering::Greater => true,
                Ordering::Equal => name > *n,
                Ordering::Less => false,
            },
        };
        if better {
            best = Some((version, name));
        }
    }
    Ok(best)
}

/// An extension version as Chrome reads it: 1 to 4 dot-separated integers, each at most
/// 65535, compared part by part with missing parts as 0 (so `1.0` equals `1.0.0`).
#[derive(Debug, Clone)]
pub struct PackageVersion(Vec<u16>);

impl PackageVersion {
    /// Parses `1.2.3`; no signs, no leading zeros, no empty parts.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.is_empty() || parts.len() > 4 {
            return None;
        }
        parts
            .iter()
            .map(|p| {
                let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
                let no_leading_zero = *p == "0" || !p.starts_with('0');
                if digits && no_leading_zero && p.len() <= 5 {
                    p.parse::<u16>().ok()
                } else {
                    None
                }
            })
            .collect::<Option<Vec<u16>>>()
            .map(Self)
    }

    /// The version of a published file name `certrenew-X.Y.Z.crx`; `None` for any other name.
    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::parse(name.strip_prefix("certrenew-")?.strip_suffix(".crx")?)
    }

    fn part(&self, i: usize) -> u16 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl Ord for PackageVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (0..4)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialEq for PackageVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for PackageVersion {}

impl PartialOrd for PackageVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for PackageVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u16::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// The `gupdate` document for one app.
pub fn gupdate_xml(app_id: &str, codebase: &str, version: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <gupdate xmlns=\"http://www.google.com/update2/response\" protocol=\"2.0\">\n\
         \x20 <app appid=\"{}\">\n\
         \x20   <updatecheck codebase=\"{}\" version=\"{}\"/>\n\
         \x20 </app>\n\
         </gupdate>\n",
        xml_attr(app_id),
        xml_attr(codebase),
        xml_attr(version)
    )
}

fn xml_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

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
    fn versions_parse_and_compare_as_chrome_does() {
        let v = |s: &str| PackageVersion::parse(s).unwrap();
        assert!(v("0.10.0") > v("0.9.3"));
        assert!(v("1.0") == v("1.0.0.0"));
        assert!(v("1.0.0.1") > v("1"));
        assert_eq!(v("65535.0.1").to_string(), "65535.0.1");
        for bad in [
            "",
            "1.",
            ".1",
            "01.2",
            "1.2.3.4.5",
            "1.-2",
            "65536",
            "1.2a",
            "1..2",
            " 1",
        ] {
            assert!(PackageVersion::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn only_package_names_are_recognised() {
        let ok = |s: &str| PackageVersion::from_file_name(s).is_some();
        assert!(ok("certrenew-0.2.0.crx"));
        assert!(ok("certrenew-1.crx"));
        for bad in [
            "certrenew-0.2.0.crx.bak",
            "certrenew-.crx",
            "../certrenew-0.2.0.crx",
            "certrenew-0.2.0/../../etc/passwd.crx",
            "other-0.2.0.crx",
            "certrenew-0.2.0.zip",
            "updates.xml",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_hex_digits_written_a_to_p() {
        // The development key's id (extension/dev-extension-id.txt).
        let key = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            include_str!("../../../extension/dev-key.pub.b64").trim(),
        )
        .unwrap();
        assert_eq!(extension_id(&key), "ohfjkjdnkjegijjeajcndblepfapjcnb");
    }

    #[test]
    fn the_manifest_escapes_its_attributes() {
        let xml = gupdate_xml("abc", "https://ca.example.com/x?a=1&b=\"2\"", "1.0");
        assert!(xml.contains("codebase=\"https://ca.example.com/x?a=1&amp;b=&quot;2&quot;\""));
        assert!(xml.contains("<app appid=\"abc\">"));
        assert!(xml.contains("protocol=\"2.0\""));
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
