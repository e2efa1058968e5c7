//! The money's rows: payment attempts (`payments`), the ledger, refunds and invoice
//! requests. Every statement on those tables is here; the rules (`service`) and the
//! handlers call these functions with the pool or their transaction, so one
//! transaction can span several. Columns are read by name.

use protocol::payment::{PaymentMethod, PaymentStatus, RefundStatus};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::db::{Backend, Tx, wire_column};
use crate::error::AppError;

/// A result of the store.
pub type StoreResult<T> = Result<T, AppError>;

/// Which attempt's renewal [`lock_renewal`] takes.
#[derive(Debug, Clone, Copy)]
pub enum LockBy<'a> {
    /// A payment attempt's number.
    Attempt(&'a str),
    /// A refund's number.
    Refund(&'a str),
}

/// Holds the renewal row of an attempt (or of a refund's attempt) until `tx` ends, so
/// the money events of one renewal take turns across instances (copies of a notice
/// in parallel, two attempts paid at once, a refund confirmed twice) while other
/// renewals go on. The renewal row first, as every transition takes it, so no two
/// writers wait for each other in opposite order. On SQLite the writing transaction
/// holds the whole database already.
pub async fn lock_renewal(tx: &mut Tx, backend: Backend, by: LockBy<'_>) -> StoreResult<()> {
    if backend == Backend::Sqlite {
        return Ok(());
    }
    let (sql, key) = match by {
        LockBy::Attempt(no) => (
            "SELECT r.business_no FROM renewals r JOIN payments p ON p.business_no = r.business_no WHERE p.out_trade_no = $1 FOR UPDATE OF r",
            no,
        ),
        LockBy::Refund(no) => (
            "SELECT r.business_no FROM renewals r JOIN refunds f ON f.business_no = r.business_no WHERE f.refund_no = $1 FOR UPDATE OF r",
            no,
        ),
    };
    sqlx::query(sql).bind(key).fetch_optional(&mut **tx).await?;
    Ok(())
}

/// A new payment attempt.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    /// The attempt's number.
    pub out_trade_no: &'a str,
    /// The renewal.
    pub business_no: &'a str,
    /// The gateway's name (`bank` for a transfer).
    pub provider: &'a str,
    /// How the customer pays.
    pub method: PaymentMethod,
    /// Fen.
    pub amount_fen: i64,
    /// Where the user pays (online methods).
    pub pay_url: Option<&'a str>,
    /// The declared transfer, JSON (bank transfers).
    pub bank_transfer: Option<&'a str>,
    /// Unix ms.
    pub created_at: i64,
}

/// An attempt as the rules read it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The attempt's number.
    pub out_trade_no: String,
    /// The renewal.
    pub business_no: String,
    /// The gateway's name.
    pub provider: String,
    /// The method.
    pub method: PaymentMethod,
    /// Where it is.
    pub status: PaymentStatus,
    /// Fen.
    pub amount_fen: i64,
}

const ATTEMPT: &str = "out_trade_no, business_no, provider, method, status, amount_fen";

fn attempt(r: &AnyRow) -> StoreResult<Attempt> {
    Ok(Attempt {
        out_trade_no: r.try_get("out_trade_no")?,
        business_no: r.try_get("business_no")?,
        provider: r.try_get("provider")?,
        method: wire_column(r, "method", PaymentMethod::parse)?,
        status: wire_column(r, "status", PaymentStatus::parse)?,
        amount_fen: r.try_get("amount_fen")?,
    })
}

/// Records a new pending attempt.
pub async fn insert_attempt<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    a: &NewAttempt<'_>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO payments (out_trade_no, business_no, provider, method, amount_fen, status, pay_url, bank_transfer, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)")
        .bind(a.out_trade_no)
        .bind(a.business_no)
        .bind(a.provider)
        .bind(a.method.as_str())
        .bind(a.amount_fen)
        .bind(a.pay_url)
        .bind(a.bank_transfer)
        .bind(a.created_at)
        .execute(executor)
        .await?;
    Ok(())
}

