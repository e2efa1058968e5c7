//! A UnionPay online gateway emulator (全渠道 ACP 5.1.0) under `/sandbox/unionpay`,
//! speaking the `gateway/api` endpoints as UnionPay does (`crate::payments::unionpay`):
//! the customer's browser posts the merchant's signed consumption form to
//! `gateway/api/frontTransReq.do` and sees the cashier only when the signature
//! verifies with the merchant's signing certificate (`certId`); `queryTrans.do` and
//! `backTransReq.do` (refund, `txnType=04`) are signed form POSTs answered `k=v&…`,
//! signed with UnionPay's signing certificate (`signPubKeyCert`), which chains to the
//! emulator's own test root and middle certificates; payments and refunds are
//! notified to `backUrl` as signed forms (后台通知) until the merchant answers HTTP 200.
//! As at UnionPay, an order cannot be closed: it is payable until its `payTimeout`,
//! and a query finds nothing (`respCode=34`) until it is paid. Its keys are made at the
//! first use and kept in the sandbox's directory, its certificates at the first use;
//! `crate::payments::setup` hands them to the production provider, pointed here.
//!
//! The customer and the tests drive it:
//! - the cashier's `#pay` (`POST /sandbox/unionpay/cashier/{orderId}`): paid, the back
//!   notice sent, then UnionPay's result page whose `#return` posts the signed front
//!   notice to `frontUrl`;
//! - `POST /sandbox/unionpay/buyer/pay {"orderId", "copies"?, "delay_ms"?, "hold"?,
//!   "txnAmt"?}`: paid on another device; `txnAmt` makes the notice claim another amount;
//! - `GET /sandbox/unionpay/notices/{id}` (the form as sent, to replay or alter) and
//!   `POST /sandbox/unionpay/notices/{id}/send {"copies"?}` (late, out of order);
//! - `GET /sandbox/unionpay/orders/{orderId}`: the order as UnionPay has it;
//! - `POST /sandbox/unionpay/filedownload/` (`acpsdk.fileTransUrl`, `txnType=76`): the
//!   day's 对账文件 of what it took (`crate::reconcile::unionpay`), which
//!   `POST /sandbox/unionpay/bill/edit` makes differ (`crate::reconcile::emulated`).
//!
//! State is in memory: a restart forgets the orders.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use protocol::money::Fen;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock;
use crate::payments::rsa_sign::RsaSigner;
use crate::payments::unionpay::{self, Credentials, sign, txn_time};
use crate::random;
use crate::sandbox::KeyError;
use crate::sandbox::gateways::{load_or_make_key, signer_of};

/// Where the emulator is mounted.
pub const PREFIX: &str = "/sandbox/unionpay";

/// The merchant of the emulated account (the SDK samples' test merchant).
pub const MER_ID: &str = "777290058110097";

/// A certificate chain like UnionPay's: root → middle → signing certificate.
pub struct Chain {
    /// The root (PEM).
    pub root_pem: String,
    /// The middle certificate (PEM).
    pub middle_pem: String,
    /// The signing certificate (PEM), CN `041@Z12@<name>@00000001`.
    pub sign_pem: String,
    /// Its key.
    pub sign_key: RsaSigner,
    /// Middle's issuer, to issue more certificates (the merchant's).
    middle_params: CertificateParams,
    middle_key: RsaPrivateKey,
}

fn kp(key: &RsaPrivateKey) -> Result<KeyPair, String> {
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256).map_err(|e| e.to_string())
}

fn params(cn: &str, ca: bool) -> Result<CertificateParams, String> {
    let mut p = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, "certrenew sandbox UnionPay");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(5 * 365);
    let mut serial = random::bytes(5);
    serial[0] &= 0x7f;
    serial[0] |= 0x10;
    p.serial_number = Some(SerialNumber::from_slice(&serial));
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
    }
    Ok(p)
}

