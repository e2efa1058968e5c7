//! Everything that stands in for an outside party in development, in one place: the
//! payment gateway ([`gateway`]: pay page, signed notices, queries, refunds), the bank
//! of the expired path's verification transfers ([`bank`]) and its identity provider
//! ([`identity`]: the verdict and the liveness page).
//!
//! It is built only when the configuration turns the sandbox on (`sandbox = true`,
//! `CERTRENEW_SANDBOX=1`, the default on a development origin), and a public origin
//! refuses to start with it (`crate::config::production`). Its routes (`/sandbox/…`) are
//! mounted only when it is built; its parts are handed to `crate::providers`, which
//! puts them in `AppState` like any real provider. Nothing else asks whether the
//! sandbox is on. Its handlers have their own state (the part they serve), never the
//! server's, so no server module is imported back.

pub mod bank;
pub mod gateway;
pub mod gateways;
pub mod identity;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use sqlx::AnyPool;

use crate::expired::bank_provider::Transfers;
use crate::expired::identity_provider::Verifier;
use crate::payments::provider::Provider;

pub use gateway::KeyError;

/// The development stand-ins, built once.
#[derive(Clone)]
pub struct Sandbox {
    gateway: Arc<gateway::Gateway>,
    wechatpay: Arc<gateways::wechat::Emulator>,
    alipay: Arc<gateways::alipay::Emulator>,
    unionpay: Arc<gateways::unionpay::Emulator>,
    bank: bank::Bank,
}

impl Sandbox {
    /// The stand-ins, recording in `pool`; the gateway's signing key is kept in `dir`
    /// and its pages link back to `origin`.
    pub fn new(pool: AnyPool, dir: &Path, origin: &str) -> Result<Self, KeyError> {
        Ok(Self {
            gateway: Arc::new(gateway::Gateway::new(pool.clone(), dir, origin)?),
            wechatpay: Arc::new(gateways::wechat::Emulator::new(dir, origin)?),
            alipay: Arc::new(gateways::alipay::Emulator::new(dir, origin)?),
            unionpay: Arc::new(gateways::unionpay::Emulator::new(dir, origin)?),
            bank: bank::Bank::new(pool),
        })
    }

    /// The payment gateway (behind every online method).
    pub fn gateway(&self) -> Arc<dyn Provider> {
        self.gateway.clone()
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
            .merge(gateway::routes(self.gateway.clone()))
            .merge(gateways::wechat::routes(self.wechatpay.clone()))
            .merge(gateways::alipay::routes(self.alipay.clone()))
            .merge(gateways::unionpay::routes(self.unionpay.clone()))
            .merge(bank::routes(self.bank.clone()))
            .merge(identity::routes())
    }
}
