//! The transactional outbox: notifications are rows written with the change they
//! announce, so a committed change is always announced and a rolled-back one never.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
