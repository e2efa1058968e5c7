//! An Alipay open-platform emulator under `/sandbox/alipay`, speaking `gateway.do` as
//! Alipay does (`crate::payments::alipay`): the customer's browser is redirected to
//! `GET /sandbox/alipay/gateway.do?method=alipay.trade.page.pay|wap.pay&…&sign=…` (or a
//! form POST there), whose RSA2 signature is checked with the application's public key
//! before the cashier shows the order; the API (`alipay.trade.query`, `.close`,
//! `.refund`, `.fastpay.refund.query`) is a signed form POST to the same address,
//! answered `{"<method>_response":{…},"sign":"…"}` signed with its Alipay key; payments
//! and refunds are notified as `trade_status_sync` forms, signed, until the merchant
//! answers `success`. As at Alipay, a trade exists only once the buyer opened the
//! cashier (before that: `ACQ.TRADE_NOT_EXIST`). Its keys are made at the first start;
//! `crate::payments::setup` hands them to the production provider, pointed here.
//!
//! The buyer and the tests drive it:
//! - the cashier's `#pay` button (`POST /sandbox/alipay/cashier/{out_trade_no}`): paid,
//!   notified, and sent back to the `return_url` with the signed return parameters;
//! - the cashier's `#fail` button (`POST /sandbox/alipay/cashier/{out_trade_no}/timeout`)
//!   and `POST /sandbox/alipay/buyer/timeout {"out_trade_no", "copies"?}`: the buyer
//!   leaves and the trade times out unpaid (未付款交易超时关闭): `TRADE_CLOSED`, notified
//!   as Alipay notifies that state (opendocs.alipay.com/open/270/105902, 通知触发条件;
//!   the state: opendocs.alipay.com/support/01raw9); the button then goes back to the
//!   merchant's `return_url` as the buyer would by hand (Alipay itself returns only
//!   after a payment). This is how a payment fails at Alipay;
//! - `POST /sandbox/alipay/buyer/pay {"out_trade_no", "copies"?, "delay_ms"?, "hold"?,
//!   "total_fen"?, "after_close"?}`: paid on another device (the phone); notices go
//!   out in parallel, late, or held; `total_fen` makes the notice claim another
//!   amount; `after_close` pays a trade closed a moment before;
//! - `GET /sandbox/alipay/notices/{id}` (the form as sent, to replay or alter) and
//!   `POST /sandbox/alipay/notices/{id}/send {"copies"?}` (late, out of order);
//! - `GET /sandbox/alipay/orders/{out_trade_no}`: the trade as Alipay has it;
//! - `alipay.data.dataservice.bill.downloadurl.query` (`bill_type` `trade`) answers a
//!   `bill_download_url` (`/sandbox/alipay/bill/download?token=…`): the day's trade bill
//!   (a zip of GBK CSV) of what the emulator really took, changed by `POST
//!   /sandbox/alipay/bill/edit` (`crate::reconcile::emulated`).
//!
//! State is in memory: a restart forgets trades, as a fresh sandbox account would.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use protocol::money::Fen;
use rsa::RsaPublicKey;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock;
use crate::payments::alipay::{self, Credentials, sign, timestamp};
use crate::payments::rsa_sign::RsaSigner;
use crate::random;
use crate::reconcile::emulated::{BillEdit, Bills, PaidRow};
use crate::sandbox::KeyError;
use crate::sandbox::gateways::load_or_make_signer;

/// Where the emulator is mounted.
pub const PREFIX: &str = "/sandbox/alipay";

/// The application and seller of the emulated account (the docs' sample numbers).
const APP_ID: &str = "2014072300007148";
const SELLER_ID: &str = "2088101106499364";
const BUYER_ID: &str = "2088102146225135";

#[derive(Debug, Clone)]
struct Trade {
    method: String,
    out_trade_no: String,
    total_fen: i64,
    subject: String,
    notify_url: Option<String>,
    return_url: Option<String>,
    trade_status: String,
    trade_no: String,
    gmt_create: String,
    gmt_payment: Option<String>,
    refunded: i64,
    notices: Vec<String>,
}

