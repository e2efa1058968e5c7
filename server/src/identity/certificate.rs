//! Whether a certificate presented by a user is one of ours, not revoked, and where it
//! stands against a project's renewal window.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use axum::http::StatusCode;
use certinfo::CertFacts;
use protocol::ErrorCode;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use time::{Duration, OffsetDateTime};

use crate::clock;
use crate::error::AppError;
use crate::projects::Project;

/// The largest certificate accepted.
pub const MAX_CERT_BYTES: usize = 16 * 1024;

/// Where a certificate stands: protocol's, shared with the app.
pub use protocol::eligibility::EligibilityStatus;

/// The eligibility answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// The verdict.
    pub status: EligibilityStatus,
    /// When the renewal window opens, RFC 3339.
    pub window_opens_at: String,
    /// Whole days until notAfter (negative once expired).
    pub days_left: i64,
    /// The certificate's notAfter, RFC 3339.
    pub not_after: String,
}

/// Parses a certificate from a client.
pub fn parse(der: &[u8]) -> Result<CertFacts, AppError> {
    if der.len() > MAX_CERT_BYTES {
        return Err(AppError::validation(
            "certificate",
            "certificate.too_large",
            "the certificate is larger than 16 KiB",
        ));
    }
    certinfo::facts(der)
        .map_err(|e| AppError::validation("certificate", "certificate.unreadable", e.to_string()))
}

/// Where `facts` stands for `project` at `now`: chain, revocation and window.
pub async fn eligibility(
    pool: &AnyPool,
    issuers: &[Vec<u8>],
    facts: &CertFacts,
    der: &[u8],
    project: &Project,
    now: OffsetDateTime,
) -> Result<Eligibility, AppError> {
    let opens = facts.not_after - Duration::days(i64::from(project.renewal_window_days));
    let days_left = (facts.not_after - now).whole_days();
    let status = if !issued_by(der, issuers) {
        EligibilityStatus::UnknownIssuer
    } else if is_revoked(pool, &facts.serial_hex).await? {
        EligibilityStatus::Revoked
    } else if now >= facts.not_after {
        EligibilityStatus::Expired
    } else if now < opens {
        EligibilityStatus::TooEarly
    } else {
        EligibilityStatus::Eligible
    };
    Ok(Eligibility {
        status,
        window_opens_at: clock::rfc3339(clock::to_ms(opens)),
        days_left,
        not_after: clock::rfc3339(clock::to_ms(facts.not_after)),
    })
}

/// Certificates found signed by one of their issuers, each by a hash of its bytes and of
/// those issuers. The same user certificate comes with most requests of a renewal, and
/// checking its signature again each time cost ≈ 4 % of a renewal's CPU
/// (bench/README.md, session 15). The check is a function of those bytes alone, so its
/// answer can be kept; only certificates that passed are kept, so a caller sending
/// junk fills nothing.
static ISSUED: LazyLock<Mutex<HashSet<[u8; 32]>>> = LazyLock::new(Mutex::default);
/// At most this many are kept (32 bytes each); then the set starts again.
const ISSUED_KEPT: usize = 100_000;

/// Whether `der` was signed by one of `issuers`, a CA certificate that may sign
/// certificates ([`certinfo::verify_issued_by`]).
fn issued_by(der: &[u8], issuers: &[Vec<u8>]) -> bool {
    let mut hash = Sha256::new();
    for issuer in issuers {
        hash.update((issuer.len() as u64).to_be_bytes());
        hash.update(issuer);
    }
    hash.update(der);
    let key: [u8; 32] = hash.finalize().into();
    let lock = || ISSUED.lock().unwrap_or_else(PoisonError::into_inner);
    if lock().contains(&key) {
        return true;
    }
    let ok = certinfo::verify_issued_by(der, issuers).is_ok();
    if ok {
        let mut kept = lock();
        if kept.len() >= ISSUED_KEPT {
            kept.clear();
        }
        kept.insert(key);
    }
    ok
}

/// A serial as an operator types it (`0x`, colons, either case, leading zeros) in the
/// form certificates are stored under: lowercase hex of the value's bytes, without the
/// sign byte, as `certinfo` reads it (`0a1b…` keeps its leading zero digit).
pub fn normalize_serial(input: &str) -> Option<String> {
    let digits: String = input
        .trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X")
        .chars()
        .filter(|c| *c != ':')
        .collect();
    if digits.is_empty() || digits.len() > 64 {
        return None;
    }
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits
    };
    let bytes = protocol::ids::parse_hex(&padded)?;
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    Some(protocol::ids::to_hex(&bytes[first..]))
}

/// Whether the serial is in the revocation table.
pub async fn is_revoked(pool: &AnyPool, serial_hex: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM revocations WHERE serial = $1")
        .bind(serial_hex)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// Requires a certificate of ours that is not revoked (for logging in: an expired
/// certificate may still log in to see its renewals).
pub async fn require_ours(
    pool: &AnyPool,
    issuers: &[Vec<u8>],
    facts: &CertFacts,
    der: &[u8],
) -> Result<(), AppError> {
    if !issued_by(der, issuers) {
        return refuse_unless_ours(EligibilityStatus::UnknownIssuer);
    }
    if is_revoked(pool, &facts.serial_hex).await? {
        return refuse_unless_ours(EligibilityStatus::Revoked);
    }
    Ok(())
}

/// [`require_ours`]'s answer from a standing already read ([`eligibility`] checks the
/// issuer and the revocation first), so a caller that needs both reads once.
pub fn refuse_unless_ours(status: EligibilityStatus) -> Result<(), AppError> {
    match status {
        EligibilityStatus::UnknownIssuer => Err(AppError::refused(
            ErrorCode::UnknownIssuer,
            StatusCode::FORBIDDEN,
            "this certificate was not issued by this CA",
        )),
        EligibilityStatus::Revoked => Err(AppError::refused(
            ErrorCode::CertificateRevoked,
            StatusCode::FORBIDDEN,
            "this certificate is revoked",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{issued_by, normalize_serial};
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    fn ca(name: &str) -> (Vec<u8>, Issuer<'static, KeyPair>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        (cert.der().to_vec(), Issuer::new(params, key))
    }

    /// A kept answer is for the same certificate and the same issuers only: the
    /// certificate is refused by another CA (same name, other key) after it passed
    /// with its own, and a copy with one byte of the signature changed is refused.
    #[test]
    fn a_kept_answer_holds_for_those_bytes_only() {
        let (ours, issuer) = ca("certrenew test CA");
        let (theirs, _) = ca("certrenew test CA");
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["holder.example".into()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap()
            .der()
            .to_vec();
        for _ in 0..2 {
            assert!(issued_by(&leaf, std::slice::from_ref(&ours)));
            assert!(!issued_by(&leaf, std::slice::from_ref(&theirs)));
        }
        let mut forged = leaf.clone();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert!(!issued_by(&forged, std::slice::from_ref(&ours)));
        assert!(issued_by(&leaf, &[theirs, ours]));
    }

    #[test]
    fn serials_as_typed_become_serials_as_stored() {
        let cases = [
            ("0a1b2c", Some("0a1b2c")),
            ("0A:1B:2C", Some("0a1b2c")),
            ("0x00a1b2", Some("a1b2")),
            ("a1b", Some("0a1b")),
            ("00", Some("00")),
            ("", None),
            ("xyz", None),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_serial(input).as_deref(), expected, "{input:?}");
        }
    }
}
