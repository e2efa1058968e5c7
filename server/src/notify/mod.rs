//! Notifications: written to the outbox in the same transaction as the change they
//! announce, delivered afterwards by a worker over SMTP and an SMS webhook (or to the
//! log in development), retried with backoff.
//!
//! # Layout
//! - [`outbox`]: enqueueing, and the table's rows.
//! - [`worker`]: delivering due messages with retries.

pub mod outbox;
pub mod worker;

use serde_json::Value;

use crate::state::AppState;

/// Sends one message on `channel`. Until SMTP and the SMS webhook are configured the
/// message goes to the log (the development sender).
pub async fn send(
    _state: &AppState,
    channel: &str,
    recipient: &str,
    template: &str,
    lang: &str,
    params: &Value,
) -> anyhow::Result<()> {
    tracing::info!(channel, recipient, template, lang, %params, "notification (log-only sender)");
    Ok(())
}
