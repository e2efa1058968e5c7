//! The development payment gateway, served by the server itself under
//! `/sandbox/gateway/` (only when `sandbox` is on). It behaves like the real gateways where it matters:
//! a pay page, signed asynchronous notices (RSA-SHA256 over sorted parameters, as
//! Alipay does), order queries, closing and refunds; and it lets tests choose the
//! outcome, repeat notices and delay them:
//! `POST /sandbox/gateway/{out_trade_no}/complete {"outcome":"paid"|"failed","duplicates":N,"delay_ms":M}`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::extract::{Form, Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use protocol::money::Fen;
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyPool, Row};

use crate::api::extract::Body;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::payments::alipay::sign as signing;
use crate::payments::provider::{GatewayState, Notice, Order, PaymentError, Provider};
use crate::random;

/// The sandbox gateway.
pub struct Gateway {
    pool: AnyPool,
    key: RsaPrivateKey,
    origin: String,
    http: reqwest::Client,
}

/// Why the gateway's key could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the sandbox gateway key {path}: {message}")]
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

impl Gateway {
    /// The gateway, with its signing key read from `dir/gateway-key.pem` or made there.
    pub fn new(pool: AnyPool, dir: &Path, origin: &str) -> Result<Self, KeyError> {
        let path = dir.join("gateway-key.pem");
        let err = |message: String| KeyError {
            path: path.display().to_string(),
            message,
        };
        let key = if path.exists() {
            let pem = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
            RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| err(e.to_string()))?
        } else {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            let key =
                RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| err(e.to_string()))?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| err(e.to_string()))?;
            std::fs::write(&path, pem.as_bytes()).map_err(|e| err(e.to_string()))?;
            key
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| err(e.to_string()))?;
        Ok(Self {
            pool,
            key,
            origin: origin.to_owned(),
            http,
        })
    }

    fn notify_url(&self) -> String {
        format!("{}/api/v1/payments/notify/sandbox", self.origin)
    }

    fn notice_params(
        &self,
        out_trade_no: &str,
        trade_no: &str,
        amount_fen: i64,
        paid: bool,
    ) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        p.insert("app_id".to_owned(), "2021000000000000".to_owned());
        p.insert("notify_type".to_owned(), "trade_status_sync".to_owned());
        p.insert("notify_id".to_owned(), random::hex(16));
        p.insert("notify_time".to_owned(), clock::rfc3339(clock::now_ms()));
        p.insert("out_trade_no".to_owned(), out_trade_no.to_owned());
        p.insert("trade_no".to_owned(), trade_no.to_owned());
        p.insert("total_amount".to_owned(), Fen(amount_fen).yuan_string());
        p.insert(
            "trade_status".to_owned(),
            if paid {
                "TRADE_SUCCESS"
            } else {
                "TRADE_CLOSED"
            }
            .to_owned(),
        );
        signing::sign_notice(&self.key, &mut p);
        p
    }

    /// Posts one notice; returns the merchant's answer body.
    async fn post_notice(&self, params: &BTreeMap<String, String>) -> Result<String, PaymentError> {
        let response = self
            .http
            .post(self.notify_url())
            .form(params)
            .send()
            .await
            .map_err(|e| PaymentError::Gateway(e.to_string()))?;
        response
            .text()
            .await
            .map_err(|e| PaymentError::Gateway(e.to_string()))
    }

    /// Settles an order with `outcome` and sends `duplicates` notices after `delay`.
    async fn complete(
        self: &Arc<Self>,
        out_trade_no: &str,
        paid: bool,
        duplicates: u32,
        delay: Duration,
    ) -> AppResult<Vec<String>> {
        let row = sqlx::query(
            "SELECT amount_fen, status, trade_no FROM sandbox_orders WHERE out_trade_no = $1",
        )
        .bind(out_trade_no)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("the sandbox gateway has no order {out_trade_no}"))
        })?;
        let amount: i64 = row.try_get("amount_fen")?;
        let status: String = row.try_get("status")?;
        let trade_no: String = row.try_get("trade_no")?;
        let wanted = if paid { "paid" } else { "closed" };
        if status == "pending" {
            sqlx::query("UPDATE sandbox_orders SET status = $1, paid_at = $2 WHERE out_trade_no = $3 AND status = 'pending'")
                .bind(wanted)
                .bind(paid.then(clock::now_ms))
                .bind(out_trade_no)
                .execute(&self.pool)
                .await?;
        } else if status != wanted {
            return Err(AppError::refused(
                protocol::ErrorCode::IllegalTransition,
                StatusCode::CONFLICT,
                format!("the order is already {status}"),
            ));
        }
        let params = self.notice_params(out_trade_no, &trade_no, amount, paid);
        let copies = duplicates.clamp(1, 1000);
        if delay.is_zero() {
            // The copies go out at the same time, as a gateway retrying in parallel would.
            let mut sends = tokio::task::JoinSet::new();
            for _ in 0..copies {
                let (me, params) = (Arc::clone(self), params.clone());
                sends.spawn(async move { me.post_notice(&params).await });
            }
            let mut answers = Vec::with_capacity(copies as usize);
            while let Some(done) = sends.join_next().await {
                let answer = done.map_err(|e| AppError::Internal(e.to_string()))?;
                answers.push(answer.map_err(|e| AppError::Internal(e.to_string()))?);
            }
            return Ok(answers);
        }
        let me = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            for _ in 0..copies {
                if let Err(e) = me.post_notice(&params).await {
                    tracing::warn!(error = %e, "sandbox notice not delivered");
                }
            }
        });
        Ok(Vec::new())
    }
}

