//! The `webhooks` table's SQL: queuing a callback in the transition's transaction,
//! and the delivery worker's claims and outcomes. Columns are read by name.

use sqlx::AnyPool;

use crate::db::{Store, Tx};

/// A queued callback, as the worker takes it (columns read by name).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    /// The row's id.
    pub id: i64,
    /// The project whose webhook it goes to.
    pub project: String,
    /// 业务单号.
    pub business_no: String,
    /// e.g. `renewal.completed`.
    pub event: String,
    /// The JSON body, as it will be signed and sent.
    pub body: String,
    /// Tries so far.
    pub attempts: i64,
    /// When it is due, unix ms (the claim compares it).
    pub next_at: i64,
}

/// Queues a callback due at once.
pub async fn enqueue(
    tx: &mut Tx,
    project: &str,
    business_no: &str,
    event: &str,
    body: &str,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhooks (project, business_no, event, body, status, attempts, next_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
    )
    .bind(project)
    .bind(business_no)
    .bind(event)
    .bind(body)
    .bind(at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The pending callbacks due at `now_ms`, oldest first, at most `limit`.
pub async fn due(pool: &AnyPool, now_ms: i64, limit: i64) -> Result<Vec<Queued>, sqlx::Error> {
    sqlx::query_as::<_, Queued>("SELECT id, project, business_no, event, body, attempts, next_at FROM webhooks WHERE status = 'pending' AND next_at <= $1 ORDER BY id LIMIT $2")
        .bind(now_ms)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Claims a due callback until `lease_until_ms`; false when another worker moved it
/// first (its `next_at` is no longer the one read).
pub async fn claim(
    store: &Store,
    queued: &Queued,
    lease_until_ms: i64,
) -> Result<bool, sqlx::Error> {
    let query = sqlx::query(
        "UPDATE webhooks SET next_at = $1 WHERE id = $2 AND status = 'pending' AND next_at = $3",
    )
    .bind(lease_until_ms)
    .bind(queued.id)
    .bind(queued.next_at);
    let claimed = store.write_one(query).await?.rows_affected();
    Ok(claimed == 1)
}

/// Marks callback `id` delivered after `attempts` tries.
pub async fn mark_delivered(
    store: &Store,
    id: i64,
    attempts: i64,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query("UPDATE webhooks SET status = 'delivered', attempts = $1, delivered_at = $2, last_error = NULL WHERE id = $3")
        .bind(attempts)
        .bind(at_ms)
        .bind(id);
    store.write_one(query).await?;
    Ok(())
}

/// Records a failed try of callback `id`, to be tried again from `next_at_ms`.
pub async fn mark_retry(
    store: &Store,
    id: i64,
    attempts: i64,
    next_at_ms: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query(
        "UPDATE webhooks SET attempts = $1, next_at = $2, last_error = $3 WHERE id = $4",
    )
    .bind(attempts)
    .bind(next_at_ms)
    .bind(error)
    .bind(id);
    store.write_one(query).await?;
    Ok(())
}

/// Marks callback `id` failed for good, in `tx` (with its audit row).
pub async fn mark_failed(
    tx: &mut Tx,
    id: i64,
    attempts: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webhooks SET status = 'failed', attempts = $1, last_error = $2 WHERE id = $3",
    )
    .bind(attempts)
    .bind(error)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
