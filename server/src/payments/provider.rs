//! What the server needs from a payment gateway. WeChat Pay, Alipay and UnionPay
//! (`crate::payments::{wechat, alipay, unionpay}`) implement it and are chosen per
//! method in `crate::payments::setup`; in development they talk to the sandbox's
//! emulators of the same gateways (`crate::sandbox::gateways`).

use std::collections::BTreeMap;

use async_trait::async_trait;

/// A gateway failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentError {
    /// The gateway did not answer or answered an error.
    #[error("the payment gateway failed: {0}")]
    Gateway(String),
    /// A notice's signature or content is wrong.
    #[error("{0}")]
    BadNotice(String),
}

/// An order to pay.
#[derive(Debug, Clone)]
pub struct Order {
    /// The attempt's number.
    pub out_trade_no: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// What is bought, shown by the gateway.
    pub subject: String,
    /// Where the gateway sends the user back (a path of this server).
    pub return_url: String,
    /// Paid on a phone (Alipay's cashier for phones, `alipay.trade.wap.pay`).
    pub mobile: bool,
}

/// What the gateway says about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayState {
    /// Not paid yet.
    Pending,
    /// Paid.
    Paid {
        /// The gateway's own number.
        trade_no: String,
        /// Amount in fen.
        amount_fen: i64,
    },
    /// Failed or closed.
    Failed,
    /// The gateway does not know it.
    Unknown,
}

/// A verified asynchronous notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The attempt's number.
    pub out_trade_no: String,
    /// The gateway's number.
    pub trade_no: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Paid (true) or closed (false).
    pub paid: bool,
}

/// A refund's outcome, from the gateway's refund notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundNotice {
    /// The attempt refunded.
    pub out_trade_no: String,
    /// Our refund number (the one sent with the refund).
    pub refund_no: String,
    /// The money went back.
    pub succeeded: bool,
    /// The gateway's word for it (`SUCCESS`, `ABNORMAL`, `CLOSED`).
    pub status: String,
}

/// A verified notice of a gateway whose notices are signed messages rather than a
/// form of parameters (WeChat Pay API v3: JSON with `Wechatpay-*` headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedNotice {
    /// A payment.
    Payment(Notice),
    /// A refund's outcome.
    Refund(RefundNotice),
}

/// A form the customer's browser posts to the gateway (UnionPay's consumption form to
/// `frontTransReq.do`), rendered by this server's pay page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPost {
    /// Where the form goes.
    pub action: String,
    /// Its fields, signed.
    pub fields: BTreeMap<String, String>,
}

/// A payment gateway.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The name used in the notify URL (`/api/v1/payments/notify/{name}`).
    fn name(&self) -> &'static str;
    /// Opens an order; returns where the user pays.
    async fn create(&self, order: &Order) -> Result<String, PaymentError>;
    /// The form the pay URL `create` gave stands for (its `query`), for a gateway the
    /// browser reaches by a form post rather than a redirect (UnionPay); the others
    /// refuse.
    fn form_post(&self, _query: &BTreeMap<String, String>) -> Result<FormPost, PaymentError> {
        Err(PaymentError::Gateway(format!(
            "{} is reached by a redirect, not a form",
            self.name()
        )))
    }
    /// Asks about an order.
    async fn query(&self, out_trade_no: &str) -> Result<GatewayState, PaymentError>;
    /// Closes an unpaid order so it can no longer be paid.
    async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError>;
    /// Checks a notice's signature and reads it.
    fn verify_notice(&self, params: &BTreeMap<String, String>) -> Result<Notice, PaymentError>;
    /// Checks and reads a notice sent as a form: a payment's, or (for a gateway that
    /// notifies refunds that way, Alipay) a refund's.
    fn read_form_notice(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<SignedNotice, PaymentError> {
        self.verify_notice(params).map(SignedNotice::Payment)
    }
    /// Checks and reads a notice sent as a signed message (`headers` and raw `body`);
    /// a gateway whose notices are forms refuses it.
    fn read_signed_notice(
        &self,
        _headers: &axum::http::HeaderMap,
        _body: &[u8],
    ) -> Result<SignedNotice, PaymentError> {
        Err(PaymentError::BadNotice(format!(
            "{} sends its notices as forms",
            self.name()
        )))
    }
    /// The body the gateway expects when a notice was taken.
    fn ack(&self) -> &'static str {
        "success"
    }
    /// Refunds a paid order (idempotent by `refund_no`).
    async fn refund(
        &self,
        out_trade_no: &str,
        refund_no: &str,
        amount_fen: i64,
    ) -> Result<(), PaymentError>;
}

/// The gateway of a method none is configured for: online payment that way is
/// unavailable (bank transfers still work).
pub struct Unconfigured;

#[async_trait]
impl Provider for Unconfigured {
    fn name(&self) -> &'static str {
        "none"
    }
    async fn create(&self, _order: &Order) -> Result<String, PaymentError> {
        Err(PaymentError::Gateway(
            "online payment is not configured on this server; pay by bank transfer".into(),
        ))
    }
    async fn query(&self, _out_trade_no: &str) -> Result<GatewayState, PaymentError> {
        Ok(GatewayState::Unknown)
    }
    async fn close(&self, _out_trade_no: &str) -> Result<(), PaymentError> {
        Ok(())
    }
    fn verify_notice(&self, _params: &BTreeMap<String, String>) -> Result<Notice, PaymentError> {
        Err(PaymentError::BadNotice(
            "no payment gateway is configured".into(),
        ))
    }
    async fn refund(
        &self,
        _out_trade_no: &str,
        _refund_no: &str,
        _amount_fen: i64,
    ) -> Result<(), PaymentError> {
        Err(PaymentError::Gateway(
            "no payment gateway is configured".into(),
        ))
    }
}
