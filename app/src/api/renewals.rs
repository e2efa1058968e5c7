//! One renewal as its owner sees it (docs/api.md §6–§8): apply, read, pay, cancel, the
//! new key's CSR and the installed certificate.

use protocol::host::Base64Bytes;
use protocol::pay_request::PaymentRequest;
use serde::Serialize;
use serde_json::json;

use super::{get, post, segment};
use crate::error::AppError;
use crate::models::{CsrAnswer, PaymentAnswer, Renewal};

/// `POST /renewals`: applies (the signed application and its signature).
pub async fn apply<B: Serialize>(body: &B) -> Result<Renewal, AppError> {
    post("/renewals", body).await
}

/// `GET /renewals/{no}`.
pub async fn get_one(no: &str) -> Result<Renewal, AppError> {
    get(&format!("/renewals/{}", segment(no))).await
}

/// `POST /renewals/{no}/payments`: starts a payment (`body` as the pay form makes it).
pub async fn pay(no: &str, body: &PaymentRequest) -> Result<PaymentAnswer, AppError> {
    post(&format!("/renewals/{}/payments", segment(no)), body).await
}

/// `POST /renewals/{no}/cancel`.
pub async fn cancel(no: &str) -> Result<Renewal, AppError> {
    post(&format!("/renewals/{}/cancel", segment(no)), &json!({})).await
}

/// `POST /renewals/{no}/csr`: the new key's CSR, bound to the old key by its signature.
pub async fn csr(
    no: &str,
    csr: &Base64Bytes,
    binding_signature: &Base64Bytes,
    challenge: &str,
) -> Result<CsrAnswer, AppError> {
    post(
        &format!("/renewals/{}/csr", segment(no)),
        &json!({"csr": csr, "binding_signature": binding_signature, "challenge": challenge}),
    )
    .await
}

/// `POST /renewals/{no}/installed`: the token holds the new certificate.
pub async fn installed<B: Serialize>(no: &str, body: &B) -> Result<Renewal, AppError> {
    post(&format!("/renewals/{}/installed", segment(no)), body).await
}