#[derive(Debug, Clone)]
struct RefundDone {
    out_trade_no: String,
    amount: i64,
    gmt: String,
}

/// A notice, signed, kept until sent.
#[derive(Debug, Clone, Serialize)]
struct Outgoing {
    url: String,
    params: BTreeMap<String, String>,
    /// The merchant's answers so far (`{"status","body"}`).
    answers: Vec<Value>,
}

/// The emulator.
pub struct Emulator {
    alipay_key: RsaSigner,
    app_key: RsaSigner,
    app_public: RsaPublicKey,
    origin: String,
    trades: Mutex<HashMap<String, Trade>>,
    refunds: Mutex<HashMap<String, RefundDone>>,
    notices: Mutex<HashMap<String, Outgoing>>,
    bills: Bills,
    http: reqwest::Client,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding it leaves plain data behind: go on with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn digits(n: usize) -> String {
    random::bytes(n)
        .into_iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

fn now() -> String {
    timestamp(clock::now_ms())
}

fn yuan(fen: i64) -> String {
    Fen(fen).yuan_string()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Emulator {
    /// The emulator, its keys kept in `dir`; the provider points at `origin`.
    pub fn new(dir: &Path, origin: &str) -> Result<Self, KeyError> {
        let alipay_key = load_or_make_signer(&dir.join("alipay-public-platform-key.pem"))?;
        let app_key = load_or_make_signer(&dir.join("alipay-app-key.pem"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| KeyError::new(dir, e.to_string()))?;
        Ok(Self {
            app_public: app_key.to_public_key(),
            alipay_key,
            app_key,
            origin: origin.trim_end_matches('/').to_owned(),
            trades: Mutex::default(),
            refunds: Mutex::default(),
            notices: Mutex::default(),
            bills: Bills::default(),
            http,
        })
    }

    /// What the production provider is configured with to use this emulator.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            gateway_url: format!("{}{PREFIX}/gateway.do", self.origin),
            app_id: APP_ID.to_owned(),
            seller_id: Some(SELLER_ID.to_owned()),
            app_private_key: self.app_key.clone(),
            alipay_public_key: self.alipay_key.to_public_key(),
            notify_url: format!("{}/api/v1/payments/notify/{}", self.origin, alipay::NAME),
            return_origin: self.origin.clone(),
        }
    }

    /// An API answer: `{"<method>_response": member, "sign": …}`, the member signed as sent.
    fn answer(&self, method: &str, member: &Value) -> Response {
        let raw = member.to_string();
        let s = sign::sign(&self.alipay_key, &raw);
        let key = format!("{}_response", method.replace('.', "_"));
        let body = format!("{{\"{key}\":{raw},\"sign\":{}}}", Value::String(s));
        (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json;charset=utf-8",
            )],
            body,
        )
            .into_response()
    }