impl Chain {
    /// A chain whose signing certificate names `company` (UnionPay's is
    /// `中国银联股份有限公司`), with these keys.
    pub fn new(
        root: &RsaPrivateKey,
        middle: &RsaPrivateKey,
        signer: &RsaPrivateKey,
        company: &str,
    ) -> Result<Self, String> {
        let (root_kp, middle_kp, sign_kp) = (kp(root)?, kp(middle)?, kp(signer)?);
        let root_params = params("certrenew sandbox UnionPay Root", true)?;
        let root_cert = root_params
            .self_signed(&root_kp)
            .map_err(|e| e.to_string())?;
        let root_issuer = Issuer::new(root_params, root_kp);
        let middle_params = params("certrenew sandbox UnionPay Middle", true)?;
        let middle_cert = middle_params
            .signed_by(&middle_kp, &root_issuer)
            .map_err(|e| e.to_string())?;
        let middle_issuer = Issuer::new(middle_params.clone(), middle_kp);
        let sign_cert = params(&format!("041@Z12@{company}@00000001"), false)?
            .signed_by(&sign_kp, &middle_issuer)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            root_pem: root_cert.pem(),
            middle_pem: middle_cert.pem(),
            sign_pem: sign_cert.pem(),
            sign_key: RsaSigner::new(signer).map_err(|e| e.to_string())?,
            middle_params,
            middle_key: middle.clone(),
        })
    }

    /// A certificate for `key` issued by the middle certificate, CN `cn`.
    fn issue(&self, key: &RsaPrivateKey, cn: &str) -> Result<String, String> {
        let issuer = Issuer::new(self.middle_params.clone(), kp(&self.middle_key)?);
        Ok(params(cn, false)?
            .signed_by(&kp(key)?, &issuer)
            .map_err(|e| e.to_string())?
            .pem())
    }
}

/// The keys and certificates, made at the first use.
struct Keys {
    chain: Chain,
    merchant_key: RsaSigner,
    merchant_public: RsaPublicKey,
    cert_id: String,
}

#[derive(Debug, Clone, Serialize)]
struct Order {
    order_id: String,
    txn_time: String,
    txn_amt: i64,
    pay_timeout: String,
    channel_type: String,
    back_url: String,
    front_url: String,
    /// `unpaid`, `paid`.
    state: String,
    query_id: String,
    refunded: i64,
    notices: Vec<String>,
}

