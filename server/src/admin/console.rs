//! The review console's API: the queue, one renewal's whole story, approve (N distinct
//! reviewers per project) and reject (reason required, payment refunded), finance's
//! bank-transfer reconciliation, manual refunds and invoices, and the audit trail.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use protocol::ErrorCode;
use protocol::payment::{PaymentMethod, PaymentStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::admin::auth::{Role, Staff, require};
use crate::api::extract::Body;
use crate::audit::{self, AuditRow, Verification};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::notify::outbox::{self, Template};
use crate::payments;
use crate::payments::service::{self, Paid};
use crate::renewal::state::{Event, Status};
use crate::renewal::store::{self, RenewalView};
use crate::renewal::transition;
use crate::state::AppState;

/// A reviewer or finance member (reading only: no CSRF token needed).
async fn require_reader(state: &AppState, headers: &HeaderMap) -> AppResult<Staff> {
    require(
        state.pool(),
        headers,
        &[Role::Reviewer, Role::Finance],
        false,
    )
    .await
}

/// Filters of the queue.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// A state, e.g. `in_review` (default: all).
    pub status: Option<String>,
    /// A project id.
    pub project: Option<String>,
    /// A business number, or part of a subject.
    pub q: Option<String>,
    /// At most this many (default 50, at most 200).
    pub limit: Option<i64>,
}

/// A row of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueRow {
    /// 业务单号.
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// Subject.
    pub subject: String,
    /// State.
    pub status: Status,
    /// Total, fen.
    pub total_fen: i64,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// The review queue, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/renewals", params(QueueQuery), responses((status = 200, body = [QueueRow])))]
pub async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> AppResult<Json<Vec<QueueRow>>> {
    require_reader(&state, &headers).await?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            AppError::validation("status", "status.unknown", format!("no status {s:?}"))
        })?),
        None => None,
    };
    let like =
        q.q.as_deref()
            .map(|s| format!("%{}%", s.replace(['%', '_'], "")))
            .unwrap_or_else(|| "%".into());
    let rows = store::queue(
        state.pool(),
        status,
        q.project.as_deref(),
        &like,
        q.limit.unwrap_or(50).clamp(1, 200),
    )
    .await?;
    let out = rows
        .into_iter()
        .map(|r| QueueRow {
            business_no: r.business_no,
            project: r.project,
            subject: r.subject,
            status: r.status,
            total_fen: r.total_fen,
            created_at: clock::rfc3339(r.created_at),
            updated_at: clock::rfc3339(r.updated_at),
        })
        .collect();
    Ok(Json(out))
}

/// One renewal for the reviewer: the customer's view plus the full audit rows and who approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// The renewal.
    pub renewal: RenewalView,
    /// Every audit row about it.
    pub audit: Vec<AuditRow>,
    /// Who approved so far.
    pub approved_by: Vec<String>,
    /// How many distinct approvals the project needs.
    pub approvals_required: u32,
    /// The old certificate, as the server read it.
    pub certificate: crate::api::sessions::CertificateSummary,
}

/// One renewal's whole story.
#[utoipa::path(get, path = "/api/v1/admin/renewals/{business_no}", params(("business_no" = String, Path)), responses((status = 200, body = ReviewView), (status = 404)))]
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<ReviewView>> {
    require_reader(&state, &headers).await?;
    let row = store::row(state.pool(), &business_no).await?;
    let renewal = store::view(state.pool(), &business_no).await?;
    let approved_by = store::approvers(state.pool(), &business_no).await?;
    let facts = crate::identity::certificate::parse(&row.cert_der)?;
    Ok(Json(ReviewView {
        renewal,
        audit: audit::for_subject(state.pool(), &business_no).await?,
        approved_by,
        approvals_required: state
            .project(&row.project)
            .map_or(1, |p| p.approvals_required),
        certificate: crate::api::sessions::summary(&facts),
    }))
}

