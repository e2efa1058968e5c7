//! The money rules. A payment attempt is opened only after every earlier open attempt
//! was asked about at the gateway (a paid one is taken instead: no double charge).
//! A notice is verified, matched to its attempt and amount, and applied once however
//! often it arrives: the first marks the attempt paid, writes the one ledger entry
//! (a constraint forbids a second) and moves the renewal; the rest change nothing.
//! Money that arrives for a renewal that no longer wants it is refunded.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;
use protocol::credit_code::CreditCode;
use protocol::money::Fen;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::api::extract::Body;
use crate::api::renewals::owned;
use crate::audit;
use crate::clock;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::payments::provider::{GatewayState, Order, PaymentError};
use crate::renewal::numbers;
use crate::renewal::state::{Event, Status};
use crate::renewal::store::{self, PaymentView, RenewalView};
use crate::renewal::transition;
use crate::state::AppState;

/// The invoice asked for with a payment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InvoiceRequest {
    /// `electronic` or `paper`.
    pub kind: String,
    /// The title (发票抬头).
    pub title: String,
    /// The taxpayer id (统一社会信用代码); required for an electronic invoice.
    pub taxpayer_id: Option<String>,
}

/// A declared bank transfer (对公转账).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct BankTransferRequest {
    /// The paying account number.
    pub payer_account: String,
    /// The paying account's name.
    pub payer_name: String,
    /// The amount sent, fen.
    pub amount_fen: i64,
    /// The day it was sent, `YYYY-MM-DD`.
    pub paid_on: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// Paying.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentRequest {
    /// `alipay`, `unionpay`, `wechat` or `bank_transfer`.
    pub method: String,
    /// The invoice.
    pub invoice: InvoiceRequest,
    /// The transfer, for `bank_transfer`.
    pub bank_transfer: Option<BankTransferRequest>,
}

/// The answer to paying.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentResponse {
    /// The renewal after this call.
    pub renewal: RenewalView,
    /// The new attempt (with its `pay_url`), or none when an earlier attempt turned
    /// out to be paid already.
    pub payment: Option<PaymentView>,
    /// True when an earlier attempt was found paid: nothing new was opened.
    pub already_paid: bool,
}

fn check_invoice(project_kinds: &[String], invoice: &InvoiceRequest) -> AppResult<Option<String>> {
    if !project_kinds.contains(&invoice.kind) {
        return Err(AppError::validation(
            "invoice.kind",
            "invoice.kind",
            "choose an electronic or a paper invoice",
        ));
    }
    let title = invoice.title.trim();
    if title.is_empty() || title.chars().count() > 100 || title.chars().any(char::is_control) {
        return Err(AppError::validation(
            "invoice.title",
            "invoice.title",
            "the invoice title must be 1 to 100 characters",
        ));
    }
    match invoice
        .taxpayer_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(id) => CreditCode::parse(id)
            .map(|c| Some(c.as_str().to_owned()))
            .map_err(|e| AppError::validation("invoice.taxpayer_id", e.code(), e.to_string())),
        None if invoice.kind == "electronic" => Err(AppError::validation(
            "invoice.taxpayer_id",
            "credit_code.missing",
            "an electronic invoice needs the taxpayer id (统一社会信用代码)",
        )),
        None => Ok(None),
    }
}

fn check_transfer(total_fen: i64, t: &BankTransferRequest) -> AppResult<()> {
    let account = t.payer_account.replace([' ', '-'], "");
    if !(8..=32).contains(&account.len()) || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::validation(
            "bank_transfer.payer_account",
            "bank_account.format",
            "the account number is 8 to 32 digits",
        ));
    }
    let name = t.payer_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation(
            "bank_transfer.payer_name",
            "bank_account.name",
            "the account name must be 1 to 100 characters",
        ));
    }
    if t.amount_fen != total_fen {
        return Err(AppError::validation(
            "bank_transfer.amount_fen",
            "bank_transfer.amount",
            format!("the transfer must be exactly {}", Fen(total_fen)),
        ));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(&t.paid_on, &format).is_err() {
        return Err(AppError::validation(
            "bank_transfer.paid_on",
            "date.format",
            "the date is YYYY-MM-DD",
        ));
    }
    if t.note.chars().count() > 200 {
        return Err(AppError::validation(
            "bank_transfer.note",
            "note.length",
            "the note is at most 200 characters",
        ));
    }
    Ok(())
}

