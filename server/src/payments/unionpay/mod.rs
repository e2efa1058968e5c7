//! UnionPay online gateway payment (银联全渠道 网关支付, ACP 5.1.0) through its
//! `gateway/api` endpoints: the customer's browser posts a signed consumption form
//! (`txnType=01`, `bizType=000201`) to `frontTransReq.do` and pays at UnionPay's
//! cashier; the result comes as a signed back notice (后台通知) to `backUrl`, answered
//! with HTTP 200 (`ok`); `queryTrans.do` (`txnType=00`, by `orderId` + `txnTime`) tells
//! an order's state (`origRespCode` 00 paid; 03/04/05 in progress; `respCode` 34 查无此交易);
//! a refund (退货, `txnType=04`, `origQryId` = the payment's `queryId`) goes to
//! `backTransReq.do` and is confirmed by its own back notice. UnionPay has no way to
//! close a gateway order: [`Provider::close`] only forgets it — every order carries
//! `payTimeout` (15 minutes, the SDK's advice), and money that still arrives is
//! refunded by the money rules. Signatures and the trust in UnionPay's signing
//! certificate: [`sign`]. The browser's form post is [`front`].
//!
//! Sources: the acp SDK samples (`upacp_demo_b2c`: `Form_6_2_FrontConsume`,
//! `Form_6_5_Query`, `Form_6_4_Refund`, `BackRcvResponse`: 后台通知 answered `ok` with
//! HTTP 200; `acp_sdk.properties`: `acpsdk.frontTransUrl`, `acpsdk.backTransUrl`,
//! `acpsdk.singleQueryUrl`, `acpsdk.signCert.*`, `acpsdk.middleCert.path`,
//! `acpsdk.rootCert.path`, `acpsdk.ifValidateCNName`) and docs/payments.md.
//!
//! The same code talks to the development emulator (`crate::sandbox::gateways::unionpay`)
//! when `gateway_url` points there.

pub mod front;
pub mod settings;
pub mod sign;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock;
use crate::payments::provider::{
    FormPost, GatewayState, Notice, Order, PaymentError, Provider, RefundNotice, SignedNotice,
};
use crate::payments::rsa_sign::RsaSigner;

/// The gateway's name (notify URL `/api/v1/payments/notify/unionpay`, stored attempts).
pub const NAME: &str = "unionpay";

/// The production gateway (`https://gateway.95516.com/gateway/api`, then
/// `frontTransReq.do`, `backTransReq.do`, `queryTrans.do`).
pub const PRODUCTION_GATEWAY: &str = "https://gateway.95516.com/gateway/api";

/// The pay page of this server that posts the signed form (`front::pay`).
pub const PAY_PATH: &str = "/api/v1/payments/unionpay/pay";
/// Where the customer's browser brings the front notice (`front::returned`).
pub const RETURN_PATH: &str = "/api/v1/payments/unionpay/return";

/// Minutes an order stays payable (`payTimeout`): the SDK's "北京时间加15分钟".
const PAY_TIMEOUT_MIN: i64 = 15;

/// Everything the provider needs, with UnionPay's own names.
#[derive(Clone)]
pub struct Credentials {
    /// The `gateway/api` base (`https://gateway.95516.com/gateway/api`, or the emulator's).
    pub gateway_url: String,
    /// 商户代码 (`merId`).
    pub mer_id: String,
    /// The private key of the 签名证书 (`acpsdk.signCert.path`).
    pub sign_key: RsaSigner,
    /// The 签名证书's serial number, decimal (`certId`).
    pub cert_id: String,
    /// UnionPay's root and middle certificates.
    pub trust: sign::Trust,
    /// Where back notices go (`…/api/v1/payments/notify/unionpay`).
    pub back_url: String,
    /// The server's origin (front notice, pay page).
    pub origin: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Credentials")
            .field("gateway_url", &self.gateway_url)
            .field("mer_id", &self.mer_id)
            .field("cert_id", &self.cert_id)
            .field("back_url", &self.back_url)
            .finish_non_exhaustive()
    }
}

