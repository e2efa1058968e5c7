//! The daily run: yesterday's statements (China Standard Time) once the gateways have
//! them (WeChat Pay and Alipay make the bill after 10:00 the next day, so the job waits
//! until 10:30), again every hour until each gateway's run has read its statement.

use std::time::Duration;

use time::OffsetDateTime;

use super::{CST, date_string, yesterday};
use crate::state::AppState;

/// The audit actor of the job.
pub const ACTOR: &str = "system:reconcile";

/// Whether yesterday's statements are due at `now`.
pub fn due(now: OffsetDateTime) -> bool {
    let local = now.to_offset(CST);
    (local.hour(), local.minute()) >= (10, 30)
}

/// Runs forever: checks every hour whether yesterday still needs a run. The first check
/// waits five minutes, so a start (or a short-lived test server) is not slowed by the
/// gateways' downloads.
pub async fn run(state: AppState) {
    loop {
        tokio::time::sleep(Duration::from_secs(300)).await;
        let now = OffsetDateTime::now_utc();
        if due(now)
            && let Err(e) = once(&state, now).await
        {
            tracing::warn!(error = %e, "reconciliation failed");
        }
        tokio::time::sleep(Duration::from_secs(3300)).await;
    }
}

/// Reconciles yesterday with each gateway that has no good run for it yet.
pub async fn once(state: &AppState, now: OffsetDateTime) -> crate::error::AppResult<()> {
    let date = yesterday(now);
    let day = date_string(date);
    let sources = super::sources(state).unwrap_or_default();
    for source in sources {
        if super::store::has_done_run(state.pool(), source.gateway(), &day).await? {
            continue;
        }
        let outcome = super::run_one(state, source.as_ref(), date, ACTOR).await?;
        tracing::info!(
            gateway = outcome.gateway,
            bill_date = outcome.bill_date,
            status = outcome.status,
            differences = outcome.differences,
            "reconciliation"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_half_past_ten_in_china() {
        assert!(!due(time::macros::datetime!(2026-12-03 02:29 UTC)));
        assert!(due(time::macros::datetime!(2026-12-03 02:30 UTC)));
        assert!(due(time::macros::datetime!(2026-12-03 15:59 UTC)));
        assert!(!due(time::macros::datetime!(2026-12-03 16:00 UTC)));
    }
}
