//! `GET /api/v1/renewal-info/{aki}.{serial}`: when a certificate should be renewed, in
//! the manner of ACME Renewal Information (RFC 9773). The certificate is named by its
//! authority key identifier and its serial number (the DER INTEGER's bytes), each
//! base64url without padding, and looked up in the issued-certificate inventory (and
//! among the certificates renewals were applied with).
//!
//! The suggested window is the project's renewal window: it opens
//! `renewal_window_days` before notAfter (not before notBefore) and ends seven days
//! before notAfter, or halfway through the window when that is shorter. A revoked
//! certificate gets a window entirely in the past: renew now.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use crate::clock;
use crate::error::{AppError, AppResult};
use crate::identity::certificate::is_revoked;
use crate::renewal::certificates;
use crate::state::AppState;

/// How long a client should wait before asking again, in seconds (RFC 9773's example).
pub const RETRY_AFTER_S: u64 = 21_600;
/// The window's end keeps at most this much room before notAfter.
const END_MARGIN: Duration = Duration::days(7);
/// The window used when the certificate's project is unknown.
const DEFAULT_WINDOW_DAYS: u32 = 90;
/// The longest certificate id taken (an AKI and a serial are a few dozen bytes).
const MAX_ID_LEN: usize = 512;

/// A time span, RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SuggestedWindow {
    /// Renew from this time.
    pub start: String,
    /// Renew before this time.
    pub end: String,
}

/// The renewal information of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RenewalInfo {
    /// When to renew; a window in the past means now.
    #[serde(rename = "suggestedWindow")]
    pub suggested_window: SuggestedWindow,
    /// A page explaining the window, when there is something to explain.
    #[serde(rename = "explanationURL", skip_serializing_if = "Option::is_none")]
    pub explanation_url: Option<String>,
}

/// Splits `<aki>.<serial>` and decodes both halves; the serial comes back as the hex
/// the inventory stores (no leading zero bytes).
pub fn parse_cert_id(id: &str) -> Result<(Vec<u8>, String), AppError> {
    let malformed = |why: &str| {
        AppError::BadRequest(format!(
            "the certificate id must be <authority key identifier>.<serial>, each base64url without padding: {why}"
        ))
    };
    if id.len() > MAX_ID_LEN {
        return Err(malformed("it is too long"));
    }
    let (aki, serial) = id.split_once('.').ok_or_else(|| malformed("no '.'"))?;
    let aki = URL_SAFE_NO_PAD
        .decode(aki)
        .map_err(|_| malformed("the key identifier is not base64url"))?;
    let serial = URL_SAFE_NO_PAD
        .decode(serial)
        .map_err(|_| malformed("the serial is not base64url"))?;
    if aki.is_empty() || serial.is_empty() {
        return Err(malformed("a part is empty"));
    }
    let first = serial
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(serial.len() - 1);
    Ok((aki, hex::encode(&serial[first..])))
}

/// The suggested window for a certificate valid from `not_before` to `not_after` under
/// a `window_days` renewal window, asked at `now`.
pub fn suggested_window(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    window_days: u32,
    revoked: bool,
    now: OffsetDateTime,
) -> (OffsetDateTime, OffsetDateTime) {
    if revoked {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        return (now - Duration::days(1), now - Duration::minutes(1));
    }
    let opens = (not_after - Duration::days(i64::from(window_days))).max(not_before);
    let margin = END_MARGIN.min((not_after - opens) / 2);
    let end = (not_after - margin).max(opens + Duration::seconds(1));
    (opens, end)
}

/// The certificate's authority key identifier, if it has one.
fn authority_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
}

/// When to renew a certificate (ACME Renewal Information, RFC 9773).
#[utoipa::path(get, path = "/api/v1/renewal-info/{cert_id}",
    params(("cert_id" = String, Path, description = "`<base64url authority key identifier>.<base64url serial DER bytes>`, no padding")),
    responses(
        (status = 200, body = RenewalInfo, headers(("Retry-After" = u64, description = "seconds before asking again"))),
        (status = 400, description = "the id is malformed"),
        (status = 404, description = "no such certificate in the inventory")))]
pub async fn renewal_info(
    State(state): State<AppState>,
    Path(cert_id): Path<String>,
) -> AppResult<impl IntoResponse> {
    let (aki, serial) = parse_cert_id(&cert_id)?;
    let unknown = || AppError::not_found("no certificate with this key identifier and serial");
    let found = certificates::by_serial(state.pool(), &serial)
        .await?
        .ok_or_else(unknown)?;
    let (_, cert) = X509Certificate::from_der(&found.der)
        .map_err(|e| AppError::Internal(format!("a stored certificate is unreadable: {e}")))?;
    if authority_key_id(&cert).as_deref() != Some(aki.as_slice()) {
        return Err(unknown());
    }
    let revoked = found.revoked || is_revoked(state.pool(), &serial).await?;
    let window_days = found
        .project
        .as_deref()
        .and_then(|id| state.project(id))
        .map_or(DEFAULT_WINDOW_DAYS, |p| p.renewal_window_days);
    let (start, end) = suggested_window(
        cert.validity().not_before.to_datetime(),
        cert.validity().not_after.to_datetime(),
        window_days,
        revoked,
        OffsetDateTime::now_utc(),
    );
    let info = RenewalInfo {
        suggested_window: SuggestedWindow {
            start: clock::rfc3339(clock::to_ms(start)),
            end: clock::rfc3339(clock::to_ms(end)),
        },
        explanation_url: None,
    };
    Ok((
        [(header::RETRY_AFTER, RETRY_AFTER_S.to_string())],
        Json(info),
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn ids_decode_to_the_stored_serial() {
        let (aki, serial) = parse_cert_id("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlJzTN").unwrap();
        assert_eq!(hex::encode(aki), "69885b6b87464041e1b37b847ba0ae2cde01c8d4");
        assert_eq!(serial, "87652734cd", "the sign byte goes");
        let (_, serial) = parse_cert_id("AA.AA").unwrap();
        assert_eq!(serial, "00");
        for bad in [
            "",
            "no-dot",
            ".AIdlJzTN",
            "aYhb.",
            "aYhb+a4d.AIdl",
            "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlJzTN",
            "aYhb.AIdl!",
        ] {
            assert!(
                matches!(parse_cert_id(bad), Err(AppError::BadRequest(_))),
                "{bad:?}"
            );
        }
        assert!(parse_cert_id(&"A".repeat(600)).is_err());
    }

    #[test]
    fn the_window_is_the_projects() {
        let nb = datetime!(2026-01-01 0:00 UTC);
        let na = datetime!(2027-01-01 0:00 UTC);
        let now = datetime!(2026-06-01 0:00 UTC);
        assert_eq!(
            suggested_window(nb, na, 90, false, now),
            (
                datetime!(2026-10-03 0:00 UTC),
                datetime!(2026-12-25 0:00 UTC)
            )
        );
        // A short window ends halfway through.
        assert_eq!(
            suggested_window(nb, na, 10, false, now),
            (
                datetime!(2026-12-22 0:00 UTC),
                datetime!(2026-12-27 0:00 UTC)
            )
        );
        // A certificate shorter than the window: from notBefore.
        let short = datetime!(2026-01-11 0:00 UTC);
        assert_eq!(
            suggested_window(nb, short, 90, false, now),
            (nb, datetime!(2026-01-06 0:00 UTC))
        );
        let (start, end) = suggested_window(nb, na, 90, true, now);
        assert!(start < end && end < now, "revoked: entirely in the past");
    }
}
