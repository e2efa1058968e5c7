//! The renewal as a browser + token drive it over HTTP, one request at a time:
//! challenge → session → challenge → apply → pay (the production Alipay provider signs
//! the cashier redirect) → the browser at the sandbox's Alipay emulator's cashier → the
//! buyer pays there and the emulator notifies → staff approve → challenge → CSR (binding signature) → challenge →
//! installed. Every answer is checked; a wrong one is an error.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hyper::Method;
use serde_json::{Value, json};

use crate::http::{Conn, Resp};
use crate::pki::{self, User};

/// A request kind, for per-kind latencies and costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// `POST /api/v1/challenges`.
    Challenge,
    /// `POST /api/v1/sessions` (login signature).
    Session,
    /// `POST /api/v1/renewals` (apply signature).
    Apply,
    /// `POST /api/v1/renewals/{no}/payments`.
    Pay,
    /// `GET /sandbox/alipay/gateway.do?method=alipay.trade.page.pay&…` (the attempt's
    /// pay URL): the Alipay emulator checks the RSA2 signature and opens the trade.
    Cashier,
    /// `POST /sandbox/alipay/buyer/pay {"out_trade_no"}`: the Alipay emulator pays, then
    /// posts its RSA2-signed notice to `/api/v1/payments/notify/alipay` and waits.
    Gateway,
    /// `POST /api/v1/admin/renewals/{no}/approve` (staff cookie + CSRF header).
    Approve,
    /// `POST /api/v1/renewals/{no}/csr` (binding signature): issuance.
    Csr,
    /// `POST /api/v1/renewals/{no}/installed` (new key's signature).
    Installed,
    /// `GET /api/v1/renewals/{no}`.
    Status,
    /// `GET /api/v1/ca`: no database, no session; the HTTP stack's floor.
    Floor,
}

impl Step {
    /// Its name in the results.
    pub fn name(self) -> &'static str {
        match self {
            Self::Challenge => "challenge",
            Self::Session => "session",
            Self::Apply => "apply",
            Self::Pay => "pay",
            Self::Cashier => "cashier",
            Self::Gateway => "gateway_buyer_pay",
            Self::Approve => "approve",
            Self::Csr => "csr",
            Self::Installed => "installed",
            Self::Status => "status",
            Self::Floor => "floor_get_ca",
        }
    }
}

/// What every worker shares.
pub struct Shared {
    /// The server's public origin (signatures are bound to it).
    pub origin: String,
    /// The reviewer's session cookie (`name=value`).
    pub staff_cookie: String,
    /// The reviewer's CSRF token.
    pub csrf: String,
    /// The project applied for.
    pub project: String,
    /// The application JSON, base64, and the SHA-256 hex of its bytes.
    pub application_b64: String,
    /// SHA-256 of the application bytes, hex.
    pub application_sha256: String,
}

impl Shared {
    /// With the test suite's application (12 months).
    pub fn new(origin: String, staff_cookie: String, csrf: String) -> Self {
        use base64::Engine as _;
        use sha2::Digest as _;
        let application = json!({
            "months": 12,
            "agreement_version": "2024.1",
            "operator": {"id_type": "resident_id", "id_number": "11010519491231002X", "name": "张三", "mobile": "13800138000", "email": "zhangsan@example.com"},
            "recipient": {"name": "张三", "mobile": "13800138000", "address": "广州市天河区体育西路1号"}
        })
        .to_string();
        Self {
            origin,
            staff_cookie,
            csrf,
            project: "gd-med".into(),
            application_b64: base64::engine::general_purpose::STANDARD
                .encode(application.as_bytes()),
            application_sha256: pki::hex(&sha2::Sha256::digest(application.as_bytes())),
        }
    }
}

/// One renewal in progress.
pub struct Renewal {
    /// Its token.
    pub user: Arc<User>,
    /// The user's session cookie.
    pub cookie: Option<String>,
    /// 业务单号.
    pub no: Option<String>,
    /// The payment attempt.
    pub out_trade_no: Option<String>,
    /// Its pay URL's path and query (the emulator's cashier, on the same server).
    pub pay_path: Option<String>,
    /// A challenge fetched ahead (for the issuance-only phase).
    pub challenge: Option<String>,
}

impl Renewal {
    /// Not started.
    pub fn new(user: Arc<User>) -> Self {
        Self {
            user,
            cookie: None,
            no: None,
            out_trade_no: None,
            pay_path: None,
            challenge: None,
        }
    }
}

/// Latencies (µs) per step, and errors.
#[derive(Default)]
pub struct Recorder {
    /// Latencies by step.
    pub latencies: BTreeMap<Step, Vec<u32>>,
    /// Errors by `step status` (status 0: transport).
    pub errors: BTreeMap<String, u64>,
    /// The first few error messages.
    pub samples: Vec<String>,
}