/// Approves. The renewal moves on when the project's number of distinct reviewers approved.
#[utoipa::path(post, path = "/api/v1/admin/renewals/{business_no}/approve", params(("business_no" = String, Path)), responses((status = 200, body = RenewalView), (status = 409)))]
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<RenewalView>> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let mut tx = state.store.begin_write().await?;
    let row = store::row(&mut *tx, &business_no).await?;
    if row.status != Status::InReview {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "a renewal that is {} cannot be approved",
                row.status.as_str()
            ),
        ));
    }
    if !store::record_approval(&mut tx, &business_no, &staff.username, clock::now_ms()).await? {
        return Err(AppError::refused(
            ErrorCode::Forbidden,
            StatusCode::FORBIDDEN,
            "you already approved this renewal; another reviewer must approve too",
        ));
    }
    let count = store::approval_count(&mut *tx, &business_no).await?;
    let required = i64::from(
        state
            .project(&row.project)
            .map_or(1, |p| p.approvals_required),
    );
    // The row read above, in this transaction: the move checks it is still in review.
    let version = if count >= required {
        let detail = json!({ "approvals": count, "install_url": format!("{}/renewals/{business_no}", state.config.public_origin) });
        transition::apply_to(
            &state,
            &mut tx,
            &row,
            Event::Approve,
            &staff.actor(),
            detail,
        )
        .await?
        .audit_id
    } else {
        audit::append(
            &mut tx,
            &staff.actor(),
            "renewal.approval_recorded",
            &business_no,
            json!({ "approvals": count, "required": required }),
        )
        .await?
    };
    tx.commit().await?;
    // Through the cache at this version: the customer's next poll costs one statement.
    let view = state
        .views
        .view(state.pool(), &business_no, version)
        .await?;
    Ok(Json(RenewalView::clone(&view)))
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// Why, in words the customer reads (required).
    pub reason: String,
}

/// Rejects with a reason; every paid attempt is refunded.
#[utoipa::path(post, path = "/api/v1/admin/renewals/{business_no}/reject", params(("business_no" = String, Path)), request_body = RejectRequest, responses((status = 200, body = RenewalView), (status = 409), (status = 422)))]
pub async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<RejectRequest>,
) -> AppResult<Json<RenewalView>> {
    let staff = require(state.pool(), &headers, &[Role::Reviewer], true).await?;
    let reason = protocol::renewal::check_reason(&req.reason).map_err(|_| {
        AppError::validation(
            "reason",
            "reason.length",
            "give the reason in 2 to 500 characters",
        )
    })?;
    let mut tx = state.store.begin_write().await?;
    transition::apply(
        &state,
        &mut tx,
        &business_no,
        Event::Reject,
        &staff.actor(),
        json!({ "reason": reason }),
    )
    .await?;
    store::set_rejection_reason(&mut tx, &business_no, reason).await?;
    let paid =
        payments::store::attempts_with_status(&mut *tx, &business_no, PaymentStatus::Paid).await?;
    let mut refunds = Vec::new();
    for p in &paid {
        refunds.push(
            service::open_refund(
                &mut tx,
                &business_no,
                &p.out_trade_no,
                p.amount_fen,
                reason,
                &staff.actor(),
            )
            .await?,
        );
    }
    tx.commit().await?;
    for refund_no in refunds {
        // A gateway failure leaves the refund pending for finance; the rejection stands.
        if let Err(e) = service::execute_refund(&state, &refund_no).await {
            tracing::warn!(refund_no, error = %e, "refund not carried out yet");
        }
    }
    Ok(Json(store::view(state.pool(), &business_no).await?))
}

/// Finance's finding on a declared transfer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReconcileRequest {
    /// Whether the money is on the CA's account.
    pub received: bool,
    /// A note for the record.
    #[serde(default)]
    pub note: String,
}