#[derive(Debug, Clone)]
struct RefundDone {
    order_id: String,
    amount: i64,
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
    dir: PathBuf,
    origin: String,
    keys: Mutex<Option<Arc<Keys>>>,
    orders: Mutex<HashMap<String, Order>>,
    refunds: Mutex<HashMap<String, RefundDone>>,
    notices: Mutex<HashMap<String, Outgoing>>,
    http: reqwest::Client,
    statements: Statements,
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn now() -> String {
    txn_time(clock::now_ms())
}

impl Emulator {
    /// The emulator, its keys kept in `dir`; the provider points at `origin`.
    pub fn new(dir: &Path, origin: &str) -> Result<Self, KeyError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| KeyError::new(dir, e.to_string()))?;
        Ok(Self {
            dir: dir.to_owned(),
            origin: origin.trim_end_matches('/').to_owned(),
            keys: Mutex::default(),
            orders: Mutex::default(),
            refunds: Mutex::default(),
            notices: Mutex::default(),
            http,
            statements: Statements::default(),
        })
    }

    fn keys(&self) -> Result<Arc<Keys>, KeyError> {
        let mut slot = lock(&self.keys);
        if let Some(k) = slot.as_ref() {
            return Ok(Arc::clone(k));
        }
        let key = |name: &str| load_or_make_key(&self.dir.join(name));
        let (root, middle, signer, merchant) = (
            key("unionpay-root-key.pem")?,
            key("unionpay-middle-key.pem")?,
            key("unionpay-sign-key.pem")?,
            key("unionpay-merchant-key.pem")?,
        );
        let err = |e: String| KeyError::new(&self.dir, e);
        let chain = Chain::new(&root, &middle, &signer, sign::UNIONPAY_CN).map_err(err)?;
        let merchant_pem = chain
            .issue(&merchant, &format!("041@Z12@{MER_ID}@00000001"))
            .map_err(err)?;
        let der = sign::der(merchant_pem.as_bytes()).map_err(|e| err(e.to_string()))?;
        let keys = Arc::new(Keys {
            cert_id: sign::cert_id(&der).map_err(|e| err(e.to_string()))?,
            merchant_public: merchant.to_public_key(),
            merchant_key: signer_of(&merchant, &self.dir.join("unionpay-merchant-key.pem"))?,
            chain,
        });
        *slot = Some(Arc::clone(&keys));
        Ok(keys)
    }

    /// What the production provider is configured with to use this emulator.
    pub fn credentials(&self) -> Result<Credentials, KeyError> {
        let k = self.keys()?;
        let trust = sign::Trust::new(
            k.chain.root_pem.as_bytes(),
            k.chain.middle_pem.as_bytes(),
            true,
        )
        .map_err(|e| KeyError::new(&self.dir, e.to_string()))?;
        Ok(Credentials {
            gateway_url: format!("{}{PREFIX}/gateway/api", self.origin),
            mer_id: MER_ID.to_owned(),
            sign_key: k.merchant_key.clone(),
            cert_id: k.cert_id.clone(),
            trust,
            back_url: format!("{}/api/v1/payments/notify/{}", self.origin, unionpay::NAME),
            origin: self.origin.clone(),
        })
    }

    /// Checks a merchant request: version, merId, certId and signature. The refusal
    /// as UnionPay words it (`respCode`, `respMsg`).
    fn authenticate(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<Arc<Keys>, (&'static str, &'static str)> {
        let k = self.keys().map_err(|_| ("01", "交易失败"))?;
        if params.get("version").map(String::as_str) != Some("5.1.0") {
            return Err(("10", "报文格式错误[version]"));
        }
        if params.get("merId").map(String::as_str) != Some(MER_ID) {
            return Err(("10", "商户代码错误"));
        }
        if params.get("certId") != Some(&k.cert_id) {
            return Err(("11", "验证签名失败[certId]"));
        }
        sign::verify(&k.merchant_public, params).map_err(|_| ("11", "验证签名失败"))?;
        Ok(k)
    }

    /// A signed `k=v&…` answer.
    fn answer(&self, k: &Keys, mut p: BTreeMap<String, String>) -> Response {
        sign::sign_with_cert(&k.chain.sign_key, &k.chain.sign_pem, &mut p);
        (
            [(axum::http::header::CONTENT_TYPE, "text/plain;charset=utf-8")],
            sign::answer_string(&p),
        )
            .into_response()
    }

    fn common(req: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        for k in [
            "version",
            "encoding",
            "bizType",
            "txnType",
            "txnSubType",
            "accessType",
            "merId",
            "orderId",
            "txnTime",
        ] {
            if let Some(v) = req.get(k) {
                p.insert(k.to_owned(), v.clone());
            }
        }
        p
    }

    fn payment_params(&self, o: &Order, claimed: i64) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        let t = now();
        for (k, v) in [
            ("version", "5.1.0".to_owned()),
            ("encoding", "UTF-8".to_owned()),
            ("bizType", "000201".to_owned()),
            ("txnType", "01".to_owned()),
            ("txnSubType", "01".to_owned()),
            ("accessType", "0".to_owned()),
            ("merId", MER_ID.to_owned()),
            ("orderId", o.order_id.clone()),
            ("txnTime", o.txn_time.clone()),
            ("txnAmt", claimed.to_string()),
            ("currencyCode", "156".to_owned()),
            ("queryId", o.query_id.clone()),
            ("respCode", "00".to_owned()),
            ("respMsg", "成功[0000000]".to_owned()),
            ("settleAmt", claimed.to_string()),
            ("settleCurrencyCode", "156".to_owned()),
            ("settleDate", t[4..8].to_owned()),
            ("traceNo", digits(6)),
            ("traceTime", t[4..].to_owned()),
            ("accNo", "6216********0018".to_owned()),
            ("payType", "0001".to_owned()),
            ("payCardType", "01".to_owned()),
        ] {
            p.insert(k.to_owned(), v);
        }
        p
    }

    /// Keeps a signed notice to `url` under a new id.
    fn notice(&self, k: &Keys, url: &str, mut params: BTreeMap<String, String>) -> String {
        sign::sign_with_cert(&k.chain.sign_key, &k.chain.sign_pem, &mut params);
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

    /// Pays order `id` (unpaid, before its payTimeout); its back notice's id.
    fn pay(&self, id: &str, claimed: Option<i64>) -> Result<(Order, String), (StatusCode, String)> {
        let k = self
            .keys()
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        let paid = {
            let mut orders = lock(&self.orders);
            let o = orders.get_mut(id).ok_or((
                StatusCode::NOT_FOUND,
                "the customer has not opened this order at the cashier".to_owned(),
            ))?;
            if o.state != "unpaid" {
                return Err((StatusCode::CONFLICT, format!("the order is {}", o.state)));
            }
            if !o.pay_timeout.is_empty() && now() > o.pay_timeout {
                return Err((
                    StatusCode::CONFLICT,
                    "订单已超时 the order timed out".into(),
                ));
            }
            o.state = "paid".into();
            self.statements
                .took(&o.order_id, &o.query_id, o.txn_amt, "01");
            o.clone()
        };
        let params = self.payment_params(&paid, claimed.unwrap_or(paid.txn_amt));
        let nid = self.notice(&k, &paid.back_url, params);
        if let Some(o) = lock(&self.orders).get_mut(id) {
            o.notices.push(nid.clone());
        }
        Ok((paid, nid))
    }
}

