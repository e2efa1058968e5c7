//! Payments: the gateway trait ([`provider`]) and the gateway of each method
//! ([`gateways`]), gateway signatures in Alipay's manner ([`signing`]), the endpoints
//! ([`http`]), the rows ([`store`]) and the money rules ([`service`]): no double
//! charge, verified and idempotent notices, bank transfers waiting for finance, refunds
//! with idempotent numbers. The development gateway is `crate::sandbox::gateway`.

pub mod gateways;
pub mod http;
pub mod provider;
pub mod service;
pub mod signing;
pub mod store;
