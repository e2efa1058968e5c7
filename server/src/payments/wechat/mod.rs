//! WeChat Pay API v3, Native (扫码支付): the order's `code_url` is shown as a QR code
//! that the customer scans with the phone. Requests are signed with the merchant API
//! key ([`signature`]); every answer and notice is verified with the WeChat Pay public
//! key (or platform certificate) before it is believed; a notice's `resource` is
//! opened with the APIv3 key ([`aead`]). API reference (Native):
//! <https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_1.shtml> (下单),
//! `…chapter3_4_2` (查询订单), `…chapter3_4_3` (关闭订单), `…chapter3_4_5` (支付通知),
//! `…chapter3_4_9` (申请退款), `…chapter3_4_11` (退款结果通知).
//!
//! The same code talks to the development emulator (`crate::sandbox::gateways::wechat`)
//! when `base_url` points there.

pub mod aead;
pub mod signature;
pub mod wire;

use std::time::Duration;

use async_trait::async_trait;
use axum::http::{HeaderMap, Method, StatusCode};
use rsa::RsaPublicKey;
use serde::Serialize;
use serde::de::DeserializeOwned;

use self::aead::ApiV3Key;
use self::signature::{Authorization, Request, Signed};
use self::wire::{
    Amount, Close, Envelope, ErrorBody, NativeAnswer, NativeOrder, RefundAmount, RefundAnswer,
    RefundRequest, RefundResource, Transaction,
};
use crate::clock;
use crate::payments::provider::{
    GatewayState, Notice, Order, PaymentError, Provider, RefundNotice, SignedNotice,
};
use crate::payments::rsa_sign::RsaSigner;
use crate::random;

/// The gateway's name (notify URL `/api/v1/payments/notify/wechatpay`, stored attempts).
pub const NAME: &str = "wechatpay";

/// The production API host.
pub const PRODUCTION_BASE_URL: &str = "https://api.mch.weixin.qq.com";

/// Everything the provider needs, with WeChat Pay's own names.
#[derive(Clone)]
pub struct Credentials {
    /// Where the API is (`https://api.mch.weixin.qq.com`, or the emulator).
    pub base_url: String,
    /// 商户号 (mchid).
    pub mchid: String,
    /// 应用ID (appid) bound to the merchant.
    pub appid: String,
    /// 商户API证书序列号 (serial_no).
    pub merchant_serial_no: String,
    /// 商户API私钥 (apiclient_key.pem).
    pub merchant_key: RsaSigner,
    /// 微信支付公钥 (pub_key.pem) or the platform certificate's key.
    pub platform_key: RsaPublicKey,
    /// 微信支付公钥ID (`PUB_KEY_ID_…`) or the platform certificate's serial: what
    /// `Wechatpay-Serial` must name.
    pub platform_serial: String,
    /// APIv3密钥.
    pub apiv3_key: ApiV3Key,
    /// Where notices go (`…/api/v1/payments/notify/wechatpay`).
    pub notify_url: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Credentials")
            .field("base_url", &self.base_url)
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("merchant_serial_no", &self.merchant_serial_no)
            .field("platform_serial", &self.platform_serial)
            .field("notify_url", &self.notify_url)
            .finish_non_exhaustive()
    }
}

/// The WeChat Pay provider.
pub struct WechatPay {
    c: Credentials,
    http: reqwest::Client,
}

fn gateway(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Gateway(format!("WeChat Pay: {e}"))
}

fn bad(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::BadNotice(format!("WeChat Pay notice refused: {e}"))
}

fn now_s() -> i64 {
    clock::now_ms() / 1000
}

/// A WeChat Pay answer whose signature was checked.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    fn json<T: DeserializeOwned>(&self) -> Result<T, PaymentError> {
        serde_json::from_slice(&self.body).map_err(|e| gateway(format!("unreadable answer: {e}")))
    }

    fn error(&self) -> ErrorBody {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| ErrorBody {
            code: self.status.as_u16().to_string(),
            message: String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect(),
        })
    }

    fn failure(&self) -> PaymentError {
        let e = self.error();
        gateway(format!(
            "answered {} {}: {}",
            self.status, e.code, e.message
        ))
    }
}

impl WechatPay {
    /// The provider; talks to nothing yet.
    pub fn new(credentials: Credentials) -> Result<Self, PaymentError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("certrenew/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(gateway)?;
        Ok(Self {
            c: credentials,
            http,
        })
    }

