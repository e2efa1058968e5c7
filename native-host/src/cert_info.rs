//! A certificate object as the page sees it, read with the shared `certinfo` crate
//! (the CA server reads certificates the same way).

use protocol::host::{Base64Bytes, CertificateSummary, Usage};
use protocol::ids::{CertSha256, KeyId};
use x509_parser::certificate::X509Certificate;

use crate::error::HostError;

/// Parses DER that must be exactly one certificate.
pub fn parse(der: &[u8]) -> Result<X509Certificate<'_>, HostError> {
    certinfo::parse(der)
        .map_err(|e| HostError::BadRequest(format!("the certificate does not parse: {e}")))
}

/// The summary of a certificate object.
pub fn summarize(
    der: &[u8],
    key_id: Option<KeyId>,
    label: String,
    has_private_key: bool,
) -> Result<CertificateSummary, HostError> {
    let facts = certinfo::facts(der)
        .map_err(|e| HostError::BadRequest(format!("the certificate does not parse: {e}")))?;
    let sha256 =
        CertSha256::parse(&facts.sha256).map_err(|e| HostError::Internal(e.to_string()))?;
    Ok(CertificateSummary {
        der: Base64Bytes(der.to_vec()),
        sha256,
        key_id,
        history: crate::history::is_history(&label),
        label,
        not_before: facts.not_before_rfc3339(),
        not_after: facts.not_after_rfc3339(),
        subject: facts.subject,
        issuer: facts.issuer,
        serial: facts.serial_hex,
        usage: match facts.usage {
            certinfo::Usage::Sign => Usage::Sign,
            certinfo::Usage::Encrypt => Usage::Encrypt,
            certinfo::Usage::Both => Usage::Both,
        },
        has_private_key,
    })
}
