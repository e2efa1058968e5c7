//! Notices sent as signed messages rather than forms (WeChat Pay API v3: JSON body,
//! `Wechatpay-*` headers, encrypted `resource`), at `/api/v1/payments/notify/wechatpay`.
//! The gateway checks and reads the notice; the money rules are `payments::service`,
//! as for the form notices of `payments::http::notify`. Answered as WeChat Pay wants:
//! 204 when taken (a repeat too), 4XX/5XX `{"code":"FAIL",…}` otherwise (it retries).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::audit;
use crate::error::AppResult;
use crate::payments::provider::{RefundNotice, SignedNotice};
use crate::payments::service;
use crate::payments::store;
use crate::payments::wechat;
use crate::state::AppState;

/// The largest notice taken (a WeChat Pay notice is about 1 KiB).
const MAX_NOTICE: usize = 16 * 1024;

/// WeChat Pay's notices: payments (`TRANSACTION.SUCCESS`) and refunds (`REFUND.*`).
pub async fn wechatpay(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let gateway = state.providers.payments.named(wechat::NAME);
    if gateway.name() != wechat::NAME {
        return wechat::ack_refused(StatusCode::NOT_FOUND);
    }
    if body.len() > MAX_NOTICE {
        return wechat::ack_refused(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let notice = match gateway.read_signed_notice(&headers, &body) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "payment notice refused");
            return wechat::ack_refused(StatusCode::BAD_REQUEST);
        }
    };
    let actor = format!("gateway:{}", wechat::NAME);
    let outcome = match &notice {
        SignedNotice::Payment(n) => {
            service::apply_paid(&state, &n.out_trade_no, &n.trade_no, n.amount_fen, &actor)
                .await
                .map(|_| ())
        }
        SignedNotice::Refund(r) => refunded(&state, r, &actor).await,
    };
    match outcome {
        Ok(()) => wechat::ack_taken(),
        Err(e) => {
            let (code, status) = e.code_status();
            tracing::warn!(%code, error = %e, "payment notice not applied");
            wechat::ack_refused(status)
        }
    }
}

/// A refund's outcome: done is recorded once (the ledger's refund entry); a refund the
/// gateway could not make is audited for finance, who refund by other means.
pub(crate) async fn refunded(state: &AppState, r: &RefundNotice, actor: &str) -> AppResult<()> {
    let Some(refund) = store::refund(state.pool(), &r.refund_no).await? else {
        // Not one of ours (made at the merchant platform): nothing to record.
        tracing::warn!(
            refund_no = r.refund_no,
            "refund notice for an unknown refund"
        );
        return Ok(());
    };
    if refund.out_trade_no != r.out_trade_no {
        return Err(crate::error::AppError::validation(
            "out_trade_no",
            "refund.mismatch",
            "the refund notice names another order",
        ));
    }
    if r.succeeded {
        return service::mark_refund_done(state, &r.refund_no, actor).await;
    }
    let mut tx = state.store.begin_write().await?;
    audit::append(
        &mut tx,
        actor,
        "refund.failed_at_gateway",
        &refund.business_no,
        json!({ "refund_no": r.refund_no, "status": r.status }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
