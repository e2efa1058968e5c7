//! Where the applicant takes the liveness check. A real provider runs it on its own
//! page (usually on the phone) and sends the applicant back to `/expired/{no}` with a
//! token that `POST …/identity` hands to the provider's verdict. The sandbox's page
//! (`crate::sandbox::identity`) only asks which outcome to return, so development and
//! tests choose it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::expired::apply::closed;
use crate::expired::login;
use crate::expired::state::ApplicationStatus;
use crate::expired::store;
use crate::state::AppState;

/// Where to send the applicant.
#[derive(Debug, Serialize, ToSchema)]
pub struct LivenessStart {
    /// The provider's page (a same-origin path for the sandbox).
    pub url: String,
}

/// Starts the liveness check (`POST …/liveness`): only once the form is uploaded, as
/// the check itself (`POST …/identity`) requires.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/liveness", params(("business_no" = String, Path)),
    responses((status = 200, body = LivenessStart), (status = 409), (status = 502)))]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<LivenessStart>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    if row.status != ApplicationStatus::FormUploaded {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "the liveness check comes after the signed form is uploaded",
        )
        .with_details(json!({ "status": row.status.as_str() })));
    }
    let url = state
        .providers
        .identity
        .liveness_url(&row.business_no)
        .map_err(|e| {
            AppError::refused(ErrorCode::Internal, StatusCode::BAD_GATEWAY, e.to_string())
        })?;
    Ok(Json(LivenessStart { url }))
}
