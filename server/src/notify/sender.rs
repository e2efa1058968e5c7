//! Delivering written notifications: e-mail over SMTP (lettre) and SMS through an HTTP
//! webhook. A channel that is not configured is the development sender: the message
//! is written to the log and counts as sent.
//!
//! Each channel is a trait ([`Email`], [`Sms`]) so the server holds the one it was
//! configured with (`crate::providers`, built once at start-up) and a new kind of
//! delivery is one more implementation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{NotifyConfig, SmtpConfig};
use crate::notify::templates::Message;

/// How long an SMS webhook call may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of a failing webhook's answer is kept in the error.
const WEBHOOK_BODY_CHARS: usize = 200;

/// Delivers e-mail.
#[async_trait]
pub trait Email: Send + Sync {
    /// E-mails `msg` to `to`.
    async fn send_email(&self, to: &str, msg: &Message) -> Result<(), SendError>;
    /// The server it goes to (`host:port`), or `None` when it goes to the log.
    fn server(&self) -> Option<String>;
}

/// Delivers SMS.
#[async_trait]
pub trait Sms: Send + Sync {
    /// Sends `text` to the mobile number `to`.
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), SendError>;
    /// What may be shown of where it goes (`scheme://host:port`), or `None` when it
    /// goes to the log.
    fn endpoint(&self) -> Option<String>;
}

/// Sends e-mail and SMS as configured; build it once ([`Sender::from_config`]) and
/// share it: the SMTP transport keeps a pool of connections.
pub struct Sender {
    email: Arc<dyn Email>,
    sms: Arc<dyn Sms>,
}

/// E-mail written to the log (development).
pub struct LogEmail;

/// SMS written to the log (development).
pub struct LogSms;

/// E-mail over SMTP.
pub struct SmtpEmail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `host:port`, for errors and logs.
    server: String,
}

/// SMS through the webhook: `POST {"to", "text"}`.
pub struct WebhookSms {
    url: reqwest::Url,
    client: reqwest::Client,
}

/// Why a [`Sender`] cannot be built from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `notify.smtp.tls` is not one of the three modes.
    #[error("notify.smtp.tls must be \"none\", \"starttls\" or \"tls\", not {0:?}")]
    Tls(String),
    /// `notify.smtp.from` is not a mailbox.
    #[error("notify.smtp.from {from:?} is not an e-mail address: {source}")]
    From {
        /// The configured value.
        from: String,
        /// What is wrong with it.
        source: lettre::address::AddressError,
    },
    /// A user name without a password.
    #[error(
        "notify.smtp.username is set but no password is (notify.smtp.password or CERTRENEW_SMTP_PASSWORD)"
    )]
    MissingPassword,
    /// The SMTP relay cannot be set up (e.g. the host is not a valid TLS name).
    #[error("notify.smtp: {0}")]
    Smtp(#[source] lettre::transport::smtp::Error),
    /// `notify.sms_webhook` is not an http(s) URL.
    #[error("notify.sms_webhook is not an http:// or https:// URL")]
    Webhook,
    /// The HTTP client cannot be built.
    #[error("the SMS webhook's HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The recipient is not an e-mail address.
    #[error("the recipient {to:?} is not an e-mail address: {source}")]
    Recipient {
        /// The recipient given.
        to: String,
        /// What is wrong with it.
        source: lettre::address::AddressError,
    },
    /// The e-mail could not be put together.
    #[error("building the e-mail: {0}")]
    Build(#[source] lettre::error::Error),
    /// The SMTP server could not be reached or refused the message.
    #[error("SMTP server {server}: {source}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What happened.
        source: lettre::transport::smtp::Error,
    },
    /// The SMS webhook could not be reached in time (the URL is left out: it may hold
    /// a key).
    #[error("SMS webhook {endpoint}: {source}")]
    Webhook {
        /// Scheme, host and port of the webhook.
        endpoint: String,
        /// What happened.
        source: reqwest::Error,
    },
    /// The SMS webhook answered with an error status.
    #[error("SMS webhook {endpoint} answered {status}: {body}")]
    WebhookStatus {
        /// Scheme, host and port of the webhook.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The start of its answer.
        body: String,
    },
}

impl SendError {
    /// Whether sending the same message again cannot succeed (a bad address or
    /// message), as opposed to a server that is down or busy.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Recipient { .. } | Self::Build(_) => true,
            Self::Smtp { source, .. } => source.is_permanent(),
            Self::Webhook { .. } => false,
            Self::WebhookStatus { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
        }
    }
}

