//! Installing on the expired path (待下载): a new key made on the token and its CSR,
//! with NO binding signature by the old key (which may be unusable). Accepted only for
//! an expired-path renewal, and only once reviewers approved it: the SMS login, the
//! verification transfer, the signed form, the identity check and the review stand in
//! for the old key. The on-time path (`POST /renewals/{no}/csr`) still requires the
//! binding signature. The install is confirmed with the on-time endpoint
//! (`POST /renewals/{no}/installed`, the NEW key's signature).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::api::extract::{Body, base64_field};
use crate::api::renewals::IssuedResponse;
use crate::ca::{IssueRequest, SubjectSource};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::login;
use crate::expired::state::AppStatus;
use crate::expired::store;
use crate::renewal::state::{Event, Status};
use crate::renewal::{store as renewals, transition};
use crate::state::AppState;

/// The request made on the token.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CsrRequest {
    /// The PKCS#10 request for the new key, base64 DER (≤ 16 KiB).
    pub csr: String,
}

/// Issues the renewed certificate for a new key (`POST …/csr`).
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/csr", params(("business_no" = String, Path)), request_body = CsrRequest,
    responses((status = 200, body = IssuedResponse), (status = 404), (status = 409), (status = 422)))]
pub async fn csr(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<CsrRequest>,
) -> AppResult<Json<IssuedResponse>> {
    let mobile = login::require(&state, &headers).await?;
    // Only an expired-path application of this number: an on-time renewal is not one.
    let app = store::owned(state.pool(), &business_no, &mobile).await?;
    let row = renewals::row(state.pool(), &business_no).await;
    let row = match (app.status, row) {
        (AppStatus::Submitted, Ok(row)) => row,
        (status, _) => {
            return Err(AppError::refused(
                ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                "the application is not submitted, paid and approved yet",
            )
            .with_details(json!({ "status": status.as_str() })));
        }
    };
    let event = match row.status {
        Status::Approved => Event::Issue,
        Status::Issued => Event::Reissue,
        other => {
            return Err(AppError::refused(
                ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                format!("a renewal that is {} cannot be issued", other.as_str()),
            )
            .with_details(json!({ "status": other.as_str() })));
        }
    };
    let csr = base64_field("csr", &req.csr, 16 * 1024)?;
    let project = state.project(&row.project).ok_or_else(|| {
        AppError::Internal(format!("project {} is no longer configured", row.project))
    })?;
    let now = OffsetDateTime::now_utc();
    let old_not_after = OffsetDateTime::from_unix_timestamp(row.old_not_after_s)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let months = u32::try_from(row.months).map_err(|e| AppError::Internal(e.to_string()))?;
    let (not_before, not_after) = protocol::validity::new_validity(now, old_not_after, months)
        .map_err(|e| {
            AppError::refused(
                ErrorCode::NotEligible,
                StatusCode::CONFLICT,
                format!("no validity is left to issue: {e}"),
            )
        })?;
    let profile = project.profile.to_profile();
    // The CSR's own signature proves the new key; the subject is the old certificate's.
    let issued = state
        .ca
        .issue(&IssueRequest {
            csr_der: &csr,
            subject: SubjectSource::FromCertificate(&row.cert_der),
            not_before,
            not_after,
            profile: &profile,
        })
        .map_err(|e| AppError::validation("csr", "csr.refused", e.to_string()))?;

    let mut tx = state.store.begin_write().await?;
    let superseded = sqlx::query("UPDATE certificates SET status = 'superseded' WHERE business_no = $1 AND status = 'issued'")
        .bind(&business_no)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("INSERT INTO certificates (sha256, serial, business_no, der, subject, not_before, not_after, status, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'issued', $8)")
        .bind(&issued.sha256_hex)
        .bind(&issued.serial_hex)
        .bind(&business_no)
        .bind(&issued.der)
        .bind(&row.subject)
        .bind(issued.not_before.unix_timestamp())
        .bind(issued.not_after.unix_timestamp())
        .bind(clock::to_ms(now))
        .execute(&mut *tx)
        .await?;
    let detail = json!({
        "serial": issued.serial_hex,
        "sha256": issued.sha256_hex,
        "not_after": clock::rfc3339(clock::to_ms(issued.not_after)),
        "superseded": superseded,
        "path": "expired",
        "binding_signature": false,
    });
    transition::apply(
        &state,
        &mut tx,
        &business_no,
        event,
        &store::actor(&mobile),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(IssuedResponse {
        certificate: STANDARD.encode(&issued.der),
        chain: state
            .ca
            .certificates()
            .iter()
            .map(|c| STANDARD.encode(c))
            .collect(),
        not_after: clock::rfc3339(clock::to_ms(issued.not_after)),
    }))
}
