//! The operator's identity check (实名认证): the ID card photos uploaded and a liveness
//! check, judged by the configured
//! [`Verifier`](crate::expired::identity_provider::Verifier). Each outcome is recorded; a failure is shown with
//! its reason and may be tried again up to [`MAX_CHECKS`] times. In development the
//! sandbox verifier decides by the liveness token, so tests choose the outcome:
//! `pass`, or `fail` / `fail:<reason>`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::api::extract::Body;
use crate::audit;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::expired::apply::{closed, saved};
use crate::expired::identity_provider::{Person, Verdict};
use crate::expired::login;
use crate::expired::state::{AppEvent, Steps};
use crate::expired::store::{self, AppView};
use crate::expired::uploads::path_of;
use crate::state::AppState;

/// Checks per application.
pub const MAX_CHECKS: i64 = 5;

/// Asking for the check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckRequest {
    /// The liveness token from the provider's flow (sandbox: `pass`, `fail`, `fail:<reason>`).
    pub liveness_token: String,
}

/// Runs the identity check on the latest ID photos (`POST …/identity`). A failure is
/// recorded and answered 200 with the application, whose `identity_checks` shows it.
#[utoipa::path(post, path = "/api/v1/expired/applications/{business_no}/identity", params(("business_no" = String, Path)), request_body = CheckRequest,
    responses((status = 200, body = AppView), (status = 409), (status = 422), (status = 429), (status = 502)))]
pub async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<CheckRequest>,
) -> AppResult<Json<AppView>> {
    let mobile = login::require(&state, &headers).await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    if !row.status.is_open() {
        return Err(closed(row.status));
    }
    row.status.next(AppEvent::PassIdentity).map_err(|e| {
        AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            e.to_string(),
        )
        .with_details(json!({ "status": row.status.as_str() }))
    })?;
    if req.liveness_token.len() > 512 || req.liveness_token.trim().is_empty() {
        return Err(AppError::validation(
            "liveness_token",
            "liveness_token.length",
            "the liveness token is 1 to 512 characters",
        ));
    }
    let details = saved(&row.details)?;
    let mut photos = Vec::new();
    for kind in ["id_front", "id_back"] {
        let sha = store::uploads::latest_of_kind(state.pool(), &business_no, kind).await?;
        let sha = sha.ok_or_else(|| {
            AppError::validation(
                kind,
                "identity.photo_missing",
                format!("upload the ID card's {kind} photo first"),
            )
        })?;
        let bytes = tokio::fs::read(path_of(&state.config.data_dir, &sha))
            .await
            .map_err(|e| AppError::Internal(format!("reading an upload: {e}")))?;
        photos.push(bytes);
    }
    let verifier = &state.providers.identity;
    // The check is reserved (counted) under the write lock before the provider is
    // asked, so racing requests cannot run more than MAX_CHECKS.
    let mut tx = state.store.begin_exclusive().await?;
    let done = store::checks::count_counted(&mut tx, &business_no).await?;
    super::within_limit(
        done,
        MAX_CHECKS,
        "identity.too_many",
        "too many identity checks for this application; contact the CA",
    )?;
    let id =
        store::checks::reserve(&mut tx, &business_no, verifier.name(), clock::now_ms()).await?;
    tx.commit().await?;
    let verdict = verifier
        .verify(&Person {
            name: &details.operator.name,
            id_number: &details.operator.id_number,
            front: &photos[0],
            back: &photos[1],
            liveness_token: &req.liveness_token,
        })
        .await;
    let verdict = match verdict {
        Ok(v) => v,
        Err(e) => {
            // No verdict: the reservation does not count against the applicant.
            let mut tx = state.store.begin_write().await?;
            store::checks::mark_error(&mut tx, id, &e.to_string()).await?;
            audit::append(
                &mut tx,
                &store::actor(&mobile),
                "expired.identity_error",
                &business_no,
                json!({ "provider": verifier.name(), "error": e.to_string() }),
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::refused(
                ErrorCode::Internal,
                StatusCode::BAD_GATEWAY,
                e.to_string(),
            ));
        }
    };
    let actor = store::actor(&mobile);
    let mut tx = state.store.begin_write().await?;
    let (outcome, reason, reference) = match &verdict {
        Verdict::Passed { reference } => ("passed", None, reference),
        Verdict::Failed { reason, reference } => (
            "failed",
            Some(reason.chars().take(200).collect::<String>()),
            reference,
        ),
    };
    store::checks::record(
        &mut tx,
        id,
        outcome,
        reason.as_deref(),
        reference,
        clock::now_ms(),
    )
    .await?;
    let detail = json!({ "provider": verifier.name(), "reference": reference, "reason": reason });
    if outcome == "passed" {
        store::step(
            &mut tx,
            &business_no,
            AppEvent::PassIdentity,
            &actor,
            detail,
        )
        .await?;
    } else {
        audit::append(
            &mut tx,
            &actor,
            "expired.identity_failed",
            &business_no,
            detail,
        )
        .await?;
    }
    tx.commit().await?;
    let row = store::owned(state.pool(), &business_no, &mobile).await?;
    Ok(Json(store::view(state.pool(), &row).await?))
}