    fn business_error(&self, method: &str, sub_code: &str, sub_msg: &str) -> Response {
        self.answer(
            method,
            &json!({"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}),
        )
    }

    /// Checks a request's app_id and signature; the refusal as Alipay words it.
    fn authenticate(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<(), (&'static str, &'static str)> {
        if params.get("app_id").map(String::as_str) != Some(APP_ID) {
            return Err(("isv.invalid-app-id", "无效的AppID参数"));
        }
        if params
            .get("charset")
            .is_some_and(|c| !c.eq_ignore_ascii_case("utf-8"))
        {
            return Err(("isv.invalid-charset", "字符集错误"));
        }
        sign::verify_request(&self.app_public, params)
            .map_err(|_| ("isv.invalid-signature", "验签出错"))
    }

    fn payment_params(&self, t: &Trade, claimed_fen: i64) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            p.insert(k.to_owned(), v);
        };
        put("notify_time", now());
        put("notify_type", "trade_status_sync".into());
        put("notify_id", random::hex(16));
        put("app_id", APP_ID.into());
        put("auth_app_id", APP_ID.into());
        put("charset", "utf-8".into());
        put("version", "1.0".into());
        put("trade_no", t.trade_no.clone());
        put("out_trade_no", t.out_trade_no.clone());
        put("trade_status", t.trade_status.clone());
        put("total_amount", yuan(claimed_fen));
        put("receipt_amount", yuan(claimed_fen));
        put("buyer_pay_amount", yuan(claimed_fen));
        put("invoice_amount", yuan(claimed_fen));
        put("subject", t.subject.clone());
        put("gmt_create", t.gmt_create.clone());
        put("gmt_payment", t.gmt_payment.clone().unwrap_or_default());
        put("seller_id", SELLER_ID.into());
        put("buyer_id", BUYER_ID.into());
        p
    }

    /// Keeps a signed notice to `url` under a new id.
    fn notice(&self, url: &str, mut params: BTreeMap<String, String>) -> String {
        sign::sign_notice(&self.alipay_key, &mut params);
        let id = format!("N-{}", random::hex(10));
        lock(&self.notices).insert(
            id.clone(),
            Outgoing {
                url: url.to_owned(),
                params,
                answers: Vec::new(),
            },
        );
        id
    }

    /// Sends notice `id` `copies` times at once; returns the merchant's answers.
    async fn send(self: &Arc<Self>, id: &str, copies: u32) -> Vec<Value> {
        let Some(n) = lock(&self.notices).get(id).cloned() else {
            return Vec::new();
        };
        let mut sends = tokio::task::JoinSet::new();
        for _ in 0..copies.clamp(1, 200) {
            let (me, n) = (Arc::clone(self), n.clone());
            sends.spawn(async move {
                match me.http.post(&n.url).form(&n.params).send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.text().await.unwrap_or_default();
                        json!({ "status": status, "body": body })
                    }
                    Err(e) => json!({ "status": 0, "body": e.to_string() }),
                }
            });
        }
        let mut answers = Vec::new();
        while let Some(done) = sends.join_next().await {
            if let Ok(a) = done {
                answers.push(a);
            }
        }
        if let Some(n) = lock(&self.notices).get_mut(id) {
            n.answers.extend(answers.iter().cloned());
        }
        answers
    }

    /// Sends notice `id` (if any) `copies` times: now, answering with the merchant's
    /// answers, or after `delay_ms` (at most 60 s) in the background, or not (`hold`).
    async fn dispatch(
        self: &Arc<Self>,
        id: Option<&str>,
        copies: u32,
        delay_ms: Option<u64>,
        hold: bool,
    ) -> Vec<Value> {
        let delay = Duration::from_millis(delay_ms.unwrap_or(0).min(60_000));
        match id {
            Some(id) if !hold && delay.is_zero() => self.send(id, copies).await,
            Some(id) if !hold => {
                let (me, id) = (Arc::clone(self), id.to_owned());
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    me.send(&id, copies).await;
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Pays trade `no` (open, or closed a moment ago when `after_close`); its notice's id.
    fn pay(
        &self,
        no: &str,
        claimed: Option<i64>,
        after_close: bool,
    ) -> Result<(Trade, Option<String>), (StatusCode, String)> {
        let paid = {
            let mut trades = lock(&self.trades);
            let t = trades.get_mut(no).ok_or((
                StatusCode::NOT_FOUND,
                "the buyer has not opened this trade at the cashier".to_owned(),
            ))?;
            let payable = t.trade_status == "WAIT_BUYER_PAY"
                || (t.trade_status == "TRADE_CLOSED" && after_close && t.gmt_payment.is_none());
            if !payable {
                return Err((
                    StatusCode::CONFLICT,
                    format!("the trade is {}", t.trade_status),
                ));
            }
            t.trade_status = "TRADE_SUCCESS".into();
            t.gmt_payment = Some(now());
            t.clone()
        };
        let id = paid.notify_url.as_ref().map(|url| {
            let params = self.payment_params(&paid, claimed.unwrap_or(paid.total_fen));
            self.notice(url, params)
        });
        if let Some(id) = &id
            && let Some(t) = lock(&self.trades).get_mut(no)
        {
            t.notices.push(id.clone());
        }
        Ok((paid, id))
    }

    /// The buyer never pays trade `no`: it times out closed; its notice's id.
    fn time_out(&self, no: &str) -> Result<Option<String>, (StatusCode, String)> {
        let closed = {
            let mut trades = lock(&self.trades);
            let t = trades.get_mut(no).ok_or((
                StatusCode::NOT_FOUND,
                "the buyer has not opened this trade at the cashier".to_owned(),
            ))?;
            if t.trade_status != "WAIT_BUYER_PAY" {
                return Err((
                    StatusCode::CONFLICT,
                    format!("the trade is {}", t.trade_status),
                ));
            }
            t.trade_status = "TRADE_CLOSED".into();
            t.clone()
        };
        let id = closed.notify_url.as_ref().map(|url| {
            let mut params = self.payment_params(&closed, closed.total_fen);
            params.remove("gmt_payment");
            params.insert("gmt_close".into(), now());
            self.notice(url, params)
        });
        if let Some(id) = &id
            && let Some(t) = lock(&self.trades).get_mut(no)
        {
            t.notices.push(id.clone());
        }
        Ok(id)
    }
}

type Emu = State<Arc<Emulator>>;

fn biz(params: &BTreeMap<String, String>) -> Option<Value> {
    params
        .get("biz_content")
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .filter(Value::is_object)
}

fn cashier_error(code: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支付宝 - 错误</title><h1>支付宝（模拟）</h1><p id="error" data-code="{code}">错误代码 {code}：{message}</p></html>"#,
            code = esc(code),
            message = esc(message)
        )),
    )
        .into_response()
}

