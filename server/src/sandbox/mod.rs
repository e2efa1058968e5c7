//! Everything that stands in for an outside party in development, in one place: the
//! payment gateways ([`gateways`]: WeChat Pay, Alipay and UnionPay emulated on their
//! own wire protocols, which the production providers are pointed at), the bank of the
//! expired path's verification transfers ([`bank`]) and its identity provider
//! ([`identity`]: the verdict and the liveness page).
//!
//! It is built only when the configuration turns the sandbox on (`sandbox = true`,
//! `CERTRENEW_SANDBOX=1`, the default on a development origin), and a public origin
//! refuses to start with it (`crate::config::production`). Its routes (`/sandbox/…`) are
//! mounted only when it is built; its parts are handed to `crate::providers` and
//! `crate::payments::setup`, which put them in `AppState` like any real provider.
//! Nothing else asks whether the sandbox is on. Its handlers have their own state (the
//! part they serve), never the server's, so no server module is imported back.

pub mod bank;
pub mod gateways;
pub mod identity;

use std::path::Path;
use std::sync::Arc;

use axum::Router;

use crate::db::Store;
use crate::expired::bank_provider::Transfers;
use crate::expired::identity_provider::Verifier;

/// The environment variable naming the directory of the emulated gateways' keys
/// (default `<data dir>/sandbox`): servers started one after another, or at once, may
/// share it and so make the keys only once (the tests do).
pub const KEY_DIR_ENV: &str = "CERTRENEW_SANDBOX_KEY_DIR";

/// Why an emulated gateway's key or certificate could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the sandbox key {path}: {message}")]
pub struct KeyError {
    path: String,
    message: String,
}

impl KeyError {
    /// The key file at `path` could not be had, for `message`.
    pub(crate) fn new(path: &Path, message: String) -> Self {
        Self {
            path: path.display().to_string(),
            message,
        }
    }
}

/// The development stand-ins, built once.
#[derive(Clone)]
pub struct Sandbox {
    wechatpay: Arc<gateways::wechat::Emulator>,
    alipay: Arc<gateways::alipay::Emulator>,
    unionpay: Arc<gateways::unionpay::Emulator>,
    bank: bank::Bank,
}

impl Sandbox {
    /// The stand-ins, recording in `store`; the gateways' keys are kept in `dir` (or in
    /// the directory `CERTRENEW_SANDBOX_KEY_DIR` names) and their pages link back to
    /// `origin`.
    pub fn new(store: Store, dir: &Path, origin: &str) -> Result<Self, KeyError> {
        let shared = std::env::var_os(KEY_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from);
        let dir = shared.as_deref().unwrap_or(dir);
        Ok(Self {
            wechatpay: Arc::new(gateways::wechat::Emulator::new(dir, origin)?),
            alipay: Arc::new(gateways::alipay::Emulator::new(dir, origin)?),
            unionpay: Arc::new(gateways::unionpay::Emulator::new(dir, origin)?),
            bank: bank::Bank::new(store),
        })
    }

    /// What the WeChat Pay provider needs to talk to the WeChat Pay emulator.
    pub fn wechatpay(&self) -> crate::payments::wechat::Credentials {
        self.wechatpay.credentials()
    }

    /// What the Alipay provider needs to talk to the Alipay emulator.
    pub fn alipay(&self) -> crate::payments::alipay::Credentials {
        self.alipay.credentials()
    }

    /// What the UnionPay provider needs to talk to the UnionPay emulator (its keys and
    /// certificates are made now, at the first use).
    pub fn unionpay(&self) -> Result<crate::payments::unionpay::Credentials, KeyError> {
        self.unionpay.credentials()
    }

    /// The bank of the verification transfers.
    pub fn bank(&self) -> Arc<dyn Transfers> {
        Arc::new(self.bank.clone())
    }

    /// The identity provider.
    pub fn identity(&self) -> Arc<dyn Verifier> {
        Arc::new(identity::Verifier)
    }

    /// Every `/sandbox/…` route.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .merge(gateways::wechat::routes(self.wechatpay.clone()))
            .merge(gateways::alipay::routes(self.alipay.clone()))
            .merge(gateways::unionpay::routes(self.unionpay.clone()))
            .merge(bank::routes(self.bank.clone()))
            .merge(identity::routes())
    }
}