/// Pays for a renewal (立即支付 / 重新支付), or declares a bank transfer.
#[utoipa::path(post, path = "/api/v1/renewals/{business_no}/payments", params(("business_no" = String, Path)), request_body = PaymentRequest,
    responses((status = 201, body = PaymentResponse), (status = 200, body = PaymentResponse, description = "an earlier attempt was already paid"), (status = 409), (status = 422)))]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<PaymentRequest>,
) -> AppResult<(StatusCode, Json<PaymentResponse>)> {
    let (session, row) = owned(&state, &headers, &business_no).await?;
    let project = state
        .project(&row.project)
        .ok_or_else(|| AppError::Internal(format!("project {} is gone", row.project)))?;
    if !project.payment_methods.contains(&req.method) {
        return Err(AppError::validation(
            "method",
            "payment.method",
            format!("{} is not offered for this project", req.method),
        ));
    }
    let taxpayer_id = check_invoice(&project.invoice_kinds, &req.invoice)?;
    if settle_open_attempts(&state, &business_no).await? {
        let renewal = store::view(state.pool(), &business_no).await?;
        return Ok((
            StatusCode::OK,
            Json(PaymentResponse {
                renewal,
                payment: None,
                already_paid: true,
            }),
        ));
    }
    let row = store::row(state.pool(), &business_no).await?;
    if row.status != Status::AwaitingPayment {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "a renewal that is {} is not waiting for payment",
                row.status.as_str()
            ),
        ));
    }
    let actor = format!("user:{}", session.cert_sha256);
    let out_trade_no = numbers::out_trade_no(&business_no);
    let now = clock::now_ms();
    let (pay_url, transfer) = if req.method == "bank_transfer" {
        let t = req.bank_transfer.as_ref().ok_or_else(|| {
            AppError::validation(
                "bank_transfer",
                "bank_transfer.missing",
                "describe the transfer",
            )
        })?;
        check_transfer(row.total_fen, t)?;
        (None, Some(serde_json::to_string(t).unwrap_or_default()))
    } else {
        let order = Order {
            out_trade_no: out_trade_no.clone(),
            amount_fen: row.total_fen,
            subject: format!("{} {}", project.fee_line_zh, business_no),
            return_url: format!("/renewals/{business_no}?from=gateway"),
        };
        let url = state.provider.create(&order).await.map_err(|e| {
            AppError::refused(
                ErrorCode::PaymentGateway,
                StatusCode::BAD_GATEWAY,
                e.to_string(),
            )
        })?;
        (Some(url), None)
    };
    let mut tx = state.store.begin_write().await?;
    sqlx::query("INSERT INTO payments (out_trade_no, business_no, provider, method, amount_fen, status, pay_url, bank_transfer, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)")
        .bind(&out_trade_no)
        .bind(&business_no)
        .bind(if transfer.is_some() { "bank" } else { state.provider.name() })
        .bind(&req.method)
        .bind(row.total_fen)
        .bind(&pay_url)
        .bind(&transfer)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM invoices WHERE business_no = $1 AND status = 'requested'")
        .bind(&business_no)
        .execute(&mut *tx)
        .await?;
    // An invoice already issued stays as it is; otherwise the latest request counts.
    sqlx::query("INSERT INTO invoices (business_no, kind, title, taxpayer_id, status) SELECT $1, $2, $3, $4, 'requested' WHERE NOT EXISTS (SELECT 1 FROM invoices WHERE business_no = $1)")
        .bind(&business_no)
        .bind(&req.invoice.kind)
        .bind(req.invoice.title.trim())
        .bind(&taxpayer_id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        &actor,
        "payment.started",
        &business_no,
        json!({ "out_trade_no": out_trade_no, "method": req.method, "amount_fen": row.total_fen }),
    )
    .await?;
    if transfer.is_some() {
        transition::apply(
            &state,
            &mut tx,
            &business_no,
            Event::BankTransferSubmitted,
            &actor,
            json!({ "out_trade_no": out_trade_no }),
        )
        .await?;
    }
    tx.commit().await?;
    let renewal = store::view(state.pool(), &business_no).await?;
    let payment = renewal
        .payments
        .iter()
        .find(|p| p.out_trade_no == out_trade_no)
        .cloned();
    Ok((
        StatusCode::CREATED,
        Json(PaymentResponse {
            renewal,
            payment,
            already_paid: false,
        }),
    ))
}

