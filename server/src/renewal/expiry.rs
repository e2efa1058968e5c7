//! Unpaid applications expire: after `unpaid_days` without a payment a renewal moves
//! to `expired` and frees its certificate for a new application. Each one's open
//! payment attempts are asked about first, so money already taken is never ignored.

use serde_json::json;

use crate::clock;
use crate::error::AppResult;
use crate::payments::{self, service};
use crate::renewal::state::Event;
use crate::renewal::{store, transition};
use crate::state::AppState;

/// Expires the renewals still unpaid `unpaid_days` after they were made; returns how many.
pub async fn expire_unpaid(state: &AppState) -> AppResult<usize> {
    let cutoff = clock::now_ms() - i64::from(state.config.unpaid_days) * 86_400_000;
    let due = store::unpaid_before(state.pool(), cutoff, 500).await?;
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
            payments::store::close_pending(&mut *tx, &business_no).await?;
            tx.commit().await?;
            expired += 1;
        }
    }
    Ok(expired)
}