/// One attempt by its number.
pub async fn attempt_by_number<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    out_trade_no: &str,
) -> StoreResult<Option<Attempt>> {
    let query = format!("SELECT {ATTEMPT} FROM payments WHERE out_trade_no = $1");
    sqlx::query(&query)
        .bind(out_trade_no)
        .fetch_optional(executor)
        .await?
        .map(|r| attempt(&r))
        .transpose()
}

/// A renewal's attempts with `status`, oldest first.
pub async fn attempts_with_status<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
    status: PaymentStatus,
) -> StoreResult<Vec<Attempt>> {
    let query = format!(
        "SELECT {ATTEMPT} FROM payments WHERE business_no = $1 AND status = $2 ORDER BY created_at, out_trade_no"
    );
    sqlx::query(&query)
        .bind(business_no)
        .bind(status.as_str())
        .fetch_all(executor)
        .await?
        .iter()
        .map(attempt)
        .collect()
}

/// Sets an attempt's status, whatever it was.
pub async fn set_status<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    out_trade_no: &str,
    status: PaymentStatus,
) -> StoreResult<()> {
    sqlx::query("UPDATE payments SET status = $1 WHERE out_trade_no = $2")
        .bind(status.as_str())
        .bind(out_trade_no)
        .execute(executor)
        .await?;
    Ok(())
}

/// Closes every pending attempt of a renewal (cancelled or expired).
pub async fn close_pending<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE payments SET status = 'closed' WHERE business_no = $1 AND status = 'pending'",
    )
    .bind(business_no)
    .execute(executor)
    .await?;
    Ok(())
}

/// Marks an attempt paid with the gateway's number.
pub async fn mark_paid<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    out_trade_no: &str,
    trade_no: &str,
    at: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE payments SET status = 'paid', paid_at = $1, gateway_trade_no = $2 WHERE out_trade_no = $3")
        .bind(at)
        .bind(trade_no)
        .bind(out_trade_no)
        .execute(executor)
        .await?;
    Ok(())
}

/// What a ledger entry records.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    /// Money in.
    Charge,
    /// Money back (the amount is negative).
    Refund,
}

/// Writes a ledger entry (a constraint forbids a second charge per attempt).
pub async fn ledger<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    out_trade_no: &str,
    entry: Entry,
    amount_fen: i64,
    reference: &str,
    at: i64,
) -> StoreResult<()> {
    let kind = match entry {
        Entry::Charge => "charge",
        Entry::Refund => "refund",
    };
    sqlx::query("INSERT INTO ledger (out_trade_no, kind, amount_fen, reference, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(out_trade_no)
        .bind(kind)
        .bind(amount_fen)
        .bind(reference)
        .bind(at)
        .execute(executor)
        .await?;
    Ok(())
}

/// A refund, with its attempt's method and gateway.
#[derive(Debug, Clone)]
pub struct Refund {
    /// The refund's number.
    pub refund_no: String,
    /// The attempt refunded.
    pub out_trade_no: String,
    /// The renewal.
    pub business_no: String,
    /// Fen.
    pub amount_fen: i64,
    /// Where it is.
    pub status: RefundStatus,
    /// The attempt's method.
    pub method: PaymentMethod,
    /// The attempt's gateway.
    pub provider: String,
}

/// A refund by number.
pub async fn refund<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    refund_no: &str,
) -> StoreResult<Option<Refund>> {
    sqlx::query("SELECT r.refund_no, r.out_trade_no, r.business_no, r.amount_fen, r.status, p.method, p.provider FROM refunds r JOIN payments p ON p.out_trade_no = r.out_trade_no WHERE r.refund_no = $1")
        .bind(refund_no)
        .fetch_optional(executor)
        .await?
        .map(|r| {
            Ok(Refund {
                refund_no: r.try_get("refund_no")?,
                out_trade_no: r.try_get("out_trade_no")?,
                business_no: r.try_get("business_no")?,
                amount_fen: r.try_get("amount_fen")?,
                status: wire_column(&r, "status", RefundStatus::parse)?,
                method: wire_column(&r, "method", PaymentMethod::parse)?,
                provider: r.try_get("provider")?,
            })
        })
        .transpose()
}

