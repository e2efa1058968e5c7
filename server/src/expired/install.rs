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
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::api::extract::{Body, base64_field};
use crate::api::renewals::{IssuedResponse, issue};
use crate::error::{AppError, AppResult};
use crate::expired::login;
use crate::expired::state::ApplicationStatus;
use crate::expired::store;
use crate::renewal::state::{Event, Status};
use crate::renewal::store as renewals;
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
        (ApplicationStatus::Submitted, Ok(row)) => row,
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
    // The CSR's own signature proves the new key; the rest is the on-time issuance.
    let extra = json!({ "path": "expired", "binding_signature": false });
    issue(
        &state,
        &row,
        event,
        &csr,
        &store::actor(&mobile),
        extra,
        None,
    )
    .await
    .map(Json)
}
