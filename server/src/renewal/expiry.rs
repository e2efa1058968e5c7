//! Unpaid applications expire: after `unpaid_days` without a payment a renewal moves
//! to `expired` and frees its certificate for a new application. Each one's open
//! payment attempts are asked about first, so money already taken is never ignored.

use serde_json::json;

use crate::clock;
use crate::error::AppResult;
use crate::payments::service;
use crate::renewal::state::Event;
use crate::renewal::transition;
use crate::state::AppState;

/// Expires the renewals still unpaid `unpaid_days` after they were made; returns how many.
pub async fn expire_unpaid(state: &AppState) -> AppResult<usize> {
    let cutoff = clock::now_ms() - i64::from(state.config.unpaid_days) * 86_400_000;
    let due: Vec<String> = sqlx::query_scalar("SELECT business_no FROM renewals WHERE status = 'awaiting_payment' AND created_at < $1 ORDER BY created_at LIMIT 500")
        .bind(cutoff)
        .fetch_all(state.pool())
        .await?;
    let mut expired = 0;
    for business_no in due {
        if service::settle_open_attempts(state, &business_no).await? {
            continue;
        }
        let mut tx = state.store.begin_write().await?;
        let moved = transition::apply(
            state,
            &mut tx,
            &business_no,
            Event::Expire,
            "system:expiry",
            json!({ "unpaid_days": state.config.unpaid_days }),
        )
        .await;
        if moved.is_ok() {
            sqlx::query("UPDATE payments SET status = 'closed' WHERE business_no = $1 AND status = 'pending'")
                .bind(&business_no)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            expired += 1;
        }
    }
    Ok(expired)
}
