//! The revocation routes. Public, for relying parties (no session, no CSRF):
//! `GET /crl/<ca id>.crl` (the full CRL, `application/pkix-crl`), `GET /ca/<ca id>.cer`
//! (the signing CA certificate, `application/pkix-cert`, the caIssuers URL), `POST
//! /ocsp` and `GET /ocsp/<base64 request>` (RFC 6960 Appendix A). Staff:
//! `POST /api/v1/admin/certificates/<serial>/revoke` with `{ "reason": "keyCompromise" }`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use protocol::ErrorCode;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;
use utoipa::ToSchema;

use super::revoke::{Revoked, revoke};
use super::{RevocationError, crl, ocsp};
use crate::admin::auth::{Role, require};
use crate::api::extract::Body;
use crate::ca::Reason;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The largest OCSP request taken (a request for 20 certificates is about 2 KiB).
pub const MAX_OCSP_REQUEST: usize = 16 * 1024;
/// CRLs are re-signed at every revocation: caches keep one at most this long (or to its
/// nextUpdate, if sooner).
pub const CRL_MAX_AGE_S: i64 = 3600;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/crl/{file}", get(crl_file))
        .route("/ca/{file}", get(ca_file))
        .route(
            "/ocsp",
            post(ocsp_post).layer(DefaultBodyLimit::max(MAX_OCSP_REQUEST)),
        )
        .route("/ocsp/{*request}", get(ocsp_get))
        .route(
            "/api/v1/admin/certificates/{serial}/revoke",
            post(revoke_by_staff),
        )
}

/// `GET /crl/<ca id>.crl`: the current full CRL, DER.
pub async fn crl_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> AppResult<Response> {
    if file.strip_suffix(".crl") != Some(state.ca.id().as_str()) {
        return Ok(not_found());
    }
    let row = crl::current(&state.store, &state.ca)
        .await
        .map_err(internal)?;
    let etag = format!("\"{}-{}\"", state.ca.id(), row.number);
    let max_age = ((row.next_update - clock::now_ms()) / 1000).clamp(0, CRL_MAX_AGE_S);
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, row.der).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pkix-crl"),
    );
    set(h, header::ETAG, &etag);
    set(
        h,
        header::CACHE_CONTROL,
        &format!("public, max-age={max_age}, no-transform"),
    );
    set(h, header::LAST_MODIFIED, &http_date(row.this_update));
    set(h, header::EXPIRES, &http_date(row.next_update));
    Ok(response)
}

/// `GET /ca/<ca id>.cer`: the signing CA certificate, DER.
pub async fn ca_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(der) = state.ca.certificates().first() else {
        return not_found();
    };
    if file.strip_suffix(".cer") != Some(state.ca.id().as_str()) {
        return not_found();
    }
    (
        [
            (header::CONTENT_TYPE, "application/pkix-cert"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        der.clone(),
    )
        .into_response()
}

/// `POST /ocsp` with an `application/ocsp-request` body.
pub async fn ocsp_post(State(state): State<AppState>, body: Bytes) -> Response {
    ocsp_response(ocsp::answer(&state.store, &state.ca, &body).await)
}

/// `GET /ocsp/<base64 of the DER request, URL-encoded>`.
pub async fn ocsp_get(State(state): State<AppState>, Path(request): Path<String>) -> Response {
    // Path segments arrive URL-decoded; some clients also drop the padding.
    let text = request.trim_start_matches('/');
    let der = base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text));
    let answer = match der {
        Ok(der) if der.len() <= MAX_OCSP_REQUEST => {
            ocsp::answer(&state.store, &state.ca, &der).await
        }
        _ => ocsp::answer(&state.store, &state.ca, &[]).await,
    };
    ocsp_response(answer)
}

fn ocsp_response(answer: ocsp::Answer) -> Response {
    let mut response = (StatusCode::OK, answer.der.clone()).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/ocsp-response"),
    );
    match (answer.cacheable, answer.this_update, answer.next_update) {
        (true, Some(this), Some(next)) => {
            let max_age = ((next - clock::now_ms()) / 1000).max(0);
            set(
                h,
                header::CACHE_CONTROL,
                &format!("public, max-age={max_age}, no-transform, must-revalidate"),
            );
            set(h, header::LAST_MODIFIED, &http_date(this));
            set(h, header::EXPIRES, &http_date(next));
            set(
                h,
                header::ETAG,
                &format!("\"{}\"", hex::encode(&Sha256::digest(&answer.der)[..16])),
            );
        }
        _ => {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    response
}

/// A staff revocation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The RFC 5280 reason name: `unspecified`, `keyCompromise`, `cACompromise`,
    /// `affiliationChanged`, `superseded`, `cessationOfOperation`, `privilegeWithdrawn`.
    pub reason: String,
}

/// Revokes a certificate issued here (reviewers only); audited, the CRL re-signed.
pub async fn revoke_by_staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(serial): Path<String>,
    Body(req): Body<RevokeRequest>,
) -> AppResult<Json<Revoked>> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let reason = Reason::parse(&req.reason).ok_or_else(|| {
        AppError::validation(
            "reason",
            "reason.unknown",
            format!(
                "{:?} is not an RFC 5280 revocation reason (one of: {})",
                req.reason,
                Reason::ALL.map(Reason::as_str).join(", ")
            ),
        )
    })?;
    match revoke(
        &state.store,
        &state.ca,
        &serial,
        reason,
        &staff.actor(),
        true,
    )
    .await
    {
        Ok(done) => Ok(Json(done)),
        Err(RevocationError::InvalidSerial(s)) => Err(AppError::validation(
            "serial",
            "serial.not_hex",
            format!("{s:?} is not a hexadecimal serial number"),
        )),
        Err(RevocationError::UnknownSerial(s)) => Err(AppError::refused(
            ErrorCode::NotFound,
            StatusCode::NOT_FOUND,
            format!("no certificate with serial {s} was issued here"),
        )),
        Err(RevocationError::AlreadyRevoked(s)) => Err(AppError::refused(
            ErrorCode::CertificateRevoked,
            StatusCode::CONFLICT,
            format!("the certificate {s} is revoked already"),
        )),
        Err(e) => Err(internal(e)),
    }
}

fn internal(e: RevocationError) -> AppError {
    match e {
        RevocationError::Database(e) => AppError::Database(e),
        other => AppError::Internal(other.to_string()),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn set(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// An HTTP date (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(ms: i64) -> String {
    let t: OffsetDateTime = clock::from_ms(ms);
    t.format(format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    ))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