/// Asks the gateway about every pending online attempt of a renewal: a paid one is
/// recorded as paid, a failed one as failed. Returns whether the renewal is now paid.
pub async fn settle_open_attempts(state: &AppState, business_no: &str) -> AppResult<bool> {
    let pending: Vec<(String, i64)> = sqlx::query("SELECT out_trade_no, amount_fen FROM payments WHERE business_no = $1 AND status = 'pending' AND method <> 'bank_transfer'")
        .bind(business_no)
        .fetch_all(state.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let gateway_error = |e: PaymentError| {
        AppError::refused(
            ErrorCode::PaymentGateway,
            StatusCode::BAD_GATEWAY,
            e.to_string(),
        )
    };
    for (out_trade_no, _) in pending {
        match state
            .provider
            .query(&out_trade_no)
            .await
            .map_err(gateway_error)?
        {
            GatewayState::Paid {
                trade_no,
                amount_fen,
            } => {
                apply_paid(state, &out_trade_no, &trade_no, amount_fen, "gateway:query").await?;
            }
            GatewayState::Failed => {
                mark_ended(state, &out_trade_no, Ended::Failed, "gateway:query").await?
            }
            // Still open at the gateway: close it, so it cannot be paid after a new attempt is opened.
            GatewayState::Pending | GatewayState::Unknown => {
                state
                    .provider
                    .close(&out_trade_no)
                    .await
                    .map_err(gateway_error)?;
                // The close may have raced with a payment: ask once more.
                match state
                    .provider
                    .query(&out_trade_no)
                    .await
                    .map_err(gateway_error)?
                {
                    GatewayState::Paid {
                        trade_no,
                        amount_fen,
                    } => {
                        apply_paid(state, &out_trade_no, &trade_no, amount_fen, "gateway:query")
                            .await?;
                    }
                    _ => mark_ended(state, &out_trade_no, Ended::Closed, "system").await?,
                }
            }
        }
    }
    // Paid means the money arrived: a renewal that moved past payment. A closed one
    // (cancelled, expired, rejected) is not paid, whatever it once was.
    let status = store::row(state.pool(), business_no).await?.status;
    Ok(matches!(
        status,
        Status::InReview | Status::Approved | Status::Issued | Status::Completed
    ))
}

/// How an unpaid attempt ended.
#[derive(Clone, Copy)]
enum Ended {
    /// Closed by us before a new attempt (or at cancel / expiry).
    Closed,
    /// The gateway says it failed.
    Failed,
}

/// Ends a still-pending attempt with its audit row; an attempt no longer pending is
/// left as it is.
async fn mark_ended(
    state: &AppState,
    out_trade_no: &str,
    how: Ended,
    actor: &str,
) -> AppResult<()> {
    let (status, action) = match how {
        Ended::Closed => ("closed", "payment.closed"),
        Ended::Failed => ("failed", "payment.failed"),
    };
    let mut tx = state.store.begin_write().await?;
    let business_no: Option<String> = sqlx::query_scalar(
        "SELECT business_no FROM payments WHERE out_trade_no = $1 AND status = 'pending'",
    )
    .bind(out_trade_no)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(business_no) = business_no {
        sqlx::query("UPDATE payments SET status = $1 WHERE out_trade_no = $2")
            .bind(status)
            .bind(out_trade_no)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            action,
            &business_no,
            json!({ "out_trade_no": out_trade_no }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What recording a payment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paid {
    /// First news of it: recorded, renewal moved.
    Recorded,
    /// Already known: nothing changed.
    AlreadyKnown,
    /// Recorded, but the renewal no longer wanted it: a refund was opened.
    Refunding(String),
}

/// Records that `out_trade_no` was paid, in `tx`. Amount-checked and idempotent.
pub async fn record_paid(
    state: &AppState,
    tx: &mut Tx,
    out_trade_no: &str,
    trade_no: &str,
    amount_fen: i64,
    actor: &str,
) -> AppResult<Paid> {
    let row =
        sqlx::query("SELECT business_no, amount_fen, status FROM payments WHERE out_trade_no = $1")
            .bind(out_trade_no)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no payment {out_trade_no}")))?;
    let business_no: String = row.try_get(0)?;
    let expected: i64 = row.try_get(1)?;
    let status: String = row.try_get(2)?;
    if amount_fen != expected {
        return Err(AppError::refused(
            ErrorCode::PaymentMismatch,
            StatusCode::BAD_REQUEST,
            format!(
                "the notice says {} but the order is {}",
                Fen(amount_fen),
                Fen(expected)
            ),
        ));
    }
    if status == "paid" || status == "refunded" {
        return Ok(Paid::AlreadyKnown);
    }
    let now = clock::now_ms();
    sqlx::query("UPDATE payments SET status = 'paid', paid_at = $1, gateway_trade_no = $2 WHERE out_trade_no = $3")
        .bind(now)
        .bind(trade_no)
        .bind(out_trade_no)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO ledger (out_trade_no, kind, amount_fen, reference, at) VALUES ($1, 'charge', $2, $3, $4)")
        .bind(out_trade_no)
        .bind(amount_fen)
        .bind(trade_no)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    audit::append(
        tx,
        actor,
        "payment.paid",
        &business_no,
        json!({ "out_trade_no": out_trade_no, "trade_no": trade_no, "amount_fen": amount_fen }),
    )
    .await?;
    let renewal = store::row(&mut **tx, &business_no).await?;
    if matches!(
        renewal.status,
        Status::AwaitingPayment | Status::AwaitingReconciliation
    ) {
        transition::apply(
            state,
            tx,
            &business_no,
            Event::Paid,
            actor,
            json!({ "out_trade_no": out_trade_no }),
        )
        .await?;
        Ok(Paid::Recorded)
    } else {
        let refund_no = open_refund(
            tx,
            &business_no,
            out_trade_no,
            amount_fen,
            "the renewal was already paid or closed when this payment arrived",
            actor,
        )
        .await?;
        Ok(Paid::Refunding(refund_no))
    }
}

/// Opens a refund for a paid attempt (idempotent: one refund number per attempt).
pub async fn open_refund(
    tx: &mut Tx,
    business_no: &str,
    out_trade_no: &str,
    amount_fen: i64,
    reason: &str,
    actor: &str,
) -> AppResult<String> {
    let refund_no = numbers::refund_no(out_trade_no);
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM refunds WHERE refund_no = $1")
        .bind(&refund_no)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        sqlx::query("INSERT INTO refunds (refund_no, out_trade_no, business_no, amount_fen, status, reason, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)")
            .bind(&refund_no)
            .bind(out_trade_no)
            .bind(business_no)
            .bind(amount_fen)
            .bind(reason)
            .bind(clock::now_ms())
            .execute(&mut **tx)
            .await?;
        audit::append(tx, actor, "refund.opened", business_no, json!({ "refund_no": refund_no, "out_trade_no": out_trade_no, "amount_fen": amount_fen, "reason": reason })).await?;
    }
    Ok(refund_no)
}

/// Records a payment in its own transaction, then carries out any refund it opened.
pub async fn apply_paid(
    state: &AppState,
    out_trade_no: &str,
    trade_no: &str,
    amount_fen: i64,
    actor: &str,
) -> AppResult<Paid> {
    let mut tx = state.store.begin_write().await?;
    let outcome = record_paid(state, &mut tx, out_trade_no, trade_no, amount_fen, actor).await?;
    tx.commit().await?;
    if let Paid::Refunding(refund_no) = &outcome {
        execute_refund(state, refund_no).await?;
    }
    Ok(outcome)
}

/// Carries out a pending refund of an online payment at the gateway and records it.
/// Bank-transfer refunds are sent by finance by hand and marked done in the console.
pub async fn execute_refund(state: &AppState, refund_no: &str) -> AppResult<()> {
    let row = sqlx::query("SELECT r.out_trade_no, r.business_no, r.amount_fen, r.status, p.method FROM refunds r JOIN payments p ON p.out_trade_no = r.out_trade_no WHERE r.refund_no = $1")
        .bind(refund_no)
        .fetch_optional(state.pool())
        .await?
        .ok_or_else(|| AppError::not_found(format!("no refund {refund_no}")))?;
    let out_trade_no: String = row.try_get(0)?;
    let status: String = row.try_get(3)?;
    let method: String = row.try_get(4)?;
    if status == "done" || method == "bank_transfer" {
        return Ok(());
    }
    let amount: i64 = row.try_get(2)?;
    state
        .provider
        .refund(&out_trade_no, refund_no, amount)
        .await
        .map_err(|e| {
            AppError::refused(
                ErrorCode::PaymentGateway,
                StatusCode::BAD_GATEWAY,
                e.to_string(),
            )
        })?;
    mark_refund_done(state, refund_no, "gateway:refund").await
}

/// Records a refund as done: the ledger's refund entry, the attempt refunded.
pub async fn mark_refund_done(state: &AppState, refund_no: &str, actor: &str) -> AppResult<()> {
    let mut tx = state.store.begin_write().await?;
    let row = sqlx::query(
        "SELECT out_trade_no, business_no, amount_fen, status FROM refunds WHERE refund_no = $1",
    )
    .bind(refund_no)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found(format!("no refund {refund_no}")))?;
    let status: String = row.try_get(3)?;
    if status != "done" {
        let out_trade_no: String = row.try_get(0)?;
        let business_no: String = row.try_get(1)?;
        let amount: i64 = row.try_get(2)?;
        let now = clock::now_ms();
        sqlx::query("UPDATE refunds SET status = 'done', done_at = $1 WHERE refund_no = $2")
            .bind(now)
            .bind(refund_no)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE payments SET status = 'refunded' WHERE out_trade_no = $1")
            .bind(&out_trade_no)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO ledger (out_trade_no, kind, amount_fen, reference, at) VALUES ($1, 'refund', $2, $3, $4)")
            .bind(&out_trade_no)
            .bind(-amount)
            .bind(refund_no)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            actor,
            "refund.done",
            &business_no,
            json!({ "refund_no": refund_no, "amount_fen": amount }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The gateway's asynchronous notice. Answered in the gateway's format: `success`
/// when taken (also for a repeat), `fail` otherwise (the gateway will retry).
pub async fn notify(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Form(params): Form<BTreeMap<String, String>>,
) -> Response {
    if provider != state.provider.name() {
        return (StatusCode::NOT_FOUND, "fail").into_response();
    }
    let notice = match state.provider.verify_notice(&params) {
        Ok(notice) => notice,
        Err(e) => {
            tracing::warn!(error = %e, "payment notice refused");
            return (StatusCode::BAD_REQUEST, "fail").into_response();
        }
    };
    let actor = format!("gateway:{provider}");
    let outcome = if notice.paid {
        apply_paid(
            &state,
            &notice.out_trade_no,
            &notice.trade_no,
            notice.amount_fen,
            &actor,
        )
        .await
        .map(|_| ())
    } else {
        mark_ended(&state, &notice.out_trade_no, Ended::Failed, &actor).await
    };
    match outcome {
        Ok(()) => (StatusCode::OK, state.provider.ack()).into_response(),
        Err(e) => {
            let (code, status) = e.code_status();
            tracing::warn!(%code, error = %e, out_trade_no = notice.out_trade_no, "payment notice not applied");
            (status, "fail").into_response()
        }
    }
}
