//! `expired_identity_checks`: each identity check of an application, reserved before
//! the provider is asked and completed with its verdict (or its error).

use sqlx::{Any, Executor, Row};

use crate::clock;
use crate::db::Tx;
use crate::error::AppResult;
use crate::expired::store::IdentityView;

/// Checks that count against the limit (all but those the provider gave no verdict on).
pub async fn count_counted(tx: &mut Tx, business_no: &str) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM expired_identity_checks WHERE business_no = $1 AND outcome <> 'error'",
    )
    .bind(business_no)
    .fetch_one(&mut **tx)
    .await?)
}

/// Reserves a check (`checking`); returns its id.
pub async fn reserve(tx: &mut Tx, business_no: &str, provider: &str, at: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar("INSERT INTO expired_identity_checks (business_no, provider, outcome, created_at) VALUES ($1, $2, 'checking', $3) RETURNING id")
        .bind(business_no)
        .bind(provider)
        .bind(at)
        .fetch_one(&mut **tx)
        .await?)
}

/// The provider gave no verdict on check `id`.
pub async fn mark_error(tx: &mut Tx, id: i64, reason: &str) -> AppResult<()> {
    sqlx::query("UPDATE expired_identity_checks SET outcome = 'error', reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The verdict on check `id`.
pub async fn record(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    reason: Option<&str>,
    reference: &str,
    at: i64,
) -> AppResult<()> {
    sqlx::query("UPDATE expired_identity_checks SET outcome = $1, reason = $2, reference = $3, created_at = $4 WHERE id = $5")
        .bind(outcome)
        .bind(reason)
        .bind(reference)
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Checks of an application, oldest first.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    executor: E,
    business_no: &str,
) -> AppResult<Vec<IdentityView>> {
    sqlx::query("SELECT outcome, reason, created_at FROM expired_identity_checks WHERE business_no = $1 ORDER BY id")
        .bind(business_no)
        .fetch_all(executor)
        .await?
        .iter()
        .map(|c| {
            Ok(IdentityView {
                outcome: c.try_get("outcome")?,
                reason: c.try_get("reason")?,
                checked_at: clock::rfc3339(c.try_get("created_at")?),
            })
        })
        .collect()
}
