//! The key recoveries' rows (`recoveries`, `recovery_approvals`): requested by staff,
//! approved by two distinct other staff, delivered to the customer's token. Columns
//! are read by name.

use serde::Serialize;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use crate::clock;
use crate::db::Tx;

/// Distinct approvals a recovery needs (none by its requester).
pub const APPROVALS_REQUIRED: usize = 2;

pub use protocol::recovery::RecoveryStatus;

/// A recovery as staff and the customer see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecoveryView {
    /// Its id.
    pub id: String,
    /// The renewal whose encryption key is recovered.
    pub business_no: String,
    /// The certificates' subject.
    pub subject: String,
    /// Why (staff's words).
    pub reason: String,
    /// Where it is.
    pub status: RecoveryStatus,
    /// Who asked.
    pub requested_by: String,
    /// Who approved, in order.
    pub approved_by: Vec<String>,
    /// The encryption certificate's SHA-256.
    pub encryption_sha256: String,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

/// A recovery's stored facts.
#[derive(Debug, Clone)]
pub struct RecoveryRow {
    /// Its id.
    pub id: String,
    /// The escrowed key.
    pub key_id: String,
    /// The renewal.
    pub business_no: String,
    /// The subject.
    pub subject: String,
    /// The state.
    pub status: RecoveryStatus,
    /// Who asked.
    pub requested_by: String,
    /// The signing certificate last enveloped to.
    pub signing_sha256: Option<String>,
}

/// A new recovery.
pub struct NewRecovery<'a> {
    /// Its id.
    pub id: &'a str,
    /// The escrowed key.
    pub key_id: &'a str,
    /// The renewal.
    pub business_no: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Who asked.
    pub requested_by: &'a str,
    /// When, ms.
    pub at_ms: i64,
}

/// Records a requested recovery.
pub async fn insert(tx: &mut Tx, new: &NewRecovery<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO recoveries (id, key_id, business_no, subject, reason, status, requested_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $7)")
        .bind(new.id)
        .bind(new.key_id)
        .bind(new.business_no)
        .bind(new.subject)
        .bind(new.reason)
        .bind(new.requested_by)
        .bind(new.at_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A recovery's row.
pub async fn row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    id: &str,
) -> Result<Option<RecoveryRow>, sqlx::Error> {
    sqlx::query("SELECT id, key_id, business_no, subject, status, requested_by, signing_sha256 FROM recoveries WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?
        .map(|r| {
            Ok(RecoveryRow {
                id: r.try_get("id")?,
                key_id: r.try_get("key_id")?,
                business_no: r.try_get("business_no")?,
                subject: r.try_get("subject")?,
                status: status_of(&r)?,
                requested_by: r.try_get("requested_by")?,
                signing_sha256: r.try_get("signing_sha256")?,
            })
        })
        .transpose()
}

/// The `status` column of a recoveries row.
fn status_of(r: &sqlx::any::AnyRow) -> Result<RecoveryStatus, sqlx::Error> {
    crate::db::wire_column(r, "status", RecoveryStatus::parse)
}

/// Adds `username`'s approval (once); returns the distinct approvers so far.
pub async fn approve(
    tx: &mut Tx,
    id: &str,
    username: &str,
    at_ms: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("INSERT INTO recovery_approvals (recovery_id, username, at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(username)
        .bind(at_ms)
        .execute(&mut **tx)
        .await?;
    approvers(&mut **tx, id).await
}

/// Who approved, in order.
pub async fn approvers<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(
        "SELECT username FROM recovery_approvals WHERE recovery_id = $1 ORDER BY at, username",
    )
    .bind(id)
    .fetch_all(executor)
    .await?
    .iter()
    .map(|r| r.try_get("username"))
    .collect()
}

/// Moves a recovery to `to` (and records the signing certificate last enveloped to,
/// when given).
pub async fn set_status(
    tx: &mut Tx,
    id: &str,
    to: RecoveryStatus,
    signing_sha256: Option<&str>,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE recoveries SET status = $1, signing_sha256 = COALESCE($2, signing_sha256), updated_at = $3 WHERE id = $4")
        .bind(to.as_str())
        .bind(signing_sha256)
        .bind(at_ms)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Recoveries as shown: all (`subject` none), or a subject's approved and delivered
/// ones; newest first, at most 200.
pub async fn list(pool: &AnyPool, subject: Option<&str>) -> Result<Vec<RecoveryView>, sqlx::Error> {
    let base = "SELECT r.id AS id, r.business_no AS business_no, r.subject AS subject, r.reason AS reason, r.status AS status, r.requested_by AS requested_by, k.cert_sha256 AS cert_sha256, r.created_at AS created_at, r.updated_at AS updated_at FROM recoveries r JOIN kmc_keys k ON k.key_id = r.key_id";
    let rows = match subject {
        None => {
            sqlx::query(&format!("{base} ORDER BY r.created_at DESC, r.id LIMIT 200"))
                .fetch_all(pool)
                .await?
        }
        Some(subject) => {
            sqlx::query(&format!("{base} WHERE r.subject = $1 AND r.status IN ('approved', 'delivered') ORDER BY r.created_at DESC, r.id LIMIT 200"))
                .bind(subject)
                .fetch_all(pool)
                .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.try_get("id")?;
        out.push(RecoveryView {
            approved_by: approvers(pool, &id).await?,
            id,
            business_no: r.try_get("business_no")?,
            subject: r.try_get("subject")?,
            reason: r.try_get("reason")?,
            status: status_of(&r)?,
            requested_by: r.try_get("requested_by")?,
            encryption_sha256: r.try_get("cert_sha256")?,
            created_at: clock::rfc3339(r.try_get("created_at")?),
            updated_at: clock::rfc3339(r.try_get("updated_at")?),
        });
    }
    Ok(out)
}

/// One recovery as shown.
pub async fn view(pool: &AnyPool, id: &str) -> Result<Option<RecoveryView>, sqlx::Error> {
    Ok(list(pool, None).await?.into_iter().find(|v| v.id == id))
}
