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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::NotifyConfig;
use crate::state::AppState;
use sender::Sender;
use templates::TemplateError;

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

/// Sends one message on `channel` (`email` or `sms`) through the server's e-mail and
/// SMS providers (built once at start-up, `crate::providers`). An error (a
/// [`NotifyError`] inside) leaves the message to be retried.
pub async fn send(
    state: &AppState,
    channel: &str,
    recipient: &str,
    template: &str,
    lang: &str,
    params: &Value,
) -> Result<(), NotifyError> {
    match channel {
        "email" => {
            let msg = templates::render(template, lang, params)?;
            state.providers.email.send_email(recipient, &msg).await?;
        }
        "sms" => {
            let text = templates::render_sms(template, lang, params)?;
            state.providers.sms.send_sms(recipient, &text).await?;
        }
        other => return Err(NotifyError::UnknownChannel(other.to_owned())),
    }
    Ok(())
}

/// Writes `template` in `lang` with `params` and sends it to `recipient` on `channel`
/// through the [`Sender`] for `config`: `email` gets subject and body
/// ([`templates::render`]), `sms` the short text ([`templates::render_sms`]). Unset
/// channels go to the log.
pub async fn send_with(
    config: &NotifyConfig,
    channel: &str,
    recipient: &str,
    template: &str,
    lang: &str,
    params: &Value,
) -> Result<(), NotifyError> {
    match channel {
        "email" => {
            let msg = templates::render(template, lang, params)?;
            sender_for(config)?.send_email(recipient, &msg).await?;
        }
        "sms" => {
            let text = templates::render_sms(template, lang, params)?;
            sender_for(config)?.send_sms(recipient, &text).await?;
        }
        other => return Err(NotifyError::UnknownChannel(other.to_owned())),
    }
    Ok(())
}

/// The most senders kept; beyond it the cache starts afresh (only tests get near it).
const MAX_CACHED_SENDERS: usize = 32;

/// The [`Sender`] for `config`, built on first use and then shared.
///
/// For [`send_with`], which has a configuration but no server (the server itself sends
/// through `AppState::providers`). The sender must be built once, not per message: the
/// SMTP transport keeps a pool of open connections and the webhook client its
/// keep-alive connections. Not in a single `OnceLock<Sender>` though: the
/// tests run several servers in one process, each with its own notification
/// configuration (their own local SMTP sink and webhook), so the cache is keyed by
/// the configuration. The key also names the Tokio runtime: pooled connections and
/// the pool's clean-up task belong to the runtime that made them, and each
/// `#[tokio::test]` has its own runtime that is gone when the test ends. In the
/// server there is one configuration and one runtime, hence one sender.
fn sender_for(config: &NotifyConfig) -> Result<Arc<Sender>, sender::ConfigError> {
    static SENDERS: OnceLock<Mutex<HashMap<String, Arc<Sender>>>> = OnceLock::new();
    let key = cache_key(config);
    // A panic while the lock was held cannot leave the map half-changed.
    let mut senders = SENDERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(sender) = senders.get(&key) {
        return Ok(Arc::clone(sender));
    }
    let sender = Arc::new(Sender::from_config(config)?);
    if senders.len() >= MAX_CACHED_SENDERS {
        senders.clear();
    }
    senders.insert(key, Arc::clone(&sender));
    Ok(sender)
}

/// What identifies a sender: the runtime, and every setting of the configuration (the
/// password only as a hash, so it is not copied around in clear).
fn cache_key(config: &NotifyConfig) -> String {
    let runtime = tokio::runtime::Handle::try_current()
        .map(|h| h.id().to_string())
        .unwrap_or_default();
    let smtp = config.smtp.as_ref().map(|s| {
        let password = s
            .password
            .as_deref()
            .map(|p| hex::encode(Sha256::digest(p.as_bytes())));
        format!(
            "{}:{}:{}:{}:{:?}:{:?}",
            s.host, s.port, s.tls, s.from, s.username, password
        )
    });
    format!("{runtime}|{smtp:?}|{:?}", config.sms_webhook)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::SmtpConfig;

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

    #[tokio::test]
    async fn one_sender_per_configuration() {
        let a = sender_for(&smtp(2525)).unwrap();
        assert!(Arc::ptr_eq(&a, &sender_for(&smtp(2525)).unwrap()));
        let b = sender_for(&smtp(2526)).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        let log = sender_for(&NotifyConfig::default()).unwrap();
        assert!(!log.has_smtp() && !log.has_sms_webhook());
        let mut starttls = smtp(2525);
        starttls.smtp.as_mut().unwrap().tls = "starttls".into();
        assert!(!Arc::ptr_eq(&a, &sender_for(&starttls).unwrap()));
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
