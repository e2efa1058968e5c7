//! A WeChat Pay API v3 emulator under `/sandbox/wechatpay`: the merchant API
//! (`/sandbox/wechatpay/v3/…`: Native order, query, close, refund) checks the
//! merchant's `WECHATPAY2-SHA256-RSA2048` signature and signs every answer with its
//! platform key; payments and refunds are notified as WeChat Pay does (signed JSON,
//! `resource` sealed with AEAD_AES_256_GCM and the APIv3 key). Its keys, merchant
//! number and APIv3 key are made at the first start; `crate::payments::setup` hands
//! them to the production provider, pointed here.
//!
//! The phone and the tests drive it:
//! - `GET /sandbox/wechatpay/phone`: the emulated phone for a person in development (a
//!   `weixin://` QR code cannot be scanned by a real phone here): the orders waiting
//!   for payment, each with its amount and a `确认支付` button (a form `POST
//!   /sandbox/wechatpay/phone` with its `code_url`), paid and notified as below;
//! - `POST /sandbox/wechatpay/phone/pay {"code_url", "copies"?, "delay_ms"?, "hold"?,
//!   "total"?, "after_close"?}`: the customer scanned and paid; notices go out
//!   (copies in parallel, after a delay, or held); `total` makes the notice claim
//!   another amount (a tampered gateway); `after_close` pays an order closed a moment
//!   before (a payment in flight when the close arrived);
//! - `GET /sandbox/wechatpay/notices/{id}`: a notice as it would be sent (headers and
//!   body), to replay, alter or re-sign; `POST /sandbox/wechatpay/notices/{id}/send
//!   {"copies"?}` sends a held notice (in any order: late and out-of-order delivery);
//! - `GET /sandbox/wechatpay/orders/{out_trade_no}`: the order as the gateway has it;
//! - `GET /sandbox/wechatpay/v3/bill/tradebill?bill_date=…` (signed, as the merchant
//!   API) and the file at its `download_url` (`/v3/billdownload/file?token=…`): the day's
//!   trade bill of what the emulator really took, changed by `POST
//!   /sandbox/wechatpay/bill/edit` (`crate::reconcile::emulated`).
//!
//! State is in memory: a restart forgets orders, as a fresh sandbox account would.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use rsa::RsaPublicKey;
use rsa::pkcs8::EncodePublicKey;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::payments::rsa_sign::RsaSigner;
use crate::payments::wechat::aead::ApiV3Key;
use crate::payments::wechat::signature::{Authorization, MAX_SKEW_SECONDS, Request, Signed};
use crate::payments::wechat::wire::{
    Close, Envelope, ErrorBody, NativeAnswer, NativeOrder, PaidAmount, RefundAnswer,
    RefundNoticeAmount, RefundRequest, RefundResource, Resource, Transaction,
};
use crate::payments::wechat::{self, Credentials};
use crate::random;
use crate::reconcile::emulated::{BillEdit, Bills, PaidRow};
use crate::sandbox::KeyError;
use crate::sandbox::gateways::{load_or_make_secret, load_or_make_signer};

/// Where the emulator is mounted.
pub const PREFIX: &str = "/sandbox/wechatpay";

/// The docs' example merchant number and app id.
const MCHID: &str = "1900009191";
const APPID: &str = "wxd678efh567hg6787";

#[derive(Debug, Clone)]
struct Order {
    request: NativeOrder,
    code_url: String,
    trade_state: String,
    transaction_id: Option<String>,
    success_time: Option<String>,
    refunded: i64,
    /// The notices about it (payment, refunds), by id.
    notices: Vec<String>,
}

#[derive(Debug, Clone)]
struct Refund {
    answer: RefundAnswer,
    request: RefundRequest,
}

/// A notice, signed and sealed, kept until sent.
#[derive(Debug, Clone, Serialize)]
struct Outgoing {
    url: String,
    headers: HashMap<String, String>,
    body: String,
    /// The merchant's answers so far (`{"status","body"}`).
    answers: Vec<Value>,
}

/// The emulator.
pub struct Emulator {
    platform_key: RsaSigner,
    platform_serial: String,
    merchant_key: RsaSigner,
    merchant_public: RsaPublicKey,
    merchant_serial: String,
    apiv3: ApiV3Key,
    origin: String,
    orders: Mutex<HashMap<String, Order>>,
    refunds: Mutex<HashMap<String, Refund>>,
    notices: Mutex<HashMap<String, Outgoing>>,
    bills: Bills,
    http: reqwest::Client,
}

