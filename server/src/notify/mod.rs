//! Notifications: written to the outbox in the same transaction as the change they
//! announce, delivered afterwards by a worker over SMTP and an SMS webhook (or to the
//! log in development), retried with backoff.
//!
//! # Layout
//! - [`outbox`]: enqueueing, and the table's rows.
//! - [`worker`]: delivering due messages with retries.
//! - [`templates`]: the zh/en words of each e-mail and SMS.
//! - [`sender`]: SMTP (lettre), the SMS webhook, and the log-only development sender.

pub mod outbox;
pub mod sender;
pub mod templates;
pub mod worker;

use serde_json::Value;

use sender::{Email, Sms};
use templates::TemplateError;

#[cfg(doc)]
use sender::Sender;

/// Why a notification was not sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The channel is neither `email` nor `sms`.
    #[error("unknown notification channel {0:?}")]
    UnknownChannel(String),
    /// The message cannot be written.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The notification configuration is unusable.
    #[error(transparent)]
    Config(#[from] sender::ConfigError),
    /// Delivery failed.
    #[error(transparent)]
    Send(#[from] sender::SendError),
}

impl NotifyError {
    /// Whether trying again cannot help (an unknown template or channel, a missing
    /// parameter, a bad address). A configuration error is not permanent: the operator
    /// fixes it and restarts.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::UnknownChannel(_) | Self::Template(_) => true,
            Self::Config(_) => false,
            Self::Send(e) => e.is_permanent(),
        }
    }
}

/// Writes `template` in `lang` with `params` and sends it to `recipient` on `channel`:
/// `email` gets subject and body ([`templates::render`]) through `email`, `sms` the
/// short text ([`templates::render_sms`]) through `sms`.
///
/// The one way a notification goes out: the outbox worker passes the server's
/// providers (built once at start-up, `crate::providers`); a [`Sender`] lends its
/// channels ([`Sender::email`], [`Sender::sms`]). An error (a [`NotifyError`] inside) leaves the message to be retried.
pub async fn send(
    email: &dyn Email,
    sms: &dyn Sms,
    channel: &str,
    recipient: &str,
    template: &str,
    lang: &str,
    params: &Value,
) -> Result<(), NotifyError> {
    match channel {
        "email" => {
            let msg = templates::render(template, lang, params)?;
            email.send_email(recipient, &msg).await?;
        }
        "sms" => {
            let text = templates::render_sms(template, lang, params)?;
            sms.send_sms(recipient, &text).await?;
        }
        other => return Err(NotifyError::UnknownChannel(other.to_owned())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::{NotifyConfig, SmtpConfig};
    use crate::notify::sender::Sender;

    fn smtp(port: u16) -> NotifyConfig {
        NotifyConfig {
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                tls: "none".into(),
                from: "certrenew <noreply@ca.example>".into(),
                username: None,
                password: None,
            }),
            sms_webhook: None,
        }
    }

    /// Sends through a sender built from `config`.
    async fn send_with(
        config: &NotifyConfig,
        channel: &str,
        recipient: &str,
        template: &str,
        lang: &str,
        params: &Value,
    ) -> Result<(), NotifyError> {
        let sender = Sender::from_config(config)?;
        send(
            &*sender.email(),
            &*sender.sms(),
            channel,
            recipient,
            template,
            lang,
            params,
        )
        .await
    }

    #[tokio::test]
    async fn the_log_only_sender_accepts_everything() {
        let config = NotifyConfig::default();
        let params = json!({ "business_no": "01202501020000003", "total_fen": 10000 });
        send_with(
            &config,
            "email",
            "a@example.com",
            "submitted",
            "zh",
            &params,
        )
        .await
        .unwrap();
        send_with(&config, "sms", "13800138000", "submitted", "en", &params)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn bad_input_is_a_permanent_error() {
        let config = NotifyConfig::default();
        let params = json!({ "business_no": "01202501020000003" });
        let e = send_with(&config, "fax", "x", "paid", "zh", &params)
            .await
            .unwrap_err();
        assert!(matches!(e, NotifyError::UnknownChannel(_)) && e.is_permanent());
        let e = send_with(&config, "email", "a@example.com", "nope", "zh", &params)
            .await
            .unwrap_err();
        assert!(matches!(e, NotifyError::Template(_)) && e.is_permanent());
        let e = send_with(
            &smtp(2525),
            "email",
            "not an address",
            "paid",
            "zh",
            &params,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, NotifyError::Send(sender::SendError::Recipient { .. })) && e.is_permanent(),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn bad_configuration_is_reported() {
        let mut config = smtp(2525);
        config.smtp.as_mut().unwrap().tls = "ssl".into();
        assert!(matches!(
            Sender::from_config(&config),
            Err(sender::ConfigError::Tls(_))
        ));
        let mut config = smtp(2525);
        config.smtp.as_mut().unwrap().from = "nobody".into();
        assert!(matches!(
            Sender::from_config(&config),
            Err(sender::ConfigError::From { .. })
        ));
        let mut config = smtp(2525);
        config.smtp.as_mut().unwrap().username = Some("ca".into());
        assert!(matches!(
            Sender::from_config(&config),
            Err(sender::ConfigError::MissingPassword)
        ));
        let config = NotifyConfig {
            smtp: None,
            sms_webhook: Some("ftp://sms.example/send".into()),
        };
        assert!(matches!(
            Sender::from_config(&config),
            Err(sender::ConfigError::Webhook)
        ));
        let config = NotifyConfig {
            smtp: None,
            sms_webhook: Some("https://sms.example/send?key=secret".into()),
        };
        let sender = Sender::from_config(&config).unwrap();
        let shown = format!("{sender:?}");
        assert!(
            shown.contains("https://sms.example:443") && !shown.contains("secret"),
            "{shown}"
        );
    }
}
