//! What a server on a public (non-development) origin refuses to start with. Each of
//! these is silent and dangerous in production: the sandbox marks any order paid and
//! passes identity checks; a missing CA key file would make a fresh development CA;
//! without senders, SMS sign-in codes and e-mails go only to the log while the API
//! says "sent". A plain-http development origin (`WebOrigin::is_development`) keeps
//! all of them, as `scripts/run-dev.sh` and the tests use them.

use std::fmt;
use std::path::PathBuf;

use crate::config::{CaKeyConfig, Config};

/// One setting a public server must not run with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The sandbox (emulated gateways, bank and identity) is on.
    #[error(
        "the sandbox is on for the public origin {origin}: its emulated payment gateways let anyone mark an order paid, shows bank codes and passes identity checks. Set CERTRENEW_SANDBOX=0 (or `sandbox = false` in the configuration file)"
    )]
    Sandbox {
        /// The origin.
        origin: String,
    },
    /// The PEM CA key file is missing.
    #[error(
        "no CA key at {key}: a public server never makes a development CA on its own. Create the CA once with `certrenew-server ca init --name \"<CA name>\"`, or point `[ca] kind = \"pem\", key = …, cert = …` in the configuration file at the CA's files (or use `kind = \"pkcs11\"` for an HSM)"
    )]
    CaKeyMissing {
        /// Where the key was looked for.
        key: PathBuf,
    },
    /// The HSM PIN is not set.
    #[error(
        "the CA key is on an HSM but its PIN is not set: set CERTRENEW_CA_PIN (or `pin` under [ca])"
    )]
    CaPinMissing,
    /// No SMS sender.
    #[error(
        "no SMS sender: the expired-certificate path signs applicants in with SMS codes, which would only be written to the log. Set `sms_webhook = \"https://…\"` under [notify] in the configuration file"
    )]
    SmsSender,
    /// No e-mail sender.
    #[error(
        "no e-mail sender: order notifications and expiry reminders would only be written to the log. Set [notify.smtp] (host, port, tls, from; password in CERTRENEW_SMTP_PASSWORD) in the configuration file"
    )]
    EmailSender,
    /// A sender is configured but unusable.
    #[error("the notification settings are not usable: {0}")]
    Notify(#[from] crate::notify::sender::ConfigError),
}

/// Every refusal found, so an operator fixes them in one go.
#[derive(Debug)]
pub struct Refusals(pub Vec<Refusal>);

impl fmt::Display for Refusals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to start on a public origin with {} unsafe setting(s):",
            self.0.len()
        )?;
        for r in &self.0 {
            write!(f, "\n  - {r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusals {}

/// The CA part alone (for the commands that load the CA without serving): on a public
/// origin the key must already be there.
pub fn check_ca(config: &Config) -> Result<(), Refusals> {
    let found = ca_refusals(config);
    if found.is_empty() {
        Ok(())
    } else {
        Err(Refusals(found))
    }
}

fn ca_refusals(config: &Config) -> Vec<Refusal> {
    if config.public_origin.is_development() {
        return Vec::new();
    }
    match &config.ca {
        CaKeyConfig::Pem { .. } => match config.ca_pem_paths() {
            Some((key, _)) if !key.is_file() => vec![Refusal::CaKeyMissing { key }],
            _ => Vec::new(),
        },
        CaKeyConfig::Pkcs11 { pin, .. } => {
            if pin.as_deref().is_none_or(str::is_empty) {
                vec![Refusal::CaPinMissing]
            } else {
                Vec::new()
            }
        }
    }
}

/// Everything `serve` needs on a public origin. Builds the notification senders once
/// to check their settings, so it must run inside the Tokio runtime.
pub fn check(config: &Config) -> Result<(), Refusals> {
    if config.public_origin.is_development() {
        return Ok(());
    }
    let mut found = Vec::new();
    if config.sandbox {
        found.push(Refusal::Sandbox {
            origin: config.public_origin.as_str().to_owned(),
        });
    }
    found.extend(ca_refusals(config));
    if config
        .notify
        .sms_webhook
        .as_deref()
        .is_none_or(|u| u.trim().is_empty())
    {
        found.push(Refusal::SmsSender);
    }
    if config.notify.smtp.is_none() {
        found.push(Refusal::EmailSender);
    }
    if let Err(e) = crate::notify::sender::Sender::from_config(&config.notify) {
        found.push(Refusal::Notify(e));
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Refusals(found))
    }
}
