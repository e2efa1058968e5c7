//! Every outside party the server talks to, built once from the configuration and
//! held in `AppState`: a payment gateway per online method, e-mail and SMS delivery,
//! the bank of the expired path's verification transfers and its identity provider.
//! Handlers use what is here and never ask which kind it is.
//!
//! What selects each (docs/operations.md, "Outside parties"):
//! - payment gateways: `crate::payments::setup` (`CERTRENEW_PAYMENTS_CONFIG`): each
//!   configured gateway takes its method; with `sandbox` on, an unconfigured one is the
//!   same production provider pointed at the sandbox's emulator of that gateway; with
//!   it off, none (online payment by that method is refused, a public origin refuses
//!   to start with it offered);
//! - e-mail: `[notify.smtp]` → SMTP, else the log;
//! - SMS: `notify.sms_webhook` → the webhook, else the log;
//! - bank verification and identity verification: `sandbox` on → the sandbox's, off
//!   → none (the step answers 502 until a real provider is added here).
//!
//! - the key management centre (KMC): `[kmc]` → the built-in KMC with its master key in
//!   a file (default `<data>/kmc/master.pem`) or on the PKCS#11 HSM (docs/kmc.md); a CA
//!   with its own KMC adds its `crate::kmc::Kmc` implementation as one more arm.
//!
//! A real provider is one more implementation of the trait and one more arm here.

use std::sync::Arc;

use protocol::payment::PaymentMethod;

use crate::config::Config;
use crate::expired::bank_provider::{self, Transfers};
use crate::expired::identity_provider::{self, Verifier};
use crate::kmc::{Kmc, KmcConfig, KmcError, builtin::Builtin, master::MasterKey};
use crate::notify::sender::{ConfigError, Email, Sender, Sms};
use crate::payments::gateways::Gateways;
use crate::sandbox::Sandbox;

/// The online payment methods (`bank_transfer` needs no gateway).
pub const ONLINE_METHODS: [PaymentMethod; 3] = [
    PaymentMethod::Alipay,
    PaymentMethod::Unionpay,
    PaymentMethod::Wechat,
];

/// The outside parties.
#[derive(Clone)]
pub struct Providers {
    /// The gateway of each online payment method.
    pub payments: Gateways,
    /// E-mail delivery.
    pub email: Arc<dyn Email>,
    /// SMS delivery.
    pub sms: Arc<dyn Sms>,
    /// The bank that sends verification transfers.
    pub bank: Arc<dyn Transfers>,
    /// The identity provider (ID photos and liveness).
    pub identity: Arc<dyn Verifier>,
    /// The key management centre (dual certificates' encryption keys).
    pub kmc: Arc<dyn Kmc>,
}

/// Why the outside parties cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ProvidersError {
    /// The notification senders.
    #[error(transparent)]
    Notify(#[from] ConfigError),
    /// The KMC (its master key).
    #[error("[kmc]: {0}")]
    Kmc(#[from] KmcError),
}

/// The KMC `config` selects.
fn kmc(config: &Config) -> Result<Arc<dyn Kmc>, KmcError> {
    let master = match &config.kmc {
        KmcConfig::File { master_key } => MasterKey::file(
            &master_key
                .clone()
                .unwrap_or_else(|| config.data_dir.join("kmc").join("master.pem")),
        )?,
        KmcConfig::Pkcs11 {
            module,
            token,
            key_label,
            pin,
        } => {
            let pin = pin.as_deref().ok_or_else(|| {
                KmcError::Setup("the hsm pin is not set (CERTRENEW_KMC_PIN)".into())
            })?;
            MasterKey::hsm(module, token, pin, key_label)?
        }
    };
    // Challenges are authenticated under a key every instance derives alike from the
    // master key they share (identity::challenges, docs/security.md "Challenges").
    crate::identity::challenges::set_key(crate::identity::challenges::Key::derive(&master)?);
    Ok(Arc::new(Builtin::new(master)))
}

impl Providers {
    /// The providers `config` selects; `sandbox` is the development stand-in when the
    /// configuration turned it on. Connects to nothing yet; must run inside the Tokio
    /// runtime when SMTP is configured (its pool starts a task).
    pub fn from_config(config: &Config, sandbox: Option<&Sandbox>) -> Result<Self, ProvidersError> {
        let sender = Sender::from_config(&config.notify)?;
        // The payment gateways come from `crate::payments::setup` (the configured ones,
        // or with the sandbox on its emulators).
        let payments = Gateways::new();
        let (bank, identity): (Arc<dyn Transfers>, Arc<dyn Verifier>) = match sandbox {
            Some(sandbox) => (sandbox.bank(), sandbox.identity()),
            None => (
                Arc::new(bank_provider::Unconfigured),
                Arc::new(identity_provider::Unconfigured),
            ),
        };
        Ok(Self {
            payments,
            email: sender.email(),
            sms: sender.sms(),
            bank,
            identity,
            kmc: kmc(config)?,
        })
    }

    /// One line per party, for the start-up log (no addresses beyond host and port).
    pub fn describe(&self) -> String {
        let gateways = self
            .payments
            .describe()
            .into_iter()
            .map(|(m, g)| format!("{m}={g}"))
            .collect::<Vec<_>>();
        format!(
            "payments: [{}]; email: {}; sms: {}; bank: {}; identity: {}; kmc: {}",
            gateways.join(", "),
            self.email.server().unwrap_or_else(|| "log".into()),
            self.sms.endpoint().unwrap_or_else(|| "log".into()),
            self.bank.name(),
            self.identity.name(),
            self.kmc.name()
        )
    }
}
