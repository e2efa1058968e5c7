//! The transactional outbox: notifications are rows written with the change they
//! announce, so a committed change is always announced and a rolled-back one never.
//! This module owns the `outbox` table's SQL: queuing here, and the delivery
//! worker's reads and updates ([`due`], [`mark_sent`], [`mark_retry`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AnyPool;

use crate::clock;
use crate::db::Tx;

/// What a notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// The application was submitted.
    Submitted,
    /// The payment arrived.
    Paid,
    /// Approved, with the install link.
    Approved,
    /// Rejected, with the reason.
    Rejected,
    /// The new certificate is installed.
    Completed,
    /// The invoice was issued.
    InvoiceIssued,
    /// The certificate expires soon: renew it (with the renewal link).
    Reminder,
}

impl Template {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Paid => "paid",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Completed => "completed",
            Self::InvoiceIssued => "invoice_issued",
            Self::Reminder => "reminder",
        }
    }
}

/// A channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// E-mail.
    Email,
    /// SMS.
    Sms,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// Queues one message.
pub async fn enqueue(
    tx: &mut Tx,
    channel: Channel,
    recipient: &str,
    template: Template,
    lang: &str,
    params: &Value,
) -> Result<(), sqlx::Error> {
    let now = clock::now_ms();
    sqlx::query(
        "INSERT INTO outbox (channel, recipient, template, lang, params, status, attempts, next_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
    )
    .bind(channel.as_str())
    .bind(recipient)
    .bind(template.as_str())
    .bind(lang)
    .bind(params.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues the message by e-mail and by SMS.
pub async fn enqueue_both(
    tx: &mut Tx,
    email: &str,
    mobile: &str,
    template: Template,
    lang: &str,
    params: &Value,
) -> Result<(), sqlx::Error> {
    enqueue(tx, Channel::Email, email, template, lang, params).await?;
    enqueue(tx, Channel::Sms, mobile, template, lang, params).await
}

/// A queued message, as the delivery worker takes it (columns read by name).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    /// The row's id.
    pub id: i64,
    /// `email` or `sms`.
    pub channel: String,
    /// The address or number.
    pub recipient: String,
    /// The template's stored name.
    pub template: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The template's values, JSON.
    pub params: String,
    /// Tries so far.
    pub attempts: i64,
}

/// The pending messages due at `now_ms`, oldest first, at most `limit`.
pub async fn due(pool: &AnyPool, now_ms: i64, limit: i64) -> Result<Vec<Queued>, sqlx::Error> {
    sqlx::query_as::<_, Queued>("SELECT id, channel, recipient, template, lang, params, attempts FROM outbox WHERE status = 'pending' AND next_at <= $1 ORDER BY id LIMIT $2")
        .bind(now_ms)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// Marks message `id` sent at `at_ms`.
pub async fn mark_sent(pool: &AnyPool, id: i64, at_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2",
    )
    .bind(at_ms)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed try of message `id`: `pending` again from `next_at_ms`, or
/// `failed` for good (`give_up`).
pub async fn mark_retry(
    pool: &AnyPool,
    id: i64,
    attempts: i64,
    give_up: bool,
    next_at_ms: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = $1, attempts = $2, next_at = $3, last_error = $4 WHERE id = $5",
    )
    .bind(if give_up { "failed" } else { "pending" })
    .bind(attempts)
    .bind(next_at_ms)
    .bind(error)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}