/// Reconciles a bank transfer: received → paid; not received → back to awaiting payment.
#[utoipa::path(post, path = "/api/v1/admin/payments/{out_trade_no}/reconcile", params(("out_trade_no" = String, Path)), request_body = ReconcileRequest, responses((status = 200, body = RenewalView), (status = 409)))]
pub async fn reconcile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(out_trade_no): Path<String>,
    Body(req): Body<ReconcileRequest>,
) -> AppResult<Json<RenewalView>> {
    let staff = require(state.pool(), &headers, &[Role::Finance], true).await?;
    let payment = payments::store::attempt_by_number(state.pool(), &out_trade_no)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no payment {out_trade_no}")))?;
    let business_no = payment.business_no;
    let amount = payment.amount_fen;
    if payment.method != PaymentMethod::BankTransfer || payment.status != PaymentStatus::Pending {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "only a pending bank transfer can be reconciled",
        ));
    }
    let mut tx = state.store.begin_write().await?;
    let outcome = if req.received {
        service::record_paid(
            &state,
            &mut tx,
            &out_trade_no,
            &format!("BANK-{out_trade_no}"),
            amount,
            &staff.actor(),
        )
        .await?
    } else {
        payments::store::set_status(&mut *tx, &out_trade_no, PaymentStatus::Failed).await?;
        transition::apply(
            &state,
            &mut tx,
            &business_no,
            Event::BankTransferRefused,
            &staff.actor(),
            json!({ "out_trade_no": out_trade_no, "note": req.note }),
        )
        .await?;
        Paid::AlreadyKnown
    };
    tx.commit().await?;
    if let Paid::Refunding(refund_no) = outcome {
        service::execute_refund(&state, &refund_no).await?;
    }
    Ok(Json(store::view(state.pool(), &business_no).await?))
}

/// Marks a refund sent by hand (bank transfers) as done.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{refund_no}/done", params(("refund_no" = String, Path)), responses((status = 204)))]
pub async fn refund_done(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(refund_no): Path<String>,
) -> AppResult<StatusCode> {
    let staff = require(state.pool(), &headers, &[Role::Finance], true).await?;
    service::mark_refund_done(&state, &refund_no, &staff.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks the invoice issued and tells the customer.
#[utoipa::path(post, path = "/api/v1/admin/renewals/{business_no}/invoice", params(("business_no" = String, Path)), responses((status = 200, body = RenewalView), (status = 409)))]
pub async fn invoice_issued(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
) -> AppResult<Json<RenewalView>> {
    let staff = require(state.pool(), &headers, &[Role::Finance], true).await?;
    let row = store::row(state.pool(), &business_no).await?;
    if !matches!(
        row.status,
        Status::InReview | Status::Approved | Status::Issued | Status::Completed
    ) {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "a renewal that is {} is not paid; no invoice can be issued",
                row.status.as_str()
            ),
        ));
    }
    let mut tx = state.store.begin_write().await?;
    if !payments::store::issue_invoice(&mut *tx, &business_no, clock::now_ms()).await? {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            "no invoice is waiting to be issued",
        ));
    }
    audit::append(
        &mut tx,
        &staff.actor(),
        "invoice.issued",
        &business_no,
        json!({}),
    )
    .await?;
    let params = json!({ "business_no": business_no });
    outbox::enqueue_both(
        &mut tx,
        &row.operator_email,
        &row.operator_mobile,
        Template::InvoiceIssued,
        &row.lang,
        &params,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(store::view(state.pool(), &business_no).await?))
}

/// A page of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Rows with an id below this (default: the newest).
    pub before: Option<i64>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", params(AuditQuery), responses((status = 200, body = [AuditRow])))]
pub async fn audit_log(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditRow>>> {
    require_reader(&state, &headers).await?;
    Ok(Json(
        audit::recent(state.pool(), q.limit.unwrap_or(100).clamp(1, 500), q.before).await?,
    ))
}

/// Checks the audit chain.
#[utoipa::path(get, path = "/api/v1/admin/audit/verify", responses((status = 200, body = Verification)))]
pub async fn audit_verify(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<Verification>> {
    require_reader(&state, &headers).await?;
    let certificate = state.ca.certificates().first().cloned().unwrap_or_default();
    Ok(Json(
        audit::verify_signed(state.pool(), &certificate).await?,
    ))
}