    /// Sends a signed request; checks the answer's signature when it is a success
    /// (an unsigned 2xx is forged, says the docs).
    async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Answer, PaymentError> {
        let body = match body {
            Some(b) => serde_json::to_string(b).map_err(gateway)?,
            None => String::new(),
        };
        let nonce = random::hex(16).to_uppercase();
        let auth = Authorization::sign(
            &self.c.merchant_key,
            &self.c.mchid,
            &self.c.merchant_serial_no,
            &Request {
                method: method.as_str(),
                path_and_query,
                body: &body,
            },
            now_s(),
            &nonce,
        );
        let url = format!("{}{path_and_query}", self.c.base_url.trim_end_matches('/'));
        let mut req = self
            .http
            .request(method, url)
            .header("Authorization", auth.header())
            .header("Accept", "application/json");
        if !body.is_empty() {
            req = req.header("Content-Type", "application/json").body(body);
        }
        let response = req.send().await.map_err(gateway)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(gateway)?.to_vec();
        if status.is_success() {
            Signed::from_headers(&headers)
                .and_then(|s| {
                    s.verify(
                        &self.c.platform_key,
                        &self.c.platform_serial,
                        now_s(),
                        &bytes,
                    )
                })
                .map_err(|e| gateway(format!("answer not believed: {e}")))?;
        }
        Ok(Answer {
            status,
            body: bytes,
        })
    }

    fn order_path(&self, out_trade_no: &str) -> String {
        format!(
            "/v3/pay/transactions/out-trade-no/{}",
            crate::payments::percent_encode(out_trade_no)
        )
    }

    async fn transaction(&self, out_trade_no: &str) -> Result<Option<Transaction>, PaymentError> {
        let path = format!(
            "{}?mchid={}",
            self.order_path(out_trade_no),
            crate::payments::percent_encode(&self.c.mchid)
        );
        let answer = self.call(Method::GET, &path, None::<&()>).await?;
        if answer.status == StatusCode::NOT_FOUND || answer.error().code == "ORDER_NOT_EXIST" {
            return Ok(None);
        }
        if !answer.status.is_success() {
            return Err(answer.failure());
        }
        answer.json().map(Some)
    }

    fn open<T: DeserializeOwned>(&self, envelope: &Envelope) -> Result<T, PaymentError> {
        let r = &envelope.resource;
        if r.algorithm != "AEAD_AES_256_GCM" {
            return Err(bad(format!("unknown algorithm {:?}", r.algorithm)));
        }
        let plain = self
            .c
            .apiv3_key
            .decrypt(&r.associated_data, &r.nonce, &r.ciphertext)
            .map_err(bad)?;
        serde_json::from_slice(&plain).map_err(|e| bad(format!("unreadable resource: {e}")))
    }
}

#[async_trait]
impl Provider for WechatPay {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn create(&self, order: &Order) -> Result<String, PaymentError> {
        let request = NativeOrder {
            appid: self.c.appid.clone(),
            mchid: self.c.mchid.clone(),
            // 商品描述 is at most 127 characters.
            description: order.subject.chars().take(127).collect(),
            out_trade_no: order.out_trade_no.clone(),
            notify_url: self.c.notify_url.clone(),
            amount: Amount {
                total: order.amount_fen,
                currency: "CNY".into(),
            },
        };
        let answer = self
            .call(Method::POST, "/v3/pay/transactions/native", Some(&request))
            .await?;
        if !answer.status.is_success() {
            return Err(answer.failure());
        }
        let NativeAnswer { code_url } = answer.json()?;
        if !code_url.starts_with("weixin://") {
            return Err(gateway(format!("unexpected code_url {code_url:?}")));
        }
        Ok(code_url)
    }

    async fn query(&self, out_trade_no: &str) -> Result<GatewayState, PaymentError> {
        let Some(t) = self.transaction(out_trade_no).await? else {
            return Ok(GatewayState::Unknown);
        };
        if t.mchid != self.c.mchid || t.out_trade_no != out_trade_no {
            return Err(gateway("the query answered about another order"));
        }
        Ok(match t.trade_state.as_str() {
            // REFUND: it was paid, then (partly) refunded.
            "SUCCESS" | "REFUND" => GatewayState::Paid {
                trade_no: t
                    .transaction_id
                    .ok_or_else(|| gateway("a paid order without transaction_id"))?,
                amount_fen: t
                    .amount
                    .ok_or_else(|| gateway("a paid order without amount"))?
                    .total,
            },
            "NOTPAY" | "USERPAYING" => GatewayState::Pending,
            "CLOSED" | "REVOKED" | "PAYERROR" => GatewayState::Failed,
            other => return Err(gateway(format!("unknown trade_state {other:?}"))),
        })
    }