#[async_trait]
impl Provider for Gateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create(&self, order: &Order) -> Result<String, PaymentError> {
        let trade_no = format!("SBX{}", random::hex(8));
        sqlx::query("INSERT INTO sandbox_orders (out_trade_no, amount_fen, subject, status, trade_no, created_at) VALUES ($1, $2, $3, 'pending', $4, $5)")
            .bind(&order.out_trade_no)
            .bind(order.amount_fen)
            .bind(&order.subject)
            .bind(&trade_no)
            .bind(clock::now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| PaymentError::Gateway(e.to_string()))?;
        let return_url = crate::payments::percent_encode(&order.return_url);
        Ok(format!(
            "{}/sandbox/gateway/pay/{}?return_url={return_url}",
            self.origin, order.out_trade_no
        ))
    }

    async fn query(&self, out_trade_no: &str) -> Result<GatewayState, PaymentError> {
        let row = sqlx::query(
            "SELECT amount_fen, status, trade_no FROM sandbox_orders WHERE out_trade_no = $1",
        )
        .bind(out_trade_no)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| PaymentError::Gateway(e.to_string()))?;
        let Some(row) = row else {
            return Ok(GatewayState::Unknown);
        };
        let get = |col: &str| -> Result<String, PaymentError> {
            row.try_get(col)
                .map_err(|e| PaymentError::Gateway(e.to_string()))
        };
        let amount: i64 = row
            .try_get("amount_fen")
            .map_err(|e| PaymentError::Gateway(e.to_string()))?;
        Ok(match get("status")?.as_str() {
            "paid" | "refunded" => GatewayState::Paid {
                trade_no: get("trade_no")?,
                amount_fen: amount,
            },
            "pending" => GatewayState::Pending,
            _ => GatewayState::Failed,
        })
    }

    async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        sqlx::query("UPDATE sandbox_orders SET status = 'closed' WHERE out_trade_no = $1 AND status = 'pending'")
            .bind(out_trade_no)
            .execute(&self.pool)
            .await
            .map_err(|e| PaymentError::Gateway(e.to_string()))?;
        Ok(())
    }

    fn verify_notice(&self, params: &BTreeMap<String, String>) -> Result<Notice, PaymentError> {
        signing::verify_notice(&self.key.to_public_key(), params)
            .map_err(|e| PaymentError::BadNotice(e.to_string()))?;
        let field = |name: &str| {
            params
                .get(name)
                .cloned()
                .ok_or_else(|| PaymentError::BadNotice(format!("the notice has no {name}")))
        };
        let amount = Fen::parse_yuan(&field("total_amount")?)
            .map_err(|e| PaymentError::BadNotice(e.to_string()))?;
        let paid = match field("trade_status")?.as_str() {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => true,
            "TRADE_CLOSED" => false,
            other => {
                return Err(PaymentError::BadNotice(format!(
                    "unknown trade_status {other:?}"
                )));
            }
        };
        Ok(Notice {
            out_trade_no: field("out_trade_no")?,
            trade_no: field("trade_no")?,
            amount_fen: amount.0,
            paid,
        })
    }

    async fn refund(
        &self,
        out_trade_no: &str,
        _refund_no: &str,
        _amount_fen: i64,
    ) -> Result<(), PaymentError> {
        // Idempotent: refunding a refunded order changes nothing.
        let done = sqlx::query("UPDATE sandbox_orders SET status = 'refunded' WHERE out_trade_no = $1 AND status IN ('paid', 'refunded')")
            .bind(out_trade_no)
            .execute(&self.pool)
            .await
            .map_err(|e| PaymentError::Gateway(e.to_string()))?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(PaymentError::Gateway(format!(
                "order {out_trade_no} was not paid"
            )))
        }
    }
}

