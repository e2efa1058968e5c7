//! The key-compromise report routes: `POST /api/v1/certificates/compromise` (the signed-in
//! customer, for the certificate of their session), `GET
//! /api/v1/admin/compromise-reports` (the staff's queue), `POST
//! /api/v1/admin/compromise-reports/<id>/revoke` and `…/dismiss` (reviewers, CSRF).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reports::{self, MAX_NOTE_CHARS, Report, ReportError};
use crate::admin::auth::{Role, require};
use crate::api::extract::Body;
use crate::error::{AppError, AppResult};
use crate::identity::sessions;
use crate::state::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/certificates/compromise", post(report))
        .route("/api/v1/admin/compromise-reports", get(queue))
        .route("/api/v1/admin/compromise-reports/{id}/revoke", post(revoke))
        .route(
            "/api/v1/admin/compromise-reports/{id}/dismiss",
            post(dismiss),
        )
}

/// A customer's report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// What happened (lost key, PIN seen by others …), up to 1000 characters.
    #[serde(default)]
    pub note: String,
}

/// Reports the key of the session's certificate compromised: 201 with the report, which
/// waits in the staff's queue; 409 if one is open already or the certificate is revoked.
pub async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(req): Body<ReportRequest>,
) -> AppResult<(StatusCode, Json<Report>)> {
    let session = sessions::require(state.pool(), &state.sessions, &headers).await?;
    let report = reports::file(
        &state.store,
        &session.cert_sha256,
        &session.cert_der,
        &req.note,
    )
    .await
    .map_err(to_app)?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// The open reports (any staff role may read the queue).
#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    /// Oldest first.
    pub reports: Vec<Report>,
}

/// `GET /api/v1/admin/compromise-reports`.
pub async fn queue(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Json<Queue>> {
    require(
        state.pool(),
        &headers,
        &[Role::Reviewer, Role::Finance],
        false,
    )
    .await?;
    Ok(Json(Queue {
        reports: reports::open(state.pool()).await?,
    }))
}

/// What a resolution did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Resolved {
    /// The report.
    pub id: String,
    /// The certificate's serial.
    pub serial: String,
    /// `revoked` or `dismissed`.
    pub status: &'static str,
}

/// Revokes the reported certificate with reason keyCompromise (reviewers).
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<Resolved>> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let serial = reports::revoke(&state, short(&id)?, &staff.actor())
        .await
        .map_err(to_app)?;
    Ok(Json(Resolved {
        id,
        serial,
        status: "revoked",
    }))
}

/// Dismisses the report (reviewers); the certificate stays valid.
pub async fn dismiss(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<Resolved>> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let serial = reports::dismiss(&state.store, short(&id)?, &staff.actor())
        .await
        .map_err(to_app)?;
    Ok(Json(Resolved {
        id,
        serial,
        status: "dismissed",
    }))
}

fn short(id: &str) -> AppResult<&str> {
    if id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(AppError::not_found(format!("no open report {id:.64}")))
    }
}

fn to_app(e: ReportError) -> AppError {
    match e {
        ReportError::BadNote => AppError::validation(
            "note",
            "note.invalid",
            format!(
                "the note must be at most {MAX_NOTE_CHARS} characters, without control characters"
            ),
        ),
        ReportError::AlreadyRevoked => AppError::refused(
            ErrorCode::CertificateRevoked,
            StatusCode::CONFLICT,
            e.to_string(),
        ),
        ReportError::AlreadyOpen => AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            e.to_string(),
        ),
        ReportError::NoOpenReport(_) => AppError::not_found(e.to_string()),
        ReportError::Database(e) => AppError::Database(e),
        ReportError::Revocation(super::RevocationError::Database(e)) => AppError::Database(e),
        other => AppError::Internal(other.to_string()),
    }
}