impl Sender {
    /// Builds the transports `config` names; unset channels go to the log. Connects to
    /// nothing yet. Must be called inside a Tokio runtime when SMTP is configured (the
    /// connection pool starts its clean-up task on it).
    pub fn from_config(config: &NotifyConfig) -> Result<Self, ConfigError> {
        let email: Arc<dyn Email> = match &config.smtp {
            Some(smtp) => Arc::new(email_sender(smtp)?),
            None => Arc::new(LogEmail),
        };
        let sms: Arc<dyn Sms> = match &config.sms_webhook {
            None => Arc::new(LogSms),
            Some(url) if url.trim().is_empty() => Arc::new(LogSms),
            Some(url) => {
                let url = reqwest::Url::parse(url.trim()).map_err(|_| ConfigError::Webhook)?;
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err(ConfigError::Webhook);
                }
                let client = reqwest::Client::builder()
                    .timeout(WEBHOOK_TIMEOUT)
                    .connect_timeout(WEBHOOK_TIMEOUT)
                    .build()
                    .map_err(ConfigError::Client)?;
                Arc::new(WebhookSms { url, client })
            }
        };
        Ok(Self { email, sms })
    }

    /// A sender that writes everything to the log.
    pub fn log_only() -> Self {
        Self {
            email: Arc::new(LogEmail),
            sms: Arc::new(LogSms),
        }
    }

    /// The e-mail channel, to hold on its own.
    pub fn email(&self) -> Arc<dyn Email> {
        Arc::clone(&self.email)
    }

    /// The SMS channel, to hold on its own.
    pub fn sms(&self) -> Arc<dyn Sms> {
        Arc::clone(&self.sms)
    }

    /// E-mails `msg` to `to` (UTF-8 subject and body: lettre encodes them as MIME
    /// encoded words and quoted-printable or base64). Without SMTP it is logged.
    pub async fn send_email(&self, to: &str, msg: &Message) -> Result<(), SendError> {
        self.email.send_email(to, msg).await
    }

    /// Sends `text` to the mobile number `to` by POSTing `{"to": to, "text": text}` to
    /// the SMS webhook; any status but 2xx is an error. Without a webhook it is logged.
    pub async fn send_sms(&self, to: &str, text: &str) -> Result<(), SendError> {
        self.sms.send_sms(to, text).await
    }

    /// Whether e-mail goes to an SMTP server (rather than the log).
    pub fn has_smtp(&self) -> bool {
        self.email.server().is_some()
    }

    /// Whether SMS go to a webhook (rather than the log).
    pub fn has_sms_webhook(&self) -> bool {
        self.sms.endpoint().is_some()
    }
}

impl fmt::Debug for Sender {
    /// Names the servers only: no credentials, no webhook path or query (it may hold
    /// a key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("smtp", &self.email.server())
            .field("sms_webhook", &self.sms.endpoint())
            .finish()
    }
}

#[async_trait]
impl Email for LogEmail {
    async fn send_email(&self, to: &str, msg: &Message) -> Result<(), SendError> {
        tracing::info!(
            to,
            subject = %msg.subject,
            body = %msg.body,
            "e-mail (log-only sender: notify.smtp is not configured)"
        );
        Ok(())
    }
    fn server(&self) -> Option<String> {
        None
    }
}

#[async_trait]
impl Sms for LogSms {
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), SendError> {
        tracing::info!(
            to,
            text,
            "SMS (log-only sender: notify.sms_webhook is not configured)"
        );
        Ok(())
    }
    fn endpoint(&self) -> Option<String> {
        None
    }
}

#[async_trait]
impl Email for SmtpEmail {
    async fn send_email(&self, to: &str, msg: &Message) -> Result<(), SendError> {
        let email = self;
        let recipient: Mailbox = to.trim().parse().map_err(|source| SendError::Recipient {
            to: to.to_owned(),
            source,
        })?;
        let message = lettre::Message::builder()
            .from(email.from.clone())
            .to(recipient)
            .subject(msg.subject.as_str())
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body(msg.body.clone())
            .map_err(SendError::Build)?;
        email
            .transport
            .send(message)
            .await
            .map_err(|source| SendError::Smtp {
                server: email.server.clone(),
                source,
            })?;
        tracing::debug!(to, server = %email.server, "e-mail sent");
        Ok(())
    }
    fn server(&self) -> Option<String> {
        Some(self.server.clone())
    }
}

#[async_trait]
impl Sms for WebhookSms {
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), SendError> {
        let sms = self;
        let endpoint = sms.shown();
        let response = sms
            .client
            .post(sms.url.clone())
            .json(&serde_json::json!({ "to": to, "text": text }))
            .send()
            .await
            .map_err(|e| SendError::Webhook {
                endpoint: endpoint.clone(),
                source: e.without_url(),
            })?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let body: String = body
                .chars()
                .filter(|c| !c.is_control())
                .take(WEBHOOK_BODY_CHARS)
                .collect();
            return Err(SendError::WebhookStatus {
                endpoint,
                status: status.as_u16(),
                body,
            });
        }
        tracing::debug!(to, %endpoint, "SMS sent");
        Ok(())
    }
    fn endpoint(&self) -> Option<String> {
        Some(self.shown())
    }
}

impl WebhookSms {
    /// `scheme://host:port`, what may be shown of the webhook.
    fn shown(&self) -> String {
        let url = &self.url;
        match url.port_or_known_default() {
            Some(port) => format!(
                "{}://{}:{port}",
                url.scheme(),
                url.host_str().unwrap_or_default()
            ),
            None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
        }
    }
}

/// The SMTP transport for `smtp`.
fn email_sender(smtp: &SmtpConfig) -> Result<SmtpEmail, ConfigError> {
    let from: Mailbox = smtp
        .from
        .trim()
        .parse()
        .map_err(|source| ConfigError::From {
            from: smtp.from.clone(),
            source,
        })?;
    let host = smtp.host.trim();
    let builder = match smtp.tls.trim().to_ascii_lowercase().as_str() {
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        "starttls" => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(ConfigError::Smtp)?
        }
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(ConfigError::Smtp)?,
        other => return Err(ConfigError::Tls(other.to_owned())),
    };
    let mut builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
    match (&smtp.username, &smtp.password) {
        (Some(user), Some(password)) if !user.is_empty() => {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        (Some(user), None) if !user.is_empty() => return Err(ConfigError::MissingPassword),
        _ => {}
    }
    Ok(SmtpEmail {
        transport: builder.build(),
        from,
        server: format!("{host}:{}", smtp.port),
    })
}
