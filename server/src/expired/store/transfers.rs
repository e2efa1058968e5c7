//! `expired_transfers`: the verification transfers of an application, each with its
//! salted code hash and wrong tries.

use protocol::expired::TransferStatus;
use sqlx::{Any, Executor, Row};

use crate::db::Tx;
use crate::error::AppResult;

/// A transfer about to be sent (reserved as `sending` before the bank is called).
#[derive(Debug, Clone)]
pub struct NewTransfer<'a> {
    /// The application.
    pub business_no: &'a str,
    /// Account name.
    pub account_name: &'a str,
    /// Bank.
    pub bank: &'a str,
    /// Account number, digits only.
    pub account_no: &'a str,
    /// Fen.
    pub amount_fen: i64,
    /// The bank provider's name.
    pub provider: &'a str,
    /// The code's salt.
    pub salt: &'a str,
    /// The code's hash.
    pub code_hash: &'a str,
    /// Unix ms.
    pub created_at: i64,
}

/// Transfers of an application that count against its limit (all but failed ones).
pub async fn count_sent(tx: &mut Tx, business_no: &str) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM expired_transfers WHERE business_no = $1 AND status <> 'failed'",
    )
    .bind(business_no)
    .fetch_one(&mut **tx)
    .await?)
}

/// Reserves a transfer (`sending`); returns its id.
pub async fn reserve(tx: &mut Tx, t: &NewTransfer<'_>) -> AppResult<i64> {
    Ok(sqlx::query_scalar("INSERT INTO expired_transfers (business_no, account_name, bank, account_no, amount_fen, provider, reference, salt, code_hash, tries, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, 0, 'sending', $9) RETURNING id")
        .bind(t.business_no)
        .bind(t.account_name)
        .bind(t.bank)
        .bind(t.account_no)
        .bind(t.amount_fen)
        .bind(t.provider)
        .bind(t.salt)
        .bind(t.code_hash)
        .bind(t.created_at)
        .fetch_one(&mut **tx)
        .await?)
}

/// The bank did not send transfer `id`.
pub async fn mark_failed(tx: &mut Tx, id: i64) -> AppResult<()> {
    sqlx::query("UPDATE expired_transfers SET status = 'failed' WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Transfer `id` was sent as `reference`: it waits for its code, and the earlier one
/// waiting no longer does.
pub async fn mark_sent(tx: &mut Tx, business_no: &str, id: i64, reference: &str) -> AppResult<()> {
    sqlx::query("UPDATE expired_transfers SET status = 'superseded' WHERE business_no = $1 AND status = 'pending'")
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE expired_transfers SET status = 'pending', reference = $1 WHERE id = $2")
        .bind(reference)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The details changed: a code sent (or proven) for the old ones no longer counts.
pub async fn supersede_open(tx: &mut Tx, business_no: &str) -> AppResult<()> {
    sqlx::query("UPDATE expired_transfers SET status = 'superseded' WHERE business_no = $1 AND status IN ('pending', 'verified')")
        .bind(business_no)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The transfer waiting for its code.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Its id.
    pub id: i64,
    /// The code's salt.
    pub salt: String,
    /// The code's hash.
    pub code_hash: String,
    /// Wrong codes so far.
    pub tries: i64,
}

/// The newest transfer waiting for its code.
pub async fn pending(tx: &mut Tx, business_no: &str) -> AppResult<Option<Pending>> {
    sqlx::query("SELECT id, salt, code_hash, tries FROM expired_transfers WHERE business_no = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1")
        .bind(business_no)
        .fetch_optional(&mut **tx)
        .await?
        .map(|t| {
            Ok(Pending {
                id: t.try_get("id")?,
                salt: t.try_get("salt")?,
                code_hash: t.try_get("code_hash")?,
                tries: t.try_get("tries")?,
            })
        })
        .transpose()
}

/// A wrong code: `tries` so far; `locked` when it no longer works.
pub async fn record_wrong(tx: &mut Tx, id: i64, tries: i64, locked: bool) -> AppResult<()> {
    sqlx::query("UPDATE expired_transfers SET tries = $1, status = $2 WHERE id = $3")
        .bind(tries)
        .bind(
            if locked {
                TransferStatus::Locked
            } else {
                TransferStatus::Pending
            }
            .as_str(),
        )
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The right code: the company's account is proven.
pub async fn mark_verified(tx: &mut Tx, id: i64, at: i64) -> AppResult<()> {
    sqlx::query("UPDATE expired_transfers SET status = 'verified', verified_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A transfer as recorded.
#[derive(Debug, Clone)]
pub struct Record {
    /// Account name.
    pub account_name: String,
    /// Bank.
    pub bank: String,
    /// Account number (whole: callers mask it for the applicant).
    pub account_no: String,
    /// Fen.
    pub amount_fen: i64,
    /// The bank's reference.
    pub reference: String,
    /// Its state.
    pub status: TransferStatus,
    /// Wrong codes.
    pub tries: i64,
    /// Sent, unix ms.
    pub created_at: i64,
    /// Proven, unix ms.
    pub verified_at: Option<i64>,
}

const RECORD: &str =
    "account_name, bank, account_no, amount_fen, reference, status, tries, created_at, verified_at";

fn record(t: &sqlx::any::AnyRow) -> AppResult<Record> {
    Ok(Record {
        account_name: t.try_get("account_name")?,
        bank: t.try_get("bank")?,
        account_no: t.try_get("account_no")?,
        amount_fen: t.try_get("amount_fen")?,
        reference: t.try_get("reference")?,
        status: crate::db::wire_column(t, "status", TransferStatus::parse)?,
        tries: t.try_get("tries")?,
        created_at: t.try_get("created_at")?,
        verified_at: t.try_get("verified_at")?,
    })
}

/// The newest transfer of an application.
pub async fn latest<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> AppResult<Option<Record>> {
    let query = format!(
        "SELECT {RECORD} FROM expired_transfers WHERE business_no = $1 ORDER BY id DESC LIMIT 1"
    );
    sqlx::query(&query)
        .bind(business_no)
        .fetch_optional(executor)
        .await?
        .map(|t| record(&t))
        .transpose()
}

/// The newest transfer still standing for the details (pending or proven): the
/// account printed on the form.
pub async fn standing<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> AppResult<Option<Record>> {
    let query = format!(
        "SELECT {RECORD} FROM expired_transfers WHERE business_no = $1 AND status IN ('verified', 'pending') ORDER BY id DESC LIMIT 1"
    );
    sqlx::query(&query)
        .bind(business_no)
        .fetch_optional(executor)
        .await?
        .map(|t| record(&t))
        .transpose()
}

/// Every transfer of an application, oldest first (for staff).
pub async fn all<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> AppResult<Vec<Record>> {
    let query =
        format!("SELECT {RECORD} FROM expired_transfers WHERE business_no = $1 ORDER BY id");
    sqlx::query(&query)
        .bind(business_no)
        .fetch_all(executor)
        .await?
        .iter()
        .map(record)
        .collect()
}
