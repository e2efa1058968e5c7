//! The money rules. A payment attempt is opened only after every earlier open attempt
//! was asked about at the gateway (a paid one is taken instead: no double charge).
//! A notice is verified, matched to its attempt and amount, and applied once however
//! often it arrives: the first marks the attempt paid, writes the one ledger entry
//! (a constraint forbids a second) and moves the renewal; the rest change nothing.
//! Money that arrives for a renewal that no longer wants it is refunded.
//!
//! The rules only: the HTTP handlers are `payments::http`, the rows `payments::store`,
//! the gateways `AppState::providers`.

use axum::http::StatusCode;
use protocol::ErrorCode;
use protocol::credit_code::CreditCode;
use protocol::money::Fen;
pub use protocol::pay_request::{BankTransferRequest, InvoiceRequest, PaymentRequest};
use protocol::payment::{PaymentMethod, PaymentStatus, RefundStatus};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::audit;
use crate::clock;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::payments::provider::{GatewayState, Order, PaymentError};
use crate::payments::store::{
    self as payments, Entry, InvoiceAsked, LockBy, NewAttempt, NewRefund,
};
use crate::renewal::numbers;
use crate::renewal::state::{Event, Status};
use crate::renewal::store::{self, PaymentView, RenewalRow, RenewalView};
use crate::renewal::transition;
use crate::state::AppState;

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

/// What paying did.
#[derive(Debug)]
pub enum Started {
    /// A new attempt was opened (or a transfer declared).
    Opened(PaymentResponse),
    /// An earlier attempt turned out to be paid: nothing new was opened.
    AlreadyPaid(PaymentResponse),
}

/// Pays for renewal `business_no` (立即支付 / 重新支付), or declares a bank transfer,
/// for its owner `cert_sha256` (the caller checked the session). Every earlier open
/// attempt is settled at its gateway first. `mobile`: the customer is on a phone (the
/// gateway's cashier for phones).
pub async fn pay(
    state: &AppState,
    cert_sha256: &str,
    row: &RenewalRow,
    req: &PaymentRequest,
    mobile: bool,
) -> AppResult<Started> {
    let business_no = row.business_no.as_str();
    let project = state
        .project(&row.project)
        .ok_or_else(|| AppError::Internal(format!("project {} is gone", row.project)))?;
    let method = PaymentMethod::parse(&req.method)
        .filter(|m| project.offers(*m))
        .ok_or_else(|| {
            AppError::validation(
                "method",
                "payment.method",
                format!("{} is not offered for this project", req.method),
            )
        })?;
    let taxpayer_id = check_invoice(&project.invoice_kinds, &req.invoice)?;
    // `row` was read by the caller as this request began; it is read again only when
    // settling changed something. A move by another request in between is caught as
    // it was with a fresh read here (that too was before the write): a bank transfer's
    // transition checks the state it moves from, and money that arrives for a renewal
    // no longer waiting for it is refunded (`record_paid`).
    let status = settle(state, business_no, row.status).await?;
    if is_paid(status) {
        let renewal = store::view(state.pool(), business_no).await?;
        return Ok(Started::AlreadyPaid(PaymentResponse {
            renewal,
            payment: None,
            already_paid: true,
        }));
    }
    if status != Status::AwaitingPayment {
        return Err(AppError::refused(
            ErrorCode::IllegalTransition,
            StatusCode::CONFLICT,
            format!(
                "a renewal that is {} is not waiting for payment",
                status.as_str()
            ),
        ));
    }
    let actor = format!("user:{cert_sha256}");
    let out_trade_no = numbers::out_trade_no(business_no);
    let now = clock::now_ms();
    let gateway = state.providers.payments.for_method(method);
    let (pay_url, transfer) = if method == PaymentMethod::BankTransfer {
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
            mobile,
        };
        let url = gateway.create(&order).await.map_err(gateway_error)?;
        (Some(url), None)
    };
    let mut tx = state.store.begin_write().await?;
    payments::insert_attempt(
        &mut *tx,
        &NewAttempt {
            out_trade_no: &out_trade_no,
            business_no,
            provider: if transfer.is_some() {
                "bank"
            } else {
                gateway.name()
            },
            method,
            amount_fen: row.total_fen,
            pay_url: pay_url.as_deref(),
            bank_transfer: transfer.as_deref(),
            created_at: now,
        },
    )
    .await?;
    payments::request_invoice(
        &mut tx,
        business_no,
        &InvoiceAsked {
            kind: &req.invoice.kind,
            title: req.invoice.title.trim(),
            taxpayer_id: taxpayer_id.as_deref(),
        },
    )
    .await?;
    let mut version = audit::append(
        &mut tx,
        &actor,
        "payment.started",
        business_no,
        json!({ "out_trade_no": out_trade_no, "method": method, "amount_fen": row.total_fen }),
    )
    .await?;
    if transfer.is_some() {
        version = transition::apply(
            state,
            &mut tx,
            business_no,
            Event::BankTransferSubmitted,
            &actor,
            json!({ "out_trade_no": out_trade_no }),
        )
        .await?
        .audit_id;
    }
    tx.commit().await?;
    // Through the cache at this request's version: the progress page's next poll
    // costs one statement.
    let view = state.views.view(state.pool(), business_no, version).await?;
    let renewal = RenewalView::clone(&view);
    let payment = renewal
        .payments
        .iter()
        .find(|p| p.out_trade_no == out_trade_no)
        .cloned();
    Ok(Started::Opened(PaymentResponse {
        renewal,
        payment,
        already_paid: false,
    }))
}