impl Recorder {
    /// Adds another recorder's figures.
    pub fn merge(&mut self, other: Recorder) {
        for (k, mut v) in other.latencies {
            self.latencies.entry(k).or_default().append(&mut v);
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for s in other.samples {
            if self.samples.len() < 10 {
                self.samples.push(s);
            }
        }
    }

    /// Errors in all.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Requests timed in all.
    pub fn request_count(&self) -> u64 {
        self.latencies.values().map(|v| v.len() as u64).sum()
    }

    fn error(&mut self, step: Step, status: u16, message: String) -> StepError {
        *self
            .errors
            .entry(format!("{} {status}", step.name()))
            .or_default() += 1;
        if self.samples.len() < 10 {
            self.samples
                .push(format!("{} {status}: {message}", step.name()));
        }
        StepError
    }

    /// Sends one request, times it, and checks its status.
    #[allow(clippy::too_many_arguments)]
    pub async fn call(
        &mut self,
        conn: &mut Conn,
        step: Step,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        csrf: Option<&str>,
        body: Option<Value>,
        want: u16,
    ) -> Result<Resp, StepError> {
        let body = body.map(|b| Bytes::from(serde_json::to_vec(&b).expect("JSON")));
        let start = Instant::now();
        let resp = conn.send(method, path, cookie, csrf, body).await;
        let us = u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX);
        self.latencies.entry(step).or_default().push(us);
        match resp {
            Ok(r) if r.status == want => Ok(r),
            Ok(r) => Err(self.error(step, r.status, r.snippet())),
            Err(e) => Err(self.error(step, 0, e.to_string())),
        }
    }

    /// Records a wrong answer that had the right status.
    pub fn wrong(&mut self, step: Step, message: String) -> StepError {
        self.error(step, 1, message)
    }
}

/// A failed step (already recorded).
#[derive(Debug)]
pub struct StepError;

