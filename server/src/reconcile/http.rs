//! Finance's reconciliation API in the console (role `finance`; the staff gate checks
//! the session and, for writes, its CSRF token):
//! - `GET /api/v1/admin/reconciliation/differences?status=open|resolved|all`;
//! - `POST /api/v1/admin/reconciliation/differences/{id}/resolve {"note"}`;
//! - `GET /api/v1/admin/reconciliation/runs`;
//! - `POST /api/v1/admin/reconciliation/runs {"bill_date":"YYYY-MM-DD"}`: runs a day now.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::RunOutcome;
use super::store::{self, DifferenceRow, RunRow};
use crate::admin::auth::{Role, Staff, require};
use crate::api::extract::Body;
use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The longest resolution note.
pub const MAX_NOTE_CHARS: usize = 500;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/reconciliation/differences", get(differences))
        .route(
            "/api/v1/admin/reconciliation/differences/{id}/resolve",
            post(resolve),
        )
        .route("/api/v1/admin/reconciliation/runs", get(runs).post(run))
}

async fn finance(state: &AppState, headers: &HeaderMap, writes: bool) -> AppResult<Staff> {
    require(state.pool(), headers, &[Role::Finance], writes).await
}

/// Which differences.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DifferencesQuery {
    /// `open` (default), `resolved` or `all`.
    pub status: Option<String>,
}

/// Differences between the gateways' statements and the ledger, newest day first.
#[utoipa::path(get, path = "/api/v1/admin/reconciliation/differences", params(DifferencesQuery), responses((status = 200, body = [DifferenceRow]), (status = 403)))]
pub async fn differences(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<DifferencesQuery>,
) -> AppResult<Json<Vec<DifferenceRow>>> {
    finance(&state, &headers, false).await?;
    let status = match q.status.as_deref().unwrap_or("open") {
        "all" => None,
        s @ ("open" | "resolved") => Some(s),
        other => {
            return Err(AppError::validation(
                "status",
                "status.unknown",
                format!("no status {other:?}"),
            ));
        }
    };
    Ok(Json(store::differences(state.pool(), status, 500).await?))
}

/// A resolution.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// What finance did about it (required), e.g. "refunded at the gateway on 12-03".
    pub note: String,
}

/// Resolves an open difference with a note.
#[utoipa::path(post, path = "/api/v1/admin/reconciliation/differences/{id}/resolve", params(("id" = String, Path)), request_body = ResolveRequest, responses((status = 200, body = DifferenceRow), (status = 404), (status = 409), (status = 422)))]
pub async fn resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(req): Body<ResolveRequest>,
) -> AppResult<Json<DifferenceRow>> {
    let staff = finance(&state, &headers, true).await?;
    let note = req.note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::validation(
            "note",
            "note.length",
            format!("a note of 1 to {MAX_NOTE_CHARS} characters is required"),
        ));
    }
    let mut tx = state.store.begin_write().await?;
    let found = store::difference_by_id(&mut *tx, &id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no difference {id}")))?;
    if !store::resolve(&mut *tx, &id, note, &staff.actor(), clock::now_ms()).await? {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "the difference is resolved already",
        ));
    }
    audit::append(
        &mut tx,
        &staff.actor(),
        "reconcile.difference_resolved",
        &id,
        json!({
            "gateway": found.gateway,
            "bill_date": found.bill_date,
            "out_trade_no": found.out_trade_no,
            "kind": found.kind.as_str(),
            "note": note,
        }),
    )
    .await?;
    tx.commit().await?;
    let row = store::difference_by_id(state.pool(), &id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no difference {id}")))?;
    Ok(Json(row))
}

/// The latest runs.
#[utoipa::path(get, path = "/api/v1/admin/reconciliation/runs", responses((status = 200, body = [RunRow]), (status = 403)))]
pub async fn runs(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<Vec<RunRow>>> {
    finance(&state, &headers, false).await?;
    Ok(Json(store::runs(state.pool(), 60).await?))
}

/// A day to reconcile.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RunRequest {
    /// `YYYY-MM-DD`, a day of China Standard Time before today.
    pub bill_date: String,
}

/// Reconciles a day with every gateway now (a rerun keeps what was found and resolved).
#[utoipa::path(post, path = "/api/v1/admin/reconciliation/runs", request_body = RunRequest, responses((status = 200, body = [RunOutcome]), (status = 422)))]
pub async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(req): Body<RunRequest>,
) -> AppResult<Json<Vec<RunOutcome>>> {
    let staff = finance(&state, &headers, true).await?;
    let today = time::OffsetDateTime::now_utc().to_offset(super::CST).date();
    let date = super::parse_date(&req.bill_date)
        .filter(|d| *d <= today)
        .ok_or_else(|| {
            AppError::validation(
                "bill_date",
                "bill_date.invalid",
                "a day as YYYY-MM-DD, not after today",
            )
        })?;
    Ok(Json(super::run(&state, date, &staff.actor()).await?))
}
