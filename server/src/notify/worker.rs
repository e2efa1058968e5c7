//! Delivering the outbox: due messages are sent and marked sent; a failure is retried
//! with exponential backoff (up to a day between tries, ten tries).

use std::time::Duration;

use crate::clock;
use crate::notify::outbox;
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
    let rows = outbox::due(state.pool(), clock::now_ms(), BATCH as i64).await?;
    let mut sent = 0;
    for row in rows {
        let params: serde_json::Value = serde_json::from_str(&row.params).unwrap_or_default();
        let outcome = crate::notify::send(
            state,
            &row.channel,
            &row.recipient,
            &row.template,
            &row.lang,
            &params,
        )
        .await;
        match outcome {
            Ok(()) => {
                outbox::mark_sent(state.pool(), row.id, clock::now_ms()).await?;
                sent += 1;
            }
            Err(e) => {
                let tries = row.attempts + 1;
                // A message that can never be sent (a bad address, a template missing a
                // value) is given up at once; a server that is down is retried.
                let give_up = tries >= MAX_ATTEMPTS || e.is_permanent();
                let backoff_ms = (1_000i64 << tries.min(16)).min(86_400_000);
                outbox::mark_retry(
                    state.pool(),
                    row.id,
                    tries,
                    give_up,
                    clock::now_ms() + backoff_ms,
                    &e.to_string(),
                )
                .await?;
            }
        }
    }
    Ok(sent)
}
