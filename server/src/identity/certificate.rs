//! Whether a certificate presented by a user is one of ours, not revoked, and where it
//! stands against a project's renewal window.

use axum::http::StatusCode;
use certinfo::CertFacts;
use protocol::ErrorCode;
use serde::Serialize;
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
    let status = if certinfo::verify_issued_by(der, issuers).is_err() {
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
    if certinfo::verify_issued_by(der, issuers).is_err() {
        return Err(AppError::refused(
            ErrorCode::UnknownIssuer,
            StatusCode::FORBIDDEN,
            "this certificate was not issued by this CA",
        ));
    }
    if is_revoked(pool, &facts.serial_hex).await? {
        return Err(AppError::refused(
            ErrorCode::CertificateRevoked,
            StatusCode::FORBIDDEN,
            "this certificate is revoked",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalize_serial;

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