/// A gateway's failure as the API answers it (502).
fn gateway_error(e: PaymentError) -> AppError {
    AppError::refused(
        ErrorCode::PaymentGateway,
        StatusCode::BAD_GATEWAY,
        e.to_string(),
    )
}

/// Asks the gateway about every pending online attempt of a renewal: a paid one is
/// recorded as paid, a failed one as failed. Returns whether the renewal is now paid.
pub async fn settle_open_attempts(state: &AppState, business_no: &str) -> AppResult<bool> {
    let status = store::row(state.pool(), business_no).await?.status;
    Ok(is_paid(settle(state, business_no, status).await?))
}

/// Paid means the money arrived: a renewal that moved past payment. A closed one
/// (cancelled, expired, rejected) is not paid, whatever it once was.
fn is_paid(status: Status) -> bool {
    matches!(
        status,
        Status::InReview | Status::Approved | Status::Issued | Status::Completed
    )
}

/// [`settle_open_attempts`] for a renewal read as `status`: its status afterwards,
/// read again only when an attempt was settled.
async fn settle(state: &AppState, business_no: &str, status: Status) -> AppResult<Status> {
    let pending =
        payments::attempts_with_status(state.pool(), business_no, PaymentStatus::Pending).await?;
    let mut settled = false;
    for attempt in pending
        .iter()
        .filter(|a| a.method != PaymentMethod::BankTransfer)
    {
        settled = true;
        let out_trade_no = attempt.out_trade_no.as_str();
        // The gateway that opened it, whatever serves the method today.
        let gateway = state.providers.payments.named(&attempt.provider);
        match gateway.query(out_trade_no).await.map_err(gateway_error)? {
            GatewayState::Paid {
                trade_no,
                amount_fen,
            } => {
                apply_paid(state, out_trade_no, &trade_no, amount_fen, "gateway:query").await?;
            }
            GatewayState::Failed => {
                mark_ended(state, out_trade_no, Ended::Failed, "gateway:query").await?
            }
            // Still open at the gateway: close it, so it cannot be paid after a new attempt is opened.
            GatewayState::Pending | GatewayState::Unknown => {
                gateway.close(out_trade_no).await.map_err(gateway_error)?;
                // The close may have raced with a payment: ask once more.
                match gateway.query(out_trade_no).await.map_err(gateway_error)? {
                    GatewayState::Paid {
                        trade_no,
                        amount_fen,
                    } => {
                        apply_paid(state, out_trade_no, &trade_no, amount_fen, "gateway:query")
                            .await?;
                    }
                    _ => mark_ended(state, out_trade_no, Ended::Closed, "system").await?,
                }
            }
        }
    }
    if settled {
        Ok(store::row(state.pool(), business_no).await?.status)
    } else {
        Ok(status)
    }
}

/// How an unpaid attempt ended.
#[derive(Debug, Clone, Copy)]
pub enum Ended {
    /// Closed by us before a new attempt (or at cancel / expiry).
    Closed,
    /// The gateway says it failed.
    Failed,
}