fn digest_hex(data: &[u8]) -> String {
    protocol::ids::to_hex(&Sha256::digest(data))
}

impl Emulator {
    /// The emulator, its keys kept in `dir`; notices and the provider point at `origin`.
    pub fn new(dir: &Path, origin: &str) -> Result<Self, KeyError> {
        let platform_key = load_or_make_signer(&dir.join("wechatpay-platform-key.pem"))?;
        let merchant_key = load_or_make_signer(&dir.join("wechatpay-merchant-key.pem"))?;
        let apiv3_path = dir.join("wechatpay-apiv3.key");
        let apiv3 = ApiV3Key::new(&load_or_make_secret(&apiv3_path, 32)?)
            .map_err(|e| KeyError::new(&apiv3_path, e.to_string()))?;
        let der = |k: &RsaSigner| {
            k.public_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default()
        };
        // A public key id is `PUB_KEY_ID_` and digits; a certificate serial is hex.
        let digits: String = digest_hex(&der(&platform_key))
            .bytes()
            .take(22)
            .map(|b| char::from(b'0' + b % 10))
            .collect();
        let merchant_serial = digest_hex(&der(&merchant_key))[..40].to_uppercase();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| KeyError::new(dir, e.to_string()))?;
        Ok(Self {
            platform_serial: format!("PUB_KEY_ID_{digits}"),
            merchant_public: merchant_key.to_public_key(),
            platform_key,
            merchant_key,
            merchant_serial,
            apiv3,
            origin: origin.trim_end_matches('/').to_owned(),
            orders: Mutex::default(),
            refunds: Mutex::default(),
            notices: Mutex::default(),
            bills: Bills::default(),
            http,
        })
    }

    /// What the production provider is configured with to use this emulator.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            base_url: format!("{}{PREFIX}", self.origin),
            mchid: MCHID.to_owned(),
            appid: APPID.to_owned(),
            merchant_serial_no: self.merchant_serial.clone(),
            merchant_key: self.merchant_key.clone(),
            platform_key: self.platform_key.to_public_key(),
            platform_serial: self.platform_serial.clone(),
            apiv3_key: self.apiv3.clone(),
            notify_url: format!("{}/api/v1/payments/notify/{}", self.origin, wechat::NAME),
        }
    }

    fn signed(&self, status: StatusCode, body: Vec<u8>) -> Response {
        let s = Signed::sign(
            &self.platform_key,
            &self.platform_serial,
            clock::now_ms() / 1000,
            &random::hex(16),
            &body,
        );
        let mut r = (status, body).into_response();
        let h = r.headers_mut();
        for (name, value) in s.headers() {
            if let Ok(v) = value.parse() {
                h.insert(name, v);
            }
        }
        if let Ok(v) = random::hex(16).parse() {
            h.insert("Request-ID", v);
        }
        if let Ok(v) = "application/json".parse() {
            h.insert("Content-Type", v);
        }
        r
    }

    fn json(&self, status: StatusCode, value: &impl Serialize) -> Response {
        self.signed(status, serde_json::to_vec(value).unwrap_or_default())
    }

    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.json(
            status,
            &ErrorBody {
                code: code.into(),
                message: message.into(),
            },
        )
    }

    /// Checks the merchant's signature over the request as sent (the path without the
    /// emulator's prefix, as it is on api.mch.weixin.qq.com).
    fn authenticate(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &str,
    ) -> Result<(), Box<Response>> {
        let refuse = |why: &str| {
            Err(Box::new(self.error(
                StatusCode::UNAUTHORIZED,
                "SIGN_ERROR",
                why,
            )))
        };
        let Some(value) = headers.get("Authorization").and_then(|v| v.to_str().ok()) else {
            return refuse("缺少Authorization");
        };
        let Ok(auth) = Authorization::parse(value) else {
            return refuse("Authorization格式错误");
        };
        if auth.mchid != MCHID || auth.serial_no != self.merchant_serial {
            return refuse("商户号或证书序列号错误");
        }
        if (clock::now_ms() / 1000 - auth.timestamp).abs() > MAX_SKEW_SECONDS {
            return refuse("时间戳过期");
        }
        let full = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        let path = full.strip_prefix(PREFIX).unwrap_or(full);
        let request = Request {
            method: method.as_str(),
            path_and_query: path,
            body,
        };
        if auth.verify(&self.merchant_public, &request).is_err() {
            return refuse("签名错误");
        }
        Ok(())
    }

    fn transaction(&self, o: &Order) -> Transaction {
        Transaction {
            appid: o.request.appid.clone(),
            mchid: o.request.mchid.clone(),
            out_trade_no: o.request.out_trade_no.clone(),
            transaction_id: o.transaction_id.clone(),
            trade_type: Some("NATIVE".into()),
            trade_state: o.trade_state.clone(),
            trade_state_desc: Some(
                match o.trade_state.as_str() {
                    "SUCCESS" => "支付成功",
                    "REFUND" => "转入退款",
                    "CLOSED" => "已关闭",
                    _ => "未支付",
                }
                .into(),
            ),
            success_time: o.success_time.clone(),
            amount: Some(PaidAmount {
                total: o.request.amount.total,
                payer_total: o.transaction_id.as_ref().map(|_| o.request.amount.total),
                currency: Some("CNY".into()),
            }),
        }
    }

    /// A notice to `url`, signed and sealed, kept under a new id.
    fn notice(
        &self,
        url: &str,
        event_type: &str,
        original_type: &str,
        summary: &str,
        resource: &impl Serialize,
    ) -> String {
        let nonce = random::hex(6);
        let plain = serde_json::to_vec(resource).unwrap_or_default();
        let ciphertext = self
            .apiv3
            .encrypt(original_type, &nonce, &plain)
            .unwrap_or_default();
        let id = format!("EV-{}", random::hex(10));
        let envelope = Envelope {
            id: id.clone(),
            create_time: clock::rfc3339(clock::now_ms()),
            event_type: event_type.into(),
            resource_type: "encrypt-resource".into(),
            resource: Resource {
                algorithm: "AEAD_AES_256_GCM".into(),
                ciphertext,
                associated_data: original_type.into(),
                original_type: Some(original_type.into()),
                nonce,
            },
            summary: Some(summary.into()),
        };
        let body = serde_json::to_string(&envelope).unwrap_or_default();
        let s = Signed::sign(
            &self.platform_key,
            &self.platform_serial,
            clock::now_ms() / 1000,
            &random::hex(16),
            body.as_bytes(),
        );
        let headers = s
            .headers()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        lock(&self.notices).insert(
            id.clone(),
            Outgoing {
                url: url.to_owned(),
                headers,
                body,
                answers: Vec::new(),
            },
        );
        id
    }

    /// Sends notice `id` `copies` times at once; returns the merchant's answers
    /// (status and body).
    async fn send(self: &Arc<Self>, id: &str, copies: u32) -> Vec<Value> {
        let Some(n) = lock(&self.notices).get(id).cloned() else {
            return Vec::new();
        };
        let mut sends = tokio::task::JoinSet::new();
        for _ in 0..copies.clamp(1, 200) {
            let (me, n) = (Arc::clone(self), n.clone());
            sends.spawn(async move {
                let mut req = me
                    .http
                    .post(&n.url)
                    .header("Content-Type", "application/json");
                for (k, v) in &n.headers {
                    req = req.header(k, v);
                }
                match req.body(n.body.clone()).send().await {
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
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding it leaves plain data behind: go on with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

type Emu = State<Arc<Emulator>>;

async fn native(
    State(e): Emu,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = e.authenticate(&method, &uri, &headers, &body) {
        return *r;
    }
    let Ok(order) = serde_json::from_str::<NativeOrder>(&body) else {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    if order.mchid != MCHID || order.appid != APPID {
        return e.error(
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配",
        );
    }
    let no_len = order.out_trade_no.len();
    if order.amount.total <= 0
        || order.amount.currency != "CNY"
        || !(6..=32).contains(&no_len)
        || order.description.is_empty()
        || order.description.chars().count() > 127
        || !order.notify_url.starts_with("http")
    {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    }
    let mut orders = lock(&e.orders);
    if let Some(existing) = orders.get(&order.out_trade_no) {
        // The same order again gets the same code; another one under its number does not.
        return if existing.trade_state != "NOTPAY" {
            e.error(StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付或已关闭")
        } else if existing.request.amount != order.amount {
            e.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "订单号重复")
        } else {
            e.json(
                StatusCode::OK,
                &NativeAnswer {
                    code_url: existing.code_url.clone(),
                },
            )
        };
    }
    let code_url = format!("weixin://wxpay/bizpayurl?pr={}", random::token(6));
    orders.insert(
        order.out_trade_no.clone(),
        Order {
            request: order,
            code_url: code_url.clone(),
            trade_state: "NOTPAY".into(),
            transaction_id: None,
            success_time: None,
            refunded: 0,
            notices: Vec::new(),
        },
    );
    e.json(StatusCode::OK, &NativeAnswer { code_url })
}

#[derive(Deserialize)]
struct MchQuery {
    mchid: Option<String>,
}

async fn query(
    State(e): Emu,
    UrlPath(no): UrlPath<String>,
    Query(q): Query<MchQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = e.authenticate(&method, &uri, &headers, "") {
        return *r;
    }
    if q.mchid.as_deref() != Some(MCHID) {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid错误");
    }
    let found = lock(&e.orders).get(&no).map(|o| e.transaction(o));
    match found {
        Some(t) => e.json(StatusCode::OK, &t),
        None => e.error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

async fn close(
    State(e): Emu,
    UrlPath(no): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = e.authenticate(&method, &uri, &headers, &body) {
        return *r;
    }
    if serde_json::from_str::<Close>(&body).map_or(true, |c| c.mchid != MCHID) {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid错误");
    }
    let mut orders = lock(&e.orders);
    let Some(o) = orders.get_mut(&no) else {
        return e.error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在");
    };
    match o.trade_state.as_str() {
        "NOTPAY" | "CLOSED" => {
            o.trade_state = "CLOSED".into();
            e.signed(StatusCode::NO_CONTENT, Vec::new())
        }
        _ => e.error(StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付"),
    }
}

async fn refund(
    State(e): Emu,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    if let Err(r) = e.authenticate(&method, &uri, &headers, &body) {
        return *r;
    }
    let Ok(req) = serde_json::from_str::<RefundRequest>(&body) else {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    if let Some(done) = lock(&e.refunds).get(&req.out_refund_no) {
        // The same refund number refunds once; asking again answers the same refund.
        return if done.request.amount == req.amount && done.request.out_trade_no == req.out_trade_no
        {
            e.json(StatusCode::OK, &done.answer)
        } else {
            e.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "退款单号重复")
        };
    }
    let (transaction_id, answer) = {
        let mut orders = lock(&e.orders);
        let Some(o) = orders.get_mut(&req.out_trade_no) else {
            return e.error(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "订单不存在");
        };
        if !matches!(o.trade_state.as_str(), "SUCCESS" | "REFUND") {
            return e.error(StatusCode::FORBIDDEN, "NOT_ENOUGH", "订单未支付");
        }
        if req.amount.total != o.request.amount.total
            || req.amount.refund <= 0
            || req.amount.refund > o.request.amount.total - o.refunded
        {
            return e.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "退款金额错误");
        }
        o.refunded += req.amount.refund;
        o.trade_state = "REFUND".into();
        let answer = RefundAnswer {
            refund_id: format!("50{}", digits(28)),
            out_refund_no: req.out_refund_no.clone(),
            out_trade_no: req.out_trade_no.clone(),
            status: "PROCESSING".into(),
        };
        (o.transaction_id.clone().unwrap_or_default(), answer)
    };
    lock(&e.refunds).insert(
        req.out_refund_no.clone(),
        Refund {
            answer: answer.clone(),
            request: req.clone(),
        },
    );
    if let Some(url) = req.notify_url.clone() {
        let resource = RefundResource {
            mchid: MCHID.into(),
            out_trade_no: req.out_trade_no.clone(),
            transaction_id,
            out_refund_no: req.out_refund_no.clone(),
            refund_id: answer.refund_id.clone(),
            refund_status: "SUCCESS".into(),
            amount: RefundNoticeAmount {
                total: req.amount.total,
                refund: req.amount.refund,
            },
        };
        let id = e.notice(&url, "REFUND.SUCCESS", "refund", "退款成功", &resource);
        if let Some(o) = lock(&e.orders).get_mut(&req.out_trade_no) {
            o.notices.push(id.clone());
        }
        // The money goes back a moment after the answer, as the gateway's does.
        let me = Arc::clone(&e);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            me.send(&id, 1).await;
        });
    }
    e.json(StatusCode::OK, &answer)
}

fn digits(n: usize) -> String {
    random::bytes(n)
        .into_iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

/// The phone's payment.
#[derive(Debug, Deserialize)]
pub struct PhonePay {
    /// The scanned `weixin://wxpay/bizpayurl?pr=…`.
    pub code_url: String,
    /// Copies of the notice, sent at once (default 1).
    #[serde(default)]
    pub copies: Option<u32>,
    /// Wait before sending (default 0: sent before answering).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Keep the notice until `/notices/{id}/send`.
    #[serde(default)]
    pub hold: bool,
    /// The amount the notice claims (default: the order's).
    #[serde(default)]
    pub total: Option<i64>,
    /// Pay although the order was just closed.
    #[serde(default)]
    pub after_close: bool,
}

async fn phone_pay(State(e): Emu, axum::Json(req): axum::Json<PhonePay>) -> Response {
    let paid = {
        let mut orders = lock(&e.orders);
        let Some(o) = orders.values_mut().find(|o| o.code_url == req.code_url) else {
            return (StatusCode::NOT_FOUND, "no order has this code").into_response();
        };
        let payable = o.trade_state == "NOTPAY" || (o.trade_state == "CLOSED" && req.after_close);
        if !payable {
            return (
                StatusCode::CONFLICT,
                format!("the order is {}", o.trade_state),
            )
                .into_response();
        }
        o.trade_state = "SUCCESS".into();
        o.transaction_id = Some(format!("4200{}", digits(24)));
        o.success_time = Some(clock::rfc3339(clock::now_ms()));
        o.clone()
    };
    let mut t = e.transaction(&paid);
    if let (Some(total), Some(amount)) = (req.total, t.amount.as_mut()) {
        amount.total = total;
        amount.payer_total = Some(total);
    }
    let id = e.notice(
        &paid.request.notify_url,
        "TRANSACTION.SUCCESS",
        "transaction",
        "支付成功",
        &t,
    );
    if let Some(o) = lock(&e.orders).get_mut(&paid.request.out_trade_no) {
        o.notices.push(id.clone());
    }
    let copies = req.copies.unwrap_or(1);
    let delay = Duration::from_millis(req.delay_ms.unwrap_or(0).min(60_000));
    let answers = if req.hold {
        Vec::new()
    } else if delay.is_zero() {
        e.send(&id, copies).await
    } else {
        let (me, id) = (Arc::clone(&e), id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            me.send(&id, copies).await;
        });
        Vec::new()
    };
    axum::Json(json!({
        "out_trade_no": paid.request.out_trade_no,
        "transaction_id": paid.transaction_id,
        "notice": id,
        "answers": answers,
    }))
    .into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The emulated phone: the orders waiting for payment, each payable with one button.
async fn phone_page(State(e): Emu) -> Response {
    let mut waiting: Vec<Order> = lock(&e.orders)
        .values()
        .filter(|o| o.trade_state == "NOTPAY")
        .cloned()
        .collect();
    waiting.sort_by(|a, b| a.request.out_trade_no.cmp(&b.request.out_trade_no));
    let items: String = waiting
        .iter()
        .map(|o| {
            format!(
                r#"<li><form method="post" action="{PREFIX}/phone"><input type="hidden" name="code_url" value="{code}"><p>{desc}<br><code>{no}</code></p><button class="pay" data-order="{no}">确认支付 Pay ¥{amount}</button></form></li>"#,
                code = esc(&o.code_url),
                desc = esc(&o.request.description),
                no = esc(&o.request.out_trade_no),
                amount = protocol::money::Fen(o.request.amount.total).yuan_string(),
            )
        })
        .collect();
    let list = if items.is_empty() {
        r#"<p id="none">没有待支付的订单。No order is waiting for payment.</p>"#.to_owned()
    } else {
        format!(r#"<ul id="orders">{items}</ul>"#)
    };
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>微信支付（模拟手机）</title>
<style>body{{font-family:sans-serif;max-width:26rem;margin:1rem auto;padding:0 1rem}}ul{{list-style:none;padding:0}}li{{border-bottom:1px solid #ddd;padding:.5rem 0}}button{{font-size:1.1rem;padding:.6rem 1.4rem;background:#07c160;color:#fff;border:0}}</style></head>
<body><h1>微信支付（模拟手机）<small>WeChat Pay, the emulated phone</small></h1>
<p>开发环境专用，不会真实扣款：代替扫码。Development only, in place of scanning the QR code: no money moves.</p>
{list}</body></html>"#
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct PhoneForm {
    code_url: String,
}

/// The emulated phone's `确认支付`: paid and notified as `phone/pay`, then the list.
async fn phone_form(State(e): Emu, Form(f): Form<PhoneForm>) -> Response {
    let req = PhonePay {
        code_url: f.code_url,
        copies: None,
        delay_ms: None,
        hold: false,
        total: None,
        after_close: false,
    };
    let paid = phone_pay(State(e), axum::Json(req)).await;
    if !paid.status().is_success() {
        return paid;
    }
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>支付成功</title><p id="paid">支付成功 Paid.</p><p><a href="{PREFIX}/phone">返回 Back</a></p></html>"#
    ))
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
    let found = lock(&e.orders).get(&no).map(|o| {
        json!({
            "transaction": e.transaction(o),
            "code_url": o.code_url,
            "refunded": o.refunded,
            "notices": o.notices,
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
            &format!("{PREFIX}/v3/pay/transactions/native"),
            post(native),
        )
        .route(
            &format!("{PREFIX}/v3/pay/transactions/out-trade-no/{{no}}"),
            get(query),
        )
        .route(
            &format!("{PREFIX}/v3/pay/transactions/out-trade-no/{{no}}/close"),
            post(close),
        )
        .route(
            &format!("{PREFIX}/v3/refund/domestic/refunds"),
            post(refund),
        )
        .route(&format!("{PREFIX}/phone"), get(phone_page).post(phone_form))
        .route(&format!("{PREFIX}/phone/pay"), post(phone_pay))
        .route(&format!("{PREFIX}/notices/{{id}}"), get(notice_get))
        .route(&format!("{PREFIX}/notices/{{id}}/send"), post(notice_send))
        .route(&format!("{PREFIX}/orders/{{no}}"), get(order_get))
        .route(&format!("{PREFIX}/v3/bill/tradebill"), get(tradebill))
        .route(&format!("{PREFIX}/v3/billdownload/file"), get(bill_file))
        .route(&format!("{PREFIX}/bill/edit"), post(bill_edit))
        .with_state(e)
}

/// `yyyy-MM-dd HH:mm:ss` (China Standard Time) of an RFC 3339 time.
fn cst(rfc3339: &str) -> Option<String> {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()?;
    Some(crate::payments::alipay::timestamp(clock::to_ms(t)))
}

#[derive(Deserialize)]
struct BillQuery {
    bill_date: Option<String>,
    bill_type: Option<String>,
}

/// 申请交易账单: the day's bill (ALL: payments and refunds) of what was really paid.
async fn tradebill(
    State(e): Emu,
    Query(q): Query<BillQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    use crate::reconcile::wechat::{HEADER, SUMMARY_HEADER, detail_line};
    if let Err(r) = e.authenticate(&method, &uri, &headers, "") {
        return *r;
    }
    let Some(day) = q
        .bill_date
        .filter(|d| crate::reconcile::parse_date(d).is_some())
    else {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "账单日期格式错误");
    };
    if q.bill_type.as_deref().is_some_and(|t| t != "ALL") {
        return e.error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "仅支持ALL");
    }
    let (paid, refunds) = {
        let orders = lock(&e.orders);
        let paid: Vec<PaidRow> = orders
            .values()
            .filter_map(|o| {
                let paid_at = cst(o.success_time.as_deref()?)?;
                paid_at.starts_with(&day).then(|| PaidRow {
                    out_trade_no: o.request.out_trade_no.clone(),
                    trade_no: o.transaction_id.clone().unwrap_or_default(),
                    total_fen: o.request.amount.total,
                    paid_at,
                })
            })
            .collect();
        let refunds: Vec<(Refund, String)> = lock(&e.refunds)
            .values()
            .filter_map(|r| {
                let p = paid
                    .iter()
                    .find(|p| p.out_trade_no == r.request.out_trade_no)?;
                Some((r.clone(), p.trade_no.clone()))
            })
            .collect();
        (paid, refunds)
    };
    let paid = e.bills.apply(&day, paid, || format!("4200{}", digits(24)));
    if paid.is_empty() && refunds.is_empty() {
        return e.error(
            StatusCode::BAD_REQUEST,
            "NO_STATEMENT_EXIST",
            "账单文件不存在",
        );
    }
    let yuan = |fen: i64| protocol::money::Fen(fen).yuan_string();
    let row = |values: &[(&str, String)]| {
        let fields: Vec<String> = HEADER
            .iter()
            .map(|h| {
                values
                    .iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        detail_line(&fields)
    };
    let mut lines = vec![HEADER.join(",")];
    let (mut paid_total, mut refund_total) = (0i64, 0i64);
    for p in &paid {
        paid_total += p.total_fen;
        lines.push(row(&[
            ("交易时间", p.paid_at.clone()),
            ("公众账号ID", APPID.into()),
            ("商户号", MCHID.into()),
            ("微信订单号", p.trade_no.clone()),
            ("商户订单号", p.out_trade_no.clone()),
            ("交易类型", "NATIVE".into()),
            ("交易状态", "SUCCESS".into()),
            ("付款银行", "OTHERS".into()),
            ("货币种类", "CNY".into()),
            ("应结订单金额", yuan(p.total_fen)),
            ("代金券金额", "0.00".into()),
            ("退款金额", "0.00".into()),
            ("商品名称", "证书续期".into()),
            ("手续费", "0.00".into()),
            ("费率", "0.60%".into()),
            ("订单金额", yuan(p.total_fen)),
            ("申请退款金额", "0.00".into()),
        ]));
    }
    for (r, trade_no) in &refunds {
        refund_total += r.request.amount.refund;
        lines.push(row(&[
            (
                "交易时间",
                cst(&clock::rfc3339(clock::now_ms())).unwrap_or_default(),
            ),
            ("公众账号ID", APPID.into()),
            ("商户号", MCHID.into()),
            ("微信订单号", trade_no.clone()),
            ("商户订单号", r.request.out_trade_no.clone()),
            ("交易类型", "NATIVE".into()),
            ("交易状态", "REFUND".into()),
            ("货币种类", "CNY".into()),
            ("微信退款单号", r.answer.refund_id.clone()),
            ("商户退款单号", r.request.out_refund_no.clone()),
            ("退款金额", yuan(r.request.amount.refund)),
            ("退款类型", "ORIGINAL".into()),
            ("退款状态", "SUCCESS".into()),
            ("订单金额", "0.00".into()),
            ("申请退款金额", yuan(r.request.amount.refund)),
        ]));
    }
    lines.push(SUMMARY_HEADER.join(","));
    lines.push(
        [
            (paid.len() + refunds.len()).to_string(),
            yuan(paid_total),
            yuan(refund_total),
            "0.00".into(),
            "0.00".into(),
            yuan(paid_total),
            yuan(refund_total),
        ]
        .iter()
        .map(|v| format!("`{v}"))
        .collect::<Vec<_>>()
        .join(","),
    );
    let file = (lines.join("\r\n") + "\r\n").into_bytes();
    let hash_value = protocol::ids::to_hex(&<sha1::Sha1 as sha1::Digest>::digest(&file));
    let token = e.bills.keep(file);
    e.json(
        StatusCode::OK,
        &crate::reconcile::wechat::BillAnswer {
            hash_type: "SHA1".into(),
            hash_value,
            download_url: format!("{}{PREFIX}/v3/billdownload/file?token={token}", e.origin),
        },
    )
}

#[derive(Deserialize)]
struct FileQuery {
    token: Option<String>,
}

/// 下载账单: the file, unsigned (its SHA1 was in the signed answer).
async fn bill_file(
    State(e): Emu,
    Query(q): Query<FileQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = e.authenticate(&method, &uri, &headers, "") {
        return *r;
    }
    match q.token.and_then(|t| e.bills.file(&t)) {
        Some(file) => ([("Content-Type", "application/octet-stream")], file).into_response(),
        None => e.error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "账单不存在或已过期",
        ),
    }
}

async fn bill_edit(State(e): Emu, axum::Json(edit): axum::Json<BillEdit>) -> Response {
    e.bills.edit(edit);
    StatusCode::NO_CONTENT.into_response()
}
