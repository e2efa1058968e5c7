//! The HTTP edge over real HTTP (issue 9, items 5, 8, 9, 10): whose address a limit
//! counts, the security headers on every kind of answer, staff routes that refuse
//! before they read, and the limit on challenges.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

/// The per-minute challenge limit (server/src/state.rs).
const CHALLENGES_PER_MINUTE: usize = 60;

async fn challenge_from(server: &TestServer, forwarded: Option<&str>) -> StatusCode {
    let mut req = server
        .client
        .post(server.url("/api/v1/challenges"))
        .json(&json!({}));
    if let Some(addr) = forwarded {
        req = req
            .header("X-Forwarded-For", addr)
            .header("X-Real-IP", addr);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn challenges_are_limited_and_a_spoofed_forwarded_address_does_not_dodge_it() {
    // No trusted proxy: the test client (127.0.0.1) is the client, whatever it writes.
    let server = TestServer::start().await;
    for i in 0..CHALLENGES_PER_MINUTE {
        let spoofed = format!("198.51.100.{i}");
        assert_eq!(
            challenge_from(&server, Some(&spoofed)).await,
            StatusCode::OK,
            "challenge {i}"
        );
    }
    let r = server
        .client
        .post(server.url("/api/v1/challenges"))
        .header("X-Forwarded-For", "203.0.113.77")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED", "{body}");
    // Eligibility counts the same address the same way.
    for i in 0..120 {
        let status = server
            .client
            .post(server.url("/api/v1/eligibility"))
            .header("X-Forwarded-For", format!("192.0.2.{i}"))
            .json(&json!({"project": "nonexistent", "certificate": ""}))
            .send()
            .await
            .unwrap()
            .status();
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "check {i}");
    }
    let status = server
        .client
        .post(server.url("/api/v1/eligibility"))
        .header("X-Forwarded-For", "192.0.2.200")
        .json(&json!({"project": "nonexistent", "certificate": ""}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_count() {
    let server = TestServer::start_with(&[("CERTRENEW_TRUSTED_PROXIES", "127.0.0.1, ::1")]).await;
    // nginx appends the address it saw: whatever the client wrote to the left is ignored.
    let a = "10.9.9.9, 198.51.100.1";
    for i in 0..CHALLENGES_PER_MINUTE {
        assert_eq!(
            challenge_from(&server, Some(a)).await,
            StatusCode::OK,
            "{i}"
        );
    }
    assert_eq!(
        challenge_from(&server, Some(a)).await,
        StatusCode::TOO_MANY_REQUESTS,
        "client A used its minute"
    );
    assert_eq!(
        challenge_from(&server, Some("10.9.9.9, 198.51.100.2")).await,
        StatusCode::OK,
        "client B behind the same proxy is not limited by A"
    );
    // X-Real-IP alone names a client too.
    let r = server
        .client
        .post(server.url("/api/v1/challenges"))
        .header("X-Real-IP", "198.51.100.3")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_bad_trusted_proxies_setting_stops_the_server_with_its_name() {
    let server = TestServer::stopped(&[("CERTRENEW_TRUSTED_PROXIES", "proxy.example")]);
    let mut child = server
        .command()
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A server that ignored the setting would serve on: give it ten seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started with trusted_proxies it cannot read");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CERTRENEW_TRUSTED_PROXIES"), "{err}");
}

fn assert_secured(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("base-uri 'none'"), "{what}: {csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert!(h.contains_key("referrer-policy"), "{what}");
    // The test origin is plain http: no HSTS (an https one gets it: the unit tests in
    // server/src/security_headers.rs).
    assert!(!h.contains_key("strict-transport-security"), "{what}");
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    std::fs::write(dist.path().join("app-1.js"), "export default 1;").unwrap();
    std::fs::create_dir(dist.path().join("downloads")).unwrap();
    let server = TestServer::start_with(&[
        ("CERTRENEW_DIST_DIR", dist.path().to_str().unwrap()),
        ("CERTRENEW_SANDBOX", "1"),
    ])
    .await;
    let get = |path: &'static str| {
        let url = server.url(path);
        let client = server.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let cases = [
        ("/", StatusCode::OK, "app page"),
        ("/renewals/01202501020000003", StatusCode::OK, "app route"),
        ("/app-1.js", StatusCode::OK, "static file"),
        ("/downloads/none", StatusCode::NOT_FOUND, "missing file"),
        ("/api/v1/projects", StatusCode::OK, "API"),
        ("/api/v1/nothing", StatusCode::NOT_FOUND, "API error"),
        (
            "/api/v1/admin/renewals",
            StatusCode::UNAUTHORIZED,
            "staff API",
        ),
        (
            "/sandbox/liveness/01202501020000003",
            StatusCode::OK,
            "sandbox page",
        ),
        (
            "/sandbox/alipay/orders/none",
            StatusCode::NOT_FOUND,
            "sandbox error",
        ),
    ];
    for (path, status, what) in cases {
        let r = get(path).await;
        assert_eq!(r.status(), status, "{what} {path}");
        assert_secured(&r, what);
    }
    // The app's policy: its own scripts and wasm only, nothing inline.
    let r = get("/").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // A wrong method and a malformed body are answers too.
    let r = server
        .client
        .put(server.url("/api/v1/projects"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_secured(&r, "405");
    let r = server
        .client
        .post(server.url("/api/v1/renewals"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    assert_secured(&r, "bad body");
}

#[tokio::test]
async fn anonymous_staff_calls_are_refused_before_their_body_is_read() {
    let server = TestServer::start().await;
    for (path, body) in [
        ("/api/v1/admin/payments/x/reconcile", "{not json"),
        ("/api/v1/admin/renewals/01202501020000003/approve", "[]"),
        ("/api/v1/admin/refunds/x/done", ""),
    ] {
        let r = server
            .client
            .post(server.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "UNAUTHENTICATED", "{path}: {body}");
    }
    // A cookie that is no session is no better.
    let r = server
        .client
        .post(server.url("/api/v1/admin/payments/x/reconcile"))
        .header("cookie", "certrenew_staff=forged")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Signing in and the session probe stay open.
    let (status, body) = server.get_as(&server.client, "/api/v1/admin/session").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = server
        .post(
            "/api/v1/admin/login",
            json!({"username": "nobody", "password": "wrong password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_staff_session_without_the_csrf_token_is_refused_before_the_body_is_read() {
    let server = TestServer::start().await;
    let (staff, csrf) = server.staff("fin-edge", "finance").await;
    let r = staff
        .post(server.url("/api/v1/admin/payments/x/reconcile"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "CSRF_FAILED", "{body}");
    // With the token the handler runs and reads the body.
    let r = staff
        .post(server.url("/api/v1/admin/payments/x/reconcile"))
        .header("content-type", "application/json")
        .header("x-csrf-token", &csrf)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// SMS codes per client address in an hour (server/src/expired/login.rs).
const SMS_PER_CLIENT: usize = 20;

async fn sms_code_from(server: &TestServer, forwarded: &str, n: usize) -> StatusCode {
    server
        .client
        .post(server.url("/api/v1/expired/sms-codes"))
        .header("X-Forwarded-For", forwarded)
        .json(&json!({ "mobile": format!("139{n:08}") }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn sms_codes_are_counted_per_forwarded_client_only_behind_a_trusted_proxy() {
    let direct = TestServer::start().await;
    for n in 0..SMS_PER_CLIENT {
        let spoofed = format!("198.51.100.{n}");
        assert_eq!(
            sms_code_from(&direct, &spoofed, n).await,
            StatusCode::OK,
            "{n}"
        );
    }
    assert_eq!(
        sms_code_from(&direct, "198.51.100.250", 99).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a spoofed X-Forwarded-For from an untrusted peer is the same client"
    );
    let proxied = TestServer::start_with(&[("CERTRENEW_TRUSTED_PROXIES", "127.0.0.0/8")]).await;
    for n in 0..SMS_PER_CLIENT {
        assert_eq!(
            sms_code_from(&proxied, "198.51.100.1", n).await,
            StatusCode::OK,
            "{n}"
        );
    }
    assert_eq!(
        sms_code_from(&proxied, "198.51.100.1", 98).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sms_code_from(&proxied, "198.51.100.2", 99).await,
        StatusCode::OK,
        "another user behind the proxy still gets a code"
    );
}
