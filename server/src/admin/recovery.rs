//! Key recovery, the staff's half (docs/kmc.md): a reviewer or admin asks for an
//! escrowed encryption key to be re-delivered (with a reason); two OTHER staff members
//! approve it, each once; then the customer's token can take delivery
//! (`crate::api::recoveries`). Every step is audited about the renewal.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::admin::auth::{Role, require};
use crate::api::extract::Body;
use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::kmc::recovery::{self, APPROVALS_REQUIRED, NewRecovery, RecoveryStatus, RecoveryView};
use crate::kmc::store as escrow;
use crate::random;
use crate::state::AppState;

/// A recovery asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    /// The dual renewal whose encryption key is to be re-delivered.
    pub business_no: String,
    /// Why (2 to 500 characters), e.g. the customer's token was lost.
    pub reason: String,
}

async fn view(state: &AppState, id: &str) -> AppResult<RecoveryView> {
    recovery::view(state.pool(), id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no recovery {id}")))
}

/// Asks for a key recovery.
#[utoipa::path(post, path = "/api/v1/admin/recoveries", request_body = RecoveryRequest,
    responses((status = 201, body = RecoveryView), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn request(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(req): Body<RecoveryRequest>,
) -> AppResult<(StatusCode, Json<RecoveryView>)> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let reason = req.reason.trim();
    if !(2..=500).contains(&reason.chars().count()) || reason.chars().any(char::is_control) {
        return Err(AppError::validation(
            "reason",
            "reason.length",
            "give the reason in 2 to 500 characters, on one line",
        ));
    }
    if req.business_no.len() > 64 {
        return Err(AppError::validation(
            "business_no",
            "business_no.length",
            "a business number is at most 64 characters",
        ));
    }
    let escrowed = escrow::for_renewal(state.pool(), &req.business_no)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "renewal {} has no escrowed encryption key",
                req.business_no
            ))
        })?;
    let id = random::hex(16);
    let now = clock::now_ms();
    let mut tx = state.store.begin_write().await?;
    recovery::insert(
        &mut tx,
        &NewRecovery {
            id: &id,
            key_id: &escrowed.escrow.key_id,
            business_no: &req.business_no,
            subject: &escrowed.subject,
            reason,
            requested_by: &staff.username,
            at_ms: now,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &staff.actor(),
        "recovery.requested",
        &req.business_no,
        json!({ "recovery": id, "key_id": escrowed.escrow.key_id, "certificate": escrowed.cert_sha256, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view(&state, &id).await?)))
}

/// Approves a key recovery: by neither its requester nor an earlier approver; the
/// second distinct approval makes it `approved`.
#[utoipa::path(post, path = "/api/v1/admin/recoveries/{id}/approve", params(("id" = String, Path)),
    responses((status = 200, body = RecoveryView), (status = 403), (status = 404), (status = 409)))]
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<RecoveryView>> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let mut tx = state.store.begin_write().await?;
    let row = recovery::row(&mut *tx, &id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no recovery {id}")))?;
    if row.requested_by == staff.username {
        return Err(AppError::refused(
            ErrorCode::Forbidden,
            StatusCode::FORBIDDEN,
            "the requester of a recovery cannot approve it: two other staff members must",
        ));
    }
    if row.status != RecoveryStatus::Requested {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "a recovery that is {} takes no more approvals",
                row.status.as_str()
            ),
        ));
    }
    if recovery::approvers(&mut *tx, &id)
        .await?
        .contains(&staff.username)
    {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "you already approved this recovery: a second, different staff member must",
        ));
    }
    let now = clock::now_ms();
    let approvers = recovery::approve(&mut tx, &id, &staff.username, now).await?;
    let approved = approvers.len() >= APPROVALS_REQUIRED;
    if approved {
        recovery::set_status(&mut tx, &id, RecoveryStatus::Approved, None, now).await?;
    }
    audit::append(
        &mut tx,
        &staff.actor(),
        "recovery.approved",
        &row.business_no,
        json!({ "recovery": id, "approvals": approvers.len(), "status": if approved { RecoveryStatus::Approved } else { RecoveryStatus::Requested } }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(view(&state, &id).await?))
}

/// Every key recovery, newest first.
#[utoipa::path(get, path = "/api/v1/admin/recoveries", responses((status = 200, body = [RecoveryView]), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<Vec<RecoveryView>>> {
    require(state.pool(), &headers, &[Role::Reviewer], false).await?;
    Ok(Json(recovery::list(state.pool(), None).await?))
}
