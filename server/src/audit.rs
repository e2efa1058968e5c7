//! The audit trail: an append-only table of every state change, written in the same
//! transaction as the change, in which no row can be changed, inserted or deleted
//! unnoticed (`certrenew-server audit verify`).
//!
//! There is no global head row, so writers of different renewals never wait for each
//! other (issue 16; the design and its proof are in docs/architecture.md, "The audit
//! trail"):
//! - every row belongs to the chain of its subject and holds the SHA-256 of the
//!   previous row *of that chain*, its position `chain_seq` and the previous row's id;
//!   `audit_chains` holds each chain's head, and appending locks only that row;
//! - every few seconds [`checkpoint`] signs, with the CA key, the heads that moved
//!   since the previous checkpoint, and the checkpoints form a chain of their own, so
//!   deleting a chain's tail or a whole chain is seen too.
//!
//! With `CERTRENEW_AUDIT_KEY` set, each checkpoint also carries an HMAC under that key
//! ([`set_anchor_key`]), checked by [`verify`].
//!
//! # Layout
//! - `checkpoint`: signing the heads ([`checkpoint()`]).
//! - `verify`: checking rows, heads and checkpoints ([`verify_signed`]).

mod checkpoint;
mod verify;

pub use checkpoint::{CheckpointError, checkpoint, run as checkpoint_loop};
pub use verify::{Verification, verify_signed};

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use std::sync::OnceLock;

use crate::clock;
use crate::db::Tx;

/// The hash the first row of a chain, and the first checkpoint, point back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain of the rows written before chains per subject (migration 0018): they
/// keep their one-chain hashes, checked as before.
pub const LEGACY_CHAIN: &str = "(legacy)";

/// The checkpoints' anchoring key, set once per process at start.
static ANCHOR_KEY: OnceLock<ring::hmac::Key> = OnceLock::new();

/// Anchors every checkpoint this process writes, and checks them in [`verify`], with
/// `secret` (from `CERTRENEW_AUDIT_KEY`). Later calls are ignored.
pub fn set_anchor_key(secret: &str) {
    let _ = ANCHOR_KEY.set(ring::hmac::Key::new(
        ring::hmac::HMAC_SHA256,
        secret.as_bytes(),
    ));
}

/// The HMAC of a checkpoint's signed statement, when a key is set.
fn anchor(statement: &str) -> Option<String> {
    let key = ANCHOR_KEY.get()?;
    Some(protocol::ids::to_hex(
        ring::hmac::sign(key, statement.as_bytes()).as_ref(),
    ))
}

/// The CA certificate [`verify`] checks checkpoints against, set once per process.
static TRUSTED_CA: OnceLock<Vec<u8>> = OnceLock::new();

/// Makes [`verify`] check checkpoint signatures against `certificate_der` (the CA
/// certificate from the configuration). Later calls are ignored.
pub fn trust_ca_certificate(certificate_der: Vec<u8>) {
    let _ = TRUSTED_CA.set(certificate_der);
}

/// [`verify_signed`] against the certificate [`trust_ca_certificate`] set; without
/// one, any checkpoint fails its signature check.
pub async fn verify(pool: &AnyPool) -> Result<Verification, sqlx::Error> {
    let certificate = TRUSTED_CA.get().map_or(&[][..], Vec::as_slice);
    verify_signed(pool, certificate).await
}

/// One audit row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    /// Position in the whole trail (order of writing), from 1.
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
    /// The previous row's hash (of this row's chain).
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// The chain a subject's rows go to: the subject itself (one chain per renewal, per
/// certificate, per staff member), never the legacy chain.
fn chain_of(subject: &str) -> String {
    if subject == LEGACY_CHAIN {
        format!("subject:{subject}")
    } else {
        subject.to_owned()
    }
}

/// The fields a row's hash covers.
struct Fields<'a> {
    chain: &'a str,
    chain_seq: i64,
    prev_id: i64,
    prev_hash: &'a str,
    id: i64,
    at: i64,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    data: &'a str,
}

