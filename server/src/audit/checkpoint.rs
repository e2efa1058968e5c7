//! Checkpoints: the chains' heads that moved since the previous checkpoint, hashed
//! into a chain of checkpoints and signed with the CA key, so that deleting a chain's
//! tail, or a whole chain, after a checkpoint is detected (docs/architecture.md).

use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{GENESIS, anchor};
use crate::ca::Ca;
use crate::clock;
use crate::db::Store;

/// Why a checkpoint could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The database failed.
    #[error("the audit checkpoint could not be written: {0}")]
    Database(#[from] sqlx::Error),
    /// The CA key did not sign.
    #[error("the CA key could not sign the audit checkpoint: {0}")]
    Signing(#[from] crate::ca::CaError),
}

/// One chain's head as a checkpoint lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Head {
    pub chain: String,
    pub seq: i64,
    pub last_id: i64,
    pub hash: String,
}

/// The heads as stored: a JSON array of `[chain, seq, last_id, hash]`, sorted by chain.
pub(super) fn heads_json(heads: &[Head]) -> String {
    serde_json::Value::Array(
        heads
            .iter()
            .map(|h| json!([h.chain, h.seq, h.last_id, h.hash]))
            .collect(),
    )
    .to_string()
}

/// Parses [`heads_json`]'s form.
pub(super) fn parse_heads(text: &str) -> Option<Vec<Head>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value
        .as_array()?
        .iter()
        .map(|h| {
            let h = h.as_array()?;
            Some(Head {
                chain: h.first()?.as_str()?.to_owned(),
                seq: h.get(1)?.as_i64()?,
                last_id: h.get(2)?.as_i64()?,
                hash: h.get(3)?.as_str()?.to_owned(),
            })
        })
        .collect()
}

/// A checkpoint's hash: over the previous checkpoint's hash, its id, time and heads.
pub(super) fn checkpoint_hash(prev_hash: &str, id: i64, at: i64, heads: &str) -> String {
    let canonical = json!([prev_hash, id, at, heads]).to_string();
    protocol::ids::to_hex(&Sha256::digest(canonical.as_bytes()))
}

/// What the CA key signs for checkpoint `id`.
pub(super) fn statement(id: i64, hash: &str) -> String {
    format!("certrenew audit checkpoint\n{id}\n{hash}")
}

/// Writes a checkpoint over the heads that moved since the last one, signed with the
/// CA key. Returns its id, or `None` when nothing moved or another instance wrote the
/// same checkpoint first (its heads are then covered by the next one).
pub async fn checkpoint(store: &Store, ca: &Ca) -> Result<Option<i64>, CheckpointError> {
    let mut tx = store.begin_write().await?;
    let last = sqlx::query("SELECT id, hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    let (prev_id, prev_hash) = match last {
        Some(row) => (row.try_get::<i64, _>("id")?, row.try_get("hash")?),
        None => (0, GENESIS.to_owned()),
    };
    let heads = sqlx::query(
        "SELECT chain, last_seq, last_id, last_hash FROM audit_chains WHERE signed_in IS NULL ORDER BY chain",
    )
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|row| {
        Ok(Head {
            chain: row.try_get("chain")?,
            seq: row.try_get("last_seq")?,
            last_id: row.try_get("last_id")?,
            hash: row.try_get("last_hash")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    if heads.is_empty() {
        tx.rollback().await?;
        return Ok(None);
    }
    let id = prev_id + 1;
    let at = clock::now_ms();
    let heads_text = heads_json(&heads);
    let hash = checkpoint_hash(&prev_hash, id, at, &heads_text);
    let statement = statement(id, &hash);
    let signature = protocol::ids::to_hex(&ca.sign_statement(statement.as_bytes())?);
    let inserted = sqlx::query(
        "INSERT INTO audit_checkpoints (id, at, prev_hash, heads, hash, signature, anchor) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(at)
    .bind(&prev_hash)
    .bind(&heads_text)
    .bind(&hash)
    .bind(&signature)
    .bind(anchor(&statement))
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        // Another instance wrote checkpoint `id` meanwhile.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    for head in &heads {
        // Only if the chain has not moved since it was read; else the next checkpoint
        // takes its newer head.
        sqlx::query("UPDATE audit_chains SET signed_in = $1 WHERE chain = $2 AND last_seq = $3")
            .bind(id)
            .bind(&head.chain)
            .bind(head.seq)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(id))
}

/// Writes a checkpoint every `every` while the server runs (the first after `every`).
pub async fn run(state: crate::state::AppState, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        match checkpoint(&state.store, &state.ca).await {
            Ok(Some(id)) => tracing::debug!(checkpoint = id, "audit checkpoint signed"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "audit checkpoint failed"),
        }
    }
}