fn field(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `POST /api/v1/challenges`.
pub async fn challenge(rec: &mut Recorder, conn: &mut Conn) -> Result<String, StepError> {
    let r = rec
        .call(
            conn,
            Step::Challenge,
            Method::POST,
            "/api/v1/challenges",
            None,
            None,
            Some(json!({})),
            200,
        )
        .await?;
    field(&r.json(), "/challenge").ok_or_else(|| rec.wrong(Step::Challenge, r.snippet()))
}

/// Signs in with the old certificate (a fresh challenge first).
pub async fn session(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let c = challenge(rec, conn).await?;
    session_with(rec, conn, s, r, &c).await
}

/// Signs in with challenge `c`.
pub async fn session_with(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
    c: &str,
) -> Result<(), StepError> {
    let sig = pki::sign(&r.user.key, "login", &s.origin, c, "");
    let body = json!({"certificate": r.user.cert_b64, "challenge": c, "signature": sig});
    let resp = rec
        .call(
            conn,
            Step::Session,
            Method::POST,
            "/api/v1/sessions",
            None,
            None,
            Some(body),
            200,
        )
        .await?;
    match resp.cookie {
        Some(c) if c.starts_with("certrenew_session=") => {
            r.cookie = Some(c);
            Ok(())
        }
        _ => Err(rec.wrong(Step::Session, "no session cookie".into())),
    }
}

/// Applies (a fresh challenge first).
pub async fn apply(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let c = challenge(rec, conn).await?;
    apply_with(rec, conn, s, r, &c).await
}

/// Applies with challenge `c`.
pub async fn apply_with(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
    c: &str,
) -> Result<(), StepError> {
    let sig = pki::sign(&r.user.key, "apply", &s.origin, c, &s.application_sha256);
    let body = json!({"project": s.project, "application": s.application_b64, "challenge": c, "signature": sig});
    let resp = rec
        .call(
            conn,
            Step::Apply,
            Method::POST,
            "/api/v1/renewals",
            r.cookie.as_deref(),
            None,
            Some(body),
            201,
        )
        .await?;
    let v = resp.json();
    match (field(&v, "/business_no"), field(&v, "/status")) {
        (Some(no), Some(st)) if st == "awaiting_payment" => {
            r.no = Some(no);
            Ok(())
        }
        _ => Err(rec.wrong(Step::Apply, resp.snippet())),
    }
}

/// Opens an online payment.
pub async fn pay(rec: &mut Recorder, conn: &mut Conn, r: &mut Renewal) -> Result<(), StepError> {
    let no = r.no.clone().unwrap_or_default();
    let body = json!({"method": "alipay", "invoice": {"kind": "electronic", "title": "测试医药有限公司", "taxpayer_id": "91350100M000100Y43"}});
    let resp = rec
        .call(
            conn,
            Step::Pay,
            Method::POST,
            &format!("/api/v1/renewals/{no}/payments"),
            r.cookie.as_deref(),
            None,
            Some(body),
            201,
        )
        .await?;
    let json = resp.json();
    let pay_path = field(&json, "/payment/pay_url")
        .and_then(|u| u.find("/sandbox/").map(|i| u[i..].to_owned()));
    match (field(&json, "/payment/out_trade_no"), pay_path) {
        (Some(t), Some(path)) => {
            r.out_trade_no = Some(t);
            r.pay_path = Some(path);
            Ok(())
        }
        _ => Err(rec.wrong(Step::Pay, resp.snippet())),
    }
}

/// The customer's browser follows the pay URL to the Alipay emulator's cashier (at
/// Alipay a trade exists only from then on).
pub async fn cashier(
    rec: &mut Recorder,
    conn: &mut Conn,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let path = r.pay_path.clone().unwrap_or_default();
    rec.call(
        conn,
        Step::Cashier,
        Method::GET,
        &path,
        None,
        None,
        None,
        200,
    )
    .await
    .map(|_| ())
}

/// The buyer pays at the Alipay emulator: it delivers one signed notice and answers
/// with the server's reply.
pub async fn gateway(
    rec: &mut Recorder,
    conn: &mut Conn,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let t = r.out_trade_no.clone().unwrap_or_default();
    let resp = rec
        .call(
            conn,
            Step::Gateway,
            Method::POST,
            "/sandbox/alipay/buyer/pay",
            None,
            None,
            Some(json!({"out_trade_no": t})),
            200,
        )
        .await?;
    let answers = resp.json().pointer("/answers").cloned();
    if answers == Some(json!([{"status": 200, "body": "success"}])) {
        Ok(())
    } else {
        Err(rec.wrong(Step::Gateway, resp.snippet()))
    }
}

/// A reviewer approves.
pub async fn approve(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let no = r.no.clone().unwrap_or_default();
    let resp = rec
        .call(
            conn,
            Step::Approve,
            Method::POST,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            Some(&s.staff_cookie),
            Some(&s.csrf),
            Some(json!({})),
            200,
        )
        .await?;
    if field(&resp.json(), "/status").as_deref() == Some("approved") {
        Ok(())
    } else {
        Err(rec.wrong(Step::Approve, resp.snippet()))
    }
}

/// Sends the CSR with the old key's binding signature (a fresh challenge first).
pub async fn csr(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let c = challenge(rec, conn).await?;
    csr_with(rec, conn, s, r, &c).await
}

/// Sends the CSR with challenge `c`.
pub async fn csr_with(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
    c: &str,
) -> Result<(), StepError> {
    let no = r.no.clone().unwrap_or_default();
    let binding = pki::sign(&r.user.key, "rekey", &s.origin, c, &r.user.csr_sha256);
    let body = json!({"csr": r.user.csr_b64, "binding_signature": binding, "challenge": c});
    csr_body(rec, conn, r, &no, body).await
}

/// Sends a prepared CSR request body.
pub async fn csr_body(
    rec: &mut Recorder,
    conn: &mut Conn,
    r: &Renewal,
    no: &str,
    body: Value,
) -> Result<(), StepError> {
    let resp = rec
        .call(
            conn,
            Step::Csr,
            Method::POST,
            &format!("/api/v1/renewals/{no}/csr"),
            r.cookie.as_deref(),
            None,
            Some(body),
            200,
        )
        .await?;
    if field(&resp.json(), "/certificate").is_some_and(|c| c.len() > 100) {
        Ok(())
    } else {
        Err(rec.wrong(Step::Csr, resp.snippet()))
    }
}

/// Confirms the install with the new key (a fresh challenge first).
pub async fn installed(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    let c = challenge(rec, conn).await?;
    installed_with(rec, conn, s, r, &c).await
}

/// Confirms the install with challenge `c`.
pub async fn installed_with(
    rec: &mut Recorder,
    conn: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
    c: &str,
) -> Result<(), StepError> {
    let no = r.no.clone().unwrap_or_default();
    let sig = pki::sign(&r.user.new_key, "installed", &s.origin, c, "");
    let body = json!({"challenge": c, "signature": sig});
    let resp = rec
        .call(
            conn,
            Step::Installed,
            Method::POST,
            &format!("/api/v1/renewals/{no}/installed"),
            r.cookie.as_deref(),
            None,
            Some(body),
            200,
        )
        .await?;
    if field(&resp.json(), "/status").as_deref() == Some("completed") {
        Ok(())
    } else {
        Err(rec.wrong(Step::Installed, resp.snippet()))
    }
}

/// The whole renewal, one request after another on `conn`, and on `gw` at the gateway.
pub async fn whole(
    rec: &mut Recorder,
    conn: &mut Conn,
    gw: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    session(rec, conn, s, r).await?;
    apply(rec, conn, s, r).await?;
    pay(rec, conn, r).await?;
    cashier(rec, gw, r).await?;
    gateway(rec, gw, r).await?;
    approve(rec, conn, s, r).await?;
    csr(rec, conn, s, r).await?;
    installed(rec, conn, s, r).await
}

/// Up to approval: what the issuance-only phase starts from.
pub async fn until_approved(
    rec: &mut Recorder,
    conn: &mut Conn,
    gw: &mut Conn,
    s: &Shared,
    r: &mut Renewal,
) -> Result<(), StepError> {
    session(rec, conn, s, r).await?;
    apply(rec, conn, s, r).await?;
    pay(rec, conn, r).await?;
    cashier(rec, gw, r).await?;
    gateway(rec, gw, r).await?;
    approve(rec, conn, s, r).await
}