type Emu = State<Arc<Emulator>>;

fn error_page(code: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>银联在线支付 - 错误</title><h1>银联在线支付（模拟）</h1><p id="error" data-code="{code}">交易失败 [{code}] {message}</p></html>"#,
            code = esc(code),
            message = esc(message)
        )),
    )
        .into_response()
}

/// `frontTransReq.do`: the signed consumption form, then the cashier.
async fn front_trans(State(e): Emu, Form(req): Form<BTreeMap<String, String>>) -> Response {
    if let Err((code, msg)) = e.authenticate(&req) {
        return error_page(code, msg);
    }
    let f = |k: &str| req.get(k).cloned().unwrap_or_default();
    let amount = f("txnAmt").parse::<i64>().unwrap_or(0);
    let id = f("orderId");
    let id_ok = (8..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if f("txnType") != "01"
        || f("bizType") != "000201"
        || f("currencyCode") != "156"
        || !id_ok
        || f("txnTime").len() != 14
        || amount <= 0
        || f("backUrl").is_empty()
    {
        return error_page("10", "报文格式错误");
    }
    let order = {
        let mut orders = lock(&e.orders);
        let o = orders.entry(id.clone()).or_insert_with(|| Order {
            order_id: id.clone(),
            txn_time: f("txnTime"),
            txn_amt: amount,
            pay_timeout: f("payTimeout"),
            channel_type: f("channelType"),
            back_url: f("backUrl"),
            front_url: f("frontUrl"),
            state: "unpaid".into(),
            // 21 digits, like the SDK sample's 201602141008032671528.
            query_id: format!("{}{}", &now()[2..], digits(9)),
            refunded: 0,
            notices: Vec::new(),
        });
        if o.txn_time != f("txnTime") || o.txn_amt != amount {
            // 订单号重复: the same orderId with another time or amount.
            return error_page("12", "重复交易");
        }
        o.clone()
    };
    let (state, button) = match order.state.as_str() {
        "unpaid" => (
            "待支付",
            format!(
                r#"<form method="post" action="{PREFIX}/cashier/{id}"><button id="pay">确认付款 Pay</button></form>"#,
                id = crate::payments::percent_encode(&id)
            ),
        ),
        _ => ("已支付", String::new()),
    };
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>银联在线支付</title>
<style>body{{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}}.amount{{font-size:2rem;color:#b4000e}}button{{font-size:1.1rem;padding:.6rem 1.4rem;background:#b4000e;color:#fff;border:0}}</style></head>
<body data-channel="{channel}"><h1>银联在线支付（模拟）<small>UnionPay, emulated</small></h1>
<p>开发环境专用，不会真实扣款。Development only: no money moves.</p>
<p>商户订单号 <code id="order">{id}</code></p>
<p class="amount">¥ <span id="amount">{amount}</span></p><p>状态 <span id="status">{state}</span></p>{button}</body></html>"#,
        channel = esc(&order.channel_type),
        id = esc(&id),
        amount = Fen(order.txn_amt).yuan_string(),
    ))
    .into_response()
}

/// The cashier's `#pay`: paid, the back notice sent, then the result page whose
/// `#return` posts the signed front notice to `frontUrl`.
async fn cashier_pay(State(e): Emu, UrlPath(id): UrlPath<String>) -> Response {
    let (order, nid) = match e.pay(&id, None) {
        Ok(x) => x,
        Err((status, message)) => return (status, message).into_response(),
    };
    e.send(&nid, 1).await;
    let Ok(k) = e.keys() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut front = e.payment_params(&order, order.txn_amt);
    sign::sign_with_cert(&k.chain.sign_key, &k.chain.sign_pem, &mut front);
    let inputs: String = front
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                esc(k),
                esc(v)
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>银联在线支付 - 支付成功</title></head>
<body><h1>支付成功 Paid</h1><p>¥ <span id="amount">{amount}</span></p>
<form method="post" action="{url}">{inputs}<button id="return">返回商户 Back to the merchant</button></form></body></html>"#,
        amount = Fen(order.txn_amt).yuan_string(),
        url = esc(&order.front_url),
    ))
    .into_response()
}