/// The cashier: the signed redirect of `alipay.trade.page.pay` / `wap.pay`.
fn cashier(e: &Emulator, params: &BTreeMap<String, String>) -> Response {
    let method = params.get("method").cloned().unwrap_or_default();
    if let Err((code, msg)) = e.authenticate(params) {
        return cashier_error(code, msg);
    }
    let Some(b) = biz(params) else {
        return cashier_error("isv.missing-biz-content", "缺少业务参数");
    };
    let s = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let want_code = if method == "alipay.trade.wap.pay" {
        "QUICK_WAP_WAY"
    } else {
        "FAST_INSTANT_TRADE_PAY"
    };
    let (no, subject) = (s("out_trade_no"), s("subject"));
    let total = Fen::parse_yuan(&s("total_amount"))
        .map(|f| f.0)
        .unwrap_or(0);
    if s("product_code") != want_code
        || no.is_empty()
        || no.len() > 64
        || subject.is_empty()
        || total <= 0
    {
        return cashier_error("isv.invalid-parameter", "参数无效");
    }
    let trade = {
        let mut trades = lock(&e.trades);
        let t = trades.entry(no.clone()).or_insert_with(|| Trade {
            method: method.clone(),
            out_trade_no: no.clone(),
            total_fen: total,
            subject: subject.clone(),
            notify_url: params.get("notify_url").cloned(),
            return_url: params.get("return_url").cloned(),
            trade_status: "WAIT_BUYER_PAY".into(),
            trade_no: format!("{}22001{}", &now()[..10].replace('-', ""), digits(15)),
            gmt_create: now(),
            gmt_payment: None,
            refunded: 0,
            notices: Vec::new(),
        });
        if t.total_fen != total || t.subject != subject {
            return cashier_error("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改");
        }
        t.clone()
    };
    let (state, button) = match trade.trade_status.as_str() {
        "WAIT_BUYER_PAY" => (
            "等待付款",
            format!(
                r#"<form method="post" action="{PREFIX}/cashier/{no}"><button id="pay">确认付款 Pay</button></form>
<form method="post" action="{PREFIX}/cashier/{no}/timeout"><button id="fail" class="leave">不付款，交易超时关闭 Leave unpaid (the trade times out)</button></form>"#,
                no = crate::payments::percent_encode(&no)
            ),
        ),
        "TRADE_CLOSED" => ("交易已关闭", String::new()),
        _ => ("交易已付款", String::new()),
    };
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>支付宝 - 网上支付 安全快速！</title>
<style>body{{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}}.amount{{font-size:2rem;color:#b4470c}}button{{font-size:1.1rem;padding:.6rem 1.4rem;background:#0958d9;color:#fff;border:0;margin:.3rem 0}}button.leave{{background:#666;font-size:.9rem}}</style></head>
<body data-method="{method}"><h1>支付宝收银台（模拟）<small>Alipay cashier, emulated</small></h1>
<p>开发环境专用，不会真实扣款。Development only: no money moves.</p>
<p>商户订单号 <code id="order">{no}</code></p><p>订单标题 <span id="subject">{subject}</span></p>
<p class="amount">¥ <span id="amount">{amount}</span></p><p>状态 <span id="status">{state}</span></p>{button}</body></html>"#,
        method = esc(&method),
        no = esc(&no),
        subject = esc(&subject),
        amount = yuan(trade.total_fen),
    ))
    .into_response()
}

