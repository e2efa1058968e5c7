//! The whole renewal over real HTTP on loopback, with a software key standing in for
//! the token: challenge → session → apply → pay in the sandbox → approve → CSR →
//! issue → installed; and its main side paths.

mod common;

use std::process::Command;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_whole_renewal() {
    let server = TestServer::start().await;
    let user = server.user("张三", 30);
    let client = server.login(&user).await;

    let (status, renewal) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{renewal}");
    let no = renewal["business_no"].as_str().unwrap().to_owned();
    assert_eq!(no.len(), 17);
    assert!(no.starts_with("01"));
    assert_eq!(renewal["stage"], "pay");
    assert_eq!(renewal["status"], "awaiting_payment");
    assert_eq!(renewal["total_fen"], 10_000);
    assert_eq!(renewal["total_display"], "¥100.00");
    assert_eq!(renewal["subject"], "CN=张三,O=测试医药有限公司,C=CN");

    let out_trade_no = server.pay(&client, &no).await;
    let answers = server.gateway(&out_trade_no, "paid", 1, 0).await;
    assert_eq!(answers["answers"], json!(["success"]));
    let renewal = server.renewal(&client, &no).await;
    assert_eq!(renewal["status"], "in_review");
    assert_eq!(renewal["stage"], "review");
    assert_eq!(renewal["payments"][0]["status"], "paid");
    assert_eq!(renewal["invoice"]["taxpayer_id"], "91350100M000100Y43");

    let reviewer = server.staff("li.reviewer", "reviewer").await;
    let (status, body) = server
        .staff_post(
            &reviewer,
            &format!("/api/v1/admin/renewals/{no}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");
    assert_eq!(body["stage"], "install");

    let (new_key, status, issued) = issue_new_key(&server, &client, &user, &no).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let cert = unb64(&issued["certificate"]);

    // openssl verifies the chain, and notAfter is the old notAfter plus 12 months.
    let dir = server.dir.path();
    std::fs::write(dir.join("new.der"), &cert).unwrap();
    let ca_pem: String = issued["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| pem::encode(&pem::Pem::new("CERTIFICATE", unb64(c))))
        .collect();
    std::fs::write(dir.join("chain.pem"), ca_pem).unwrap();
    let pem_cert = pem::encode(&pem::Pem::new("CERTIFICATE", cert.clone()));
    std::fs::write(dir.join("new.pem"), pem_cert).unwrap();
    let verify = Command::new("openssl")
        .args(["verify", "-x509_strict", "-CAfile"])
        .arg(dir.join("chain.pem"))
        .arg(dir.join("new.pem"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let old = x509(&user.der);
    let new = x509(&cert);
    assert_eq!(new.subject, old.subject, "subject copied");
    let expected = old
        .not_after
        .replace_date(add_months(old.not_after.date(), 12));
    assert_eq!(new.not_after, expected);

    // The confirmation by the new key completes the renewal.
    let challenge = server.challenge().await;
    let tbs = format!(
        "certrenew-v1\ninstalled\n{}\n{challenge}\n\n",
        server.origin
    );
    let sig = sign_with(&new_key, tbs.as_bytes());
    let (status, done) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/installed"),
            json!({"challenge": challenge, "signature": b64(&sig)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["stage"], "done");
    assert_eq!(done["certificate"]["status"], "confirmed");
    let actions: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "renewal.submitted",
            "payment.started",
            "payment.paid",
            "renewal.paid",
            "renewal.approved",
            "renewal.issued",
            "renewal.completed"
        ]
    );

    // Notifications were queued for each step, in both channels.
    let emails = server.sql("SELECT template FROM outbox WHERE channel = 'email' ORDER BY id");
    assert_eq!(
        emails.lines().collect::<Vec<_>>(),
        ["submitted", "paid", "approved", "completed"]
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'"),
        4
    );
    let (ok, out, _) = server.cli(&["audit", "verify"]);
    assert!(ok, "{out}");
}

struct Facts {
    subject: Vec<u8>,
    not_after: time::OffsetDateTime,
}

fn x509(der: &[u8]) -> Facts {
    let facts = certinfo::facts(der).unwrap();
    Facts {
        subject: facts.subject_der,
        not_after: facts.not_after,
    }
}

fn add_months(date: time::Date, months: u32) -> time::Date {
    protocol::validity::months_added(date, months).unwrap()
}

#[tokio::test]
async fn signatures_are_bound_to_origin_purpose_and_challenge() {
    let server = TestServer::start().await;
    let user = server.user("李四", 30);
    let stranger = server.user("王五", 30);
    let cases = [
        ("forged (another key)", {
            let c = server.challenge().await;
            (c.clone(), stranger.sign("login", &server.origin, &c, ""))
        }),
        ("made for another origin", {
            let c = server.challenge().await;
            (
                c.clone(),
                user.sign("login", "https://evil.example", &c, ""),
            )
        }),
        ("made for another purpose", {
            let c = server.challenge().await;
            (c.clone(), user.sign("apply", &server.origin, &c, ""))
        }),
    ];
    for (what, (challenge, sig)) in cases {
        let (status, body) = server.post("/api/v1/sessions", json!({"certificate": b64(&user.der), "challenge": challenge, "signature": b64(&sig)})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(body["error"]["code"], "SIGNATURE_INVALID", "{what}");
    }
}

#[tokio::test]
async fn challenges_are_single_use_and_expire() {
    let server = TestServer::start().await;
    let user = server.user("赵六", 30);
    let challenge = server.challenge().await;
    let sig = user.sign("login", &server.origin, &challenge, "");
    let body =
        json!({"certificate": b64(&user.der), "challenge": challenge, "signature": b64(&sig)});
    assert_eq!(
        server.post("/api/v1/sessions", body.clone()).await.0,
        StatusCode::OK
    );
    let (status, replay) = server.post("/api/v1/sessions", body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay["error"]["code"], "CHALLENGE_INVALID");

    // A failed attempt uses the challenge up too: after a wrong signature, the right
    // one over the same challenge is refused.
    let challenge = server.challenge().await;
    let wrong = user.sign("login", "https://evil.example", &challenge, "");
    let (status, failed) = server.post("/api/v1/sessions", json!({"certificate": b64(&user.der), "challenge": challenge, "signature": b64(&wrong)})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed["error"]["code"], "SIGNATURE_INVALID");
    let right = user.sign("login", &server.origin, &challenge, "");
    let (status, after) = server.post("/api/v1/sessions", json!({"certificate": b64(&user.der), "challenge": challenge, "signature": b64(&right)})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{after}");
    assert_eq!(after["error"]["code"], "CHALLENGE_INVALID");

    // An expired challenge made with the server's own key (derived, as the server
    // does, from the KMC master key in its data directory): the expiry refuses it.
    let master = server::kmc::master::MasterKey::file(
        &server
            .dir
            .path()
            .join("data")
            .join("kmc")
            .join("master.pem"),
    )
    .unwrap();
    let key = server::identity::challenges::Key::derive(&master).unwrap();
    let now = server::clock::now_ms();
    let issued = protocol::ids::Challenge::parse(&server.challenge().await).unwrap();
    assert!(
        key.expiry(&issued).is_some(),
        "the test's key is the server's"
    );
    let old = key.mint(now - 1).to_string();
    let sig = user.sign("login", &server.origin, &old, "");
    let (status, expired) = server
        .post(
            "/api/v1/sessions",
            json!({"certificate": b64(&user.der), "challenge": old, "signature": b64(&sig)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired["error"]["code"], "CHALLENGE_INVALID");
    let (status, made_up) = server.post("/api/v1/sessions", json!({"certificate": b64(&user.der), "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "signature": b64(&[1, 2, 3])})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(made_up["error"]["code"], "CHALLENGE_INVALID");
}

#[tokio::test]
async fn one_open_renewal_per_certificate_and_no_cancel_after_payment() {
    let server = TestServer::start().await;
    let user = server.user("孙七", 30);
    let client = server.login(&user).await;
    let (status, first) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let no = first["business_no"].as_str().unwrap();
    let (status, second) = server.apply(&client, &user, "gd-med", 24).await;
    assert_eq!(status, StatusCode::CONFLICT, "{second}");
    assert_eq!(second["error"]["code"], "RENEWAL_OPEN");
    assert_eq!(second["error"]["details"]["business_no"], no);

    // A step refused after its signature was checked uses the challenge up as well.
    let body = server.apply_body(&user, "gd-med", 12).await;
    let (status, refused) = server
        .post_as(&client, "/api/v1/renewals", body.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "RENEWAL_OPEN");
    let (status, again) = server.post_as(&client, "/api/v1/renewals", body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{again}");
    assert_eq!(again["error"]["code"], "CHALLENGE_INVALID");

    let out_trade_no = server.pay(&client, no).await;
    server.gateway(&out_trade_no, "paid", 1, 0).await;
    let (status, body) = server
        .post_as(&client, &format!("/api/v1/renewals/{no}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "ILLEGAL_TRANSITION");
    assert_eq!(server.renewal(&client, no).await["status"], "in_review");
}

#[tokio::test]
async fn cancel_before_paying_frees_the_certificate() {
    let server = TestServer::start().await;
    let user = server.user("周八", 30);
    let client = server.login(&user).await;
    let (_, first) = server.apply(&client, &user, "gd-med", 12).await;
    let no = first["business_no"].as_str().unwrap();
    let (status, body) = server
        .post_as(&client, &format!("/api/v1/renewals/{no}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    // A closed renewal cannot be paid.
    let (status, body) = server
        .post_as(
            &client,
            &format!("/api/v1/renewals/{no}/payments"),
            json!({"method": "alipay", "invoice": {"kind": "paper", "title": "测试"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "ILLEGAL_TRANSITION");
    let (status, _) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a cancelled renewal no longer blocks a new one"
    );
}

#[tokio::test]
async fn invalid_applications_name_the_field_and_the_rule() {
    let server = TestServer::start().await;
    let user = server.user("吴九", 30);
    let client = server.login(&user).await;
    let mut application: serde_json::Value = serde_json::from_str(&application_json(12)).unwrap();
    application["operator"]["id_number"] = json!("110105194912310021");
    application["operator"]["mobile"] = json!("123");
    let bytes = application.to_string();
    let challenge = server.challenge().await;
    let sig = user.sign(
        "apply",
        &server.origin,
        &challenge,
        &sha256_hex(bytes.as_bytes()),
    );
    let (status, body) = server
        .post_as(&client, "/api/v1/renewals", json!({"project": "gd-med", "application": b64(bytes.as_bytes()), "challenge": challenge, "signature": b64(&sig)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["field"], "operator.id_number");
    assert_eq!(
        body["error"]["details"]["rule"],
        "id_number.bad_check_character"
    );
    assert_eq!(
        body["error"]["details"]["errors"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM renewals"),
        0,
        "nothing was stored"
    );
}

#[tokio::test]
async fn eligibility_without_login() {
    let server = TestServer::start().await;
    let soon = server.user("郑十", 30);
    let later = server.user("钱一", 200);
    let check = |der: Vec<u8>| {
        let server = &server;
        async move {
            server
                .post(
                    "/api/v1/eligibility",
                    json!({"project": "gd-med", "certificate": b64(&der)}),
                )
                .await
        }
    };
    let (status, body) = check(soon.der.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "eligible");
    assert!((29..=30).contains(&body["days_left"].as_i64().unwrap()));
    assert_eq!(check(later.der.clone()).await.1["status"], "too_early");

    // A certificate from another CA.
    let key = rcgen::KeyPair::generate().unwrap();
    let foreign = rcgen::CertificateParams::new(vec!["x".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    assert_eq!(
        check(foreign.der().to_vec()).await.1["status"],
        "unknown_issuer"
    );

    // Revoked by the CLI.
    let serial = certinfo::facts(&soon.der).unwrap().serial_hex;
    let (ok, _, err) = server.cli(&["admin", "revoke", "--serial", &serial]);
    assert!(ok, "{err}");
    assert_eq!(check(soon.der.clone()).await.1["status"], "revoked");
    let client = server.login(&later).await;
    let (status, body) = server.apply(&client, &later, "gd-med", 12).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "too early to apply: {body}");
    assert_eq!(body["error"]["code"], "NOT_ELIGIBLE");
}

#[tokio::test]
async fn openapi_and_ca_chain_are_served() {
    let server = TestServer::start().await;
    let (status, doc) = server.get_as(&server.client, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/renewals",
        "/api/v1/renewals/{business_no}/payments",
        "/api/v1/admin/renewals/{business_no}/approve",
        "/api/v1/challenges",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let (status, missing) = server.get_as(&server.client, "/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"]["code"], "NOT_FOUND");
    let (status, pem_text) = server.get_as(&server.client, "/api/v1/ca").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        pem_text
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let (_, projects) = server.get_as(&server.client, "/api/v1/projects").await;
    let names: Vec<&str> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name_zh"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "广东省医用耗材交易系统",
            "深圳市医用耗材阳光交易和监管平台",
            "广州国企阳光采购服务平台",
            "平安财智云",
            "广东省医用耗材交易系统（双证书）"
        ]
    );
}

#[tokio::test]
async fn unpaid_applications_expire_and_free_the_certificate() {
    let server = TestServer::start().await;
    let user = server.user("冯二", 30);
    let client = server.login(&user).await;
    let (_, first) = server.apply(&client, &user, "gd-med", 12).await;
    let no = first["business_no"].as_str().unwrap();
    let (ok, out, _) = server.cli(&["expire"]);
    assert!(ok);
    assert!(out.starts_with("0 "), "a fresh application stays: {out}");
    server.sql(&format!(
        "UPDATE renewals SET created_at = 0 WHERE business_no = '{no}'"
    ));
    let (ok, out, err) = server.cli(&["expire"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("1 "), "{out}");
    assert_eq!(server.renewal(&client, no).await["status"], "expired");
    assert_eq!(
        server.apply(&client, &user, "gd-med", 12).await.0,
        StatusCode::CREATED
    );
}
