//! Payments: the gateway trait ([`provider`]) and the gateway of each method
//! ([`gateways`]), the endpoints
//! ([`http`]), the rows ([`store`]) and the money rules ([`service`]): no double
//! charge, verified and idempotent notices, bank transfers waiting for finance, refunds
//! with idempotent numbers. The providers written to a gateway's own protocol:
//! [`wechat`] (WeChat Pay API v3 Native, its signed JSON notices taken by [`notice`]),
//! [`alipay`] (电脑网站支付 / 手机网站支付, RSA2, form notices taken by [`http`]),
//! [`unionpay`] (全渠道 ACP 5.1.0: a form posted to its gateway, form notices);
//! which one takes each method is [`setup`]. The development gateways are
//! `crate::sandbox::gateway` (generic) and `crate::sandbox::gateways` (emulators).

pub mod alipay;
pub mod gateways;
pub mod http;
pub mod notice;
pub mod provider;
pub mod rsa_sign;
pub mod service;
pub mod setup;
pub mod store;
pub mod unionpay;
pub mod wechat;

/// Percent-encodes everything but RFC 3986's unreserved characters, for the query
/// strings and URL paths gateways sign or route on.
pub fn percent_encode(value: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, RESERVED).to_string()
}