/// A row's hash. A JSON array is an unambiguous encoding of the fields (no field can
/// run into the next). Legacy rows hash as they were written (one chain, by `id`).
fn row_hash(f: &Fields<'_>) -> String {
    let canonical = if f.chain == LEGACY_CHAIN {
        json!([
            f.prev_hash,
            f.id,
            f.at,
            f.actor,
            f.action,
            f.subject,
            f.data
        ])
    } else {
        json!([
            f.prev_hash,
            f.chain,
            f.chain_seq,
            f.prev_id,
            f.at,
            f.actor,
            f.action,
            f.subject,
            f.data
        ])
    };
    protocol::ids::to_hex(&Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends a row to its subject's chain inside `tx`, locking only that chain's head.
/// Returns the row's id.
pub async fn append(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    subject: &str,
    data: Value,
) -> Result<i64, sqlx::Error> {
    let chain = chain_of(subject);
    // Creates the head on first use and locks it (the no-op update takes the row lock
    // on PostgreSQL), so appends to one chain are ordered and others run alongside.
    let head = sqlx::query(
        "INSERT INTO audit_chains (chain, last_seq, last_id, last_hash) VALUES ($1, 0, 0, $2) \
         ON CONFLICT (chain) DO UPDATE SET last_seq = audit_chains.last_seq \
         RETURNING last_seq, last_id, last_hash",
    )
    .bind(&chain)
    .bind(GENESIS)
    .fetch_one(&mut **tx)
    .await?;
    let prev_seq: i64 = head.try_get("last_seq")?;
    let prev_id: i64 = head.try_get("last_id")?;
    let prev_hash: String = head.try_get("last_hash")?;
    let chain_seq = prev_seq + 1;
    let at = clock::now_ms();
    let data = data.to_string();
    let hash = row_hash(&Fields {
        chain: &chain,
        chain_seq,
        prev_id,
        prev_hash: &prev_hash,
        id: 0,
        at,
        actor,
        action,
        subject,
        data: &data,
    });
    // The row and the chain's new head in one round trip. The id only orders the rows
    // for reading; the hashes do not cover it. PostgreSQL writers run concurrently and
    // take it from a sequence, and one statement writes both tables (a data-modifying
    // CTE, https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING).
    // SQLite has one writer at a time (Store::begin_write), so the next id is the
    // largest plus one; it runs the two statements of one query string in order
    // (sqlx binds `$N` to the same arguments in each).
    let sql = if tx.backend_name() == "PostgreSQL" {
        "WITH appended AS (INSERT INTO audit (id, at, actor, action, subject, data, prev_hash, hash, chain, chain_seq, prev_id) \
         VALUES (nextval('audit_ids'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id) \
         UPDATE audit_chains SET last_seq = $9, last_id = appended.id, last_hash = $7, signed_in = NULL \
         FROM appended WHERE audit_chains.chain = $8 RETURNING audit_chains.last_id AS id"
    } else {
        "UPDATE audit_chains SET last_seq = $9, last_id = (SELECT COALESCE(MAX(id), 0) + 1 FROM audit), last_hash = $7, signed_in = NULL WHERE chain = $8; \
         INSERT INTO audit (id, at, actor, action, subject, data, prev_hash, hash, chain, chain_seq, prev_id) \
         VALUES ((SELECT last_id FROM audit_chains WHERE chain = $8), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    };
    // fetch_all: every statement of the string runs (a first-row fetch could stop early).
    let rows = sqlx::query(sql)
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(&data)
        .bind(&prev_hash)
        .bind(&hash)
        .bind(&chain)
        .bind(chain_seq)
        .bind(prev_id)
        .fetch_all(&mut **tx)
        .await?;
    rows.last().ok_or(sqlx::Error::RowNotFound)?.try_get("id")
}

/// A row's details: its JSON, or the text itself if it is not JSON.
fn data_of(row: &sqlx::any::AnyRow) -> Result<Value, sqlx::Error> {
    let data: String = row.try_get("data")?;
    Ok(serde_json::from_str(&data).unwrap_or(Value::String(data)))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: clock::rfc3339(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        data: data_of(row)?,
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

/// A subject's rows as a renewal's timeline shows them, oldest first: when, who, what
/// and the details, without the ids and hashes the timeline does not show (a renewal's
/// view is built after each of its steps; issue 16).
pub async fn timeline(pool: &AnyPool, subject: &str) -> Result<Vec<TimelineRow>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT at, actor, action, data FROM audit WHERE subject = $1 ORDER BY id")
            .bind(subject)
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(TimelineRow {
                at: clock::rfc3339(row.try_get("at")?),
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                data: data_of(row)?,
            })
        })
        .collect()
}

/// One row of [`timeline`].
#[derive(Debug, Clone)]
pub struct TimelineRow {
    /// When, RFC 3339.
    pub at: String,
    /// Who, as in [`AuditRow::actor`].
    pub actor: String,
    /// What happened.
    pub action: String,
    /// Details.
    pub data: Value,
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