/// Where the pay URLs `create` gave are kept (with the attempts): a query needs the
/// order's `txnTime`, which the pay URL carries.
#[async_trait]
pub trait SentOrders: Send + Sync {
    /// The pay URL of order `out_trade_no`, if any.
    async fn pay_url(&self, out_trade_no: &str) -> Option<String>;
}

/// The pay URLs from the payments store.
pub struct StoredOrders(pub sqlx::AnyPool);

#[async_trait]
impl SentOrders for StoredOrders {
    async fn pay_url(&self, out_trade_no: &str) -> Option<String> {
        let attempt = crate::payments::store::attempt_by_number(&self.0, out_trade_no)
            .await
            .ok()??;
        crate::payments::store::attempts_for(&self.0, &attempt.business_no)
            .await
            .ok()?
            .into_iter()
            .find(|a| a.out_trade_no == out_trade_no)?
            .pay_url
    }
}

/// The UnionPay provider.
pub struct Unionpay {
    c: Credentials,
    http: reqwest::Client,
    sent: Option<Arc<dyn SentOrders>>,
    /// `txnTime` by `orderId`, for the orders made since start.
    times: Mutex<HashMap<String, String>>,
}

fn gateway(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Gateway(format!("UnionPay: {e}"))
}

fn bad(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::BadNotice(format!("UnionPay notice refused: {e}"))
}

/// `YYYYMMDDhhmmss` in Beijing time (`txnTime`, `payTimeout`).
pub fn txn_time(ms: i64) -> String {
    let t = clock::from_ms(ms).to_offset(time::macros::offset!(+8));
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The txnTime carried by a pay URL of ours.
fn time_in(pay_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(pay_url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "txnTime")
        .map(|(_, v)| v.into_owned())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain data: a panic elsewhere leaves it usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A verified synchronous answer's fields.
type Answer = BTreeMap<String, String>;

impl Unionpay {
    /// The provider; `sent` finds the `txnTime` of orders made before a restart.
    pub fn new(c: Credentials, sent: Option<Arc<dyn SentOrders>>) -> Result<Self, PaymentError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("certrenew/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(gateway)?;
        Ok(Self {
            c,
            http,
            sent,
            times: Mutex::default(),
        })
    }

    fn url(&self, endpoint: &str) -> String {
        format!("{}/{endpoint}", self.c.gateway_url.trim_end_matches('/'))
    }

    /// The fields every request carries.
    fn common(&self, txn_type: &str, sub: &str, biz: &str) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        for (k, v) in [
            ("version", "5.1.0"),
            ("encoding", "UTF-8"),
            ("txnType", txn_type),
            ("txnSubType", sub),
            ("bizType", biz),
            ("accessType", "0"),
        ] {
            p.insert(k.to_owned(), v.to_owned());
        }
        p.insert("merId".into(), self.c.mer_id.clone());
        p
    }

    /// Posts a signed request to `endpoint`; the answer, its signature checked.
    async fn call(
        &self,
        endpoint: &str,
        mut params: BTreeMap<String, String>,
    ) -> Result<Answer, PaymentError> {
        sign::sign(&self.c.sign_key, &self.c.cert_id, &mut params);
        let response = self
            .http
            .post(self.url(endpoint))
            .form(&params)
            .send()
            .await
            .map_err(gateway)?;
        if !response.status().is_success() {
            return Err(gateway(format!(
                "{endpoint} answered {}",
                response.status()
            )));
        }
        let body = response.text().await.map_err(gateway)?;
        let answer = sign::parse_answer(body.trim());
        // A refusal of the request's format may come unsigned; anything else is signed.
        if answer.contains_key("signature") {
            self.c
                .trust
                .verify(&answer, clock::now_ms() / 1000)
                .map_err(|e| gateway(format!("{endpoint}: answer not believed: {e}")))?;
        } else if answer.get("respCode").map(String::as_str) == Some("00") {
            return Err(gateway(format!("{endpoint}: an unsigned answer")));
        }
        Ok(answer)
    }

    async fn order_time(&self, out_trade_no: &str) -> Option<String> {
        if let Some(t) = lock(&self.times).get(out_trade_no) {
            return Some(t.clone());
        }
        let url = self.sent.as_ref()?.pay_url(out_trade_no).await?;
        time_in(&url)
    }
}

fn field<'a>(a: &'a Answer, name: &str) -> &'a str {
    a.get(name).map(String::as_str).unwrap_or_default()
}

