//! The audit trail: an append-only table in which every row holds the SHA-256 of the
//! row before it, so that changing or deleting any row is detectable
//! (`certrenew-server audit verify`). Every state change writes its row in the same
//! transaction as the change.
//!
//! The chain alone does not stop someone with write access to the database: they can
//! rewrite rows and recompute every hash. With `CERTRENEW_AUDIT_KEY` set, the head also
//! carries an HMAC of `(last_id, last_hash)` under that key, which lives outside the
//! database ([`set_anchor_key`]); `audit verify` checks it, so a rewritten chain shows
//! unless the key was taken too.

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use std::sync::OnceLock;

use crate::clock;
use crate::db::Tx;

/// The hash the first row points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The head's anchoring key, set once per process at start.
static ANCHOR_KEY: OnceLock<ring::hmac::Key> = OnceLock::new();

/// Anchors every head this process writes, and checks the head in [`verify`], with
/// `secret` (from `CERTRENEW_AUDIT_KEY`). Later calls are ignored.
pub fn set_anchor_key(secret: &str) {
    let _ = ANCHOR_KEY.set(ring::hmac::Key::new(
        ring::hmac::HMAC_SHA256,
        secret.as_bytes(),
    ));
}

/// The head's anchor, when a key is set.
fn anchor(last_id: i64, last_hash: &str) -> Option<String> {
    let key = ANCHOR_KEY.get()?;
    let tag = ring::hmac::sign(
        key,
        format!("certrenew audit head\n{last_id}\n{last_hash}").as_bytes(),
    );
    Some(protocol::ids::to_hex(tag.as_ref()))
}

/// One audit row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who: `user:<cert sha256>`, `staff:<name>`, `gateway:<provider>`, `system`.
    pub actor: String,
    /// What happened, e.g. `renewal.paid`.
    pub action: String,
    /// What it happened to, e.g. a business number.
    pub subject: String,
    /// Details.
    #[schema(value_type = Object)]
    pub data: Value,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

fn row_hash(
    prev_hash: &str,
    id: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    data: &str,
) -> String {
    // A JSON array is an unambiguous encoding of the fields (no field can run into the next).
    let canonical = json!([prev_hash, id, at, actor, action, subject, data]).to_string();
    protocol::ids::to_hex(&Sha256::digest(canonical.as_bytes()))
}

/// Appends a row inside `tx` (which [`crate::db::Store::begin_write`] opened, holding
/// the head row's lock). Returns the row's id.
pub async fn append(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    subject: &str,
    data: Value,
) -> Result<i64, sqlx::Error> {
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE one = 1")
        .fetch_one(&mut **tx)
        .await?;
    let last_id: i64 = head.try_get("last_id")?;
    let prev_hash: String = head.try_get("last_hash")?;
    let id = last_id + 1;
    let at = clock::now_ms();
    let data = data.to_string();
    let hash = row_hash(&prev_hash, id, at, actor, action, subject, &data);
    sqlx::query(
        "INSERT INTO audit (id, at, actor, action, subject, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(&data)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2, anchor = $3 WHERE one = 1")
        .bind(id)
        .bind(&hash)
        .bind(anchor(id, &hash))
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<AuditRow, sqlx::Error> {
    let data: String = row.try_get("data")?;
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: clock::rfc3339(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        data: serde_json::from_str(&data).unwrap_or(Value::String(data)),
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// The rows about one subject, oldest first.
pub async fn for_subject(pool: &AnyPool, subject: &str) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, at, actor, action, subject, data, prev_hash, hash FROM audit WHERE subject = $1 ORDER BY id")
        .bind(subject)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The newest rows, newest first.
pub async fn recent(
    pool: &AnyPool,
    limit: i64,
    before_id: Option<i64>,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, at, actor, action, subject, data, prev_hash, hash FROM audit WHERE id < $1 ORDER BY id DESC LIMIT $2")
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Rows checked.
    pub rows: i64,
    /// Whether the chain is intact.
    pub ok: bool,
    /// The first row found broken (or the id where a row is missing).
    pub first_broken: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
}

/// Checks every row: consecutive ids, each row's hash, each link to the previous row,
/// and the head (which catches deleted rows at the end).
pub async fn verify(pool: &AnyPool) -> Result<Verification, sqlx::Error> {
    const BATCH: i64 = 5_000;
    let mut expected_id = 1;
    let mut prev_hash = GENESIS.to_owned();
    let mut checked = 0;
    let broken = |id: i64, rows: i64, problem: String| Verification {
        rows,
        ok: false,
        first_broken: Some(id),
        problem: Some(problem),
    };
    loop {
        let rows = sqlx::query("SELECT id, at, actor, action, subject, data, prev_hash, hash FROM audit WHERE id >= $1 ORDER BY id LIMIT $2")
            .bind(expected_id)
            .bind(BATCH)
            .fetch_all(pool)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let at: i64 = row.try_get("at")?;
            let actor: String = row.try_get("actor")?;
            let action: String = row.try_get("action")?;
            let subject: String = row.try_get("subject")?;
            let data: String = row.try_get("data")?;
            let stored_prev: String = row.try_get("prev_hash")?;
            let hash: String = row.try_get("hash")?;
            if id != expected_id {
                return Ok(broken(
                    expected_id,
                    checked,
                    format!("row {expected_id} is missing (next row is {id})"),
                ));
            }
            if stored_prev != prev_hash {
                return Ok(broken(
                    id,
                    checked,
                    format!("row {id} does not point at row {}", id - 1),
                ));
            }
            if row_hash(&prev_hash, id, at, &actor, &action, &subject, &data) != hash {
                return Ok(broken(
                    id,
                    checked,
                    format!("row {id} was changed after it was written"),
                ));
            }
            checked += 1;
            expected_id += 1;
            prev_hash = hash;
        }
    }
    let head = sqlx::query("SELECT last_id, last_hash, anchor FROM audit_head WHERE one = 1")
        .fetch_one(pool)
        .await?;
    let last_id: i64 = head.try_get("last_id")?;
    let last_hash: String = head.try_get("last_hash")?;
    let stored_anchor: Option<String> = head.try_get("anchor")?;
    if last_id != expected_id - 1 || last_hash != prev_hash {
        return Ok(broken(
            expected_id,
            checked,
            format!("rows {expected_id} to {last_id} are missing from the end"),
        ));
    }
    if let Some(expected) = anchor(last_id, &last_hash)
        && last_id > 0
        && stored_anchor.as_deref() != Some(expected.as_str())
    {
        return Ok(broken(
            last_id,
            checked,
            "the head does not carry the CERTRENEW_AUDIT_KEY anchor: the trail was rewritten, or written by a process without the key".into(),
        ));
    }
    Ok(Verification {
        rows: checked,
        ok: true,
        first_broken: None,
        problem: None,
    })
}
