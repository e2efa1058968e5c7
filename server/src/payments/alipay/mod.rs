//! Alipay (支付宝) through its open platform gateway (`gateway.do`), key mode with RSA2:
//! 电脑网站支付 `alipay.trade.page.pay` (product_code `FAST_INSTANT_TRADE_PAY`) on a
//! computer, 手机网站支付 `alipay.trade.wap.pay` (`QUICK_WAP_WAY`) on a phone — both a
//! signed redirect to Alipay's cashier —, `alipay.trade.query`, `alipay.trade.close`,
//! `alipay.trade.refund` (checked with `alipay.trade.fastpay.refund.query` when it
//! answers `fund_change=N`), and the asynchronous notice (`trade_status_sync`), verified
//! with the Alipay public key and answered `success`. API references:
//! <https://opendocs.alipay.com/open/59da99d0_alipay.trade.page.pay>,
//! <https://opendocs.alipay.com/open/29ae8cb6_alipay.trade.wap.pay>,
//! <https://opendocs.alipay.com/open/bff76748_alipay.trade.query>,
//! <https://opendocs.alipay.com/open/8dc9ebb3_alipay.trade.close>,
//! <https://opendocs.alipay.com/open/f60979b3_alipay.trade.refund>,
//! <https://opendocs.alipay.com/open/357441a2_alipay.trade.fastpay.refund.query>,
//! 异步通知: <https://opendocs.alipay.com/open/270/105902>. Signatures: [`sign`].
//!
//! The same code talks to the development emulator (`crate::sandbox::gateways::alipay`)
//! when `gateway_url` points there.

pub mod sign;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use protocol::money::Fen;
use rsa::RsaPublicKey;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock;
use crate::payments::provider::{
    GatewayState, Notice, Order, PaymentError, Provider, RefundNotice, SignedNotice,
};
use crate::payments::rsa_sign::RsaSigner;

/// The gateway's name (notify URL `/api/v1/payments/notify/alipay`, stored attempts).
pub const NAME: &str = "alipay";

/// The production gateway.
pub const PRODUCTION_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";

/// Everything the provider needs, with Alipay's own names.
#[derive(Clone)]
pub struct Credentials {
    /// 支付宝网关地址 (`https://openapi.alipay.com/gateway.do`, or the emulator's).
    pub gateway_url: String,
    /// APPID of the application (应用).
    pub app_id: String,
    /// 商户PID (`2088…`), the `seller_id` notices must name; none: not checked.
    pub seller_id: Option<String>,
    /// 应用私钥 (RSA2).
    pub app_private_key: RsaSigner,
    /// 支付宝公钥.
    pub alipay_public_key: RsaPublicKey,
    /// Where notices go (`…/api/v1/payments/notify/alipay`).
    pub notify_url: String,
    /// The server's origin, before the order's return path.
    pub return_origin: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Credentials")
            .field("gateway_url", &self.gateway_url)
            .field("app_id", &self.app_id)
            .field("seller_id", &self.seller_id)
            .field("notify_url", &self.notify_url)
            .finish_non_exhaustive()
    }
}

/// The Alipay provider.
pub struct Alipay {
    c: Credentials,
    http: reqwest::Client,
}

fn gateway(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Gateway(format!("Alipay: {e}"))
}

