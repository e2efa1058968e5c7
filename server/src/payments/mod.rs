//! Payments: the provider trait ([`provider`]), gateway signatures in Alipay's manner
//! ([`signing`]), the development gateway served by the server itself ([`sandbox`]),
//! and the money rules ([`service`]): no double charge, verified and idempotent notices,
//! bank transfers waiting for finance, refunds with idempotent numbers.

pub mod provider;
pub mod sandbox;
pub mod service;
pub mod signing;