/// `queryTrans.do` (`txnType=00`): an order by `orderId` + `txnTime`.
async fn query_trans(State(e): Emu, Form(req): Form<BTreeMap<String, String>>) -> Response {
    let k = match e.authenticate(&req) {
        Ok(k) => k,
        Err((code, msg)) => return unsigned_refusal(code, msg),
    };
    let mut p = Emulator::common(&req);
    if req.get("txnType").map(String::as_str) != Some("00") {
        p.insert("respCode".into(), "10".into());
        p.insert("respMsg".into(), "报文格式错误[txnType]".into());
        return e.answer(&k, p);
    }
    let found = lock(&e.orders)
        .get(req.get("orderId").map(String::as_str).unwrap_or_default())
        .filter(|o| req.get("txnTime") == Some(&o.txn_time) && o.state != "unpaid")
        .cloned();
    match found {
        None => {
            p.insert("respCode".into(), "34".into());
            p.insert("respMsg".into(), "查无此交易[2600000]".into());
        }
        Some(o) => {
            p.insert("respCode".into(), "00".into());
            p.insert("respMsg".into(), "成功[0000000]".into());
            p.insert("origRespCode".into(), "00".into());
            p.insert("origRespMsg".into(), "成功[0000000]".into());
            p.insert("queryId".into(), o.query_id.clone());
            p.insert("txnAmt".into(), o.txn_amt.to_string());
            p.insert("settleAmt".into(), o.txn_amt.to_string());
            p.insert("currencyCode".into(), "156".into());
        }
    }
    e.answer(&k, p)
}