/// The control request tests use.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CompleteRequest {
    /// `paid` or `failed`.
    pub outcome: String,
    /// How many copies of the notice to send (default 1).
    #[serde(default)]
    pub duplicates: Option<u32>,
    /// How long to wait before sending (default 0: send before answering).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

async fn complete(
    State(gateway): State<Arc<Gateway>>,
    UrlPath(out_trade_no): UrlPath<String>,
    Body(req): Body<CompleteRequest>,
) -> AppResult<Response> {
    let paid = match req.outcome.as_str() {
        "paid" => true,
        "failed" => false,
        _ => {
            return Err(AppError::validation(
                "outcome",
                "outcome.unknown",
                "outcome is paid or failed",
            ));
        }
    };
    let answers = gateway
        .complete(
            &out_trade_no,
            paid,
            req.duplicates.unwrap_or(1),
            Duration::from_millis(req.delay_ms.unwrap_or(0).min(60_000)),
        )
        .await?;
    Ok(axum::Json(json!({ "out_trade_no": out_trade_no, "answers": answers })).into_response())
}

#[derive(Debug, Deserialize)]
struct PayQuery {
    return_url: Option<String>,
}

async fn pay_page(
    State(gateway): State<Arc<Gateway>>,
    UrlPath(out_trade_no): UrlPath<String>,
    axum::extract::Query(q): axum::extract::Query<PayQuery>,
) -> AppResult<Html<String>> {
    let row = sqlx::query(
        "SELECT amount_fen, subject, status FROM sandbox_orders WHERE out_trade_no = $1",
    )
    .bind(&out_trade_no)
    .fetch_optional(&gateway.pool)
    .await?
    .ok_or_else(|| AppError::not_found("no such order"))?;
    let amount: i64 = row.try_get("amount_fen")?;
    let subject: String = row.try_get("subject")?;
    let status: String = row.try_get("status")?;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let return_url = esc(q.return_url.as_deref().unwrap_or("/"));
    let no = esc(&out_trade_no);
    Ok(Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>沙箱支付 Sandbox payment</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}button{{font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem}}.amount{{font-size:2rem}}</style></head>
<body><h1>沙箱支付网关 <small>Sandbox gateway</small></h1>
<p>开发环境专用，不会真实扣款。Development only: no money moves.</p>
<p>订单编号 Order: <code id="order">{no}</code></p><p>商品 Item: {subject}</p><p class="amount" id="amount">{amount}</p><p>状态 Status: <span id="status">{status}</span></p>
<form method="post"><input type="hidden" name="return_url" value="{return_url}">
<button name="outcome" value="paid" id="pay">支付成功 Pay</button>
<button name="outcome" value="failed" id="fail">支付失败 Fail</button></form></body></html>"#,
        subject = esc(&subject),
        amount = Fen(amount),
        status = esc(&status),
    )))
}

#[derive(Debug, Deserialize)]
struct PayForm {
    outcome: String,
    return_url: String,
}

async fn pay_submit(
    State(gateway): State<Arc<Gateway>>,
    UrlPath(out_trade_no): UrlPath<String>,
    Form(form): Form<PayForm>,
) -> AppResult<Response> {
    let paid = form.outcome == "paid";
    gateway
        .complete(&out_trade_no, paid, 1, Duration::ZERO)
        .await?;
    // Only a same-origin path is followed, never an address a link could smuggle in.
    let back = if form.return_url.starts_with('/') && !form.return_url.starts_with("//") {
        form.return_url
    } else {
        "/".to_owned()
    };
    Ok(Redirect::to(&back).into_response())
}

/// The gateway's routes (their own state: the gateway, never the server's).
pub fn routes<S: Clone + Send + Sync + 'static>(gateway: Arc<Gateway>) -> Router<S> {
    Router::new()
        .route(
            "/sandbox/gateway/pay/{out_trade_no}",
            get(pay_page).post(pay_submit),
        )
        .route("/sandbox/gateway/{out_trade_no}/complete", post(complete))
        .with_state(gateway)
}