/// A new pending refund.
#[derive(Debug, Clone)]
pub struct NewRefund<'a> {
    /// Its number.
    pub refund_no: &'a str,
    /// The attempt refunded.
    pub out_trade_no: &'a str,
    /// The renewal.
    pub business_no: &'a str,
    /// Fen.
    pub amount_fen: i64,
    /// Why.
    pub reason: &'a str,
    /// Unix ms.
    pub created_at: i64,
}

/// Records a pending refund unless one with its number exists; returns whether it
/// was new.
pub async fn insert_refund(tx: &mut crate::db::Tx, r: &NewRefund<'_>) -> StoreResult<bool> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM refunds WHERE refund_no = $1")
        .bind(r.refund_no)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO refunds (refund_no, out_trade_no, business_no, amount_fen, status, reason, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)")
        .bind(r.refund_no)
        .bind(r.out_trade_no)
        .bind(r.business_no)
        .bind(r.amount_fen)
        .bind(r.reason)
        .bind(r.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Marks a refund done.
pub async fn mark_refund_done<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    refund_no: &str,
    at: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE refunds SET status = 'done', done_at = $1 WHERE refund_no = $2")
        .bind(at)
        .bind(refund_no)
        .execute(executor)
        .await?;
    Ok(())
}

/// The invoice asked for with a payment.
#[derive(Debug, Clone)]
pub struct InvoiceAsked<'a> {
    /// `electronic` or `paper`.
    pub kind: &'a str,
    /// The title.
    pub title: &'a str,
    /// The taxpayer id.
    pub taxpayer_id: Option<&'a str>,
}

/// Records the invoice request: an invoice already issued stays as it is; otherwise
/// the latest request counts.
pub async fn request_invoice(
    tx: &mut crate::db::Tx,
    business_no: &str,
    invoice: &InvoiceAsked<'_>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM invoices WHERE business_no = $1 AND status = 'requested'")
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO invoices (business_no, kind, title, taxpayer_id, status) SELECT $1, $2, $3, $4, 'requested' WHERE NOT EXISTS (SELECT 1 FROM invoices WHERE business_no = $1)")
        .bind(business_no)
        .bind(invoice.kind)
        .bind(invoice.title)
        .bind(invoice.taxpayer_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks the requested invoice issued; returns whether there was one.
pub async fn issue_invoice<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
    at: i64,
) -> StoreResult<bool> {
    let updated = sqlx::query("UPDATE invoices SET status = 'issued', issued_at = $1 WHERE business_no = $2 AND status = 'requested'")
        .bind(at)
        .bind(business_no)
        .execute(executor)
        .await?;
    Ok(updated.rows_affected() == 1)
}

/// A renewal's payment attempt as its owner and the console see it.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// The attempt's number.
    pub out_trade_no: String,
    /// The method.
    pub method: PaymentMethod,
    /// The attempt's state.
    pub status: PaymentStatus,
    /// Fen.
    pub amount_fen: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, once paid.
    pub paid_at: Option<i64>,
    /// Where the user pays (online methods).
    pub pay_url: Option<String>,
    /// The declared transfer, JSON (bank transfers).
    pub bank_transfer: Option<String>,
}

/// A renewal's payment attempts, oldest first.
pub async fn attempts_for<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> StoreResult<Vec<AttemptRow>> {
    sqlx::query("SELECT out_trade_no, method, status, amount_fen, created_at, paid_at, pay_url, bank_transfer FROM payments WHERE business_no = $1 ORDER BY created_at, out_trade_no")
        .bind(business_no)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|p| {
            Ok(AttemptRow {
                out_trade_no: p.try_get("out_trade_no")?,
                method: wire_column(p, "method", PaymentMethod::parse)?,
                status: wire_column(p, "status", PaymentStatus::parse)?,
                amount_fen: p.try_get("amount_fen")?,
                created_at: p.try_get("created_at")?,
                paid_at: p.try_get("paid_at")?,
                pay_url: p.try_get("pay_url")?,
                bank_transfer: p.try_get("bank_transfer")?,
            })
        })
        .collect()
}