fn amount(a: &Answer) -> Result<i64, String> {
    let t = field(a, "txnAmt");
    t.parse::<i64>()
        .ok()
        .filter(|f| *f > 0 && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("txnAmt {t:?} is not an amount in fen"))
}

#[async_trait]
impl Provider for Unionpay {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The URL of this server's pay page, carrying the signed consumption form it
    /// posts to `frontTransReq.do` (the SDK's `createAutoFormHtml`).
    async fn create(&self, order: &Order) -> Result<String, PaymentError> {
        let now = clock::now_ms();
        let time = txn_time(now);
        let mut p = self.common("01", "01", "000201");
        // 07 互联网 (a computer), 08 移动 (a phone).
        let channel = if order.mobile { "08" } else { "07" };
        let origin = self.c.origin.trim_end_matches('/');
        for (k, v) in [
            ("channelType", channel.to_owned()),
            ("orderId", order.out_trade_no.clone()),
            ("txnTime", time.clone()),
            ("txnAmt", order.amount_fen.to_string()),
            ("currencyCode", "156".to_owned()),
            ("payTimeout", txn_time(now + PAY_TIMEOUT_MIN * 60_000)),
            ("backUrl", self.c.back_url.clone()),
            (
                "frontUrl",
                format!(
                    "{origin}{RETURN_PATH}?to={}",
                    super::percent_encode(&order.return_url)
                ),
            ),
        ] {
            p.insert(k.to_owned(), v);
        }
        sign::sign(&self.c.sign_key, &self.c.cert_id, &mut p);
        lock(&self.times).insert(order.out_trade_no.clone(), time);
        Ok(format!(
            "{origin}{PAY_PATH}?{}",
            super::alipay::query_string(&p)
        ))
    }

    fn form_post(&self, query: &BTreeMap<String, String>) -> Result<FormPost, PaymentError> {
        // Only a form this server signed is sent on (the pay URL is not a relay).
        sign::verify(&self.c.sign_key.to_public_key(), query).map_err(gateway)?;
        if query.get("merId") != Some(&self.c.mer_id)
            || query.get("certId") != Some(&self.c.cert_id)
            || query.get("txnType").map(String::as_str) != Some("01")
        {
            return Err(gateway("not a consumption form of this merchant"));
        }
        Ok(FormPost {
            action: self.url("frontTransReq.do"),
            fields: query.clone(),
        })
    }

    async fn query(&self, out_trade_no: &str) -> Result<GatewayState, PaymentError> {
        let Some(time) = self.order_time(out_trade_no).await else {
            // Never sent to UnionPay by this server.
            return Ok(GatewayState::Unknown);
        };
        let mut p = self.common("00", "00", "000000");
        p.insert("orderId".into(), out_trade_no.to_owned());
        p.insert("txnTime".into(), time);
        let a = self.call("queryTrans.do", p).await?;
        match field(&a, "respCode") {
            "00" => {}
            // 查无此交易: the customer never paid (or never reached the cashier).
            "34" => return Ok(GatewayState::Unknown),
            code => {
                return Err(gateway(format!(
                    "queryTrans.do answered {code} {}",
                    field(&a, "respMsg")
                )));
            }
        }
        if field(&a, "orderId") != out_trade_no || field(&a, "merId") != self.c.mer_id {
            return Err(gateway("the query answered about another order"));
        }
        Ok(match field(&a, "origRespCode") {
            "00" => GatewayState::Paid {
                trade_no: a
                    .get("queryId")
                    .filter(|q| !q.is_empty())
                    .ok_or_else(|| gateway("a paid order without queryId"))?
                    .clone(),
                amount_fen: amount(&a).map_err(gateway)?,
            },
            // 处理中: the answer is not final yet.
            "03" | "04" | "05" => GatewayState::Pending,
            _ => GatewayState::Failed,
        })
    }