    async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        let path = format!("{}/close", self.order_path(out_trade_no));
        let answer = self
            .call(
                Method::POST,
                &path,
                Some(&Close {
                    mchid: self.c.mchid.clone(),
                }),
            )
            .await?;
        if answer.status.is_success() {
            return Ok(());
        }
        match answer.error().code.as_str() {
            // Paid meanwhile, or never opened: the query that follows tells which.
            "ORDERPAID" | "ORDER_NOT_EXIST" | "ORDERCLOSED" => Ok(()),
            _ => Err(answer.failure()),
        }
    }

    fn verify_notice(
        &self,
        _params: &std::collections::BTreeMap<String, String>,
    ) -> Result<Notice, PaymentError> {
        Err(bad("WeChat Pay notices are signed JSON, not forms"))
    }

    fn read_signed_notice(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<SignedNotice, PaymentError> {
        Signed::from_headers(headers)
            .and_then(|s| s.verify(&self.c.platform_key, &self.c.platform_serial, now_s(), body))
            .map_err(bad)?;
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| bad(format!("unreadable notice: {e}")))?;
        if envelope.resource_type != "encrypt-resource" {
            return Err(bad(format!(
                "unknown resource_type {:?}",
                envelope.resource_type
            )));
        }
        match envelope.event_type.as_str() {
            "TRANSACTION.SUCCESS" => {
                let t: Transaction = self.open(&envelope)?;
                if t.mchid != self.c.mchid || t.appid != self.c.appid {
                    return Err(bad("the notice is for another merchant"));
                }
                if t.trade_state != "SUCCESS" {
                    return Err(bad(format!("trade_state {:?}", t.trade_state)));
                }
                Ok(SignedNotice::Payment(Notice {
                    trade_no: t.transaction_id.ok_or_else(|| bad("no transaction_id"))?,
                    amount_fen: t.amount.ok_or_else(|| bad("no amount"))?.total,
                    out_trade_no: t.out_trade_no,
                    paid: true,
                }))
            }
            "REFUND.SUCCESS" | "REFUND.ABNORMAL" | "REFUND.CLOSED" => {
                let r: RefundResource = self.open(&envelope)?;
                if r.mchid != self.c.mchid {
                    return Err(bad("the notice is for another merchant"));
                }
                Ok(SignedNotice::Refund(RefundNotice {
                    out_trade_no: r.out_trade_no,
                    refund_no: r.out_refund_no,
                    succeeded: r.refund_status == "SUCCESS",
                    status: r.refund_status,
                }))
            }
            other => Err(bad(format!("unknown event_type {other:?}"))),
        }
    }

    async fn refund(
        &self,
        out_trade_no: &str,
        refund_no: &str,
        amount_fen: i64,
    ) -> Result<(), PaymentError> {
        // The request names the order's total: the gateway's word for it.
        let total = match self.query(out_trade_no).await? {
            GatewayState::Paid { amount_fen, .. } => amount_fen,
            other => {
                return Err(gateway(format!(
                    "order {out_trade_no} cannot be refunded: {other:?}"
                )));
            }
        };
        let request = RefundRequest {
            out_trade_no: out_trade_no.to_owned(),
            out_refund_no: refund_no.to_owned(),
            reason: Some("证书续期退款".to_owned()),
            notify_url: Some(self.c.notify_url.clone()),
            amount: RefundAmount {
                refund: amount_fen,
                total,
                currency: "CNY".into(),
            },
        };
        let answer = self
            .call(Method::POST, "/v3/refund/domestic/refunds", Some(&request))
            .await?;
        if !answer.status.is_success() {
            return Err(answer.failure());
        }
        let r: RefundAnswer = answer.json()?;
        // Accepted (SUCCESS now, or PROCESSING until the refund notice): the same
        // out_refund_no never refunds twice at the gateway.
        match r.status.as_str() {
            "SUCCESS" | "PROCESSING" => Ok(()),
            other => Err(gateway(format!("refund {refund_no} is {other}"))),
        }
    }
}

/// The acknowledgement of a taken notice: HTTP 204 without a body (200 or 204 says
/// 支付通知: “接收成功：HTTP应答状态码需返回200或204，无需返回应答报文”).
pub fn ack_taken() -> axum::response::Response {
    use axum::response::IntoResponse;
    StatusCode::NO_CONTENT.into_response()
}

/// The answer to a refused notice: 4XX/5XX with `{"code":"FAIL","message":"失败"}`
/// (the gateway retries).
pub fn ack_refused(status: StatusCode) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        status,
        axum::Json(ErrorBody {
            code: "FAIL".into(),
            message: "失败".into(),
        }),
    )
        .into_response()
}