/// A request UnionPay cannot tie to a merchant is refused unsigned.
fn unsigned_refusal(code: &str, msg: &str) -> Response {
    let mut p = BTreeMap::new();
    p.insert("respCode".to_owned(), code.to_owned());
    p.insert("respMsg".to_owned(), msg.to_owned());
    sign::answer_string(&p).into_response()
}

/// `backTransReq.do`: a refund (退货, `txnType=04`) of a paid order by `origQryId`.
async fn back_trans(State(e): Emu, Form(req): Form<BTreeMap<String, String>>) -> Response {
    let k = match e.authenticate(&req) {
        Ok(k) => k,
        Err((code, msg)) => return unsigned_refusal(code, msg),
    };
    let mut p = Emulator::common(&req);
    let mut refuse = |code: &str, msg: &str| {
        p.insert("respCode".into(), code.into());
        p.insert("respMsg".into(), msg.into());
        e.answer(&k, p.clone())
    };
    let f = |k: &str| req.get(k).cloned().unwrap_or_default();
    if f("txnType") != "04" {
        return refuse("10", "报文格式错误[txnType]");
    }
    let (refund_id, amount) = (f("orderId"), f("txnAmt").parse::<i64>().unwrap_or(0));
    if refund_id.is_empty() || amount <= 0 || f("backUrl").is_empty() {
        return refuse("10", "报文格式错误");
    }
    if lock(&e.refunds).contains_key(&refund_id) {
        return refuse("12", "重复交易");
    }
    let (order, rid) = {
        let mut orders = lock(&e.orders);
        let Some(o) = orders
            .values_mut()
            .find(|o| o.query_id == f("origQryId") && o.state == "paid")
        else {
            return refuse("35", "原交易不存在或状态不正确");
        };
        if amount > o.txn_amt - o.refunded {
            return refuse("30", "退货金额超限");
        }
        o.refunded += amount;
        (o.clone(), format!("{}{}", &now()[2..], digits(9)))
    };
    lock(&e.refunds).insert(
        refund_id.clone(),
        RefundDone {
            order_id: order.order_id.clone(),
            amount,
        },
    );
    e.statements.took(&order.order_id, &rid, amount, "04");
    // The refund's back notice, a moment later.
    let mut n = Emulator::common(&req);
    for (key, v) in [
        ("queryId", rid.clone()),
        ("origQryId", order.query_id.clone()),
        ("txnAmt", amount.to_string()),
        ("currencyCode", "156".to_owned()),
        ("respCode", "00".to_owned()),
        ("respMsg", "成功[0000000]".to_owned()),
        ("settleAmt", amount.to_string()),
        ("settleDate", now()[4..8].to_owned()),
        ("traceNo", digits(6)),
        ("traceTime", now()[4..].to_owned()),
    ] {
        n.insert(key.to_owned(), v);
    }
    if let Some(r) = req.get("reqReserved") {
        n.insert("reqReserved".into(), r.clone());
    }
    let nid = e.notice(&k, &f("backUrl"), n);
    if let Some(o) = lock(&e.orders).get_mut(&order.order_id) {
        o.notices.push(nid.clone());
    }
    let me = Arc::clone(&e);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        me.send(&nid, 1).await;
    });
    p.insert("respCode".into(), "00".into());
    p.insert("respMsg".into(), "成功[0000000]".into());
    p.insert("queryId".into(), rid);
    p.insert("origQryId".into(), order.query_id);
    p.insert("txnAmt".into(), amount.to_string());
    e.answer(&k, p)
}

/// Paid on another device.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuyerPay {
    /// The merchant's order number.
    pub order_id: String,
    /// Copies of the notice, sent at once (default 1).
    #[serde(default)]
    pub copies: Option<u32>,
    /// Wait before sending (default 0: sent before answering).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Keep the notice until `/notices/{id}/send`.
    #[serde(default)]
    pub hold: bool,
    /// The amount the notice claims, in fen (default: the order's).
    #[serde(default)]
    pub txn_amt: Option<i64>,
}