    /// UnionPay cannot close a gateway order: it stays payable until its `payTimeout`
    /// (15 minutes); money that arrives for a closed attempt is refunded.
    async fn close(&self, _out_trade_no: &str) -> Result<(), PaymentError> {
        Ok(())
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
        self.c
            .trust
            .verify(params, clock::now_ms() / 1000)
            .map_err(bad)?;
        if field(params, "merId") != self.c.mer_id {
            return Err(bad("the notice is for another merchant"));
        }
        let order_id = params
            .get("orderId")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad("no orderId"))?
            .clone();
        let code = field(params, "respCode").to_owned();
        match field(params, "txnType") {
            "01" => Ok(SignedNotice::Payment(Notice {
                out_trade_no: order_id,
                trade_no: params
                    .get("queryId")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| bad("no queryId"))?
                    .clone(),
                amount_fen: amount(params).map_err(bad)?,
                paid: code == "00",
            })),
            // A refund's notice: its orderId is our refund number, reqReserved our
            // payment's (sent with the refund, echoed by UnionPay).
            "04" => Ok(SignedNotice::Refund(RefundNotice {
                out_trade_no: params
                    .get("reqReserved")
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| bad("no reqReserved"))?
                    .clone(),
                refund_no: order_id,
                succeeded: code == "00",
                status: code,
            })),
            other => Err(bad(format!("txnType {other:?} is not a payment or refund"))),
        }
    }

    /// 后台通知: UnionPay takes HTTP 200 as received (the SDK sample answers `ok`).
    fn ack(&self) -> &'static str {
        "ok"
    }

    async fn refund(
        &self,
        out_trade_no: &str,
        refund_no: &str,
        amount_fen: i64,
    ) -> Result<(), PaymentError> {
        let GatewayState::Paid { trade_no, .. } = self.query(out_trade_no).await? else {
            return Err(gateway(format!("{out_trade_no} is not paid at UnionPay")));
        };
        let mut p = self.common("04", "00", "000201");
        for (k, v) in [
            ("channelType", "07".to_owned()),
            ("orderId", refund_no.to_owned()),
            ("txnTime", txn_time(clock::now_ms())),
            ("txnAmt", amount_fen.to_string()),
            ("currencyCode", "156".to_owned()),
            ("origQryId", trade_no),
            ("backUrl", self.c.back_url.clone()),
            ("reqReserved", out_trade_no.to_owned()),
        ] {
            p.insert(k.to_owned(), v);
        }
        let a = self.call("backTransReq.do", p).await?;
        match field(&a, "respCode") {
            // 受理成功 or 处理中: the refund's notice tells the outcome.
            "00" | "03" | "04" | "05" => Ok(()),
            // 重复交易: this refund number was taken before; its notice tells.
            "12" => Ok(()),
            code => Err(gateway(format!(
                "backTransReq.do (refund) answered {code} {}",
                field(&a, "respMsg")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_beijing_time() {
        // 2024-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(txn_time(1_704_067_200_000), "20240101080000");
        assert_eq!(
            time_in("http://x/api/v1/payments/unionpay/pay?orderId=1&txnTime=20240101080000"),
            Some("20240101080000".to_owned())
        );
    }
}
