//! The expired-certificate path over real HTTP: SMS-code login (codes read from an SMS
//! webhook served by the test, as the notification tests do), the certificate, the
//! details matching its owner, the verification transfer (read from the sandbox
//! bank's statement), uploads typed by their bytes, the identity check (the sandbox
//! decides by the liveness token), then payment, review with the uploads, and the
//! install without a binding signature.

mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use common::{TestServer, User, b64, client, issue_new_key, sha256_hex};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ORG: &str = "测试医药有限公司";
const CREDIT: &str = "91350100M000100Y43";
const MOBILE: &str = "13800138000";
const ACCOUNT: &str = "6222021234567890";
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// The SMS webhook: records every `{to, text}` posted.
#[derive(Clone, Default)]
struct Sms(Arc<Mutex<Vec<(String, String)>>>);

impl Sms {
    async fn start() -> (Self, String) {
        let sms = Sms::default();
        let app = axum::Router::new()
            .route(
                "/sms",
                post(|State(s): State<Sms>, Json(v): Json<Value>| async move {
                    let to = v["to"].as_str().unwrap_or_default().to_owned();
                    let text = v["text"].as_str().unwrap_or_default().to_owned();
                    s.0.lock().unwrap().push((to, text));
                    "ok"
                }),
            )
            .with_state(sms.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (sms, url)
    }

    /// The newest code sent to `mobile`.
    fn code(&self, mobile: &str) -> String {
        let texts = self.0.lock().unwrap();
        let (_, text) = texts
            .iter()
            .rev()
            .find(|(to, _)| to == mobile)
            .expect("an SMS went to the number");
        let digits: Vec<char> = text.chars().collect();
        digits
            .windows(6)
            .find(|w| w.iter().all(char::is_ascii_digit))
            .map(|w| w.iter().collect())
            .expect("the SMS holds 6 digits")
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A server whose SMS go to the test's webhook.
struct Env {
    server: TestServer,
    sms: Sms,
    _config: tempfile::TempDir,
}

async fn env() -> Env {
    let (sms, url) = Sms::start().await;
    let config = tempfile::tempdir().unwrap();
    let path = config.path().join("certrenew.toml");
    std::fs::write(&path, format!("[notify]\nsms_webhook = \"{url}\"\n")).unwrap();
    let server = TestServer::start_with(&[("CERTRENEW_CONFIG", path.to_str().unwrap())]).await;
    Env {
        server,
        sms,
        _config: config,
    }
}

/// A certificate from the server's CA that expired `days_ago` days ago, for `subject`
/// (O unless empty, and optionally an OU), recorded in the CA's inventory.
fn expired_cert(server: &TestServer, org: &str, ou: Option<&str>, days_ago: i64) -> User {
    let ca_dir = server.dir.path().join("data").join("ca");
    let ca_key =
        KeyPair::from_pem(&std::fs::read_to_string(ca_dir.join("ca.key")).unwrap()).unwrap();
    let ca_pem = std::fs::read_to_string(ca_dir.join("ca.pem")).unwrap();
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key).unwrap();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    if !org.is_empty() {
        dn.push(DnType::OrganizationName, org);
    }
    if let Some(ou) = ou {
        dn.push(DnType::OrganizationalUnitName, ou);
    }
    dn.push(DnType::CommonName, "张三");
    params.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(400);
    params.not_after = now - time::Duration::days(days_ago);
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&common::rand_bytes(16)));
    let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();
    let facts = certinfo::facts(&der).unwrap();
    let blob = if server.db.is_postgres() {
        format!("decode('{}', 'hex')", common::hex(&der))
    } else {
        format!("X'{}'", common::hex(&der))
    };
    server.sql(&format!(
        "INSERT INTO certificates (sha256, serial, business_no, der, subject, not_before, not_after, status, issued_at) VALUES ('{}', '{}', NULL, {blob}, 'x', 0, {}, 'confirmed', 0)",
        facts.sha256,
        facts.serial_hex,
        facts.not_after.unix_timestamp()
    ));
    User { key, der }
}

fn serial(user: &User) -> String {
    certinfo::facts(&user.der).unwrap().serial_hex
}

async fn post_as(
    server: &TestServer,
    c: &reqwest::Client,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    server.post_as(c, path, body).await
}