async fn buyer_pay(State(e): Emu, axum::Json(req): axum::Json<BuyerPay>) -> Response {
    let (o, id) = match e.pay(&req.order_id, req.txn_amt) {
        Ok(x) => x,
        Err((status, message)) => return (status, message).into_response(),
    };
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
        "orderId": o.order_id,
        "queryId": o.query_id,
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

async fn order_get(State(e): Emu, UrlPath(id): UrlPath<String>) -> Response {
    let refunds: Vec<Value> = lock(&e.refunds)
        .iter()
        .filter(|(_, r)| r.order_id == id)
        .map(|(no, r)| json!({ "orderId": no, "txnAmt": r.amount }))
        .collect();
    match lock(&e.orders).get(&id) {
        Some(o) => {
            let mut v = json!(o);
            v["refunds"] = json!(refunds);
            axum::Json(v).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The emulator's routes (their own state, never the server's).
pub fn routes<S: Clone + Send + Sync + 'static>(e: Arc<Emulator>) -> Router<S> {
    Router::new()
        .route(
            &format!("{PREFIX}/gateway/api/frontTransReq.do"),
            post(front_trans),
        )
        .route(
            &format!("{PREFIX}/gateway/api/queryTrans.do"),
            post(query_trans),
        )
        .route(
            &format!("{PREFIX}/gateway/api/backTransReq.do"),
            post(back_trans),
        )
        .route(&format!("{PREFIX}/cashier/{{id}}"), post(cashier_pay))
        .route(&format!("{PREFIX}/buyer/pay"), post(buyer_pay))
        .route(&format!("{PREFIX}/notices/{{id}}"), get(notice_get))
        .route(&format!("{PREFIX}/notices/{{id}}/send"), post(notice_send))
        .route(&format!("{PREFIX}/orders/{{id}}"), get(order_get))
        .route(&format!("{PREFIX}/filedownload/"), post(file_transfer))
        .route(&format!("{PREFIX}/bill/edit"), post(bill_edit))
        .with_state(e)
}

/// What the emulator took (payments `01`, refunds `04`), for its daily files.
#[derive(Debug, Default)]
struct Statements {
    bills: crate::reconcile::emulated::Bills,
    taken: Mutex<Vec<Taken>>,
}

#[derive(Debug, Clone)]
struct Taken {
    /// `YYYYMMDDhhmmss`, Beijing time.
    at: String,
    order_id: String,
    query_id: String,
    amount: i64,
    txn_type: &'static str,
}

/// `YYYY-MM-DD hh:mm:ss` of a `YYYYMMDDhhmmss`.
fn dashed(t: &str) -> String {
    format!(
        "{}-{}-{} {}:{}:{}",
        &t[0..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..14]
    )
}

impl Statements {
    fn took(&self, order_id: &str, query_id: &str, amount: i64, txn_type: &'static str) {
        lock(&self.taken).push(Taken {
            at: now(),
            order_id: order_id.to_owned(),
            query_id: query_id.to_owned(),
            amount,
            txn_type,
        });
    }

    /// The ZM lines of `day` (`YYYY-MM-DD`), after the tests' edits.
    fn lines(&self, day: &str) -> Vec<String> {
        use crate::reconcile::emulated::PaidRow;
        use crate::reconcile::unionpay::{ZmRow, zm_line};
        let taken: Vec<Taken> = lock(&self.taken)
            .iter()
            .filter(|t| dashed(&t.at).starts_with(day))
            .cloned()
            .collect();
        let paid = taken
            .iter()
            .filter(|t| t.txn_type == "01")
            .map(|t| PaidRow {
                out_trade_no: t.order_id.clone(),
                trade_no: t.query_id.clone(),
                total_fen: t.amount,
                paid_at: dashed(&t.at),
            })
            .collect();
        let paid = self
            .bills
            .apply(day, paid, || format!("{}{}", &now()[2..], digits(9)));
        let mut rows: Vec<(String, &str, &str, i64, &str)> = paid
            .iter()
            .map(|p| {
                let t: String = p.paid_at.chars().filter(char::is_ascii_digit).collect();
                (
                    t,
                    p.trade_no.as_str(),
                    p.out_trade_no.as_str(),
                    p.total_fen,
                    "01",
                )
            })
            .collect();
        rows.extend(taken.iter().filter(|t| t.txn_type != "01").map(|t| {
            (
                t.at.clone(),
                t.query_id.as_str(),
                t.order_id.as_str(),
                t.amount,
                t.txn_type,
            )
        }));
        rows.sort();
        rows.iter()
            .map(|(at, query_id, order_id, amount, txn_type)| {
                zm_line(&ZmRow {
                    txn_time: at.get(4..14).unwrap_or_default(),
                    txn_amt: *amount,
                    query_id,
                    order_id,
                    txn_type,
                    mer_id: MER_ID,
                })
            })
            .collect()
    }
}

/// The latest day (Beijing time) that is `MMDD`, today or before.
fn settle_day(mmdd: &str) -> Option<time::Date> {
    if mmdd.len() != 4 || !mmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = time::Month::try_from(mmdd[..2].parse::<u8>().ok()?).ok()?;
    let day = mmdd[2..].parse::<u8>().ok()?;
    let today = crate::clock::from_ms(clock::now_ms())
        .to_offset(crate::reconcile::CST)
        .date();
    [today.year(), today.year() - 1]
        .into_iter()
        .filter_map(|y| time::Date::from_calendar_date(y, month, day).ok())
        .find(|d| *d <= today)
}

/// 文件传输类交易 (`txnType=76`, `fileType=00`): the zip of `settleDate`'s files as
/// `fileContent`, or `respCode=98` 文件不存在 when nothing was taken that day.
async fn file_transfer(State(e): Emu, Form(req): Form<BTreeMap<String, String>>) -> Response {
    let k = match e.authenticate(&req) {
        Ok(k) => k,
        Err((code, msg)) => return unsigned_refusal(code, msg),
    };
    let mut p = Emulator::common(&req);
    let f = |k: &str| req.get(k).map(String::as_str).unwrap_or_default();
    for key in ["settleDate", "fileType"] {
        p.insert(key.to_owned(), f(key).to_owned());
    }
    let mut refuse = |code: &str, msg: &str| {
        p.insert("respCode".into(), code.into());
        p.insert("respMsg".into(), msg.into());
        e.answer(&k, p.clone())
    };
    if f("txnType") != "76" || f("bizType") != "000000" || f("fileType") != "00" {
        return refuse("10", "报文格式错误");
    }
    let Some(day) = settle_day(f("settleDate")) else {
        return refuse("10", "报文格式错误[settleDate]");
    };
    let lines = e.statements.lines(&crate::reconcile::date_string(day));
    if lines.is_empty() {
        return refuse("98", "文件不存在");
    }
    let compact = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let Ok(content) = crate::reconcile::unionpay::file_content(&compact[2..], MER_ID, &lines)
    else {
        return refuse("01", "交易失败");
    };
    p.insert("fileContent".into(), content);
    p.insert("fileName".into(), format!("{MER_ID}_{compact}.zip"));
    p.insert("respCode".into(), "00".into());
    p.insert("respMsg".into(), "成功[0000000]".into());
    e.answer(&k, p)
}

async fn bill_edit(
    State(e): Emu,
    axum::Json(edit): axum::Json<crate::reconcile::emulated::BillEdit>,
) -> Response {
    e.statements.bills.edit(edit);
    StatusCode::NO_CONTENT.into_response()
}
