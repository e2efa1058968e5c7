//! The body the pay page posts to `POST /api/v1/renewals/{no}/payments` (docs/api.md
//! §6): one type for the app that sends it and the server that reads it. Unknown
//! fields are refused; the server checks every value (`payments::service`).

use serde::{Deserialize, Serialize};

/// Paying for a renewal, or declaring a bank transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// `alipay`, `unionpay`, `wechat` or `bank_transfer`.
    pub method: String,
    /// The invoice.
    pub invoice: InvoiceRequest,
    /// The transfer, for `bank_transfer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_transfer: Option<BankTransferRequest>,
}

/// The invoice asked for with a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvoiceRequest {
    /// `electronic` or `paper`.
    pub kind: String,
    /// The title (发票抬头), 1 to 100 characters.
    pub title: String,
    /// The taxpayer id (统一社会信用代码); required for an electronic invoice.
    #[serde(default)]
    pub taxpayer_id: Option<String>,
}

/// A declared bank transfer (对公转账).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BankTransferRequest {
    /// The paying account number.
    pub payer_account: String,
    /// The paying account's name.
    pub payer_name: String,
    /// The amount sent, fen.
    pub amount_fen: i64,
    /// The day it was sent, `YYYY-MM-DD`.
    pub paid_on: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pay_pages_body_round_trips_and_nothing_else_is_taken() {
        let json = r#"{"method":"bank_transfer","invoice":{"kind":"paper","title":"某公司","taxpayer_id":null},"bank_transfer":{"payer_account":"6222","payer_name":"某公司","amount_fen":30000,"paid_on":"2026-01-02","note":""}}"#;
        let req: PaymentRequest = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&req).unwrap(), json);
        let extra = r#"{"method":"alipay","invoice":{"kind":"paper","title":"x"},"amount":1}"#;
        assert!(serde_json::from_str::<PaymentRequest>(extra).is_err());
    }
}
