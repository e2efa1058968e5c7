//! Delivering the outbox: due messages are sent and marked sent; a failure is retried
//! with exponential backoff (up to a day between tries, ten tries).

use std::time::Duration;

use sqlx::Row;

use crate::clock;
use crate::state::AppState;

const MAX_ATTEMPTS: i64 = 10;

/// Runs forever, every half second delivering what is due.
pub async fn run(state: AppState) {
    loop {
        // A full batch means more are waiting: go on at once instead of sleeping.
        match deliver_due(&state).await {
            Ok(n) if n >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification delivery failed"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Messages taken per round.
const BATCH: usize = 50;

/// Delivers every due message once; returns how many were sent.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<usize> {
    let rows = sqlx::query("SELECT id, channel, recipient, template, lang, params, attempts FROM outbox WHERE status = 'pending' AND next_at <= $1 ORDER BY id LIMIT $2")
        .bind(clock::now_ms())
        .bind(BATCH as i64)
        .fetch_all(state.pool())
        .await?;
    let mut sent = 0;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let channel: String = row.try_get("channel")?;
        let recipient: String = row.try_get("recipient")?;
        let template: String = row.try_get("template")?;
        let lang: String = row.try_get("lang")?;
        let params: String = row.try_get("params")?;
        let attempts: i64 = row.try_get("attempts")?;
        let params: serde_json::Value = serde_json::from_str(&params).unwrap_or_default();
        let outcome =
            crate::notify::send(state, &channel, &recipient, &template, &lang, &params).await;
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2")
                    .bind(clock::now_ms())
                    .bind(id)
                    .execute(state.pool())
                    .await?;
                sent += 1;
            }
            Err(e) => {
                let tries = attempts + 1;
                // A message that can never be sent (a bad address, a template missing a
                // value) is given up at once; a server that is down is retried.
                let status = if tries >= MAX_ATTEMPTS || e.is_permanent() {
                    "failed"
                } else {
                    "pending"
                };
                let backoff_ms = (1_000i64 << tries.min(16)).min(86_400_000);
                sqlx::query("UPDATE outbox SET status = $1, attempts = $2, next_at = $3, last_error = $4 WHERE id = $5")
                    .bind(status)
                    .bind(tries)
                    .bind(clock::now_ms() + backoff_ms)
                    .bind(e.to_string())
                    .bind(id)
                    .execute(state.pool())
                    .await?;
            }
        }
    }
    Ok(sent)
}