async fn gateway_get(State(e): Emu, Query(params): Query<BTreeMap<String, String>>) -> Response {
    match params.get("method").map(String::as_str) {
        Some("alipay.trade.page.pay" | "alipay.trade.wap.pay") => cashier(&e, &params),
        _ => cashier_error("isv.invalid-method", "不存在的方法名"),
    }
}

async fn gateway_post(State(e): Emu, Form(params): Form<BTreeMap<String, String>>) -> Response {
    let method = params.get("method").cloned().unwrap_or_default();
    if matches!(
        method.as_str(),
        "alipay.trade.page.pay" | "alipay.trade.wap.pay"
    ) {
        return cashier(&e, &params);
    }
    if let Err((sub_code, sub_msg)) = e.authenticate(&params) {
        return e.answer(
            &method,
            &json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}),
        );
    }
    let Some(b) = biz(&params) else {
        return e.answer(&method, &json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.missing-biz-content", "sub_msg": "缺少业务参数"}));
    };
    let s = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let no = s("out_trade_no");
    match method.as_str() {
        "alipay.trade.query" => {
            let found = lock(&e.trades).get(&no).cloned();
            match found {
                None => e.business_error(&method, "ACQ.TRADE_NOT_EXIST", "交易不存在"),
                Some(t) => e.answer(&method, &json!({
                    "code": "10000", "msg": "Success",
                    "trade_no": t.trade_no, "out_trade_no": t.out_trade_no,
                    "buyer_logon_id": "tes***@sandbox.com",
                    "trade_status": t.trade_status,
                    "total_amount": yuan(t.total_fen),
                    "send_pay_date": t.gmt_payment,
                })),
            }
        }
        "alipay.trade.close" => {
            let mut trades = lock(&e.trades);
            match trades.get_mut(&no) {
                None => e.business_error(&method, "ACQ.TRADE_NOT_EXIST", "交易不存在"),
                Some(t) if t.trade_status == "WAIT_BUYER_PAY" => {
                    t.trade_status = "TRADE_CLOSED".into();
                    e.answer(&method, &json!({"code": "10000", "msg": "Success", "trade_no": t.trade_no, "out_trade_no": t.out_trade_no}))
                }
                Some(_) => e.business_error(&method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
            }
        }
        "alipay.data.dataservice.bill.downloadurl.query" => {
            bill_url(&e, &method, &s("bill_type"), &s("bill_date"))
        }
        "alipay.trade.refund" => refund(&e, &method, &no, &s("refund_amount"), &s("out_request_no")),
        "alipay.trade.fastpay.refund.query" => {
            let done = lock(&e.refunds).get(&s("out_request_no")).cloned();
            match done {
                Some(r) if r.out_trade_no == no => e.answer(&method, &json!({
                    "code": "10000", "msg": "Success", "out_trade_no": no,
                    "out_request_no": s("out_request_no"), "refund_amount": yuan(r.amount),
                    "refund_status": "REFUND_SUCCESS", "gmt_refund_pay": r.gmt,
                })),
                // 未查询到退款: success without refund_status.
                _ => e.answer(&method, &json!({"code": "10000", "msg": "Success", "out_trade_no": no, "out_request_no": s("out_request_no")})),
            }
        }
        _ => e.answer(&method, &json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名"})),
    }
}

fn refund(e: &Arc<Emulator>, method: &str, no: &str, amount: &str, request_no: &str) -> Response {
    let Ok(amount) = Fen::parse_yuan(amount).map(|f| f.0) else {
        return e.business_error(method, "ACQ.INVALID_PARAMETER", "退款金额无效");
    };
    if request_no.is_empty() || amount <= 0 {
        return e.business_error(method, "ACQ.INVALID_PARAMETER", "参数无效");
    }
    let repeat = lock(&e.refunds).get(request_no).cloned();
    let mut trades = lock(&e.trades);
    let Some(t) = trades.get_mut(no) else {
        return e.business_error(method, "ACQ.TRADE_NOT_EXIST", "交易不存在");
    };
    let answer = |t: &Trade, fund_change: &str| {
        json!({
            "code": "10000", "msg": "Success", "trade_no": t.trade_no, "out_trade_no": t.out_trade_no,
            "buyer_logon_id": "tes***@sandbox.com", "fund_change": fund_change,
            "refund_fee": yuan(t.refunded), "gmt_refund_pay": now(),
        })
    };
    if let Some(r) = repeat {
        // The same 退款请求号 refunds once; asking again says no money moved now.
        return if r.out_trade_no == no && r.amount == amount {
            e.answer(method, &answer(t, "N"))
        } else {
            e.business_error(method, "ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致")
        };
    }
    if t.gmt_payment.is_none() {
        return e.business_error(method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    }
    if amount > t.total_fen - t.refunded {
        return e.business_error(method, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
    }
    t.refunded += amount;
    if t.refunded == t.total_fen {
        t.trade_status = "TRADE_CLOSED".into();
    }
    let gmt = now();
    lock(&e.refunds).insert(
        request_no.to_owned(),
        RefundDone {
            out_trade_no: no.to_owned(),
            amount,
            gmt: gmt.clone(),
        },
    );
    let member = answer(t, "Y");
    // The trade's notify URL hears of the refund a moment later (trade_status_sync with
    // out_biz_no, refund_fee, gmt_refund).
    if let Some(url) = t.notify_url.clone() {
        let mut p = e.payment_params(t, t.total_fen);
        p.insert("out_biz_no".into(), request_no.to_owned());
        p.insert("refund_fee".into(), yuan(t.refunded));
        p.insert("gmt_refund".into(), gmt);
        let id = e.notice(&url, p);
        t.notices.push(id.clone());
        let me = Arc::clone(e);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            me.send(&id, 1).await;
        });
    }
    e.answer(method, &member)
}

/// The cashier's `#pay`: paid, notified, back to the merchant's return_url.
async fn cashier_pay(State(e): Emu, UrlPath(no): UrlPath<String>) -> Response {
    let (t, id) = match e.pay(&no, None, false) {
        Ok(x) => x,
        Err((status, message)) => return (status, message).into_response(),
    };
    if let Some(id) = id {
        e.send(&id, 1).await;
    }
    let Some(back) = t.return_url.clone() else {
        return Html("<p id=\"paid\">付款成功</p>").into_response();
    };
    // 同步返回参数, signed like a notice.
    let mut p = BTreeMap::new();
    for (k, v) in [
        ("charset", "utf-8".to_owned()),
        ("out_trade_no", t.out_trade_no.clone()),
        ("method", format!("{}.return", t.method)),
        ("total_amount", yuan(t.total_fen)),
        ("trade_no", t.trade_no.clone()),
        ("auth_app_id", APP_ID.to_owned()),
        ("version", "1.0".to_owned()),
        ("app_id", APP_ID.to_owned()),
        ("seller_id", SELLER_ID.to_owned()),
        ("timestamp", now()),
    ] {
        p.insert(k.to_owned(), v);
    }
    sign::sign_notice(&e.alipay_key, &mut p);
    let sep = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{sep}{}", alipay::query_string(&p))).into_response()
}

/// The cashier's `#fail`: the buyer leaves, the trade times out closed (notified), and
/// the buyer goes back to the merchant's page by hand.
async fn cashier_timeout(State(e): Emu, UrlPath(no): UrlPath<String>) -> Response {
    let id = match e.time_out(&no) {
        Ok(id) => id,
        Err((status, message)) => return (status, message).into_response(),
    };
    if let Some(id) = id {
        e.send(&id, 1).await;
    }
    let back = lock(&e.trades).get(&no).and_then(|t| t.return_url.clone());
    match back {
        Some(back) => Redirect::to(&back).into_response(),
        None => Html("<p id=\"closed\">交易已关闭</p>").into_response(),
    }
}

/// The buyer leaves: the trade times out.
#[derive(Debug, Deserialize)]
pub struct BuyerTimeout {
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Copies of the notice, sent at once (default 1).
    #[serde(default)]
    pub copies: Option<u32>,
    /// Wait before sending (default 0: sent before answering).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

async fn buyer_timeout(State(e): Emu, axum::Json(req): axum::Json<BuyerTimeout>) -> Response {
    let id = match e.time_out(&req.out_trade_no) {
        Ok(id) => id,
        Err((status, message)) => return (status, message).into_response(),
    };
    let answers = e
        .dispatch(id.as_deref(), req.copies.unwrap_or(1), req.delay_ms, false)
        .await;
    axum::Json(json!({
        "out_trade_no": req.out_trade_no,
        "notice": id,
        "answers": answers,
    }))
    .into_response()
}

/// Paid on another device.
#[derive(Debug, Deserialize)]
pub struct BuyerPay {
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Copies of the notice, sent at once (default 1).
    #[serde(default)]
    pub copies: Option<u32>,
    /// Wait before sending (default 0: sent before answering).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Keep the notice until `/notices/{id}/send`.
    #[serde(default)]
    pub hold: bool,
    /// The amount the notice claims, in fen (default: the trade's).
    #[serde(default)]
    pub total_fen: Option<i64>,
    /// Pay although the trade was just closed.
    #[serde(default)]
    pub after_close: bool,
}

async fn buyer_pay(State(e): Emu, axum::Json(req): axum::Json<BuyerPay>) -> Response {
    let (t, id) = match e.pay(&req.out_trade_no, req.total_fen, req.after_close) {
        Ok(x) => x,
        Err((status, message)) => return (status, message).into_response(),
    };
    let answers = e
        .dispatch(
            id.as_deref(),
            req.copies.unwrap_or(1),
            req.delay_ms,
            req.hold,
        )
        .await;
    axum::Json(json!({
        "out_trade_no": t.out_trade_no,
        "trade_no": t.trade_no,
        "notice": id,
        "answers": answers,
    }))
    .into_response()
}

async fn notice_get(State(e): Emu, UrlPath(id): UrlPath<String>) -> Response {
    match lock(&e.notices).get(&id) {
        Some(n) => axum::Json(n.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct SendRequest {
    #[serde(default)]
    copies: Option<u32>,
}

async fn notice_send(
    State(e): Emu,
    UrlPath(id): UrlPath<String>,
    body: Option<axum::Json<SendRequest>>,
) -> Response {
    if !lock(&e.notices).contains_key(&id) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let copies = body.and_then(|b| b.0.copies).unwrap_or(1);
    axum::Json(json!({ "answers": e.send(&id, copies).await })).into_response()
}

async fn order_get(State(e): Emu, UrlPath(no): UrlPath<String>) -> Response {
    let found = lock(&e.trades).get(&no).map(|t| {
        json!({
            "method": t.method,
            "trade_no": t.trade_no,
            "trade_status": t.trade_status,
            "total_fen": t.total_fen,
            "refunded": t.refunded,
            "notices": t.notices,
        })
    });
    match found {
        Some(v) => axum::Json(v).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The emulator's routes (their own state, never the server's).
pub fn routes<S: Clone + Send + Sync + 'static>(e: Arc<Emulator>) -> Router<S> {
    Router::new()
        .route(
            &format!("{PREFIX}/gateway.do"),
            get(gateway_get).post(gateway_post),
        )
        .route(&format!("{PREFIX}/cashier/{{no}}"), post(cashier_pay))
        .route(
            &format!("{PREFIX}/cashier/{{no}}/timeout"),
            post(cashier_timeout),
        )
        .route(&format!("{PREFIX}/buyer/pay"), post(buyer_pay))
        .route(&format!("{PREFIX}/buyer/timeout"), post(buyer_timeout))
        .route(&format!("{PREFIX}/notices/{{id}}"), get(notice_get))
        .route(&format!("{PREFIX}/notices/{{id}}/send"), post(notice_send))
        .route(&format!("{PREFIX}/orders/{{no}}"), get(order_get))
        .route(&format!("{PREFIX}/bill/download"), get(bill_download))
        .route(&format!("{PREFIX}/bill/edit"), post(bill_edit))
        .with_state(e)
}

/// 查询对账单下载地址: the day's trade bill, zipped, behind a download URL.
fn bill_url(e: &Emulator, method: &str, bill_type: &str, day: &str) -> Response {
    use crate::reconcile::alipay::{detail_text, gbk, row, zip_bill};
    if bill_type != "trade" {
        return e.business_error(method, "isv.invalid-bill-type", "账单类型不合法");
    }
    if crate::reconcile::parse_date(day).is_none() {
        return e.business_error(method, "isv.invalid-bill-date", "账单时间不合法");
    }
    let (paid, refunds) = {
        let trades = lock(&e.trades);
        let paid: Vec<PaidRow> = trades
            .values()
            .filter_map(|t| {
                let at = t.gmt_payment.clone()?;
                at.starts_with(day).then(|| PaidRow {
                    out_trade_no: t.out_trade_no.clone(),
                    trade_no: t.trade_no.clone(),
                    total_fen: t.total_fen,
                    paid_at: at,
                })
            })
            .collect();
        let refunds: Vec<(RefundDone, String)> = lock(&e.refunds)
            .values()
            .filter(|r| r.gmt.starts_with(day))
            .filter_map(|r| Some((r.clone(), trades.get(&r.out_trade_no)?.trade_no.clone())))
            .collect();
        (paid, refunds)
    };
    let compact: String = day.chars().filter(char::is_ascii_digit).collect();
    let paid = e
        .bills
        .apply(day, paid, || format!("{compact}22001{}", digits(15)));
    if paid.is_empty() && refunds.is_empty() {
        return e.business_error(method, "isp.bill_not_exist", "账单不存在");
    }
    let mut rows: Vec<Vec<String>> = paid
        .iter()
        .map(|p| row(&p.trade_no, &p.out_trade_no, "交易", &yuan(p.total_fen)))
        .collect();
    rows.extend(
        refunds
            .iter()
            .map(|(r, trade_no)| row(trade_no, &r.out_trade_no, "退款", &yuan(-r.amount))),
    );
    let account = format!("{SELLER_ID}0156");
    let detail = gbk(&detail_text(&account, day, &rows, paid.len()));
    let Ok(zip) = zip_bill(&format!("{account}_{compact}"), &detail) else {
        return e.business_error(method, "isp.unknow-error", "系统繁忙");
    };
    let token = e.bills.keep(zip);
    e.answer(
        method,
        &json!({
            "code": "10000", "msg": "Success",
            "bill_download_url": format!("{}{PREFIX}/bill/download?token={token}", e.origin),
        }),
    )
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The bill zip (a time-limited URL at Alipay; not signed).
async fn bill_download(State(e): Emu, Query(q): Query<TokenQuery>) -> Response {
    match q.token.and_then(|t| e.bills.file(&t)) {
        Some(zip) => ([("Content-Type", "application/oct-stream")], zip).into_response(),
        None => (StatusCode::NOT_FOUND, "下载超时，请重新下载").into_response(),
    }
}

async fn bill_edit(State(e): Emu, axum::Json(edit): axum::Json<BillEdit>) -> Response {
    e.bills.edit(edit);
    StatusCode::NO_CONTENT.into_response()
}