/// Signs in `mobile` by SMS code with a fresh client.
async fn login(env: &Env, mobile: &str) -> reqwest::Client {
    let c = client();
    // A page asks whether it is signed in without a failure (200 either way).
    assert_eq!(current(env, &c).await, Value::Null, "no session yet");
    let (status, body) = post_as(
        &env.server,
        &c,
        "/api/v1/expired/sms-codes",
        json!({ "mobile": mobile }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = env.sms.code(mobile);
    let (status, body) = post_as(
        &env.server,
        &c,
        "/api/v1/expired/sessions",
        json!({ "mobile": mobile, "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let masked = current(env, &c).await;
    assert_eq!(
        masked.as_str().map(|m| m.contains("****")),
        Some(true),
        "{masked}"
    );
    assert_eq!(
        masked.as_str().map(|m| &m[m.len() - 4..]),
        Some(&mobile[7..])
    );
    c
}

/// `GET /sessions/current`'s `mobile`.
async fn current(env: &Env, c: &reqwest::Client) -> Value {
    let r = c
        .get(env.server.url("/api/v1/expired/sessions/current"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["mobile"].clone()
}

fn details(org: &str, credit: &str) -> Value {
    json!({
        "months": 24,
        "agreement_version": "2024.1",
        "organisation": { "name": org, "credit_code": credit },
        "legal_representative": { "name": "李四", "id_number": "11010519491231002X", "mobile": "13900139000" },
        "operator": { "id_type": "resident_id", "id_number": "11010519491231002X", "name": "张三", "mobile": MOBILE, "email": "zhangsan@example.com" },
        "recipient": { "name": "张三", "mobile": MOBILE, "address": "深圳市福田区深南大道1号" },
        "invoice": { "kind": "electronic", "title": org, "taxpayer_id": credit }
    })
}

fn app_path(no: &str, rest: &str) -> String {
    format!("/api/v1/expired/applications/{no}{rest}")
}

/// Starts an application for `user` by serial; returns its number.
async fn start(env: &Env, c: &reqwest::Client, user: &User) -> String {
    let (status, body) = post_as(
        &env.server,
        c,
        "/api/v1/expired/applications",
        json!({ "project": "gd-med", "serial": serial(user) }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "started");
    body["business_no"].as_str().unwrap().to_owned()
}

/// The newest remark the sandbox bank sent to `account`, and its code.
async fn bank_code(env: &Env, account: &str) -> String {
    let (status, list) = env
        .server
        .get_as(
            &env.server.client,
            &format!("/sandbox/bank/transfers?account_no={account}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let remark = list[0]["remark"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["amount_fen"], 1);
    remark[remark.len() - 6..].to_owned()
}

async fn send_transfer(
    env: &Env,
    c: &reqwest::Client,
    no: &str,
    account: &str,
) -> (StatusCode, Value) {
    post_as(
        &env.server,
        c,
        &app_path(no, "/bank-account"),
        json!({ "account_name": ORG, "bank": "中国工商银行深圳分行", "account_no": account }),
    )
    .await
}

async fn upload(
    env: &Env,
    c: &reqwest::Client,
    no: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> (StatusCode, Value) {
    let r = c
        .post(
            env.server
                .url(&app_path(no, &format!("/uploads?kind={kind}&name={name}"))),
        )
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// An application taken through details and bank verification.
async fn verified(env: &Env, c: &reqwest::Client, user: &User) -> String {
    let no = start(env, c, user).await;
    let (status, body) = post_as(
        &env.server,
        c,
        &app_path(&no, "/details"),
        details(ORG, CREDIT),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send_transfer(env, c, &no, ACCOUNT).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = bank_code(env, ACCOUNT).await;
    let (status, body) = post_as(
        &env.server,
        c,
        &app_path(&no, "/bank-account/verify"),
        json!({ "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "bank_verified");
    no
}

fn rule(body: &Value) -> &str {
    body["error"]["details"]["rule"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn sms_login_refuses_wrong_expired_and_overtried_codes() {
    let env = env().await;
    let s = &env.server;
    let c = client();
    // No session: 401.
    let (status, _) = s.get_as(&c, "/api/v1/expired/applications").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = post_as(
        s,
        &c,
        "/api/v1/expired/sms-codes",
        json!({ "mobile": "12345" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["field"], "mobile");

    let (status, body) = post_as(
        s,
        &c,
        "/api/v1/expired/sms-codes",
        json!({ "mobile": MOBILE }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["mobile"], "138****8000");
    let code = env.sms.code(MOBILE);
    assert_eq!(code.len(), 6);
    // Stored hashed: the code is nowhere in the table.
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM expired_sms_codes WHERE code_hash = '{code}' OR salt = '{code}'"
        )),
        0
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = post_as(
        s,
        &c,
        "/api/v1/expired/sessions",
        json!({ "mobile": MOBILE, "code": wrong }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(rule(&body), "sms_code.wrong");
    assert_eq!(body["error"]["details"]["tries_left"], 4);

    // Expired: the stored time is moved back, as the other expiry tests do.
    s.sql(&format!(
        "UPDATE expired_sms_codes SET expires_at = 1 WHERE mobile = '{MOBILE}'"
    ));
    let (status, body) = post_as(
        s,
        &c,
        "/api/v1/expired/sessions",
        json!({ "mobile": MOBILE, "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(rule(&body), "sms_code.expired");

    // Too many tries: after 5 wrong ones even the right code is refused.
    let (status, _) = post_as(
        s,
        &c,
        "/api/v1/expired/sms-codes",
        json!({ "mobile": MOBILE }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let code = env.sms.code(MOBILE);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let (status, body) = post_as(
            s,
            &c,
            "/api/v1/expired/sessions",
            json!({ "mobile": MOBILE, "code": wrong }),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["details"]["tries_left"], left);
    }
    let (status, body) = post_as(
        s,
        &c,
        "/api/v1/expired/sessions",
        json!({ "mobile": MOBILE, "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(rule(&body), "sms_code.too_many_tries");

    // A fresh code works, once, and opens the session.
    let (status, _) = post_as(
        s,
        &c,
        "/api/v1/expired/sms-codes",
        json!({ "mobile": MOBILE }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let code = env.sms.code(MOBILE);
    let (status, body) = post_as(
        s,
        &c,
        "/api/v1/expired/sessions",
        json!({ "mobile": MOBILE, "code": code }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, list) = s.get_as(&c, "/api/v1/expired/applications").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list, json!([]));
    let (status, body) = post_as(
        s,
        &client(),
        "/api/v1/expired/sessions",
        json!({ "mobile": MOBILE, "code": code }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a used code: {body}"
    );
    // Signing out ends the session at once.
    let r = c
        .post(s.url("/api/v1/expired/sessions/end"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = s.get_as(&c, "/api/v1/expired/applications").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(current(&env, &c).await, Value::Null, "signed out");
    assert_eq!(
        s.count("SELECT COUNT(*) FROM audit WHERE action = 'expired.sms_code_wrong'"),
        6
    );
}

#[tokio::test]
async fn sms_sends_are_limited_per_number_and_per_address() {
    let env = env().await;
    let s = &env.server;
    for _ in 0..5 {
        let (status, body) = s
            .post("/api/v1/expired/sms-codes", json!({ "mobile": MOBILE }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = s
        .post("/api/v1/expired/sms-codes", json!({ "mobile": MOBILE }))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert_eq!(rule(&body), "sms.per_mobile");
    assert_eq!(env.sms.count(), 5, "the refused one was not sent");
    // The same address, other numbers: 20 per hour in all.
    for i in 0..15 {
        let (status, body) = s
            .post(
                "/api/v1/expired/sms-codes",
                json!({ "mobile": format!("1390000{i:04}") }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{i}: {body}");
    }
    let (status, body) = s
        .post(
            "/api/v1/expired/sms-codes",
            json!({ "mobile": "13700000000" }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(rule(&body), "sms.per_client");
    // An hour later the number may ask again (the window is moved back in the table).
    s.sql("UPDATE expired_sms_codes SET created_at = created_at - 3600001");
    let (status, body) = s
        .post("/api/v1/expired/sms-codes", json!({ "mobile": MOBILE }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The path is in the OpenAPI document.
    let (_, doc) = s.get_as(&s.client, "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/expired/sms-codes",
        "/api/v1/expired/applications/{business_no}/uploads",
        "/api/v1/expired/applications/{business_no}/csr",
        "/api/v1/admin/expired/{business_no}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn the_certificate_must_be_ours_expired_and_not_revoked() {
    let env = env().await;
    let s = &env.server;
    let c = login(&env, MOBILE).await;
    let apps = "/api/v1/expired/applications";
    let (status, body) = post_as(s, &c, apps, json!({ "serial": "zz" })).await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "serial.format"),
        "{body}"
    );
    let (status, body) = post_as(s, &c, apps, json!({ "serial": "0a1b2c3d" })).await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "serial.unknown"),
        "{body}"
    );
    let (status, body) = post_as(s, &c, apps, json!({})).await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "certificate.missing"),
        "{body}"
    );

    // Still valid for a year: the on-time path is the way.
    let valid = s.user("张三", 365);
    let (status, body) = post_as(s, &c, apps, json!({ "certificate": b64(&valid.der) })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "NOT_ELIGIBLE");
    assert_eq!(rule(&body), "certificate.not_expired");
    // Expiring within 3 days: accepted (read from the token).
    let nearly = s.user("张三", 2);
    let (status, body) = post_as(
        s,
        &c,
        apps,
        json!({ "project": "gd-med", "certificate": b64(&nearly.der) }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Not ours: a self-made certificate.
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::OrganizationName, ORG);
    let foreign = params.self_signed(&key).unwrap().der().to_vec();
    let (status, body) = post_as(s, &c, apps, json!({ "certificate": b64(&foreign) })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("UNKNOWN_ISSUER")),
        "{body}"
    );

    // Revoked.
    let revoked = expired_cert(s, ORG, None, 10);
    let (ok, _, err) = s.cli(&[
        "admin",
        "revoke",
        "--serial",
        &serial(&revoked),
        "--reason",
        "key compromise",
    ]);
    assert!(ok, "{err}");
    let (status, body) = post_as(s, &c, apps, json!({ "serial": serial(&revoked) })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CERTIFICATE_REVOKED")),
        "{body}"
    );

    // Expired, by serial (typed with colons and capitals): accepted; again → the same one.
    let user = expired_cert(s, ORG, None, 30);
    let typed = serial(&user)
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let (status, first) = post_as(s, &c, apps, json!({ "serial": typed })).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["certificate"]["serial"], serial(&user));
    assert_eq!(first["next_step"], "details");
    let no = first["business_no"].as_str().unwrap();
    assert_eq!(no.len(), 17);
    let (status, again) = post_as(s, &c, apps, json!({ "certificate": b64(&user.der) })).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["business_no"], no);
    // Another number may start its own (starting proves nothing, so holds nothing:
    // see `an_unproven_application_does_not_hold_the_certificate`), but not see this one.
    let other = login(&env, "13911112222").await;
    let (status, body) = post_as(s, &other, apps, json!({ "serial": serial(&user) })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_ne!(body["business_no"], no);
    let (status, _) = s.get_as(&other, &app_path(no, "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = 'expired.started'"
        )),
        1
    );
}

/// Starting an application proves nothing about the company, so it holds nothing:
/// a number that merely started (or squats on) an application cannot keep the real
/// applicant out. The first to verify the company's bank account takes the
/// certificate; the unproven applications are closed; later numbers are refused.
#[tokio::test]
async fn an_unproven_application_does_not_hold_the_certificate() {
    let env = env().await;
    let s = &env.server;
    let user = expired_cert(s, ORG, None, 30);
    let squatter = login(&env, "13911112222").await;
    let squatted = start(&env, &squatter, &user).await;
    let (status, body) = post_as(
        s,
        &squatter,
        &app_path(&squatted, "/details"),
        details(ORG, CREDIT),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The company's operator starts anyway and proves the account.
    let owner = login(&env, MOBILE).await;
    let no = verified(&env, &owner, &user).await;
    assert_ne!(no, squatted);
    let (_, body) = s.get_as(&squatter, &app_path(&squatted, "")).await;
    assert_eq!(body["status"], "cancelled", "{body}");
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE subject = '{squatted}' AND actor = 'system:superseded'"
        )),
        1
    );
    // Now it is held: neither the squatter nor anyone else starts again.
    for c in [&squatter, &login(&env, "13922223333").await] {
        let (status, body) = post_as(
            s,
            c,
            "/api/v1/expired/applications",
            json!({ "serial": serial(&user) }),
        )
        .await;
        assert_eq!(
            (status, rule(&body)),
            (StatusCode::CONFLICT, "certificate.held"),
            "{body}"
        );
    }
    // The holder's own start gives its application back.
    let (status, body) = post_as(
        s,
        &owner,
        "/api/v1/expired/applications",
        json!({ "serial": serial(&user) }),
    )
    .await;
    assert_eq!(
        (status, body["business_no"].as_str()),
        (StatusCode::OK, Some(no.as_str()))
    );
    // A proven application idle for 30 days lets the next one in.
    s.sql(&format!(
        "UPDATE expired_applications SET updated_at = updated_at - {} WHERE business_no = '{no}'",
        31_i64 * 24 * 3600 * 1000
    ));
    let late = login(&env, "13933334444").await;
    let taken = start(&env, &late, &user).await;
    let (_, body) = s.get_as(&late, &app_path(&taken, "")).await;
    assert_eq!(body["status"], "started");
}

#[tokio::test]
async fn details_must_match_the_certificates_owner() {
    let env = env().await;
    let s = &env.server;
    let c = login(&env, MOBILE).await;
    // The certificate carries the credit code in OU, after a prefix.
    let user = expired_cert(
        s,
        "测试医药（深圳）有限公司",
        Some(&format!("USCC:{CREDIT}")),
        30,
    );
    let no = start(&env, &c, &user).await;
    let path = app_path(&no, "/details");

    let (status, body) = post_as(s, &c, &path, details("另一家医药有限公司", CREDIT)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "VALIDATION_FAILED");
    assert_eq!(body["error"]["details"]["field"], "organisation.name");
    assert_eq!(rule(&body), "organisation.name_mismatch");

    let other_code = "91440300MA5DC7XK3E";
    let (status, body) = post_as(s, &c, &path, details("测试医药(深圳)有限公司", other_code)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let rules: Vec<&str> = body["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"organisation.credit_code_mismatch"),
        "{body}"
    );

    // Shape rules, all at once, in form order.
    let mut bad = details("测试医药(深圳)有限公司", CREDIT);
    bad["legal_representative"]["id_number"] = json!("110105194912310021");
    bad["organisation"]["credit_code"] = json!("91350100M000100Y44");
    bad["months"] = json!(7);
    bad["invoice"]["kind"] = json!("none");
    let (status, body) = post_as(s, &c, &path, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"invoice.kind"), "{body}");
    assert_eq!(
        &fields[..3],
        [
            "months",
            "organisation.credit_code",
            "legal_representative.id_number"
        ],
        "{body}"
    );

    // Full-width brackets match the certificate's; the details are saved.
    let (status, body) = post_as(s, &c, &path, details("测试医药(深圳)有限公司", CREDIT)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "details_saved");
    assert_eq!(body["next_step"], "bank_account");

    // A certificate without an organisation cannot take this path.
    let personal = expired_cert(s, "", None, 30);
    let no = start(&env, &c, &personal).await;
    let (status, body) = post_as(s, &c, &app_path(&no, "/details"), details(ORG, CREDIT)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        matches!(
            rule(&body),
            "organisation.not_in_certificate" | "organisation.name_mismatch"
        ),
        "{body}"
    );
}

#[tokio::test]
async fn bank_verification_wrong_code_too_many_tries_and_resend() {
    let env = env().await;
    let s = &env.server;
    let c = login(&env, MOBILE).await;
    let user = expired_cert(s, ORG, None, 30);
    let no = start(&env, &c, &user).await;
    let verify = app_path(&no, "/bank-account/verify");
    // Before the details: no transfer.
    let (status, _) = send_transfer(&env, &c, &no, ACCOUNT).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = post_as(s, &c, &app_path(&no, "/details"), details(ORG, CREDIT)).await;
    assert_eq!(status, StatusCode::OK);
    // The account must be the organisation's, and 8 to 32 digits.
    let (status, body) = post_as(
        s,
        &c,
        &app_path(&no, "/bank-account"),
        json!({ "account_name": "别的公司", "bank": "工行", "account_no": ACCOUNT }),
    )
    .await;
    assert_eq!(
        (status, rule(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "bank_account.name_mismatch"
        ),
        "{body}"
    );
    let (status, body) = send_transfer(&env, &c, &no, "1234").await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bank_account.format"),
        "{body}"
    );

    let wrong_account = "6222029999999999";
    let (status, body) = send_transfer(&env, &c, &no, wrong_account).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "transfer_sent");
    assert_eq!(body["transfer"]["account_no"], "****9999");
    let first = bank_code(&env, wrong_account).await;
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM expired_transfers WHERE code_hash LIKE '%{first}%'"
        )),
        0,
        "the code is kept hashed"
    );
    let wrong = if first == "AAAAAA" {
        "BBBBBB"
    } else {
        "AAAAAA"
    };
    let (status, body) = post_as(s, &c, &verify, json!({ "code": wrong })).await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bank_code.wrong"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["tries_left"], 4);

    // Corrected account, sent again: the first code no longer works.
    let (status, body) = send_transfer(&env, &c, &no, ACCOUNT).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = bank_code(&env, ACCOUNT).await;
    if first != second {
        let (status, body) = post_as(s, &c, &verify, json!({ "code": first })).await;
        assert_eq!(
            (status, rule(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "bank_code.wrong"),
            "{body}"
        );
    }
    // Five wrong tries lock the transfer; the right code then fails too.
    let wrong = if second == "AAAAAA" {
        "BBBBBB"
    } else {
        "AAAAAA"
    };
    let mut last = (StatusCode::OK, Value::Null);
    for _ in 0..5 {
        last = post_as(s, &c, &verify, json!({ "code": wrong })).await;
        if last.0 == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(
        (last.0, rule(&last.1)),
        (StatusCode::TOO_MANY_REQUESTS, "bank_code.too_many_tries"),
        "{}",
        last.1
    );
    let (status, _) = post_as(s, &c, &verify, json!({ "code": second })).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a locked transfer takes no code"
    );

    // Re-sent: five transfers per application at most.
    for _ in 0..3 {
        let (status, body) = send_transfer(&env, &c, &no, ACCOUNT).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = send_transfer(&env, &c, &no, ACCOUNT).await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "bank_transfer.too_many"),
        "{body}"
    );
    assert_eq!(
        s.count(&format!(
            "SELECT COUNT(*) FROM expired_transfers WHERE business_no = '{no}'"
        )),
        5
    );
    // The latest code, typed in any case, verifies.
    let third = bank_code(&env, ACCOUNT).await;
    let (status, body) = post_as(s, &c, &verify, json!({ "code": third.to_lowercase() })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "bank_verified");
    assert_eq!(body["next_step"], "form");
    // One before the re-send, five on the second transfer (the first code among them).
    assert_eq!(s.count(&format!("SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = 'expired.bank_code_wrong'")), 6);
}

#[tokio::test]
async fn uploads_are_typed_by_their_bytes_and_stored_once() {
    let env = env().await;
    let s = &env.server;
    let c = login(&env, MOBILE).await;
    let user = expired_cert(s, ORG, None, 30);
    let no = verified(&env, &c, &user).await;

    let (status, form) = s.get_as(&c, &app_path(&no, "/form")).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert_eq!(form["business_no"], no);
    assert_eq!(form["qr_text"], no);
    assert_eq!(form["details"]["organisation"]["name"], ORG);
    assert_eq!(form["bank_account"]["account_no"], ACCOUNT);
    assert_eq!(form["total_fen"], 20_000);

    // A renamed executable, whatever the name and header say.
    let elf = [b"\x7FELF\x02\x01\x01\0".as_slice(), &[0u8; 200]].concat();
    let (status, body) = upload(&env, &c, &no, "form", "scan.pdf", elf, "application/pdf").await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "upload.type"),
        "{body}"
    );
    let pe = [b"MZ\x90\0".as_slice(), &[0u8; 200]].concat();
    let (status, body) = upload(&env, &c, &no, "form", "scan.png", pe, "image/png").await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "upload.type"),
        "{body}"
    );
    // Too large (a PDF of 5 MiB and a byte).
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    big.extend_from_slice(b"\n%%EOF\n");
    let (status, body) = upload(&env, &c, &no, "form", "big.pdf", big, "application/pdf").await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "upload.too_large"),
        "{body}"
    );
    assert_eq!(s.count("SELECT COUNT(*) FROM expired_uploads"), 0);

    // A real small PDF, named anything: accepted and typed from its bytes.
    let (status, body) = upload(
        &env,
        &c,
        &no,
        "form",
        "scan.bin",
        PDF.to_vec(),
        "application/octet-stream",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["media_type"], "application/pdf");
    assert_eq!(body["sha256"], sha256_hex(PDF));
    let (_, app) = s.get_as(&c, &app_path(&no, "")).await;
    assert_eq!(app["status"], "form_uploaded");
    // A real scan is larger than the API's 64 KiB JSON limit: 4 MiB goes through.
    let mut scan = PNG.to_vec();
    scan.resize(4 * 1024 * 1024, 0);
    let (status, body) = upload(&env, &c, &no, "form", "scan.png", scan.clone(), "image/png").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["size"].as_i64(), body["media_type"].as_str()),
        (Some(4 * 1024 * 1024), Some("image/png"))
    );
    // ID photos are images: a PDF is refused there; a PNG is taken, twice stored once.
    let (status, body) = upload(
        &env,
        &c,
        &no,
        "id_front",
        "front.pdf",
        PDF.to_vec(),
        "application/pdf",
    )
    .await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "upload.not_an_image"),
        "{body}"
    );
    for kind in ["id_front", "id_back"] {
        let (status, body) =
            upload(&env, &c, &no, kind, "photo.png", PNG.to_vec(), "image/png").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["media_type"], "image/png");
    }
    let stored = s.dir.path().join("data").join("uploads");
    let files: Vec<_> = walk(&stored);
    assert_eq!(files.len(), 3, "one PDF, one scan, one PNG: {files:?}");
    let png_path = stored.join(&sha256_hex(PNG)[..2]).join(sha256_hex(PNG));
    assert_eq!(std::fs::read(png_path).unwrap(), PNG);
    // ID photos and forms are readable by the server's user only.
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for f in &files {
            assert_eq!(mode(f), 0o600, "{f:?} is {:o}", mode(f));
            assert_eq!(mode(f.parent().unwrap()), 0o700, "{f:?}'s folder");
        }
        assert_eq!(mode(&stored), 0o700, "the uploads folder");
    }
    // At most 20 files per application (4 so far).
    for _ in 0..16 {
        let (status, body) = upload(
            &env,
            &c,
            &no,
            "id_back",
            "again.png",
            PNG.to_vec(),
            "image/png",
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = upload(
        &env,
        &c,
        &no,
        "id_back",
        "more.png",
        PNG.to_vec(),
        "image/png",
    )
    .await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "upload.too_many"),
        "{body}"
    );
    assert_eq!(walk(&stored).len(), 3, "the same bytes are stored once");
    let (status, body) = upload(&env, &c, &no, "selfie", "x.png", PNG.to_vec(), "image/png").await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "upload.kind"),
        "{body}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// An application up to its uploads (form and ID photos).
async fn uploaded(env: &Env, c: &reqwest::Client, user: &User) -> String {
    let no = verified(env, c, user).await;
    let (status, body) = upload(
        env,
        c,
        &no,
        "form",
        "form.pdf",
        PDF.to_vec(),
        "application/pdf",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for kind in ["id_front", "id_back"] {
        let (status, body) = upload(env, c, &no, kind, "p.png", PNG.to_vec(), "image/png").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    no
}

#[tokio::test]
async fn a_failed_identity_check_is_recorded_and_shown() {
    let env = env().await;
    let s = &env.server;
    let c = login(&env, MOBILE).await;
    let user = expired_cert(s, ORG, None, 30);
    let no = uploaded(&env, &c, &user).await;
    let path = app_path(&no, "/identity");
    // The liveness check starts on the provider's page, which leads back to the
    // application with the token (the sandbox's page offers both outcomes).
    let (status, body) = post_as(s, &c, &app_path(&no, "/liveness"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["url"].as_str().expect("a url").to_owned();
    assert_eq!(url, format!("/sandbox/liveness/{no}"));
    let page = client().get(s.url(&url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/expired/{no}?liveness_token=pass\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/expired/{no}?liveness_token=fail%3A")),
        "{html}"
    );
    let bad = client()
        .get(s.url("/sandbox/liveness/%3Cscript%3E"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        StatusCode::NOT_FOUND,
        "only a business number goes into the page"
    );
    // Submitting before the check: refused by the step table.
    let (status, body) = post_as(s, &c, &app_path(&no, "/submit"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (status, body) = post_as(
        s,
        &c,
        &path,
        json!({ "liveness_token": "fail:人脸与身份证照片不一致" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "form_uploaded");
    assert_eq!(body["identity_checks"][0]["outcome"], "failed");
    assert_eq!(
        body["identity_checks"][0]["reason"],
        "人脸与身份证照片不一致"
    );
    assert_eq!(body["next_step"], "identity");
    assert_eq!(s.count(&format!("SELECT COUNT(*) FROM audit WHERE subject = '{no}' AND action = 'expired.identity_failed'")), 1);

    let (status, body) = post_as(s, &c, &path, json!({ "liveness_token": "pass" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "identity_verified");
    let outcomes: Vec<&str> = body["identity_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "passed"], "the failure stays listed");
    let (status, _) = post_as(s, &c, &path, json!({ "liveness_token": "pass" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "checked already");
    let (status, _) = post_as(s, &c, &app_path(&no, "/liveness"), json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no liveness check once verified"
    );

    // Five checks per application at most (each costs the CA).
    let other = expired_cert(s, ORG, None, 40);
    let no = uploaded(&env, &c, &other).await;
    let path = app_path(&no, "/identity");
    for _ in 0..5 {
        let (status, body) = post_as(s, &c, &path, json!({ "liveness_token": "fail" })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = post_as(s, &c, &path, json!({ "liveness_token": "pass" })).await;
    assert_eq!(
        (status, rule(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "identity.too_many"),
        "{body}"
    );
}

#[tokio::test]
async fn the_whole_path_installs_without_binding_signature_only_after_review() {
    let env = env().await;
    let s = &env.server;
    let c = login(&env, MOBILE).await;
    let user = expired_cert(s, ORG, Some(CREDIT), 30);
    let no = uploaded(&env, &c, &user).await;
    let (status, body) = post_as(
        s,
        &c,
        &app_path(&no, "/identity"),
        json!({ "liveness_token": "pass" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = post_as(s, &c, &app_path(&no, "/submit"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["application"]["status"], "submitted");
    assert_eq!(body["renewal"]["status"], "awaiting_payment");
    assert_eq!(body["renewal"]["business_no"], no);
    assert_eq!(body["renewal"]["total_fen"], 20_000);
    assert_eq!(body["renewal"]["application"]["path"], "expired");

    // Before review, no CSR on this path.
    let csr = |key: &KeyPair| {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "anything");
        params.serialize_request(key).unwrap().der().to_vec()
    };
    let new_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let (status, body) = post_as(
        s,
        &c,
        &app_path(&no, "/csr"),
        json!({ "csr": b64(&csr(&new_key)) }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("ILLEGAL_TRANSITION")),
        "{body}"
    );

    // Pay with the on-time path's endpoint (the submit opened the certificate session).
    let out_trade_no = s.pay(&c, &no).await;
    s.gateway(&out_trade_no, "paid", 1, 0).await;
    assert_eq!(s.renewal(&c, &no).await["status"], "in_review");
    let (status, body) = post_as(
        s,
        &c,
        &app_path(&no, "/csr"),
        json!({ "csr": b64(&csr(&new_key)) }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "in review: {body}");

    // The reviewer sees the uploads and downloads them.
    let reviewer = s.staff("reviewer1", "reviewer").await;
    let (status, view) = s
        .get_as(&reviewer.0, &format!("/api/v1/admin/expired/{no}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["application"]["uploads"].as_array().unwrap().len(), 3);
    assert_eq!(view["transfers"][0]["status"], "verified");
    assert_eq!(
        view["application"]["identity_checks"][0]["outcome"],
        "passed"
    );
    let url = view["download_urls"][0].as_str().unwrap();
    let r = reviewer.0.get(s.url(url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    let (status, list) = s
        .get_as(
            &reviewer.0,
            "/api/v1/admin/expired?status=submitted&q=138001",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list[0]["business_no"], no);
    assert_eq!(list[0]["renewal_status"], "in_review");
    let (status, none) = s.get_as(&reviewer.0, "/api/v1/admin/expired?q=%25_").await;
    assert_eq!(
        (status, none),
        (StatusCode::OK, json!([])),
        "wildcards are literal"
    );
    let (status, _) = s.get_as(&c, &format!("/api/v1/admin/expired/{no}")).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "customers do not see the console"
    );
    let (status, _) = s
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Approved: a new key's CSR with no binding signature is issued.
    let (status, issued) = post_as(
        s,
        &c,
        &app_path(&no, "/csr"),
        json!({ "csr": b64(&csr(&new_key)) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let der = common::unb64(&issued["certificate"]);
    let facts = certinfo::facts(&der).unwrap();
    assert_eq!(
        facts.subject,
        certinfo::facts(&user.der).unwrap().subject,
        "the old subject, byte for byte"
    );
    let renewal = s.renewal(&c, &no).await;
    assert_eq!(renewal["status"], "issued");
    // Confirmed on the token with the on-time endpoint and the NEW key.
    let challenge = s.challenge().await;
    let tbs = format!("certrenew-v1\ninstalled\n{}\n{challenge}\n\n", s.origin);
    let sig = common::sign_with(&new_key, tbs.as_bytes());
    let (status, done) = post_as(
        s,
        &c,
        &format!("/api/v1/renewals/{no}/installed"),
        json!({ "challenge": challenge, "signature": b64(&sig) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    let actions: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "expired.started",
        "expired.bank_verified",
        "expired.form_uploaded",
        "expired.identity_passed",
        "expired.submitted",
        "renewal.submitted",
        "renewal.paid",
        "renewal.approved",
        "renewal.issued",
        "renewal.completed",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let issued_row = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "renewal.issued")
        .unwrap();
    assert_eq!(issued_row["detail"]["binding_signature"], false);
    assert_eq!(issued_row["detail"]["path"], "expired");
    let (_, verify) = s.get_as(&reviewer.0, "/api/v1/admin/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify}");

    // The on-time path still requires the binding signature, and is not this path.
    let ontime = s.user("王五", 30);
    let oc = s.login(&ontime).await;
    let (status, body) = s.apply(&oc, &ontime, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ono = body["business_no"].as_str().unwrap().to_owned();
    let paid = s.pay(&oc, &ono).await;
    s.gateway(&paid, "paid", 1, 0).await;
    let (status, _) = s
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{ono}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post_as(
        s,
        &c,
        &app_path(&ono, "/csr"),
        json!({ "csr": b64(&csr(&new_key)) }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an on-time renewal has no expired-path application: {body}"
    );
    let challenge = s.challenge().await;
    let (status, body) = post_as(
        s,
        &oc,
        &format!("/api/v1/renewals/{ono}/csr"),
        json!({ "csr": b64(&csr(&new_key)), "challenge": challenge }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no binding signature: {body}"
    );
    let challenge = s.challenge().await;
    let (status, body) = post_as(s, &oc, &format!("/api/v1/renewals/{ono}/csr"), json!({ "csr": b64(&csr(&new_key)), "binding_signature": b64(&[0x30, 0x00]), "challenge": challenge })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("SIGNATURE_INVALID")),
        "{body}"
    );
    let (_, status, body) = issue_new_key(s, &oc, &ontime, &ono).await;
    assert_eq!(status, StatusCode::OK, "with the binding signature: {body}");
}