/// Ends a still-pending attempt with its audit row; an attempt no longer pending is
/// left as it is.
pub async fn mark_ended(
    state: &AppState,
    out_trade_no: &str,
    how: Ended,
    actor: &str,
) -> AppResult<()> {
    let (status, action) = match how {
        Ended::Closed => (PaymentStatus::Closed, "payment.closed"),
        Ended::Failed => (PaymentStatus::Failed, "payment.failed"),
    };
    let mut tx = state.store.begin_write().await?;
    let attempt = payments::attempt_by_number(&mut *tx, out_trade_no)
        .await?
        .filter(|a| a.status == PaymentStatus::Pending);
    if let Some(attempt) = attempt {
        payments::set_status(&mut *tx, out_trade_no, status).await?;
        audit::append(
            &mut tx,
            actor,
            action,
            &attempt.business_no,
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

/// Records that `out_trade_no` was paid, in `tx`. Amount-checked and idempotent: it
/// holds the renewal's row first ([`payments::lock_renewal`]), so parallel copies of a
/// notice, or two attempts paid at once, are recorded one after the other.
pub async fn record_paid(
    state: &AppState,
    tx: &mut Tx,
    out_trade_no: &str,
    trade_no: &str,
    amount_fen: i64,
    actor: &str,
) -> AppResult<Paid> {
    payments::lock_renewal(tx, state.store.backend(), LockBy::Attempt(out_trade_no)).await?;
    let attempt = payments::attempt_by_number(&mut **tx, out_trade_no)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no payment {out_trade_no}")))?;
    let business_no = attempt.business_no;
    let expected = attempt.amount_fen;
    let status = attempt.status;
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
    if matches!(status, PaymentStatus::Paid | PaymentStatus::Refunded) {
        return Ok(Paid::AlreadyKnown);
    }
    let now = clock::now_ms();
    payments::mark_paid(&mut **tx, out_trade_no, trade_no, now).await?;
    payments::ledger(
        &mut **tx,
        out_trade_no,
        Entry::Charge,
        amount_fen,
        trade_no,
        now,
    )
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
        transition::apply_to(
            state,
            tx,
            &renewal,
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
    let new = payments::insert_refund(
        tx,
        &NewRefund {
            refund_no: &refund_no,
            out_trade_no,
            business_no,
            amount_fen,
            reason,
            created_at: clock::now_ms(),
        },
    )
    .await?;
    if new {
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
    // Copies of a notice arrive in parallel: `record_paid` holds the renewal's row
    // first, so the second copy sees the attempt paid (no global lock: notices of
    // other renewals go on meanwhile).
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
    let refund = payments::refund(state.pool(), refund_no)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no refund {refund_no}")))?;
    if refund.status == RefundStatus::Done || refund.method == PaymentMethod::BankTransfer {
        return Ok(());
    }
    state
        .providers
        .payments
        .named(&refund.provider)
        .refund(&refund.out_trade_no, refund_no, refund.amount_fen)
        .await
        .map_err(gateway_error)?;
    mark_refund_done(state, refund_no, "gateway:refund").await
}

/// Records a refund as done: the ledger's refund entry, the attempt refunded.
pub async fn mark_refund_done(state: &AppState, refund_no: &str, actor: &str) -> AppResult<()> {
    let mut tx = state.store.begin_write().await?;
    payments::lock_renewal(&mut tx, state.store.backend(), LockBy::Refund(refund_no)).await?;
    let refund = payments::refund(&mut *tx, refund_no)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no refund {refund_no}")))?;
    if refund.status != RefundStatus::Done {
        let now = clock::now_ms();
        payments::mark_refund_done(&mut *tx, refund_no, now).await?;
        payments::set_status(&mut *tx, &refund.out_trade_no, PaymentStatus::Refunded).await?;
        payments::ledger(
            &mut *tx,
            &refund.out_trade_no,
            Entry::Refund,
            -refund.amount_fen,
            refund_no,
            now,
        )
        .await?;
        audit::append(
            &mut tx,
            actor,
            "refund.done",
            &refund.business_no,
            json!({ "refund_no": refund_no, "amount_fen": refund.amount_fen }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