fn bad(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::BadNotice(format!("Alipay notice refused: {e}"))
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time, the gateway's `timestamp` format.
pub fn timestamp(ms: i64) -> String {
    let t = clock::from_ms(ms).to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `100.00` for 10000 fen.
fn yuan(fen: i64) -> String {
    Fen(fen).yuan_string()
}

fn fen(yuan: &str) -> Result<i64, String> {
    Fen::parse_yuan(yuan)
        .map(|f| f.0)
        .map_err(|e| format!("amount {yuan:?}: {e}"))
}

/// The common part of an answer (公共响应参数).
#[derive(Debug, Deserialize)]
struct Common {
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sub_code: Option<String>,
    #[serde(default)]
    sub_msg: Option<String>,
}

/// An answer whose signature was checked: its `<method>_response` member.
struct Answer {
    common: Common,
    value: Value,
}

impl Answer {
    fn ok(&self) -> bool {
        self.common.code == "10000"
    }

    fn sub_code(&self) -> &str {
        self.common.sub_code.as_deref().unwrap_or_default()
    }

    fn str(&self, name: &str) -> Option<&str> {
        self.value.get(name).and_then(Value::as_str)
    }

    fn failure(&self, method: &str) -> PaymentError {
        gateway(format!(
            "{method} answered {} {}: {} {}",
            self.common.code,
            self.common.msg,
            self.sub_code(),
            self.common.sub_msg.as_deref().unwrap_or_default()
        ))
    }
}

impl Alipay {
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

    /// The signed public parameters (公共请求参数) of `method` with `biz_content`.
    fn params(&self, method: &str, biz: &Value) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        p.insert("app_id".into(), self.c.app_id.clone());
        p.insert("method".into(), method.to_owned());
        p.insert("format".into(), "JSON".into());
        p.insert("charset".into(), "utf-8".into());
        p.insert("timestamp".into(), timestamp(clock::now_ms()));
        p.insert("version".into(), "1.0".into());
        p.insert("biz_content".into(), biz.to_string());
        p
    }

    /// Calls an API `method` (form POST to gateway.do); checks the answer's signature
    /// (an answer of `code` 10000 must be signed; any signature present must verify).
    async fn call(&self, method: &str, biz: &Value) -> Result<Answer, PaymentError> {
        let mut params = self.params(method, biz);
        sign::sign_request(&self.c.app_private_key, &mut params);
        let response = self
            .http
            .post(&self.c.gateway_url)
            .form(&params)
            .send()
            .await
            .map_err(gateway)?;
        if !response.status().is_success() {
            return Err(gateway(format!("{method} answered {}", response.status())));
        }
        let body = response.text().await.map_err(gateway)?;
        let key = format!("{}_response", method.replace('.', "_"));
        let raw = sign::raw_member(&body, &key)
            .ok_or_else(|| gateway(format!("{method}: no {key} in the answer")))?;
        let outer: Value =
            serde_json::from_str(&body).map_err(|e| gateway(format!("unreadable answer: {e}")))?;
        let value: Value = serde_json::from_str(raw).map_err(gateway)?;
        let common: Common = serde_json::from_value(value.clone()).map_err(gateway)?;
        match outer.get("sign").and_then(Value::as_str) {
            Some(s) => sign::verify(&self.c.alipay_public_key, raw, s)
                .map_err(|e| gateway(format!("{method}: answer not believed: {e}")))?,
            None if common.code == "10000" => {
                return Err(gateway(format!("{method}: an unsigned answer")));
            }
            None => {}
        }
        Ok(Answer { common, value })
    }
}

#[async_trait]
impl Provider for Alipay {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The signed redirect to the cashier (the SDK's `pageExecute` with GET).
    async fn create(&self, order: &Order) -> Result<String, PaymentError> {
        let (method, product_code) = if order.mobile {
            ("alipay.trade.wap.pay", "QUICK_WAP_WAY")
        } else {
            ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY")
        };
        let return_url = format!(
            "{}{}",
            self.c.return_origin.trim_end_matches('/'),
            order.return_url
        );
        let mut biz = json!({
            "out_trade_no": order.out_trade_no,
            "total_amount": yuan(order.amount_fen),
            // 订单标题: at most 256 characters.
            "subject": order.subject.chars().take(256).collect::<String>(),
            "product_code": product_code,
        });
        if order.mobile {
            // 用户付款中途退出返回商户网站的地址.
            biz["quit_url"] = json!(return_url.clone());
        }
        let mut params = self.params(method, &biz);
        params.insert("notify_url".into(), self.c.notify_url.clone());
        params.insert("return_url".into(), return_url);
        sign::sign_request(&self.c.app_private_key, &mut params);
        let query = query_string(&params);
        Ok(format!("{}?{query}", self.c.gateway_url))
    }

    async fn query(&self, out_trade_no: &str) -> Result<GatewayState, PaymentError> {
        let method = "alipay.trade.query";
        let a = self
            .call(method, &json!({ "out_trade_no": out_trade_no }))
            .await?;
        if !a.ok() {
            // Not opened at the cashier yet (or never): the gateway does not know it.
            return if a.sub_code() == "ACQ.TRADE_NOT_EXIST" {
                Ok(GatewayState::Unknown)
            } else {
                Err(a.failure(method))
            };
        }
        if a.str("out_trade_no") != Some(out_trade_no) {
            return Err(gateway("the query answered about another order"));
        }
        Ok(match a.str("trade_status").unwrap_or_default() {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => GatewayState::Paid {
                trade_no: a
                    .str("trade_no")
                    .ok_or_else(|| gateway("a paid trade without trade_no"))?
                    .to_owned(),
                amount_fen: fen(a.str("total_amount").unwrap_or_default()).map_err(gateway)?,
            },
            "WAIT_BUYER_PAY" => GatewayState::Pending,
            // Closed unpaid, or fully refunded after payment: a closed trade that was
            // paid has a refund of ours on record already.
            "TRADE_CLOSED" => GatewayState::Failed,
            other => return Err(gateway(format!("unknown trade_status {other:?}"))),
        })
    }

    async fn close(&self, out_trade_no: &str) -> Result<(), PaymentError> {
        let method = "alipay.trade.close";
        let a = self
            .call(method, &json!({ "out_trade_no": out_trade_no }))
            .await?;
        if a.ok() {
            return Ok(());
        }
        match a.sub_code() {
            // Never opened at the cashier, or paid meanwhile: the query that follows
            // tells which; a payment after this is refunded by the money rules.
            "ACQ.TRADE_NOT_EXIST" | "ACQ.TRADE_STATUS_ERROR" => Ok(()),
            _ => Err(a.failure(method)),
        }
    }

    fn verify_notice(&self, params: &BTreeMap<String, String>) -> Result<Notice, PaymentError> {
        match self.read_form_notice(params)? {
            SignedNotice::Payment(n) => Ok(n),
            SignedNotice::Refund(_) => Err(bad("a refund's notice")),
        }
    }

    fn read_form_notice(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<SignedNotice, PaymentError> {
        sign::verify_notice(&self.c.alipay_public_key, params).map_err(bad)?;
        let field = |name: &str| {
            params
                .get(name)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| bad(format!("no {name}")))
        };
        // 商户需要验证该通知数据中的 out_trade_no、total_amount、seller_id、app_id.
        if field("app_id")? != self.c.app_id {
            return Err(bad("the notice is for another application"));
        }
        if let Some(seller) = &self.c.seller_id
            && params.get("seller_id") != Some(seller)
        {
            return Err(bad("the notice is for another seller"));
        }
        let out_trade_no = field("out_trade_no")?;
        // A refund's notice names our refund number (out_biz_no) and its fee.
        if let (Some(refund_no), Some(_)) = (
            params.get("out_biz_no").filter(|v| !v.is_empty()),
            params.get("refund_fee").filter(|v| !v.is_empty()),
        ) {
            return Ok(SignedNotice::Refund(RefundNotice {
                out_trade_no,
                refund_no: refund_no.clone(),
                succeeded: params.get("gmt_refund").is_some_and(|v| !v.is_empty()),
                status: field("trade_status")?,
            }));
        }
        let paid = match field("trade_status")?.as_str() {
            "TRADE_SUCCESS" | "TRADE_FINISHED" => true,
            "TRADE_CLOSED" => false,
            other => return Err(bad(format!("unknown trade_status {other:?}"))),
        };
        Ok(SignedNotice::Payment(Notice {
            trade_no: field("trade_no")?,
            amount_fen: fen(&field("total_amount")?).map_err(bad)?,
            out_trade_no,
            paid,
        }))
    }

    async fn refund(
        &self,
        out_trade_no: &str,
        refund_no: &str,
        amount_fen: i64,
    ) -> Result<(), PaymentError> {
        let method = "alipay.trade.refund";
        let a = self
            .call(
                method,
                &json!({
                    "out_trade_no": out_trade_no,
                    "refund_amount": yuan(amount_fen),
                    "refund_reason": "证书续期退款",
                    // 退款请求号: the same number never refunds twice.
                    "out_request_no": refund_no,
                }),
            )
            .await?;
        if !a.ok() {
            return Err(a.failure(method));
        }
        if a.str("fund_change") == Some("Y") {
            return Ok(());
        }
        // fund_change=N (a repeat, or not yet): the refund query says (退款成功判断说明).
        let method = "alipay.trade.fastpay.refund.query";
        let q = self
            .call(
                method,
                &json!({ "out_trade_no": out_trade_no, "out_request_no": refund_no }),
            )
            .await?;
        if q.ok() && q.str("refund_status") == Some("REFUND_SUCCESS") {
            Ok(())
        } else if q.ok() {
            Err(gateway(format!("refund {refund_no} is not done yet")))
        } else {
            Err(q.failure(method))
        }
    }
}

/// `k=v&…`, percent-encoded, for a redirect's query.
pub fn query_string(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", super::percent_encode(k), super::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_beijing_time() {
        // 2024-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(timestamp(1_704_067_200_000), "2024-01-01 08:00:00");
        assert_eq!(yuan(10_000), "100.00");
        assert_eq!(fen("0.01"), Ok(1));
    }
}
