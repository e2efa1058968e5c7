//! The payment endpoints: paying for a renewal (its owner, with the session) and the
//! gateways' asynchronous notices. They check who asks and answer in HTTP; the rules
//! are `payments::service`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use protocol::pay_request::PaymentRequest;

use crate::api::extract::Body;
use crate::api::renewals::owned;
use crate::error::AppResult;
use crate::payments::provider::SignedNotice;
use crate::payments::service::{self, Ended, PaymentResponse, Started};
use crate::state::AppState;

/// Pays for a renewal (立即支付 / 重新支付), or declares a bank transfer.
#[utoipa::path(post, path = "/api/v1/renewals/{business_no}/payments", params(("business_no" = String, Path)), request_body = PaymentRequest,
    responses((status = 201, body = PaymentResponse), (status = 200, body = PaymentResponse, description = "an earlier attempt was already paid"), (status = 409), (status = 422)))]
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(business_no): Path<String>,
    Body(req): Body<PaymentRequest>,
) -> AppResult<(StatusCode, Json<PaymentResponse>)> {
    let (session, row) = owned(&state, &headers, &business_no).await?;
    // A phone gets the gateway's cashier for phones (Alipay's wap.pay).
    let mobile = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("Mobile") || ua.contains("Android"));
    Ok(
        match service::pay(&state, &session.cert_sha256, &row, &req, mobile).await? {
            Started::Opened(r) => (StatusCode::CREATED, Json(r)),
            Started::AlreadyPaid(r) => (StatusCode::OK, Json(r)),
        },
    )
}

/// The gateway's asynchronous notice. Answered in the gateway's format: `success`
/// when taken (also for a repeat), `fail` otherwise (the gateway will retry).
pub async fn notify(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Form(params): Form<BTreeMap<String, String>>,
) -> Response {
    let gateway = state.providers.payments.named(&provider);
    if provider != gateway.name() {
        return (StatusCode::NOT_FOUND, "fail").into_response();
    }
    let notice = match gateway.read_form_notice(&params) {
        Ok(notice) => notice,
        Err(e) => {
            tracing::warn!(error = %e, "payment notice refused");
            return (StatusCode::BAD_REQUEST, "fail").into_response();
        }
    };
    let actor = format!("gateway:{provider}");
    let notice = match notice {
        SignedNotice::Payment(n) => n,
        SignedNotice::Refund(r) => {
            return match crate::payments::notice::refunded(&state, &r, &actor).await {
                Ok(()) => (StatusCode::OK, gateway.ack()).into_response(),
                Err(e) => {
                    tracing::warn!(error = %e, refund_no = r.refund_no, "refund notice not applied");
                    (e.code_status().1, "fail").into_response()
                }
            };
        }
    };
    let outcome = if notice.paid {
        service::apply_paid(
            &state,
            &notice.out_trade_no,
            &notice.trade_no,
            notice.amount_fen,
            &actor,
        )
        .await
        .map(|_| ())
    } else {
        service::mark_ended(&state, &notice.out_trade_no, Ended::Failed, &actor).await
    };
    match outcome {
        Ok(()) => (StatusCode::OK, gateway.ack()).into_response(),
        Err(e) => {
            let (code, status) = e.code_status();
            tracing::warn!(%code, error = %e, out_trade_no = notice.out_trade_no, "payment notice not applied");
            (status, "fail").into_response()
        }
    }
}
